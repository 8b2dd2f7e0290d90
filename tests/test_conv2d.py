"""conv2d kernels: optimized (every ISA) and reference against a float64 numpy reference,
against each other bit for bit on exact-integer data, across thread counts, by finite
differences, and against PyTorch when it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import kernel_reference as kr
from conftest import poisoned, using_threads
from ember import _C

# (input NHWC, (kh, kw, filters), strides, padding, dilation)
CASES = [
    ((1, 7, 9, 1), (3, 3, 4), 1, "same", 1),
    ((7, 11, 13, 3), (3, 3, 8), 1, "valid", 1),
    ((7, 9, 9, 17), (5, 5, 16), 2, "same", 1),
    ((1, 10, 12, 64), (3, 3, 64), 2, "same", 1),
    ((2, 15, 13, 3), (3, 3, 5), 1, "same", 2),
    ((7, 8, 9, 17), (1, 1, 19), 1, "valid", 1),
    ((1, 9, 9, 3), (1, 3, 7), 1, "same", 1),
    ((3, 10, 8, 5), (5, 3, 6), (2, 1), "same", 1),
    ((2, 7, 7, 17), (3, 3, 33), 3, "valid", 1),
    ((1, 5, 5, 3), (3, 3, 2), 2, ((1, 2), (0, 1)), 1),
    ((2, 6, 7, 4), (2, 2, 3), 2, "same", 1),
    ((1, 9, 9, 2), (1, 1, 3), 2, "valid", 1),
    ((2, 12, 12, 8), (3, 3, 8), 2, "same", 2),
    ((7, 5, 6, 64), (3, 3, 17), 1, "same", 1),
    ((1, 3, 3, 1), (5, 5, 1), 1, "same", 1),
    # 'valid' layers whose output is much smaller than the input, with >= 4 channels: the
    # input gradient takes the pixel-column form (CIFAR CNN's third conv, LeNet's second,
    # and one with stride and dilation).
    ((3, 6, 6, 64), (3, 3, 16), 1, "valid", 1),
    ((2, 14, 14, 6), (5, 5, 16), 1, "valid", 1),
    ((2, 9, 8, 5), (3, 3, 7), 2, "valid", 2),
]
IDS = [f"x{c[0]}-k{c[1]}-s{c[2]}-{c[3]}-d{c[4]}".replace(" ", "") for c in CASES]

FWD = dict(atol=1e-5, rtol=1e-4)
GRAD = dict(atol=1e-4, rtol=1e-3)


def make(case, rng, integer=False):
    x_shape, (kh, kw, o), strides, padding, dilation = case
    w_shape = (kh, kw, x_shape[3], o)
    if integer:
        x = rng.integers(-32, 33, x_shape).astype(np.float32)
        w = rng.integers(-32, 33, w_shape).astype(np.float32)
        b = rng.integers(-32, 33, (o,)).astype(np.float32)
    else:
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = (rng.standard_normal(w_shape) / np.sqrt(kh * kw * x_shape[3])).astype(np.float32)
        b = rng.standard_normal(o).astype(np.float32)
    conv = dict(strides=strides, padding=padding, dilation_rate=dilation)
    return x, w, b, conv


def output_shape(x, w, conv):
    _, _, _, oh, ow = kr.conv2d_geometry(
        x.shape, w.shape, conv["strides"], conv["padding"], conv["dilation_rate"]
    )
    return (x.shape[0], oh, ow, w.shape[3])


def numpy_grads(x, w, dy, conv):
    return kr.conv2d_grads(x, w, dy, conv["strides"], conv["padding"], conv["dilation_rate"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("activation", [None, "relu", "tanh", "sigmoid"])
def test_forward_matches_numpy(impl, case, activation, rng):
    x, w, b, conv = make(case, rng)
    out = poisoned(output_shape(x, w, conv))
    y = impl.conv2d_forward(x, w, b, activation=activation, out=out, **conv)
    assert y is out
    want = kr.conv2d(x, w, b, conv["strides"], conv["padding"], conv["dilation_rate"], activation)
    np.testing.assert_allclose(y, want, **FWD)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_backward_matches_numpy(impl, case, rng):
    x, w, _, conv = make(case, rng)
    dy = rng.standard_normal(output_shape(x, w, conv)).astype(np.float32)
    want_dx, want_dw, want_db = numpy_grads(x, w, dy, conv)
    dx = impl.conv2d_backward_input(dy, w, x.shape, out=poisoned(x.shape), **conv)
    dw = impl.conv2d_backward_weight(x, dy, w.shape[:2], out=poisoned(w.shape), **conv)
    db = impl.conv2d_backward_bias(dy, out=poisoned((w.shape[3],)))
    np.testing.assert_allclose(dx, want_dx, **GRAD)
    np.testing.assert_allclose(dw, want_dw, **GRAD)
    np.testing.assert_allclose(db, want_db, **GRAD)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_exact_integers_match_reference_bit_for_bit(isa, case, rng):
    x, w, b, conv = make(case, rng, integer=True)
    dy = rng.integers(-32, 33, output_shape(x, w, conv)).astype(np.float32)
    pairs = [
        (_C.conv2d_forward(x, w, b, **conv), _C.ref.conv2d_forward(x, w, b, **conv)),
        (
            _C.conv2d_backward_input(dy, w, x.shape, **conv),
            _C.ref.conv2d_backward_input(dy, w, x.shape, **conv),
        ),
        (
            _C.conv2d_backward_weight(x, dy, w.shape[:2], **conv),
            _C.ref.conv2d_backward_weight(x, dy, w.shape[:2], **conv),
        ),
        (_C.conv2d_backward_bias(dy), _C.ref.conv2d_backward_bias(dy)),
    ]
    for got, want in pairs:
        np.testing.assert_array_equal(got, want)


LARGE = [
    ((8, 32, 32, 16), (3, 3, 32), 1, "same", 1),
    ((4, 17, 19, 24), (5, 5, 40), 2, "same", 1),
    ((64, 12, 12, 3), (3, 3, 16), 1, "valid", 2),
]


@pytest.mark.parametrize("case", LARGE, ids=[str(c[0]) for c in LARGE])
def test_results_do_not_depend_on_thread_count(isa, case, rng):
    x, w, b, conv = make(case, rng)
    dy = rng.standard_normal(output_shape(x, w, conv)).astype(np.float32)

    def run():
        return (
            _C.conv2d_forward(x, w, b, activation="tanh", **conv),
            _C.conv2d_backward_input(dy, w, x.shape, **conv),
            _C.conv2d_backward_weight(x, dy, w.shape[:2], **conv),
            _C.conv2d_backward_bias(dy),
        )

    with using_threads(1):
        one = run()
    with using_threads(2):
        two = run()
    for a, b_ in zip(one, two):
        np.testing.assert_array_equal(a, b_)
    # and the large shapes are right, not just repeatable
    want = numpy_grads(x, w, dy, conv)
    for got, ref in zip(two[1:], want):
        np.testing.assert_allclose(got, ref, **GRAD)


@pytest.mark.parametrize(
    "case", [CASES[2], CASES[4], CASES[9], CASES[12]], ids=[IDS[2], IDS[4], IDS[9], IDS[12]]
)
def test_gradients_match_finite_differences(case, rng):
    """The backward kernels are the adjoints of the forward kernel: compare them with central
    differences of L = sum(conv2d(x, w, b) * proj), evaluated in float64."""
    x, w, b, conv = make(case, rng)
    x64, w64, b64 = (a.astype(np.float64) for a in (x, w, b))
    proj = rng.standard_normal(output_shape(x, w, conv))

    def loss(xv, wv, bv):
        y = _C.conv2d_forward(xv, wv, bv, **conv).astype(np.float64)
        return float((y * proj).sum())

    dy = proj.astype(np.float32)
    grads = {
        "x": _C.conv2d_backward_input(dy, w, x.shape, **conv),
        "w": _C.conv2d_backward_weight(x, dy, w.shape[:2], **conv),
        "b": _C.conv2d_backward_bias(dy),
    }
    eps = 1e-2  # conv is linear, so the step only has to beat float32 rounding
    for name, arr in (("x", x64), ("w", w64), ("b", b64)):
        for flat in rng.choice(arr.size, size=min(12, arr.size), replace=False):
            idx = np.unravel_index(flat, arr.shape)
            plus, minus = arr.copy(), arr.copy()
            plus[idx] += eps
            minus[idx] -= eps
            args_p = {"x": x64, "w": w64, "b": b64, name: plus}
            args_m = {"x": x64, "w": w64, "b": b64, name: minus}
            fd = (
                loss(args_p["x"], args_p["w"], args_p["b"])
                - loss(args_m["x"], args_m["w"], args_m["b"])
            ) / (2 * eps)
            np.testing.assert_allclose(
                grads[name][idx], fd, atol=2e-3, rtol=2e-3, err_msg=f"d/d{name}{idx}"
            )


@pytest.mark.parametrize("case", CASES[:10], ids=IDS[:10])
def test_matches_pytorch(case, rng):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x, w, b, conv = make(case, rng)
    strides, dilation, (t, bo, left, r), _, _ = kr.conv2d_geometry(
        x.shape, w.shape, conv["strides"], conv["padding"], conv["dilation_rate"]
    )
    xt = torch.tensor(x.transpose(0, 3, 1, 2).copy(), dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(w.transpose(3, 2, 0, 1).copy(), dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    yt = F.conv2d(F.pad(xt, (left, r, t, bo)), wt, bt, stride=strides, dilation=dilation)
    y = _C.conv2d_forward(x, w, b, **conv)
    np.testing.assert_allclose(y, yt.detach().numpy().transpose(0, 2, 3, 1), **FWD)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    yt.backward(torch.tensor(dy.transpose(0, 3, 1, 2).copy(), dtype=torch.float64))
    np.testing.assert_allclose(
        _C.conv2d_backward_input(dy, w, x.shape, **conv),
        xt.grad.numpy().transpose(0, 2, 3, 1),
        **GRAD,
    )
    np.testing.assert_allclose(
        _C.conv2d_backward_weight(x, dy, w.shape[:2], **conv),
        wt.grad.numpy().transpose(2, 3, 1, 0),
        **GRAD,
    )
    np.testing.assert_allclose(_C.conv2d_backward_bias(dy), bt.grad.numpy(), **GRAD)


def test_non_float32_and_non_contiguous_inputs_are_converted(impl, rng):
    x = rng.standard_normal((2, 8, 8, 6))  # float64
    w = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    xs = x[:, :, :, ::2]  # non-contiguous view, 3 channels
    y = impl.conv2d_forward(xs, w, padding="same")
    np.testing.assert_allclose(y, kr.conv2d(xs.astype(np.float32), w, padding="same"), **FWD)
    yi = impl.conv2d_forward(np.ones((1, 4, 4, 3), np.int32), np.ones((3, 3, 3, 1), np.int64))
    np.testing.assert_array_equal(yi, np.full((1, 2, 2, 1), 27.0, np.float32))


def test_concurrent_python_threads_get_correct_results(rng):
    """Kernels release the GIL and keep their scratch space per calling thread."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = []
    for i in range(8):
        x, w, b, conv = make(CASES[(2 * i) % len(CASES)], np.random.default_rng(i))
        jobs.append((x, w, b, conv))
    want = [_C.conv2d_forward(x, w, b, **conv) for x, w, b, conv in jobs]

    def run(job):
        x, w, b, conv = job
        return [_C.conv2d_forward(x, w, b, **conv) for _ in range(20)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, jobs))
    for got_list, expected in zip(results, want):
        for got in got_list:
            np.testing.assert_array_equal(got, expected)
