"""ember.ops beyond the Keras fixtures: ops in functional models (training, configs, .keras
files), Tensor operators, the CUDA code paths on the host stand-in, bad input, the special
functions against Python's math module, the docstring examples, and lazy loading."""

from __future__ import annotations

import doctest
import json
import math
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest
from gradcheck import check_gradients

import ember
import fake_cuda
from ember import layers, ops
from ember.ops import dispatch


# ------------------------------------------------------------------ functional models
def _ops_model() -> ember.Model:
    seq = ember.Input((5, 3), name="seq")
    ids = ember.Input((1,), dtype="int32", name="ids")
    pooled = ops.mean(seq, axis=1)
    spread = ops.max(seq, axis=1) - ops.min(seq, axis=1)
    onehot = ops.cast(ops.one_hot(ops.squeeze(ids, -1), 4), "float32")
    features = ops.concatenate([pooled, ops.sqrt(ops.square(spread) + 1.0), onehot], axis=-1)
    hidden = layers.Dense(6, activation="relu")(features)
    out = layers.Dense(1)(ops.nn.silu(hidden) + ops.expand_dims(ops.sum(pooled, axis=-1), -1))
    return ember.Model([seq, ids], out)


def _data(n: int = 48):
    rng = np.random.default_rng(7)
    seq = rng.standard_normal((n, 5, 3)).astype(np.float32)
    ids = rng.integers(0, 4, (n, 1)).astype(np.int32)
    y = (seq.mean(axis=1).sum(axis=1, keepdims=True) + (ids == 2)).astype(np.float32)
    return seq, ids, y


def test_ops_on_symbolic_tensors_have_keras_shapes_and_dtypes():
    seq = ember.Input((5, 3))
    ids = ember.Input((7,), dtype="int32")
    assert ops.mean(seq, axis=1).shape == (None, 3)
    assert ops.argmax(seq, axis=-1).dtype == "int32"
    assert ops.one_hot(ids, 10).shape == (None, 7, 10)
    assert ops.cast(ids, "float32").dtype == "float32"
    assert ops.sum(ids, axis=1).dtype == "int32"
    assert ops.shape(seq) == (None, 5, 3) and ops.ndim(seq) == 3
    assert ops.dtype(ids) == "int32"
    halves = ops.split(seq, [2], axis=1)
    assert [h.shape for h in halves] == [(None, 2, 3), (None, 3, 3)]


def test_functional_model_with_ops_trains_and_round_trips(tmp_path):
    model = _ops_model()
    names = {type(layer).__name__ for layer in model.layers}
    assert "OpLayer" in names
    seq, ids, y = _data()
    model.compile(optimizer="adam", loss="mse")
    before = model.evaluate([seq, ids], y, verbose=0)
    model.fit([seq, ids], y, epochs=8, batch_size=8, verbose=0)
    assert model.evaluate([seq, ids], y, verbose=0) < before
    want = model.predict([seq, ids], verbose=0)

    clone = ember.Model.from_config(json.loads(json.dumps(model.get_config())))
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict([seq, ids], verbose=0), want, rtol=1e-5, atol=1e-6)

    path = tmp_path / "ops_model.keras"
    model.save(path)
    loaded = ember.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict([seq, ids], verbose=0), want, rtol=1e-5, atol=1e-6)


def test_operators_on_symbolic_tensors_become_op_nodes():
    x = ember.Input((4,))
    ids = ember.Input((4,), dtype="int32")
    mask = (x > 0.0) & (x < 2.0)
    out = ops.where(mask, x // 0.5 + x % 0.5, abs(x) ** 2 + 2.0**x)
    bits = (ids & 3) | ~(ids >= 2)
    assert mask.dtype == "bool" and bits.dtype == "int32"
    model = ember.Model([x, ids], [out, bits])
    xv = np.array([[-1.5, 0.25, 1.75, 3.0]], np.float32)
    iv = np.array([[0, 1, 2, 7]], np.int32)
    got, got_bits = model.predict([xv, iv], verbose=0)
    inside = (xv > 0) & (xv < 2)
    want = np.where(inside, np.floor_divide(xv, 0.5) + np.mod(xv, 0.5), np.abs(xv) ** 2 + 2**xv)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_array_equal(got_bits, (iv & 3) | ~(iv >= 2))


def test_every_implemented_op_is_registered_for_graphs():
    for name in ops.__all__:
        fn = getattr(ops, name)
        if type(fn).__name__ == "module" or getattr(fn, "not_implemented", None):
            continue
        if name == "vectorize":  # returns a function; not an op on tensors
            continue
        registered = dispatch.get_op("rearrange" if name == "rearrange" else name)
        assert registered is not None, name


# ------------------------------------------------------------------ Tensor operators
def test_tensor_comparisons_are_elementwise_and_tensors_stay_hashable():
    a = ember.tensor([1.0, 2.0, 3.0])
    b = ember.tensor([3.0, 2.0, 1.0])
    for got, want in (
        (a < b, [True, False, False]),
        (a <= b, [True, True, False]),
        (a > b, [False, False, True]),
        (a >= b, [False, True, True]),
        (a == b, [False, True, False]),
        (a != b, [True, False, True]),
        (a > 1.5, [False, True, True]),
        (2 < a, [False, False, True]),
    ):
        assert isinstance(got, ember.Tensor) and got.dtype == np.bool_
        np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal((np.array([3.0, 0.0, 0.0]) > a).numpy(), [True, False, False])
    table = {a: "a", b: "b"}
    assert table[a] == "a" and len({a, b, a}) == 2
    assert a in [a] and b not in {a}


def test_tensor_logical_bitwise_and_arithmetic_operators():
    t, f = ember.tensor([True, False], dtype="bool"), ember.tensor([True, True], dtype="bool")
    np.testing.assert_array_equal((t & f).numpy(), [True, False])
    np.testing.assert_array_equal((t | ~f).numpy(), [True, False])
    np.testing.assert_array_equal((t ^ f).numpy(), [False, True])
    i = ember.tensor([6, 5], dtype="int32")
    np.testing.assert_array_equal((i & 3).numpy(), [2, 1])
    np.testing.assert_array_equal((i | 1).numpy(), [7, 5])
    np.testing.assert_array_equal((~i).numpy(), [-7, -6])
    assert (i // 4).dtype == np.int32 and (i // 4).numpy().tolist() == [1, 1]
    assert (i % 4).numpy().tolist() == [2, 1]
    x = ember.tensor([-7.5, 2.0], requires_grad=True)
    np.testing.assert_array_equal((x // 2).numpy(), [-4.0, 1.0])
    np.testing.assert_array_equal((x % 2).numpy(), [0.5, 0.0])
    np.testing.assert_array_equal((7 % ember.tensor([4, 5], dtype="int32")).numpy(), [3, 2])
    np.testing.assert_array_equal(abs(x).numpy(), [7.5, 2.0])
    np.testing.assert_array_equal((+x).numpy(), x.numpy())
    y = 2.0**x
    ops.sum(y).backward()
    np.testing.assert_allclose(x.grad, np.log(2) * 2.0 ** np.array([-7.5, 2.0]), rtol=1e-6)


def test_tensor_arithmetic_promotes_as_keras():
    b = ember.tensor([True, False], dtype="bool")
    i8 = ember.tensor([1, 2], dtype="int8")
    u8 = ember.tensor([1, 2], dtype="uint8")
    assert (b + 1).dtype == np.int32  # numpy would give int64
    assert (i8 * 2).dtype == np.int8 and (2 - i8).dtype == np.int8
    assert (i8 + u8).dtype == np.int16
    assert (i8**2).dtype == np.int8 and (i8**2).numpy().tolist() == [1, 4]
    assert (i8 / 2).dtype == np.float32
    x = ember.tensor([2.0, 3.0], requires_grad=True)
    e = ember.tensor([3.0, 2.0], requires_grad=True)
    ops.sum(x**e).backward()
    np.testing.assert_allclose(x.grad, [12.0, 6.0])
    np.testing.assert_allclose(e.grad, [8 * np.log(2), 9 * np.log(3)], rtol=1e-6)


def test_comparisons_and_integer_results_carry_no_gradient():
    x = ember.tensor([1.0, -2.0], requires_grad=True)
    assert not (x > 0).requires_grad
    assert not ops.argmax(x).requires_grad
    assert not ops.cast(x, "int32").requires_grad
    assert ops.cast(x, "float32").requires_grad


# ------------------------------------------------------------------ CUDA on the stand-in
@pytest.fixture
def stand_in() -> Iterator[None]:
    ember.cuda._use_backend(fake_cuda)
    try:
        yield
    finally:
        ember.cuda._reset()


def _same_on_device(fn, *shapes, rng, tol=1e-5):
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    cpu = [ember.tensor(a, requires_grad=True) for a in arrays]
    out_cpu = fn(*cpu)
    seed = rng.standard_normal(out_cpu.shape).astype(np.float32)
    out_cpu.backward(seed)
    dev = [ember.tensor(a, requires_grad=True) for a in arrays]
    out_dev = fn(*[t.to("cuda") for t in dev])
    assert out_dev.device == "cuda"
    out_dev.backward(seed)
    np.testing.assert_allclose(out_dev.numpy(), out_cpu.numpy(), rtol=tol, atol=tol)
    for c, d in zip(cpu, dev):
        np.testing.assert_allclose(d.grad, c.grad, rtol=tol, atol=tol)


CUDA_OPS = [
    (lambda a, b: ops.add(a, b), (3, 4), (4,)),
    (lambda a, b: ops.multiply(a, b) - ops.divide(a, ops.abs(b) + 1.0), (3, 4), (3, 4)),
    (lambda a, b: ops.maximum(a, b) + ops.minimum(a, 0.5), (3, 4), (3, 4)),
    (lambda a: ops.exp(a) + ops.log(ops.abs(a) + 1.0) + ops.sqrt(ops.square(a) + 1.0), (3, 4)),
    (lambda a: ops.tanh(a) * ops.sign(a), (5,)),
    (lambda a: ops.sum(a, axis=1) + ops.mean(a, axis=1), (3, 4)),
    (lambda a: ops.mean(a, axis=(0, 2), keepdims=True), (2, 3, 4)),
    (lambda a: ops.reshape(ops.transpose(a, (1, 0)), (-1,)), (3, 4)),
    (lambda a: ops.expand_dims(ops.squeeze(a, 0), -1), (1, 4)),
    (lambda a: ops.broadcast_to(a, (3, 4)), (1, 4)),
    (lambda a, b: ops.matmul(a, b), (3, 4), (4, 2)),
    (lambda a: ops.clip(a, -0.5, 0.5), (3, 4)),
    (lambda a: ops.nn.relu(a) + ops.nn.sigmoid(a) + ops.nn.gelu(a), (3, 4)),
    (lambda a: ops.nn.softmax(a) * ops.nn.log_softmax(a), (3, 4)),
    (lambda a, k: ops.nn.conv(a, k, padding="same"), (1, 5, 5, 2), (3, 3, 2, 3)),
    (lambda a: ops.nn.max_pool(a, 2) + ops.nn.average_pool(a, 2), (1, 4, 4, 2)),
]


@pytest.mark.parametrize("case", range(len(CUDA_OPS)))
def test_stand_in_ops_match_cpu(stand_in, case):
    fn, *shapes = CUDA_OPS[case]
    _same_on_device(fn, *shapes, rng=np.random.default_rng(case))


@pytest.mark.parametrize(
    "name, fn",
    [
        ("sort", lambda a: ops.sort(a)),
        ("cumsum", lambda a: ops.cumsum(a, axis=0)),
        ("max", lambda a: ops.max(a, axis=0)),
        ("flip", lambda a: ops.flip(a, axis=0)),
        ("where", lambda a: ops.where(a > 0, a, 0.0)),
    ],
)
def test_stand_in_ops_without_a_cuda_path_say_so(stand_in, name, fn):
    x = ember.tensor(np.arange(6.0).reshape(2, 3)).to("cuda")
    with pytest.raises(NotImplementedError, match=rf"ops\.{name} is not implemented on cuda"):
        fn(x)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda: ops.reshape(ops.zeros((2, 3)), (4,)), ValueError, "reshape: cannot reshape"),
        (lambda: ops.matmul(ops.zeros((2, 3)), ops.zeros((4, 5))), ValueError, "matmul:.*3"),
        (
            lambda: ops.concatenate([ops.zeros((2, 3)), ops.zeros((2, 4))], axis=0),
            ValueError,
            "concatenate: all shapes must match",
        ),
        (lambda: ops.sum(ops.zeros((2, 3)), axis=2), ValueError, "sum: `axis`=2 is out of range"),
        (lambda: ops.mean(ops.zeros((2, 3)), axis=1.5), TypeError, "mean: `axis` must be an"),
        (lambda: ops.take(ops.zeros((3,)), [5]), ValueError, "take: `indices` must lie in"),
        (lambda: ops.split(ops.zeros((5,)), 2), ValueError, "split: axis 0 of size 5"),
        (lambda: ops.cast(ops.zeros((2,)), "int33"), TypeError, "Invalid dtype"),
        (lambda: ops.cast(ops.zeros((2,)), "float64"), NotImplementedError, "float64"),
        (lambda: ops.negative(ops.ones((2,), "uint8")), TypeError, "negative: expected a signed"),
        (lambda: ops.bitwise_and([1.5], [2.5]), TypeError, "bitwise_and: expected integer"),
        (lambda: ops.one_hot([1], 3, sparse=True), NotImplementedError, "one_hot: `sparse"),
        (
            lambda: ops.nn.conv(ops.zeros((1, 4, 4, 2)), ops.zeros((3, 3, 3, 1))),
            ValueError,
            "conv: the input's 2 channels",
        ),
        (
            lambda: ops.nn.conv(ops.zeros((1, 2, 2, 1)), ops.zeros((3, 3, 1, 1))),
            ValueError,
            "conv: the window .* is larger than the input",
        ),
        (lambda: ops.nn.max_pool(ops.zeros((4, 4)), 2), ValueError, "max_pool: `inputs` must be"),
        (
            lambda: ops.nn.dot_product_attention(
                ops.zeros((1, 2, 1, 2)),
                ops.zeros((1, 2, 1, 2)),
                ops.zeros((1, 2, 1, 2)),
                flash_attention=True,
            ),
            NotImplementedError,
            "flash_attention",
        ),
        (
            lambda: ops.einsum("ij,jk->ik", ops.zeros((2, 3)), ops.zeros((4, 5))),
            ValueError,
            "einsum:",
        ),
        (lambda: ops.linalg.inv(ops.zeros((2, 2))), ValueError, "inv: Singular matrix"),
        (lambda: ops.linalg.cholesky(-ops.eye(2)), ValueError, "cholesky:"),
        (lambda: ops.linalg.det(ops.zeros((2, 3))), ValueError, "det: `x` must be a .*square"),
        (lambda: ops.pad(ops.zeros((2,)), (1, 1), mode="wrapx"), ValueError, "pad: `mode`"),
        (
            lambda: ops.image.resize(ops.zeros((4, 4, 1)), (2, 2), antialias=True),
            NotImplementedError,
            "antialias",
        ),
        (
            lambda: ops.sparse_categorical_crossentropy([3], [[0.5, 0.5]]),
            ValueError,
            "class ids must lie in",
        ),
        (lambda: ops.quantile([1.0, 2.0], 1.5), ValueError, "quantile: quantiles must be"),
        (lambda: ops.top_k([1.0, 2.0], 3), ValueError, "top_k: `k` must be in"),
        (lambda: ops.broadcast_to(ops.zeros((3,)), (2, 4)), ValueError, "broadcast_to: cannot"),
        (lambda: ops.arange(0, 5, 0), ValueError, "arange: `step` must not be zero"),
        (lambda: ops.zeros((2, -1)), ValueError, "zeros: `shape` must not have negative"),
    ],
)
def test_bad_input_names_the_op(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


# ------------------------------------------------------------------ special functions
def test_special_functions_match_python_math():
    x = np.linspace(-6, 6, 1201)
    np.testing.assert_allclose(ops.erf(x).numpy(), [math.erf(v) for v in x], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(
        ops.erfc(x).numpy(), [math.erfc(v) for v in x], rtol=1e-5, atol=1e-30
    )
    y = np.linspace(-0.999, 0.999, 501)
    np.testing.assert_allclose(
        [math.erf(v) for v in ops.erfinv(y).numpy().astype(np.float64)], y, atol=1e-6
    )
    # I0(x) = sum_k (x/2)^(2k) / (k!)^2
    z = np.linspace(-5, 5, 41)
    series = sum((z / 2) ** (2 * k) / math.factorial(k) ** 2 for k in range(40))
    np.testing.assert_allclose(ops.i0(z).numpy(), series, rtol=1e-6)


# ------------------------------------------------------------------ docstring examples
def _examples() -> list:
    from ember.ops import (
        base,
        control,
        conversion,
        creation,
        elementwise,
        image,
        indexing,
        linalg,
        nn,
        products,
        reduction,
        shaping,
        special,
    )

    out = []
    modules = (
        ops,
        base,
        special,
        elementwise,
        reduction,
        shaping,
        indexing,
        products,
        creation,
        conversion,
        control,
        nn,
        linalg,
        image,
        ops.numpy,
    )
    for module in modules:
        objs = [(module.__name__, module)]
        for name in sorted(getattr(module, "__all__", [])):
            obj = getattr(module, name)
            if callable(obj) and not isinstance(obj, type(module)):
                objs.append((f"{module.__name__}.{name}", obj))
        for label, obj in objs:
            if obj.__doc__ and ">>>" in obj.__doc__:
                out.append(pytest.param(label, obj.__doc__, id=label))
    return out


@pytest.mark.parametrize("label, doc", _examples())
def test_docstring_examples_run(label, doc):
    parser = doctest.DocTestParser()
    # Helpers' examples use their module's names; public examples only ember and numpy (the
    # ops namespace would shadow builtins such as round and slice).
    helpers = ("ember.ops.base.", "ember.ops.special.")
    module = sys.modules[label.rsplit(".", 1)[0]] if label.startswith(helpers) else None
    globs = dict(vars(module)) if module is not None else {}
    globs.update(ember=ember, np=np)
    test = parser.get_doctest(doc, globs, label, None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0, f"{label}: {runner.failures} failing example(s)"


# ------------------------------------------------------------------ loading
def test_import_ember_does_not_load_ops():
    code = (
        "import sys, ember\n"
        "assert 'ember.ops' not in sys.modules, 'ember.ops loaded at import'\n"
        "from ember import ops\n"
        "assert ops.add(1, 2).numpy() == 3\n"
        "import ember as keras\n"
        "assert keras.ops.nn.relu is ops.relu\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# ------------------------------------------------------------------ control flow
def test_cond_switch_and_loops():
    x = ember.tensor(3.0)
    assert float(ops.cond(x > 2, lambda: x * 2, lambda: x).numpy()) == 6.0
    assert ops.switch(-4, [lambda v: v + 1, lambda v: v * 10], 2) == 3  # index clamped to 0
    i, total = ops.while_loop(lambda i, t: i < 4, lambda i, t: (i + 1, t + i), (0, 0))
    assert (i, total) == (4, 6)
    assert ops.while_loop(lambda v: v < 100, lambda v: v * 3, 1, maximum_iterations=2) == 9
    assert ops.while_loop(lambda v: v < 10, lambda v: [v + 4], [1]) == [13]
    assert ops.fori_loop(0, 5, lambda k, v: v + k * k, 0) == 30


def test_scan_with_structures_and_reverse():
    xs = {"a": ops.arange(4.0), "b": ops.ones((4, 2))}

    def step(carry, x):
        new = carry + x["a"] * x["b"]
        return new, {"sum": ops.sum(new), "a": x["a"]}

    carry, ys = ops.scan(step, ops.zeros((2,)), xs)
    np.testing.assert_allclose(carry.numpy(), [6.0, 6.0])
    np.testing.assert_allclose(ys["sum"].numpy(), [0.0, 2.0, 6.0, 12.0])
    _, rev = ops.scan(lambda c, x: (c + x, c + x), 0.0, ops.arange(1.0, 4.0), reverse=True)
    np.testing.assert_allclose(rev.numpy(), [6.0, 5.0, 3.0])
    count, none = ops.scan(lambda c, x: (c + 1, None), 0, length=3)
    assert count == 3 and none is None


def test_associative_scan_matches_cumulative_ops_and_is_differentiable():
    rng = np.random.default_rng(3)
    x = rng.uniform(0.5, 1.5, (7, 3)).astype(np.float32)
    np.testing.assert_allclose(ops.associative_scan(ops.add, x).numpy(), np.cumsum(x, 0), rtol=1e-6)
    np.testing.assert_allclose(
        ops.associative_scan(ops.multiply, x, reverse=True, axis=1).numpy(),
        np.flip(np.cumprod(np.flip(x, 1), 1), 1),
        rtol=1e-5,
    )
    pair = ops.associative_scan(lambda a, b: (a[0] + b[0], ops.maximum(a[1], b[1])), (x, x))
    np.testing.assert_allclose(pair[1].numpy(), np.maximum.accumulate(x, 0))
    check_gradients(lambda t: ops.associative_scan(ops.multiply, t), [x], eps=1e-3)


def test_map_vectorized_map_and_vectorize():
    xs = ops.reshape(ops.arange(6.0), (3, 2))
    np.testing.assert_allclose(ops.map(lambda r: ops.sum(r), xs).numpy(), [1.0, 5.0, 9.0])
    np.testing.assert_allclose(
        ops.vectorized_map(lambda r: r[::-1], xs).numpy(), xs.numpy()[:, ::-1]
    )
    f = ops.vectorize(lambda a, b: a * b + 1, excluded={1})
    np.testing.assert_allclose(f([[1.0, 2.0]], 3.0).numpy(), [[4.0, 7.0]])
    with pytest.raises(NotImplementedError, match="signature"):
        ops.vectorize(lambda a: a, signature="(n)->()")


def test_custom_gradient_and_stop_gradient():
    @ops.custom_gradient
    def log1pexp(x):
        e = ops.exp(x)

        def grad(upstream):
            return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))

        return ops.log(1 + e), grad

    x = ember.tensor([0.0, 100.0], requires_grad=True)
    y = log1pexp(x)
    ops.sum(y).backward()
    np.testing.assert_allclose(x.grad, [0.5, 1.0])
    z = ember.tensor([2.0], requires_grad=True)
    out = z * ops.stop_gradient(z)
    ops.sum(out).backward()
    np.testing.assert_allclose(z.grad, [2.0])  # only the first factor


# ------------------------------------------------------------ gradients without Keras fixtures
def _r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda t: ops.get_item(t, (slice(None), [2, 0, 2])), [(3, 4)]),
        (lambda t: ops.get_item(t, (t.numpy() > 0)), [(3, 4)]),
        (lambda t, u: ops.slice_update(t, (1, 0), u), [(3, 4), (2, 3)]),
        (lambda t, u: ops.scatter_update(t, [[0], [2]], u), [(3, 4), (2, 4)]),
        (lambda t: ops.tile(t, (2, 3)), [(2, 3)]),
        (lambda t: ops.repeat(t, [1, 3], axis=0), [(2, 3)]),
        (lambda t: ops.pad(t, ((1, 2), (2, 0)), mode="edge"), [(3, 4)]),
        (lambda t: ops.pad(t, ((0, 3), (2, 1)), mode="wrap"), [(3, 4)]),
        (lambda t: ops.rearrange(t, "a (b c) -> c a b", c=2), [(3, 4)]),
        (lambda a, b: ops.einsum("ii,ij->j", ops.eye(3), a * b), [(3, 3), (3, 3)]),
        (lambda t: ops.linalg.norm(t, ord="nuc"), [(3, 4)]),
        (lambda t: ops.linalg.eigh(ops.matmul(t, ops.transpose(t)))[0], [(3, 3)]),
        (lambda t: ops.linalg.qr(t)[1], [(4, 3)]),
    ],
)
def test_gradients_of_ops_without_keras_gradients(fn, shapes):
    check_gradients(fn, [_r(*s, seed=i) for i, s in enumerate(shapes)], eps=1e-3)
