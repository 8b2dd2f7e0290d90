"""Activations, the general ReLU and (log-)softmax against float64 numpy formulas written here
independently, for every implementation (each ISA of ember._C and ember._C.ref), with outputs
poisoned with NaN; finite differences for every backward; thread-count independence; Keras 3 and
PyTorch cross-checks; bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import poisoned, using_threads
from ember import _C

TOL = dict(atol=1e-5, rtol=1e-4)
GRAD_TOL = dict(atol=1e-4, rtol=1e-3)

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_erf = np.frompyfunc(math.erf, 1, 1)


def erf(x):
    return np.asarray(_erf(x), dtype=np.float64)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # no overflow warnings for large |x|


def gelu_tanh_parts(x):
    c = math.sqrt(2.0 / math.pi)
    t = np.tanh(c * (x + 0.044715 * x**3))
    return t, c * (1.0 + 3.0 * 0.044715 * x**2)


# name -> (f(x, alpha), f'(x, alpha), kinks where the derivative or its slope jumps)
ACTIVATIONS = {
    "linear": (lambda x, a: x, lambda x, a: np.ones_like(x), []),
    "relu": (lambda x, a: np.maximum(x, 0), lambda x, a: (x > 0) * 1.0, [0.0]),
    "relu6": (lambda x, a: np.clip(x, 0, 6), lambda x, a: ((x > 0) & (x < 6)) * 1.0, [0.0, 6.0]),
    "leaky_relu": (lambda x, a: np.where(x > 0, x, a * x), lambda x, a: np.where(x > 0, 1, a), [0]),
    "sigmoid": (lambda x, a: sigmoid(x), lambda x, a: sigmoid(x) * (1 - sigmoid(x)), []),
    "tanh": (lambda x, a: np.tanh(x), lambda x, a: 1 - np.tanh(x) ** 2, []),
    "elu": (
        lambda x, a: np.where(x > 0, x, a * np.expm1(np.minimum(x, 0))),
        lambda x, a: np.where(x > 0, 1, a * np.exp(np.minimum(x, 0))),
        [0.0],
    ),
    "selu": (
        lambda x, a: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
        lambda x, a: SELU_SCALE * np.where(x < 0, SELU_ALPHA * np.exp(np.minimum(x, 0)), 1),
        [0.0],
    ),
    "softplus": (lambda x, a: np.logaddexp(0, x), lambda x, a: sigmoid(x), []),
    "softsign": (lambda x, a: x / (1 + abs(x)), lambda x, a: 1 / (1 + abs(x)) ** 2, [0.0]),
    "swish": (
        lambda x, a: x * sigmoid(x),
        lambda x, a: sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x)),
        [],
    ),
    "gelu": (
        lambda x, a: 0.5 * x * (1 + erf(x / math.sqrt(2))),
        lambda x, a: (
            0.5 * (1 + erf(x / math.sqrt(2))) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        ),
        [],
    ),
    "gelu_tanh": (
        lambda x, a: 0.5 * x * (1 + gelu_tanh_parts(x)[0]),
        lambda x, a: (
            0.5 * (1 + gelu_tanh_parts(x)[0])
            + 0.5 * x * (1 - gelu_tanh_parts(x)[0] ** 2) * gelu_tanh_parts(x)[1]
        ),
        [],
    ),
    "hard_sigmoid": (
        lambda x, a: np.clip(x + 3, 0, 6) / 6,
        lambda x, a: ((x > -3) & (x < 3)) / 6.0,
        [-3.0, 3.0],
    ),
    "exponential": (lambda x, a: np.exp(x), lambda x, a: np.exp(x), []),
}
NAMES = list(ACTIVATIONS)
# The alpha each test passes (only leaky_relu and elu read it).
ALPHA = {"leaky_relu": 0.3, "elu": 0.7}
# Backward from y alone works for these (with the alphas above).
FROM_Y = {"relu", "relu6", "leaky_relu", "sigmoid", "tanh", "elu", "selu", "hard_sigmoid"}
FROM_Y |= {"exponential"}


def inputs(rng, shape, lo=-8.0, hi=8.0, away_from=()):
    """Float32 values spread over [lo, hi], plus exact zeros and saturating values, nudged at
    least 0.05 away from the given kinks (derivatives are only compared off the kinks)."""
    x = rng.uniform(lo, hi, shape)
    for k in away_from:
        near = abs(x - k) < 0.05
        x[near] = k + np.where(x[near] >= k, 0.05, -0.05)
    return x.astype(np.float32)


SHAPES = [(), (1,), (7,), (3, 5, 17), (2, 1031)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_float64(impl, name, shape, rng):
    f, _, _ = ACTIVATIONS[name]
    alpha = ALPHA.get(name, 0.0)
    x = inputs(rng, shape)
    if x.size >= 7:  # values where approximations switch branches or saturate
        x.flat[:7] = [0.0, -0.0, 1e-7, -0.3, 0.55, -20.0, 30.0][: x.size]
    if name == "exponential":
        x = np.clip(x, -80, 80)
    y = impl.activation_forward(x, name, alpha=alpha, out=poisoned(x.shape))
    np.testing.assert_allclose(y, f(x.astype(np.float64), alpha), **TOL)
    assert y.shape == x.shape and y.dtype == np.float32


@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_float64(impl, name, rng):
    _, df, kinks = ACTIVATIONS[name]
    alpha = ALPHA.get(name, 0.0)
    x = inputs(rng, (5, 203), away_from=kinks)
    x64 = x.astype(np.float64)
    dy = rng.standard_normal(x.shape).astype(np.float32)
    want = dy * df(x64, alpha)
    y = impl.activation_forward(x, name, alpha=alpha)
    sources = [dict(x=x, y=None), dict(x=x, y=y)]
    if name in FROM_Y:
        sources.append(dict(x=None, y=y))
    if name == "linear":
        sources.append(dict(x=None, y=None))
    for src in sources:
        dx = impl.activation_backward(
            dy, src["x"], src["y"], name, alpha=alpha, out=poisoned(x.shape)
        )
        np.testing.assert_allclose(dx, want, **GRAD_TOL, err_msg=str(list(src)))


@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_finite_differences_of_forward(impl, name, rng):
    """Central differences of the kernel's own forward (float32, step 1e-2, so the truncation and
    rounding errors stay below 1e-3) against its backward, with inputs off the kinks."""
    _, _, kinks = ACTIVATIONS[name]
    alpha = ALPHA.get(name, 0.0)
    h = np.float32(1e-2)
    x = inputs(rng, (4, 97), lo=-5, hi=5, away_from=kinks)
    dy = rng.standard_normal(x.shape).astype(np.float32)
    up = impl.activation_forward(x + h, name, alpha=alpha).astype(np.float64)
    down = impl.activation_forward(x - h, name, alpha=alpha).astype(np.float64)
    step = (x + h).astype(np.float64) - (x - h)  # the step actually taken in float32
    fd = dy * (up - down) / step
    y = impl.activation_forward(x, name, alpha=alpha)
    dx = impl.activation_backward(dy, x, y, name, alpha=alpha)
    np.testing.assert_allclose(dx, fd, atol=1e-3, rtol=1e-3)


def test_backward_finite_differences_in_float64():
    """The float64 derivative formulas used above are themselves the derivatives of the forward
    formulas (central differences in float64)."""
    x = np.linspace(-6, 6, 241) + 0.013
    for name, (f, df, _) in ACTIVATIONS.items():
        a = ALPHA.get(name, 0.0)
        h = 1e-6
        fd = (f(x + h, a) - f(x - h, a)) / (2 * h)
        np.testing.assert_allclose(df(x, a), fd, atol=1e-6, rtol=1e-6, err_msg=name)


@pytest.mark.parametrize("name", NAMES)
def test_nan_in_gives_nan_out(impl, name):
    x = np.array([np.nan, 1.0, -1.0, np.nan, 0.5, 2.0, -3.0, 4.0, np.nan], np.float32)
    alpha = ALPHA.get(name, 0.0)
    y = impl.activation_forward(x, name, alpha=alpha)
    assert np.array_equal(np.isnan(y), np.isnan(x)), y


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "gelu", "swish"])
def test_large_and_infinite_inputs_saturate(impl, name):
    x = np.array([-np.inf, -1e30, -100.0, 100.0, 1e30, np.inf], np.float32)
    f, _, _ = ACTIVATIONS[name]
    y = impl.activation_forward(x, name)
    finite = np.isfinite(x)
    with np.errstate(all="ignore"):
        want = f(x[finite].astype(np.float64), 0.0)
    np.testing.assert_allclose(y[finite], want, rtol=1e-6, atol=1e-37)  # subnormal tails
    if name in ("sigmoid", "softplus"):
        np.testing.assert_array_equal(y[~finite], f(x[~finite].astype(np.float64), 0.0))


def test_silu_alias_case_and_in_place(impl, rng):
    x = inputs(rng, (3, 33))
    want = impl.activation_forward(x, "swish")
    np.testing.assert_array_equal(impl.activation_forward(x, "silu"), want)
    np.testing.assert_array_equal(impl.activation_forward(x, "SiLU"), want)
    buf = x.copy()
    assert impl.activation_forward(buf, "swish", out=buf) is buf
    np.testing.assert_array_equal(buf, want)


def test_non_float32_and_non_contiguous_inputs_are_converted(impl, rng):
    x64 = rng.standard_normal((6, 10))
    want = impl.activation_forward(x64.astype(np.float32), "tanh")
    np.testing.assert_array_equal(impl.activation_forward(x64, "tanh"), want)
    np.testing.assert_array_equal(
        impl.activation_forward(np.asfortranarray(x64.astype(np.float32)), "tanh"), want
    )
    ints = np.arange(-3, 4)
    np.testing.assert_array_equal(impl.activation_forward(ints, "relu"), np.maximum(ints, 0))


# Keras 3.15.1 (TensorFlow 2.21 backend) on X, values and tf.GradientTape gradients, produced in
# a separate environment: keras.activations.<name>(tf.constant(X)) with leaky_relu
# negative_slope=0.3, elu alpha=0.5, gelu approximate=False / True for gelu / gelu_tanh.
KERAS_X = [-5.0, -3.0, -1.5, -0.5, 0.0, 0.25, 1.0, 2.5, 3.0, 6.0, 7.5]
KERAS_ALPHA = {"leaky_relu": 0.3, "elu": 0.5}
# fmt: off
KERAS = {
    "relu": ([0, 0, 0, 0, 0, 0.25, 1, 2.5, 3, 6, 7.5], [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]),
    "relu6": ([0, 0, 0, 0, 0, 0.25, 1, 2.5, 3, 6, 6], [0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0]),
    "leaky_relu": (
        [-1.5, -0.9000000357627869, -0.45000001788139343, -0.15000000596046448, 0.0, 0.25, 1.0,
         2.5, 3.0, 6.0, 7.5],
        [0.3, 0.3, 0.3, 0.3, 0.3, 1, 1, 1, 1, 1, 1],
    ),
    "sigmoid": (
        [0.006692852359265089, 0.04742586612701416, 0.18242552876472473, 0.3775406777858734, 0.5,
         0.562176525592804, 0.7310585379600525, 0.9241418242454529, 0.9525741338729858,
         0.9975273609161377, 0.999447226524353],
        [0.006648058071732521, 0.04517665505409241, 0.14914646744728088, 0.23500370979309082,
         0.25, 0.24613407254219055, 0.19661195576190948, 0.0701037123799324,
         0.04517665505409241, 0.0024665251839905977, 0.0005524679436348379],
    ),
    "tanh": (
        [-0.9999091625213623, -0.9950547218322754, -0.9051483273506165, -0.46211713552474976,
         0.0, 0.24491865932941437, 0.7615941762924194, 0.9866143465042114, 0.9950547218322754,
         0.9999877214431763, 0.9999992847442627],
        [0.00018167495727539062, 0.009866118431091309, 0.18070650100708008, 0.7864477634429932,
         1.0, 0.9400148391723633, 0.41997432708740234, 0.026592135429382324,
         0.009866118431091309, 2.4557113647460938e-05, 1.430511474609375e-06],
    ),
    "elu": (
        [-0.49663102626800537, -0.47510647773742676, -0.38843491673469543, -0.19673466682434082,
         0.0, 0.25, 1.0, 2.5, 3.0, 6.0, 7.5],
        [0.003368973731994629, 0.024893522262573242, 0.11156508326530457, 0.3032653331756592,
         0.5, 1, 1, 1, 1, 1, 1],
    ),
    "selu": (
        [-1.7462533712387085, -1.6705687046051025, -1.3658143281936646, -0.6917581558227539,
         0.0, 0.2626752555370331, 1.0507010221481323, 2.6267526149749756, 3.1521029472351074,
         6.304205894470215, 7.880257606506348],
        [0.011845946311950684, 0.08753061294555664, 0.39228498935699463, 1.0663411617279053]
        + [1.0507010221481323] * 7,
    ),
    "softplus": (
        [0.006715348921716213, 0.04858735576272011, 0.20141325891017914, 0.4740769863128662,
         0.6931471824645996, 0.825939416885376, 1.31326162815094, 2.578889846801758,
         3.0485873222351074, 6.002475738525391, 7.500553131103516],
        [0.006692852359265089, 0.04742586612701416, 0.18242552876472473, 0.3775406777858734,
         0.5, 0.562176525592804, 0.7310585379600525, 0.9241418242454529, 0.9525741338729858,
         0.9975273609161377, 0.999447226524353],
    ),
    "softsign": (
        [-0.8333333134651184, -0.75, -0.6000000238418579, -0.3333333432674408, 0.0,
         0.20000000298023224, 0.5, 0.7142857313156128, 0.75, 0.8571428656578064,
         0.8823529481887817],
        [0.02777777798473835, 0.0625, 0.1599999964237213, 0.4444444477558136, 1.0,
         0.6399999856948853, 0.25, 0.08163265138864517, 0.0625, 0.020408162847161293,
         0.013840830884873867],
    ),
    "swish": (
        [-0.03346426039934158, -0.14227759838104248, -0.2736383080482483, -0.1887703388929367,
         0.0, 0.140544131398201, 0.7310585379600525, 2.310354471206665, 2.857722282409668,
         5.985164165496826, 7.495854377746582],
        [-0.026547439396381378, -0.08810409158468246, -0.0412941612303257, 0.260038822889328,
         0.5, 0.623710036277771, 0.927670419216156, 1.0994011163711548, 1.0881041288375854,
         1.0123264789581299, 1.0035908222198486],
    ),
    "gelu": (
        [-1.433257807548216e-06, -0.004049696493893862, -0.10021080076694489,
         -0.1542687714099884, 0.0, 0.14967657625675201, 0.8413447141647339, 2.48447585105896,
         2.995950222015381, 6.0, 7.5],
        [-7.146946700231638e-06, -0.011945651844143867, -0.12746921181678772,
         0.1325048804283142, 0.5, 0.6953733563423157, 1.0833154916763306, 1.0376111268997192,
         1.0119456052780151, 1.0, 1.0],
    ),
    "gelu_tanh": (
        [-0.0, -0.0036374330520629883, -0.10042843222618103, -0.1542859971523285, 0.0,
         0.14967535436153412, 0.8411920070648193, 2.4849157333374023, 2.9963626861572266, 6.0,
         7.5],
        [0.0, -0.011584242805838585, -0.12771078944206238, 0.1326300948858261, 0.5,
         0.6953541040420532, 1.0829640626907349, 1.0379514694213867, 1.0115841627120972, 1.0,
         1.0],
    ),
    "hard_sigmoid": (
        [0.0, 0.0, 0.25, 0.4166666567325592, 0.5, 0.5416666865348816, 0.6666666865348816,
         0.9166666865348816, 1.0, 1.0, 1.0],
        [0, 0] + [0.1666666716337204] * 6 + [0, 0, 0],
    ),
    "exponential": (
        [0.0067379469983279705, 0.049787070602178574, 0.22313016653060913, 0.6065306663513184,
         1.0, 1.2840254306793213, 2.7182817459106445, 12.182494163513184, 20.08553695678711,
         403.4288024902344, 1808.0423583984375],
        [0.0067379469983279705, 0.049787070602178574, 0.22313016653060913, 0.6065306663513184,
         1.0, 1.2840254306793213, 2.7182817459106445, 12.182494163513184, 20.08553695678711,
         403.4288024902344, 1808.0423583984375],
    ),
}
# fmt: on


@pytest.mark.parametrize("name", list(KERAS))
def test_matches_keras(impl, name):
    """Values and gradients (including at the kinks x = 0, -3, 3, 6) equal Keras'."""
    # TensorFlow's float32 tanh is exactly -1 from |u| ~ 8 on, so its gelu_tanh gradient at
    # x = -5 is 0 where the true one (and ours) is -2e-6.
    tol = dict(atol=1e-5 if name == "gelu_tanh" else 1e-6, rtol=1e-6)
    x = np.array(KERAS_X, np.float32)
    alpha = KERAS_ALPHA.get(name, 0.0)
    want_y, want_dx = (np.array(v, np.float32) for v in KERAS[name])
    y = impl.activation_forward(x, name, alpha=alpha)
    np.testing.assert_allclose(y, want_y, **tol)
    dx = impl.activation_backward(np.ones_like(x), x, y, name, alpha=alpha)
    np.testing.assert_allclose(dx, want_dx, **tol)
    if name in FROM_Y:
        dx_y = impl.activation_backward(np.ones_like(x), None, y, name, alpha=alpha)
        np.testing.assert_allclose(dx_y, want_dx, **tol)


@pytest.mark.parametrize("name", NAMES)
def test_matches_pytorch(name, rng):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    a = ALPHA.get(name, 0.0)
    fns = {
        "linear": lambda t: t,
        "relu": F.relu,
        "relu6": F.relu6,
        "leaky_relu": lambda t: F.leaky_relu(t, a),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "elu": lambda t: F.elu(t, a),
        "selu": F.selu,
        "softplus": F.softplus,
        "softsign": F.softsign,
        "swish": F.silu,
        "gelu": F.gelu,
        "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
        "hard_sigmoid": F.hardsigmoid,
        "exponential": torch.exp,
    }
    x = inputs(rng, (3, 77), lo=-6, hi=6, away_from=ACTIVATIONS[name][2])
    xt = torch.tensor(x, requires_grad=True)
    yt = fns[name](xt)
    dy = rng.standard_normal(x.shape).astype(np.float32)
    yt.backward(torch.tensor(dy))
    y = _C.activation_forward(x, name, alpha=a)
    np.testing.assert_allclose(y, yt.detach().numpy(), **TOL)
    np.testing.assert_allclose(
        _C.activation_backward(dy, x, y, name, alpha=a), xt.grad.numpy(), **GRAD_TOL
    )


def test_results_do_not_depend_on_thread_count(isa, rng):
    x = rng.uniform(-6, 6, (1 << 18) + 5).astype(np.float32)
    dy = rng.standard_normal(x.shape).astype(np.float32)

    def run():
        out = []
        for name in ("gelu", "swish", "relu", "softplus"):
            y = _C.activation_forward(x, name)
            out += [y, _C.activation_backward(dy, x, y, name)]
        out.append(_C.relu_forward(x, negative_slope=0.1, max_value=4.0, threshold=0.5))
        return out

    with using_threads(1):
        one = run()
    with using_threads(2):
        two = run()
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


# ---- the general ReLU (keras.activations.relu / the ReLU layer) ----


def keras_relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras' ReLU.static_call, step by step, in float64."""
    if negative_slope != 0 and max_value is None and threshold == 0:
        return np.where(x > 0, x, negative_slope * x)
    neg = np.maximum(threshold - x, 0)
    pos = x * (x > threshold) if threshold != 0 else np.maximum(x, 0)
    if max_value is not None:
        pos = np.clip(pos, 0, max_value)
    return pos - negative_slope * neg


RELU_PARAMS = [
    dict(),
    dict(negative_slope=0.1),
    dict(max_value=6.0),
    dict(max_value=4.0),
    dict(threshold=1.0),
    dict(threshold=-1.0),
    dict(negative_slope=0.2, max_value=3.0, threshold=0.5),
    dict(negative_slope=0.2, threshold=-1.0),
    dict(max_value=6.0, threshold=1.0),
]
RELU_IDS = [",".join(f"{k}={v}" for k, v in p.items()) or "default" for p in RELU_PARAMS]

# Keras 3.15.1 / TensorFlow 2.21: keras.activations.relu(X, **params) and its GradientTape
# gradient, including at the kinks (values at exactly 0, threshold and max_value).
KERAS_RELU_X = [-5.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0]
KERAS_RELU = [
    ([-0.5, -0.1, -0.05, 0, 0.5, 1, 2, 3, 4, 6, 8], [0.1] * 4 + [1] * 7),
    ([0, 0, 0, 0, 0.5, 1, 2, 3, 4, 6, 6], [0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0]),
    ([0, 0, 0, 0, 0.5, 1, 2, 3, 4, 4, 4], [0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0]),
    ([0, 0, 0, 0, 0, 0, 2, 3, 4, 6, 8], [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]),
    ([0, 0, -0.5, 0, 0.5, 1, 2, 3, 4, 6, 8], [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
    ([-1.1, -0.3, -0.2, -0.1, 0, 1, 2, 3, 3, 3, 3], [0.2] * 4 + [0, 1, 1, 1, 0, 0, 0]),
    ([-0.8, 0, -0.5, 0, 0.5, 1, 2, 3, 4, 6, 8], [0.2, 0] + [1] * 9),
    ([0, 0, 0, 0, 0, 0, 2, 3, 4, 6, 6], [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0]),
]


@pytest.mark.parametrize("params", RELU_PARAMS, ids=RELU_IDS)
def test_relu_forward_backward(impl, params, rng):
    x = inputs(rng, (4, 301), away_from=[0.0, 1.0, -1.0, 0.5, 3.0, 4.0, 6.0])
    y = impl.relu_forward(x, **params, out=poisoned(x.shape))
    np.testing.assert_allclose(y, keras_relu(x.astype(np.float64), **params), **TOL)
    dy = rng.standard_normal(x.shape).astype(np.float32)
    dx = impl.relu_backward(dy, x, **params, out=poisoned(x.shape))
    h = 1e-3
    x64 = x.astype(np.float64)
    fd = (keras_relu(x64 + h, **params) - keras_relu(x64 - h, **params)) / (2 * h)
    np.testing.assert_allclose(dx, dy * fd, **GRAD_TOL)


@pytest.mark.parametrize("i", range(len(KERAS_RELU)), ids=RELU_IDS[1:])
def test_relu_matches_keras_including_kinks(impl, i):
    params = RELU_PARAMS[i + 1]
    x = np.array(KERAS_RELU_X, np.float32)
    want_y, want_dx = (np.array(v, np.float32) for v in KERAS_RELU[i])
    np.testing.assert_allclose(impl.relu_forward(x, **params), want_y, rtol=1e-6)
    np.testing.assert_array_equal(impl.relu_backward(np.ones_like(x), x, **params), want_dx)


def test_relu_defaults_equal_relu_activation(impl, rng):
    x = inputs(rng, (100,))
    x[::7] = np.nan
    y = impl.relu_forward(x)
    np.testing.assert_array_equal(y, impl.activation_forward(x, "relu"))
    assert np.isnan(y[::7]).all()
    for params in RELU_PARAMS:
        assert np.isnan(impl.relu_forward(x, **params)[::7]).all(), params


# ---- softmax and log-softmax over the last axis ----


def softmax64(x):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax64(x):
    x = x.astype(np.float64)
    s = x - x.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


SOFTMAX_SHAPES = [(1,), (5,), (1, 1), (3, 10), (2, 3, 17), (4, 1, 2, 33), (7, 1000)]


@pytest.mark.parametrize("shape", SOFTMAX_SHAPES, ids=str)
def test_softmax_forward_backward(impl, shape, rng):
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    y = impl.softmax_forward(x, out=poisoned(shape))
    np.testing.assert_allclose(y, softmax64(x), **TOL)
    ylog = impl.log_softmax_forward(x, out=poisoned(shape))
    np.testing.assert_allclose(ylog, log_softmax64(x), **TOL)
    dy = rng.standard_normal(shape).astype(np.float32)
    p = softmax64(x)
    want = p * (dy - (dy * p).sum(axis=-1, keepdims=True))
    np.testing.assert_allclose(impl.softmax_backward(dy, y, out=poisoned(shape)), want, **GRAD_TOL)
    want_log = dy - p * dy.sum(axis=-1, keepdims=True)
    got_log = impl.log_softmax_backward(dy, ylog, out=poisoned(shape))
    np.testing.assert_allclose(got_log, want_log, **GRAD_TOL)


def test_softmax_gradients_match_finite_differences(impl, rng):
    """d/dx of sum(softmax(x) * proj) and of sum(log_softmax(x) * proj), central differences of
    the float64 formulas."""
    x = rng.standard_normal((3, 9))
    proj = rng.standard_normal(x.shape)
    x32 = x.astype(np.float32)
    dx = impl.softmax_backward(proj.astype(np.float32), impl.softmax_forward(x32))
    dxl = impl.log_softmax_backward(proj.astype(np.float32), impl.log_softmax_forward(x32))
    h = 1e-6
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        fd = ((softmax64(up) - softmax64(down)) * proj).sum() / (2 * h)
        fdl = ((log_softmax64(up) - log_softmax64(down)) * proj).sum() / (2 * h)
        np.testing.assert_allclose(dx[idx], fd, **GRAD_TOL)
        np.testing.assert_allclose(dxl[idx], fdl, **GRAD_TOL)


def test_softmax_is_stable_and_propagates_nan(impl):
    x = np.array(
        [
            [1000.0, 1000.0, -1000.0, 0.0],
            [-1e30, 0.0, 1e30, 5.0],
            [-np.inf, 1.0, 2.0, -np.inf],
            [1.0, np.nan, 2.0, 3.0],
        ],
        np.float32,
    )
    y = impl.softmax_forward(x)
    np.testing.assert_allclose(y[0], [0.5, 0.5, 0, 0], atol=1e-7)
    np.testing.assert_allclose(y[1], [0, 0, 1, 0], atol=1e-7)
    np.testing.assert_allclose(y[2], softmax64(np.array([-np.inf, 1.0, 2.0, -np.inf])), **TOL)
    assert np.isnan(y[3]).all()
    ylog = impl.log_softmax_forward(x)
    ln2 = math.log(2)
    np.testing.assert_allclose(ylog[0], [-ln2, -ln2, -2000 - ln2, -1000 - ln2], rtol=1e-6)
    assert ylog[2, 0] == -np.inf and np.isnan(ylog[3]).all()


def test_softmax_does_not_depend_on_thread_count(isa, rng):
    x = rng.standard_normal((257, 1003)).astype(np.float32)
    dy = rng.standard_normal(x.shape).astype(np.float32)

    def run():
        y = _C.softmax_forward(x)
        ylog = _C.log_softmax_forward(x)
        return y, ylog, _C.softmax_backward(dy, y), _C.log_softmax_backward(dy, ylog)

    with using_threads(1):
        one = run()
    with using_threads(2):
        two = run()
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_softmax_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    x = (rng.standard_normal((6, 4, 19)) * 3).astype(np.float32)
    dy = rng.standard_normal(x.shape).astype(np.float32)
    for fwd, bwd, ref in (
        (_C.softmax_forward, _C.softmax_backward, torch.softmax),
        (_C.log_softmax_forward, _C.log_softmax_backward, torch.log_softmax),
    ):
        xt = torch.tensor(x, requires_grad=True)
        yt = ref(xt, -1)
        yt.backward(torch.tensor(dy))
        y = fwd(x)
        np.testing.assert_allclose(y, yt.detach().numpy(), **TOL)
        np.testing.assert_allclose(bwd(dy, y), xt.grad.numpy(), **GRAD_TOL)


# ---- bad input ----


@pytest.mark.parametrize("k", [_C, _C.ref], ids=["opt", "ref"])
def test_bad_input(k):
    x = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match=r"activation_forward: activation name must be one of .*"):
        k.activation_forward(x, "mish")
    with pytest.raises(ValueError, match=r"received 3"):
        k.activation_forward(x, 3)
    with pytest.raises(ValueError, match=r"'gelu' with alpha=0.0 needs x .* received x=None"):
        k.activation_backward(x, None, x, "gelu")
    with pytest.raises(ValueError, match=r"'tanh' needs x .* or y .* received x=None and y=None"):
        k.activation_backward(x, None, None, "tanh")
    with pytest.raises(ValueError, match=r"'leaky_relu' with alpha=-0.5 needs x"):
        k.activation_backward(x, None, x, "leaky_relu", alpha=-0.5)
    with pytest.raises(ValueError, match=r"x must have shape \(2, 3\) \(the shape of dy\), "):
        k.activation_backward(x, np.ones((3, 2), np.float32), None, "relu")
    with pytest.raises(ValueError, match=r"y must have shape \(2, 3\) \(the shape of dy\), "):
        k.activation_backward(x, x, np.ones(6, np.float32), "gelu")
    with pytest.raises(ValueError, match=r"out must have shape \(2, 3\), received \(6,\)"):
        k.activation_forward(x, "relu", out=np.empty(6, np.float32))
    with pytest.raises(TypeError, match=r"out must be a writable C-contiguous float32"):
        k.activation_forward(x, "relu", out=np.empty((2, 3)))
    with pytest.raises(TypeError, match=r"x must hold real numbers"):
        k.activation_forward(x.astype(np.complex64), "relu")
    with pytest.raises(ValueError, match=r"softmax_forward: x must have rank >= 1 .*shape \(\)"):
        k.softmax_forward(np.float32(1.0))
    with pytest.raises(ValueError, match=r"log_softmax_backward: y_log must have shape \(2, 3\)"):
        k.log_softmax_backward(x, np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match=r"relu_backward: x must have shape \(2, 3\)"):
        k.relu_backward(x, np.ones(5, np.float32))


def test_empty_arrays(impl):
    x = np.ones((0, 4), np.float32)
    assert impl.activation_forward(x, "gelu").shape == (0, 4)
    assert impl.softmax_forward(x).shape == (0, 4)
    assert impl.softmax_forward(np.ones((3, 0), np.float32)).shape == (3, 0)
