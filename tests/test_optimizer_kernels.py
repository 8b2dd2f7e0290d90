"""Optimizer update kernels against float64 numpy formulas and against numbers from real Keras
optimizers; gradient utilities; thread-count independence; validation before modification."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import using_threads
from ember import _C

TOL = dict(atol=1e-5, rtol=1e-4)
SHAPES = [(3, 4), (17,), (), (2, 3, 5), (40_000,), (0,)]


def tensors(rng, shapes=SHAPES, scale=1.0, positive=False):
    out = []
    for s in shapes:
        a = rng.standard_normal(s) * scale
        out.append(np.asarray(abs(a) if positive else a, dtype=np.float32))
    return out


def copies(arrays):
    return [a.copy() for a in arrays]


def f64(arrays):
    return [a.astype(np.float64) for a in arrays]


def assert_lists_close(got, want, **tol):
    assert len(got) == len(want)
    for i, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, **(tol or TOL), err_msg=f"array {i}")


# ---- float64 references, from the update rules in keras/src/optimizers/*.py ----


def sgd64(p, g, v, lr, momentum, nesterov):
    if v is None:
        return p - lr * g, None
    v = momentum * v - lr * g
    return p + (momentum * v - lr * g if nesterov else v), v


def adam64(p, g, m, v, vhat, lr, b1, b2, eps, step):
    alpha = lr * math.sqrt(1 - b2**step) / (1 - b1**step)
    m = m + (g - m) * (1 - b1)
    v = v + (g * g - v) * (1 - b2)
    if vhat is not None:
        vhat = np.maximum(vhat, v)
    return p - m * alpha / (np.sqrt(v if vhat is None else vhat) + eps), m, v, vhat


def rmsprop64(p, g, vel, mom, avg, lr, rho, momentum, eps, centered):
    vel = rho * vel + (1 - rho) * g * g
    if centered:
        avg = rho * avg + (1 - rho) * g
        denom = vel - avg * avg + eps
    else:
        denom = vel + eps
    inc = lr * g / np.sqrt(denom)
    if mom is not None:
        mom = momentum * mom + inc
        return p - mom, vel, mom, avg
    return p - inc, vel, mom, avg


def adagrad64(p, g, acc, lr, eps):
    acc = acc + g * g
    return p - lr * g / np.sqrt(acc + eps), acc


STEPS = 3


@pytest.mark.parametrize("momentum,nesterov", [(None, False), (0.9, False), (0.9, True)])
def test_sgd(impl, momentum, nesterov, rng):
    params = tensors(rng)
    vel = None if momentum is None else tensors(rng, scale=0.1)
    want_p, want_v = f64(params), None if vel is None else f64(vel)
    for _ in range(STEPS):
        grads = tensors(rng)
        impl.sgd_update(params, grads, vel, lr=0.05, momentum=momentum or 0.0, nesterov=nesterov)
        for i, g in enumerate(f64(grads)):
            want_p[i], v = sgd64(
                want_p[i], g, None if vel is None else want_v[i], 0.05, momentum, nesterov
            )
            if vel is not None:
                want_v[i] = v
    assert_lists_close(params, want_p)
    if vel is not None:
        assert_lists_close(vel, want_v)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam(impl, amsgrad, rng):
    params = tensors(rng)
    m, v = tensors(rng, scale=0.1), tensors(rng, scale=0.1, positive=True)
    vhat = copies(v) if amsgrad else None
    want = [f64(params), f64(m), f64(v), f64(vhat) if amsgrad else [None] * len(params)]
    for step in range(1, STEPS + 1):
        grads = tensors(rng)
        impl.adam_update(
            params, grads, m, v, vhat, lr=0.01, beta1=0.9, beta2=0.999, epsilon=1e-7, step=step
        )
        for i, g in enumerate(f64(grads)):
            out = adam64(
                want[0][i], g, want[1][i], want[2][i], want[3][i], 0.01, 0.9, 0.999, 1e-7, step
            )
            for k in range(4):
                want[k][i] = out[k]
    assert_lists_close(params, want[0])
    assert_lists_close(m, want[1])
    assert_lists_close(v, want[2])
    if amsgrad:
        assert_lists_close(vhat, want[3])


@pytest.mark.parametrize("momentum", [0.0, 0.5])
@pytest.mark.parametrize("centered", [False, True])
def test_rmsprop(impl, momentum, centered, rng):
    params = tensors(rng)
    # States an RMSprop run can reach: vel >= avg^2 (+ a margin, so no sqrt of a negative).
    vel = [np.asarray(v + 0.01, np.float32) for v in tensors(rng, scale=0.5, positive=True)]
    mom = tensors(rng, scale=0.1) if momentum else None
    avg = tensors(rng, scale=0.01) if centered else None
    want = [f64(params), f64(vel)]
    want += [f64(mom) if mom else [None] * 6, f64(avg) if avg else [None] * 6]
    for _ in range(STEPS):
        grads = tensors(rng)
        impl.rmsprop_update(
            params,
            grads,
            vel,
            mom,
            avg,
            lr=0.01,
            rho=0.9,
            momentum=momentum,
            epsilon=1e-7,
            centered=centered,
        )
        for i, g in enumerate(f64(grads)):
            out = rmsprop64(
                want[0][i],
                g,
                want[1][i],
                want[2][i],
                want[3][i],
                0.01,
                0.9,
                momentum,
                1e-7,
                centered,
            )
            for k in range(4):
                want[k][i] = out[k]
    assert_lists_close(params, want[0])
    assert_lists_close(vel, want[1])
    if mom:
        assert_lists_close(mom, want[2])
    if avg:
        assert_lists_close(avg, want[3])


def test_adagrad(impl, rng):
    params = tensors(rng)
    acc = [np.full(s, 0.1, np.float32) for s in SHAPES]
    want_p, want_acc = f64(params), f64(acc)
    for _ in range(STEPS):
        grads = tensors(rng)
        impl.adagrad_update(params, grads, acc, lr=0.1, epsilon=1e-7)
        for i, g in enumerate(f64(grads)):
            want_p[i], want_acc[i] = adagrad64(want_p[i], g, want_acc[i], 0.1, 1e-7)
    assert_lists_close(params, want_p)
    assert_lists_close(acc, want_acc)


def test_gradient_utilities(impl, rng):
    arrays = tensors(rng)
    want = math.sqrt(sum((a.astype(np.float64) ** 2).sum() for a in arrays))
    assert impl.global_norm(arrays) == pytest.approx(want, rel=1e-12)
    assert impl.global_norm([]) == 0.0
    # Any real dtype and layout is read.
    assert impl.global_norm([arrays[0].T, arrays[1].astype(np.float64)]) == pytest.approx(
        math.sqrt((arrays[0].astype(np.float64) ** 2).sum() + (arrays[1] ** 2.0).sum()), rel=1e-7
    )
    before = f64(arrays)
    impl.scale_(arrays, 0.25)
    assert_lists_close(arrays, [a * 0.25 for a in before], atol=0, rtol=1e-7)
    arrays[0].flat[0] = np.nan
    impl.clip_(arrays, -0.1, 0.2)
    assert np.isnan(arrays[0].flat[0])
    for a, b in zip(arrays[1:], before[1:]):
        np.testing.assert_array_equal(a, np.clip(b * 0.25, -0.1, 0.2).astype(np.float32))
    params = tensors(rng)
    before = f64(params)
    impl.weight_decay_(params, factor=0.01)
    assert_lists_close(params, [p - p * 0.01 for p in before], atol=0, rtol=1e-6)


def test_optimized_and_reference_agree(rng):
    """Same float32 formulas in the same order: the optimized kernels and the double-precision
    reference round to (nearly) the same floats."""
    for name in ("sgd", "adam", "rmsprop", "adagrad"):
        # Keras' initial states: zeros, and 0.1 for Adagrad's accumulators.
        zero = [np.zeros(s, np.float32) for s in SHAPES]
        states = dict(p=tensors(rng), m=zero, v=zero, avg=zero)
        states["acc"] = [np.full_like(a, 0.1) for a in zero]
        runs = []
        for mod in (_C, _C.ref):
            s = {k: copies(v) for k, v in states.items()}
            local = np.random.default_rng(5)
            for step in (1, 2):
                g = tensors(local)
                if name == "sgd":
                    mod.sgd_update(s["p"], g, s["m"], lr=0.1, momentum=0.9, nesterov=True)
                elif name == "adam":
                    mod.adam_update(
                        s["p"],
                        g,
                        s["m"],
                        s["v"],
                        s["avg"],
                        lr=0.01,
                        beta1=0.9,
                        beta2=0.999,
                        epsilon=1e-7,
                        step=step,
                    )
                elif name == "rmsprop":
                    mod.rmsprop_update(
                        s["p"],
                        g,
                        s["v"],
                        s["m"],
                        s["avg"],
                        lr=0.01,
                        rho=0.9,
                        momentum=0.5,
                        epsilon=1e-7,
                        centered=True,
                    )
                else:
                    mod.adagrad_update(s["p"], g, s["acc"], lr=0.1, epsilon=1e-7)
            runs.append(s)
        for k in states:
            assert_lists_close(runs[0][k], runs[1][k], atol=1e-6, rtol=1e-6)


def test_results_do_not_depend_on_thread_count(rng):
    shapes = [(300, 400), (50_001,), (7,), (65, 1000)]
    start = {k: tensors(rng, shapes, positive=k == "v") for k in ("p", "m", "v", "g")}

    def run():
        s = {k: copies(v) for k, v in start.items()}
        _C.adam_update(
            s["p"],
            s["g"],
            s["m"],
            s["v"],
            None,
            lr=0.01,
            beta1=0.9,
            beta2=0.999,
            epsilon=1e-7,
            step=3,
        )
        _C.rmsprop_update(
            s["p"],
            s["g"],
            s["v"],
            s["m"],
            None,
            lr=0.01,
            rho=0.9,
            momentum=0.5,
            epsilon=1e-7,
            centered=False,
        )
        _C.sgd_update(s["p"], s["g"], s["m"], lr=0.1, momentum=0.9, nesterov=False)
        _C.clip_(s["g"], -0.5, 0.5)
        return s, _C.global_norm(start["g"] + start["p"])

    with using_threads(1):
        one, norm1 = run()
    with using_threads(2):
        two, norm2 = run()
    assert norm1 == norm2
    for k in one:
        for a, b in zip(one[k], two[k]):
            np.testing.assert_array_equal(a, b)


# ---- against Keras ----
#
# Checked with Keras 3.15.1 (TensorFlow 2.21 backend) in a separate environment: each optimizer
# below applied 3 steps of optimizer.apply_gradients(zip(keras_grads(k), variables)) for
# k = 1, 2, 3 to keras.Variable(a) for a in keras_start(); KERAS_FINAL holds the variables
# afterwards. Keras applies weight decay as p -= p * weight_decay * lr before each update.


def keras_start():
    return [
        np.array([0.5, -1.25, 2.0, -0.125, 3.0], np.float32),
        np.array([[0.3, -0.7, 1.1], [-2.2, 0.05, 0.9]], np.float32),
    ]


def keras_grads(k):
    return [
        np.array(
            [0.1 * k - 0.3, 0.7 / k, -1.1 + 0.2 * k, 0.05 * k * k, -2.0 * (-1) ** k], np.float32
        ),
        np.array([[0.2 * k, -0.4, 0.0], [1.5 / k, -0.3 * k, 0.01]], np.float32),
    ]


# name -> (keras class and arguments, final variables flattened)
# fmt: off
KERAS_FINAL = {
    "sgd": ("SGD(learning_rate=0.1)", [
        [0.5299999713897705, -1.378333330154419, 2.2099997997283936, -0.19499999284744263,
         2.799999952316284],
        [0.17999999225139618, -0.5799999237060547, 1.100000023841858, -2.4750001430511475,
         0.22999998927116394, 0.8970000147819519]]),
    "sgd_momentum": ("SGD(learning_rate=0.1, momentum=0.9)", [
        [0.573199987411499, -1.5295333862304688, 2.4268999099731445, -0.22154998779296875,
         2.638000011444092],
        [0.10979999601840973, -0.475600004196167, 1.100000023841858, -2.7990002632141113,
         0.3352999985218048, 0.8943899869918823]]),
    "sgd_nesterov": ("SGD(learning_rate=0.1, momentum=0.9, nesterov=True)", [
        [0.5958799719810486, -1.6299134492874146, 2.594209909439087, -0.2818949818611145,
         2.4741997718811035],
        [0.008819997310638428, -0.3780399560928345, 1.100000023841858, -3.0141000747680664,
         0.48677003383636475, 0.8919509649276733]]),
    "sgd_weight_decay": ("SGD(learning_rate=0.1, momentum=0.5, weight_decay=0.05)", [
        [0.5422378778457642, -1.42862868309021, 2.281177043914795, -0.20672199130058289,
         2.706719160079956],
        [0.14097191393375397, -0.5202513933181763, 1.0835824012756348, -2.589918851852417,
         0.28107950091362, 0.8823348879814148]]),
    "adam": ("Adam(learning_rate=0.01)", [
        [0.5265269875526428, -1.2780530452728271, 2.0294029712677, -0.15249700844287872,
         2.987168550491333],
        [0.2707686424255371, -0.6700003147125244, 1.100000023841858, -2.228053331375122,
         0.07923145592212677, 0.8700073957443237]]),
    "adam_amsgrad": ("Adam(learning_rate=0.01, amsgrad=True)", [
        [0.5265233516693115, -1.2780530452728271, 2.0294029712677, -0.15249700844287872,
         2.987168550491333],
        [0.2707686424255371, -0.6700003147125244, 1.100000023841858, -2.228053331375122,
         0.07923145592212677, 0.8700073957443237]]),
    "adam_custom": ("Adam(learning_rate=0.05, beta_1=0.8, beta_2=0.99, epsilon=1e-3)", [
        [0.623117208480835, -1.3858691453933716, 2.1443288326263428, -0.2551257312297821,
         2.9386212825775146],
        [0.15543055534362793, -0.5528051257133484, 1.100000023841858, -2.336820602416992,
         0.19590705633163452, 0.8141005039215088]]),
    "adamw": ("AdamW(learning_rate=0.01, weight_decay=0.1)", [
        [0.52499920129776, -1.2742774486541748, 2.02337908744812, -0.1520935446023941,
         2.9781970977783203],
        [0.2698991894721985, -0.667932391166687, 1.0967034101486206, -2.221430778503418,
         0.07905196398496628, 0.867340087890625]]),
    "rmsprop": ("RMSprop(learning_rate=0.01)", [
        [0.5463664531707764, -1.3062130212783813, 2.0652947425842285, -0.21640092134475708,
         2.972109317779541],
        [0.2138999104499817, -0.6262263059616089, 1.100000023841858, -2.2562131881713867,
         0.1361003816127777, 0.8264786005020142]]),
    "rmsprop_momentum": ("RMSprop(learning_rate=0.01, momentum=0.5)", [
        [0.5774552822113037, -1.3373022079467773, 2.099036455154419, -0.25549769401550293,
         2.9598629474639893],
        [0.17589744925498962, -0.5910385251045227, 1.100000023841858, -2.287302017211914,
         0.1741030216217041, 0.7914385199546814]]),
    "rmsprop_centered": ("RMSprop(learning_rate=0.01, centered=True)", [
        [0.5495207905769348, -1.310680627822876, 2.071369171142578, -0.22372305393218994,
         2.970104455947876],
        [0.20566174387931824, -0.6186777949333191, 1.100000023841858, -2.260680913925171,
         0.14433859288692474, 0.8190004229545593]]),
    "rmsprop_both": (
        "RMSprop(learning_rate=0.01, rho=0.8, momentum=0.3, centered=True, epsilon=1e-4)", [
        [0.5515574216842651, -1.3117706775665283, 2.0726029872894287, -0.21473926305770874,
         2.972219705581665],
        [0.2085168957710266, -0.6182901859283447, 1.100000023841858, -2.2618045806884766,
         0.14167770743370056, 0.8664295673370361]]),
    "adagrad": ("Adagrad(learning_rate=0.1)  # initial_accumulator_value=0.1", [
        [0.5792721509933472, -1.409240484237671, 2.1924312114715576, -0.27021172642707825,
         2.914003849029541],
        [0.09966322779655457, -0.5073096752166748, 1.100000023841858, -2.3699121475219727,
         0.27690303325653076, 0.8905225992202759]]),
}
# fmt: on
KERAS_GLOBAL_NORM_OF_GRADS_2 = 2.4300410747528076  # keras.src.optimizers.base_optimizer


def zeros():
    return [np.zeros_like(a) for a in keras_start()]


def run_like_keras(mod, name):
    p = keras_start()
    m, v, extra = zeros(), zeros(), zeros()
    acc = [np.full_like(a, 0.1) for a in p]
    for k in (1, 2, 3):
        g = keras_grads(k)
        if name == "sgd":
            mod.sgd_update(p, g, None, lr=0.1, momentum=0.0, nesterov=False)
        elif name == "sgd_momentum":
            mod.sgd_update(p, g, m, lr=0.1, momentum=0.9, nesterov=False)
        elif name == "sgd_nesterov":
            mod.sgd_update(p, g, m, lr=0.1, momentum=0.9, nesterov=True)
        elif name == "sgd_weight_decay":
            mod.weight_decay_(p, factor=0.05 * 0.1)
            mod.sgd_update(p, g, m, lr=0.1, momentum=0.5, nesterov=False)
        elif name in ("adam", "adam_amsgrad", "adamw"):
            if name == "adamw":
                mod.weight_decay_(p, factor=0.1 * 0.01)
            vhat = extra if name == "adam_amsgrad" else None
            mod.adam_update(p, g, m, v, vhat, lr=0.01, beta1=0.9, beta2=0.999, epsilon=1e-7, step=k)
        elif name == "adam_custom":
            mod.adam_update(p, g, m, v, None, lr=0.05, beta1=0.8, beta2=0.99, epsilon=1e-3, step=k)
        elif name.startswith("rmsprop"):
            both = name == "rmsprop_both"
            momentum = 0.3 if both else 0.5 if name == "rmsprop_momentum" else 0.0
            centered = both or name == "rmsprop_centered"
            mod.rmsprop_update(
                p,
                g,
                v,
                m if momentum else None,
                extra if centered else None,
                lr=0.01,
                rho=0.8 if both else 0.9,
                momentum=momentum,
                epsilon=1e-4 if both else 1e-7,
                centered=centered,
            )
        else:
            mod.adagrad_update(p, g, acc, lr=0.1, epsilon=1e-7)
    return p


@pytest.mark.parametrize("name", list(KERAS_FINAL))
def test_matches_keras(impl, name):
    """The kernels evaluate Keras' float32 expressions in Keras' order, so three steps land
    within a few float32 ulps of the real optimizers."""
    got = run_like_keras(impl, name)
    for a, want in zip(got, KERAS_FINAL[name][1]):
        np.testing.assert_allclose(a.ravel(), want, rtol=2e-6, atol=1e-7)


def test_global_norm_matches_keras(impl):
    assert impl.global_norm(keras_grads(2)) == pytest.approx(KERAS_GLOBAL_NORM_OF_GRADS_2, 1e-7)


def test_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    params = tensors(rng, [(5, 7), (11,)])
    grads_seq = [tensors(rng, [(5, 7), (11,)]) for _ in range(3)]
    tp = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    # torch's Adam puts eps outside sqrt(v_hat) with the bias corrections split differently;
    # Keras' form is eps_hat = eps * sqrt(1 - beta2^t), the same update.
    opt = torch.optim.Adam(tp, lr=0.01, betas=(0.9, 0.999), eps=1e-7)
    m, v = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
    for step, grads in enumerate(grads_seq, start=1):
        for t, g in zip(tp, grads):
            t.grad = torch.tensor(g)
        opt.step()
        beta2_corr = math.sqrt(1 - 0.999**step)
        _C.adam_update(
            params,
            grads,
            m,
            v,
            None,
            lr=0.01,
            beta1=0.9,
            beta2=0.999,
            epsilon=1e-7 * beta2_corr,
            step=step,
        )
    assert_lists_close(params, [t.detach().numpy() for t in tp], atol=1e-6, rtol=1e-5)


# ---- validation happens before anything is modified ----


@pytest.mark.parametrize("k", [_C, _C.ref], ids=["opt", "ref"])
def test_bad_input_leaves_everything_untouched(k, rng):
    params = tensors(rng, [(2, 3), (4,)])
    grads = tensors(rng, [(2, 3), (4,)])
    m, v = tensors(rng, [(2, 3), (4,)]), tensors(rng, [(2, 3), (4,)], positive=True)
    snapshot = [a.copy() for a in params + m + v]
    call = dict(params=params, grads=grads, m=m, v=v, vhat=None)
    call.update(lr=0.1, beta1=0.9, beta2=0.999, epsilon=1e-7, step=1)

    def check(error, pattern, **changes):
        with pytest.raises(error, match=pattern):
            k.adam_update(**{**call, **changes})
        for a, b in zip(params + m + v, snapshot):
            np.testing.assert_array_equal(a, b)

    check(
        ValueError,
        r"grads must hold 2 arrays \(one per entry of params\), received 1",
        grads=grads[:1],
    )
    check(
        ValueError,
        r"v\[1\] must have shape \(4,\) \(the shape of params\[1\]\), received "
        r"\(5,\)",
        v=[v[0], np.ones(5, np.float32)],
    )
    check(
        TypeError,
        r"m\[1\] must be a writable C-contiguous float32 array .*received float64",
        m=[m[0], m[1].astype(np.float64)],
    )
    ro = m[1].copy()
    ro.flags.writeable = False
    check(TypeError, r"m\[1\] .*received a read-only array", m=[m[0], ro])
    check(
        TypeError,
        r"params\[0\] .*received a non-contiguous array",
        params=[np.ones((3, 2), np.float32).T, params[1]],
    )
    check(
        TypeError, r"m\[0\] must be a writable .*numpy array .*received list", m=[[1.0] * 6, m[1]]
    )
    check(
        TypeError,
        r"adam_update: v must be a list or tuple of arrays, received numpy.ndarray",
        v=v[0],
    )
    check(ValueError, r"vhat must hold 2 arrays", vhat=[v[0]])
    check(
        ValueError,
        r"params\[0\] and m\[0\] share memory; every array an update writes must be distinct",
        m=[params[0], m[1]],
    )
    check(ValueError, r"v\[0\] and v\[1\] share memory", v=[v[0], v[0].reshape(-1)[:4]])
    check(ValueError, r"step must be >= 1 \(the 1-based iteration count\), received 0", step=0)
    check(ValueError, r"beta1 must be in \[0, 1\), received 1.0", beta1=1.0)
    check(
        TypeError,
        r"grads\[1\] must hold real numbers",
        grads=[grads[0], grads[1].astype(np.complex64)],
    )


@pytest.mark.parametrize("k", [_C, _C.ref], ids=["opt", "ref"])
def test_other_bad_input(k, rng):
    p = tensors(rng, [(3,)])
    with pytest.raises(ValueError, match=r"rmsprop_update: momentum is 0.5 but momentum_buf is"):
        k.rmsprop_update(
            p, p, copies(p), None, None, lr=0.1, rho=0.9, momentum=0.5, epsilon=1e-7, centered=False
        )
    with pytest.raises(ValueError, match=r"centered=True needs average_grad"):
        k.rmsprop_update(
            p, p, copies(p), None, None, lr=0.1, rho=0.9, momentum=0.0, epsilon=1e-7, centered=True
        )
    with pytest.raises(ValueError, match=r"average_grad is only used with centered=True"):
        k.rmsprop_update(
            p,
            p,
            copies(p),
            None,
            copies(p),
            lr=0.1,
            rho=0.9,
            momentum=0.0,
            epsilon=1e-7,
            centered=False,
        )
    with pytest.raises(ValueError, match=r"sgd_update: velocities must hold 1 arrays"):
        k.sgd_update(p, p, [], lr=0.1, momentum=0.9, nesterov=False)
    with pytest.raises(ValueError, match=r"adagrad_update: accumulators\[0\] must have shape"):
        k.adagrad_update(p, p, [np.ones(4, np.float32)], lr=0.1, epsilon=1e-7)
    with pytest.raises(ValueError, match=r"clip_: lo must be <= hi, received lo=1.0, hi=0.0"):
        k.clip_(p, 1.0, 0.0)
    with pytest.raises(ValueError, match=r"scale_: arrays\[0\] and arrays\[1\] share memory"):
        k.scale_([p[0], p[0]], 2.0)
    with pytest.raises(TypeError, match=r"weight_decay_: params must be a list or tuple"):
        k.weight_decay_(p[0], factor=0.1)
    with pytest.raises(TypeError, match=r"global_norm: arrays\[0\] must be an array, received"):
        k.global_norm([None])
    with pytest.raises(TypeError, match=r"scale_: arrays\[0\] .*received numpy.float32"):
        k.scale_([np.float32(1)], 2.0)


def test_grads_of_other_dtypes_and_layouts_are_read(impl, rng):
    params = tensors(rng, [(4, 3)])
    twin = copies(params)
    g = rng.standard_normal((3, 4))
    impl.sgd_update(params, [g.T], None, lr=0.1, momentum=0.0, nesterov=False)
    impl.sgd_update(
        twin, [np.ascontiguousarray(g.T, np.float32)], None, lr=0.1, momentum=0.0, nesterov=False
    )
    np.testing.assert_array_equal(params[0], twin[0])
