"""Batch normalization over all axes but the last against float64 numpy, for every
implementation, with outputs poisoned; finite differences; thread-count independence; Keras and
PyTorch cross-checks; bad input."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import poisoned, using_threads
from ember import _C

TOL = dict(atol=1e-5, rtol=1e-4)
GRAD_TOL = dict(atol=1e-4, rtol=1e-3)
EPS = 1e-3


def train_forward64(x, gamma, beta, eps):
    c = x.shape[-1]
    x2 = x.reshape(-1, c).astype(np.float64)
    mean = x2.mean(axis=0)
    var = ((x2 - mean) ** 2).mean(axis=0)  # biased, as Keras
    y = (x2 - mean) / np.sqrt(var + eps)
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return y.reshape(x.shape), mean, var


def inference_forward64(x, gamma, beta, mm, mv, eps):
    y = (x.astype(np.float64) - mm) / np.sqrt(mv.astype(np.float64) + eps)
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return y


def make(rng, shape, affine=(True, True)):
    c = shape[-1]
    x = (rng.standard_normal(shape) * 2 + rng.uniform(-3, 3, c)).astype(np.float32)
    gamma = rng.uniform(0.5, 1.5, c).astype(np.float32) if affine[0] else None
    beta = rng.standard_normal(c).astype(np.float32) if affine[1] else None
    return x, gamma, beta


SHAPES = [(1, 1), (2, 1), (5, 3), (4, 10, 33), (2, 7, 9, 17), (3, 2, 2, 2, 5), (300, 64)]
AFFINE = [(True, True), (False, True), (True, False), (False, False)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("affine", AFFINE, ids=["scale+center", "center", "scale", "none"])
def test_train_forward_and_backward(impl, shape, affine, rng):
    x, gamma, beta = make(rng, shape, affine)
    c = shape[-1]
    y, mean, var, invstd = impl.batchnorm_train_forward(x, gamma, beta, EPS, out=poisoned(shape))
    want, want_mean, want_var = train_forward64(x, gamma, beta, EPS)
    np.testing.assert_allclose(y, want, **TOL)
    np.testing.assert_allclose(mean, want_mean, **TOL)
    np.testing.assert_allclose(var, want_var, **TOL)
    np.testing.assert_allclose(invstd, 1 / np.sqrt(want_var + EPS), **TOL)
    assert mean.shape == var.shape == invstd.shape == (c,)

    # Gradient through the batch moments, written out independently of the kernels' form.
    dy = rng.standard_normal(shape)
    n = x.size // c
    x2, dy2 = x.reshape(-1, c).astype(np.float64), dy.reshape(-1, c)
    inv = 1 / np.sqrt(want_var + EPS)
    xhat = (x2 - want_mean) * inv
    g = np.ones(c) if gamma is None else gamma.astype(np.float64)
    dxhat = dy2 * g
    dvar = (dxhat * (x2 - want_mean)).sum(0) * -0.5 * inv**3
    dmean = -(dxhat * inv).sum(0) + dvar * (-2 * (x2 - want_mean)).mean(0)
    want_dx = dxhat * inv + dvar * 2 * (x2 - want_mean) / n + dmean / n
    dx, dgamma, dbeta = impl.batchnorm_train_backward(
        dy.astype(np.float32), x, gamma, mean, invstd, out=poisoned(shape)
    )
    np.testing.assert_allclose(dx, want_dx.reshape(shape), **GRAD_TOL)
    np.testing.assert_allclose(dgamma, (dy2 * xhat).sum(0), **GRAD_TOL)
    np.testing.assert_allclose(dbeta, dy2.sum(0), **GRAD_TOL)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("affine", AFFINE[:2] + AFFINE[3:], ids=["scale+center", "center", "none"])
def test_inference_forward_and_backward(impl, shape, affine, rng):
    x, gamma, beta = make(rng, shape, affine)
    c = shape[-1]
    mm = rng.standard_normal(c).astype(np.float32)
    mv = rng.uniform(0.1, 3.0, c).astype(np.float32)
    y = impl.batchnorm_inference_forward(x, gamma, beta, mm, mv, EPS, out=poisoned(shape))
    np.testing.assert_allclose(y, inference_forward64(x, gamma, beta, mm, mv, EPS), **TOL)
    dy = rng.standard_normal(shape).astype(np.float32)
    dx, dgamma, dbeta = impl.batchnorm_inference_backward(
        dy, x, gamma, mm, mv, EPS, out=poisoned(shape)
    )
    inv = 1 / np.sqrt(mv.astype(np.float64) + EPS)
    g = np.ones(c) if gamma is None else gamma.astype(np.float64)
    np.testing.assert_allclose(dx, dy * g * inv, **GRAD_TOL)
    dy2 = dy.reshape(-1, c).astype(np.float64)
    xhat = (x.reshape(-1, c) - mm.astype(np.float64)) * inv
    np.testing.assert_allclose(dgamma, (dy2 * xhat).sum(0), **GRAD_TOL)
    np.testing.assert_allclose(dbeta, dy2.sum(0), **GRAD_TOL)


@pytest.mark.parametrize("training", [True, False], ids=["train", "inference"])
def test_gradients_match_finite_differences(impl, training, rng):
    """Central differences in float64 of L = sum(batchnorm(x, gamma, beta) * proj), on every
    element of x, gamma and beta, against the backward kernels."""
    shape = (3, 2, 4)
    x, gamma, beta = make(rng, shape)
    mm = rng.standard_normal(4).astype(np.float32)
    mv = rng.uniform(0.2, 2.0, 4).astype(np.float32)
    proj = rng.standard_normal(shape)

    def loss(xv, gv, bv):
        if training:
            y = train_forward64(xv, gv, bv, EPS)[0]
        else:
            y = inference_forward64(xv, gv, bv, mm, mv, EPS)
        return (y * proj).sum()

    dy = proj.astype(np.float32)
    if training:
        _, mean, _, invstd = impl.batchnorm_train_forward(x, gamma, beta, EPS)
        grads = impl.batchnorm_train_backward(dy, x, gamma, mean, invstd)
    else:
        grads = impl.batchnorm_inference_backward(dy, x, gamma, mm, mv, EPS)
    args = [x.astype(np.float64), gamma.astype(np.float64), beta.astype(np.float64)]
    h = 1e-6
    for which, grad in enumerate(grads):
        for idx in np.ndindex(args[which].shape):
            up = [a.copy() for a in args]
            down = [a.copy() for a in args]
            up[which][idx] += h
            down[which][idx] -= h
            fd = (loss(*up) - loss(*down)) / (2 * h)
            np.testing.assert_allclose(grad[idx], fd, **GRAD_TOL, err_msg=f"arg {which} {idx}")


def test_large_offsets_keep_the_variance_accurate(impl, rng):
    """Two-pass moments and centring before scaling: a large common offset neither cancels the
    variance away nor costs y its accuracy (x * scale - mean * scale would lose ~1e-2 here)."""
    x = (1000 + rng.standard_normal((512, 3)) * 0.01).astype(np.float32)
    y, mean, var, _ = impl.batchnorm_train_forward(x, None, None, 0.0)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(var, x64.var(axis=0), rtol=1e-4)
    np.testing.assert_allclose(mean, x64.mean(axis=0), rtol=1e-7)
    np.testing.assert_allclose(y, train_forward64(x, None, None, 0.0)[0], **TOL)


def test_does_not_depend_on_thread_count(rng):
    x, gamma, beta = make(rng, (64, 33, 31, 16))
    dy = rng.standard_normal(x.shape).astype(np.float32)
    mv = rng.uniform(0.5, 2, 16).astype(np.float32)

    def run():
        y, mean, var, invstd = _C.batchnorm_train_forward(x, gamma, beta, EPS)
        back = _C.batchnorm_train_backward(dy, x, gamma, mean, invstd)
        inf = _C.batchnorm_inference_forward(x, gamma, beta, mean, mv, EPS)
        inf_back = _C.batchnorm_inference_backward(dy, x, gamma, mean, mv, EPS)
        return (y, mean, var, invstd, *back, inf, *inf_back)

    with using_threads(1):
        one = run()
    with using_threads(2):
        two = run()
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


# Keras 3.15.1 / TensorFlow 2.21: BatchNormalization(epsilon=1e-3) on KERAS_X with the gamma,
# beta and moving statistics below, training=True and False; gradients of sum(y * KERAS_DY)
# with respect to x, gamma and beta from tf.GradientTape.
KERAS_X = (np.arange(24, dtype=np.float32).reshape(2, 4, 3) * np.float32(0.37) - 3) ** 2 / 7
KERAS_DY = np.cos(np.arange(24, dtype=np.float32)).reshape(2, 4, 3)
KERAS_PARAMS = dict(
    gamma=np.array([1.5, -0.5, 2.0], np.float32),
    beta=np.array([0.1, 0.2, -0.3], np.float32),
    moving_mean=np.array([0.5, 1.0, -1.0], np.float32),
    moving_var=np.array([2.0, 0.5, 1.5], np.float32),
)
# fmt: off
KERAS_TRAIN = (
    [0.4629826545715332, 0.26607683300971985, -1.0993025302886963, -0.6639916896820068,
     0.5362430810928345, -1.8553693294525146, -1.279333472251892, 0.6618866920471191,
     -2.1192169189453125, -1.383042812347412, 0.6430075764656067, -1.8908445835113525,
     -0.9751194715499878, 0.47960585355758667, -1.170252799987793, -0.05556356906890869,
     0.17168140411376953, 0.04255819320678711, 1.375624179840088, -0.2807657718658447,
     1.747589111328125, 3.3184449672698975, -0.8777354955673218, 3.9448394775390625],
    [1.4234238862991333, -0.22599460184574127, -0.540113627910614, -1.5200657844543457,
     0.30163922905921936, 0.38914892077445984, 1.2862757444381714, -0.2587929666042328,
     -0.22810402512550354, -1.4381593465805054, 0.3925720155239105, -0.00360020250082016,
     1.1310627460479736, -0.3471094071865082, 0.2283291220664978, -1.157666802406311,
     0.3758908212184906, -0.2686251103878021, 0.9712511301040649, -0.4859224557876587,
     0.7977492213249207, -0.696121335029602, 0.24771739542484283, -0.37478429079055786],
    [-0.3756037652492523, -1.3512513637542725, -0.7451891899108887],
    [0.2558010220527649, -0.2599794864654541, -0.5367360711097717],
)
KERAS_INFERENCE = (
    [0.933167576789856, 0.2083858847618103, 2.5235769748687744, 0.11092206835746765,
     0.6732481122016907, 1.6408652067184448, -0.33803409337997437, 0.8894370198249817,
     1.3328220844268799, -0.4137008488178253, 0.8569526672363281, 1.5994477272033691,
     -0.11607822775840759, 0.5757951140403748, 2.440742254257202, 0.5548338890075684,
     0.045964181423187256, 3.8567047119140625, 1.5990349054336548, -0.7325400710105896,
     5.847336769104004, 3.0165257453918457, -1.7597174644470215, 8.412637710571289],
    [1.0603951215744019, -0.38166993856430054, -0.6793384552001953, -1.0497832298278809,
     0.4617343246936798, 0.463064044713974, 1.0181598663330078, -0.5325571298599243,
     -0.23752139508724213, -0.9661580920219421, 0.5927207469940186, 0.007224726490676403,
     0.8948186039924622, -0.6410211324691772, 0.22321654856204987, -0.8055693507194519,
     0.676491379737854, -0.4491901397705078, 0.7001966238021851, -0.6984217166900635,
     0.6661731600761414, -0.5808094143867493, 0.7063730955123901, -0.8698228001594543],
    [-0.17712196707725525, -2.3797903060913086, -1.8782081604003906],
    [0.2558010220527649, -0.2599794864654541, -0.5367360711097717],
)
# fmt: on


def test_matches_keras(impl):
    x, dy, p = KERAS_X, KERAS_DY, KERAS_PARAMS
    y, mean, _, invstd = impl.batchnorm_train_forward(x, p["gamma"], p["beta"], EPS)
    back = impl.batchnorm_train_backward(dy, x, p["gamma"], mean, invstd)
    for got, want in zip((y, *back), KERAS_TRAIN):
        np.testing.assert_allclose(got.ravel(), want, atol=2e-6, rtol=1e-5)
    mm, mv = p["moving_mean"], p["moving_var"]
    y = impl.batchnorm_inference_forward(x, p["gamma"], p["beta"], mm, mv, EPS)
    back = impl.batchnorm_inference_backward(dy, x, p["gamma"], mm, mv, EPS)
    for got, want in zip((y, *back), KERAS_INFERENCE):
        np.testing.assert_allclose(got.ravel(), want, atol=2e-6, rtol=1e-5)


@pytest.mark.parametrize("training", [True, False], ids=["train", "inference"])
def test_matches_pytorch(training, rng):
    torch = pytest.importorskip("torch")
    x, gamma, beta = make(rng, (6, 5, 7, 8))
    dy = rng.standard_normal(x.shape).astype(np.float32)
    rm = rng.standard_normal(8).astype(np.float32)
    rv = rng.uniform(0.5, 2.0, 8).astype(np.float32)
    # PyTorch normalises axis 1: hand it the (rows, channels) view.
    xt = torch.tensor(x.reshape(-1, 8), requires_grad=True)
    gt = torch.tensor(gamma, requires_grad=True)
    bt = torch.tensor(beta, requires_grad=True)
    yt = torch.nn.functional.batch_norm(
        xt, torch.tensor(rm), torch.tensor(rv), gt, bt, training=training, eps=EPS
    )
    yt.backward(torch.tensor(dy.reshape(-1, 8)))
    if training:
        y, mean, _, invstd = _C.batchnorm_train_forward(x, gamma, beta, EPS)
        grads = _C.batchnorm_train_backward(dy, x, gamma, mean, invstd)
    else:
        y = _C.batchnorm_inference_forward(x, gamma, beta, rm, rv, EPS)
        grads = _C.batchnorm_inference_backward(dy, x, gamma, rm, rv, EPS)
    np.testing.assert_allclose(y.reshape(-1, 8), yt.detach().numpy(), **TOL)
    for got, want in zip(grads, (xt.grad, gt.grad, bt.grad)):
        np.testing.assert_allclose(got.reshape(want.shape), want.numpy(), **GRAD_TOL)


@pytest.mark.parametrize("k", [_C, _C.ref], ids=["opt", "ref"])
def test_bad_input(k):
    x = np.ones((4, 3), np.float32)
    c3 = np.ones(3, np.float32)
    with pytest.raises(ValueError, match=r"batchnorm_train_forward: x must have rank >= 2 .*\(4,"):
        k.batchnorm_train_forward(np.ones(4, np.float32), None, None, EPS)
    with pytest.raises(ValueError, match=r"every axis of x must be >= 1, received shape \(0, 3\)"):
        k.batchnorm_train_forward(np.ones((0, 3), np.float32), None, None, EPS)
    with pytest.raises(
        ValueError, match=r"gamma must have shape \(3,\) \(one value per channel.*received \(4,\)"
    ):
        k.batchnorm_train_forward(x, np.ones(4, np.float32), None, EPS)
    with pytest.raises(ValueError, match=r"beta must have shape \(3,\)"):
        k.batchnorm_inference_forward(x, None, np.ones((3, 1), np.float32), c3, c3, EPS)
    with pytest.raises(ValueError, match=r"epsilon must be finite and >= 0, received -0.001"):
        k.batchnorm_train_forward(x, None, None, -EPS)
    with pytest.raises(ValueError, match=r"batchnorm_train_backward: dy must have shape \(4, 3\)"):
        k.batchnorm_train_backward(np.ones((3, 4), np.float32), x, None, c3, c3)
    with pytest.raises(TypeError, match=r"batchnorm_train_backward: mean must be an array .*None"):
        k.batchnorm_train_backward(x, x, None, None, c3)
    with pytest.raises(ValueError, match=r"moving_var must have shape \(3,\)"):
        k.batchnorm_inference_backward(x, x, None, c3, np.ones(2, np.float32), EPS)
