"""ember.ops against real Keras 3 (fixtures from tests/fixtures/make_keras_ops_fixtures.py):
values, dtypes, shapes and gradients of every recorded case, central finite differences of the
same cases (an independent reference), the dtype-promotion tables, the function signatures and
the namespace (every Keras name exists; the not-implemented ones say so)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from gradcheck import check_gradients

import ember
from ember import ops

FIXTURES = Path(__file__).parent / "fixtures" / "keras_ops"
FAMILIES = [
    "elementwise",
    "reduction",
    "shaping",
    "indexing",
    "products",
    "creation",
    "conversion",
    "nn",
    "linalg",
    "image",
]


@cache
def _family(family: str) -> tuple[dict, dict]:
    with np.load(FIXTURES / f"{family}.npz", allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    config = json.loads(str(arrays.pop("config")))
    return config["cases"], arrays


def _cases(grad_only: bool = False) -> list:
    out = []
    for family in FAMILIES:
        cases, _ = _family(family)
        for name, c in sorted(cases.items()):
            if grad_only and not c["grads"]:
                continue
            out.append(pytest.param(family, name, id=f"{family}-{name}"))
    return out


def _resolve(path: str):
    obj = ops
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _decode(value, arrays: dict, name: str, tensors: dict):
    if isinstance(value, dict) and "array" in value:
        k = value["array"]
        return tensors.get(k, arrays[f"{name}__x{k}"])
    if isinstance(value, dict) and "list" in value:
        return [_decode(v, arrays, name, tensors) for v in value["list"]]
    if isinstance(value, dict) and "tuple" in value:
        return tuple(_decode(v, arrays, name, tensors) for v in value["tuple"])
    if value == "inf":
        return np.inf
    if value == "-inf":
        return -np.inf
    return value


def _call(family: str, name: str, tensors: dict):
    cases, arrays = _family(family)
    c = cases[name]
    args = [_decode(a, arrays, name, tensors) for a in c["args"]]
    kwargs = {k: _decode(v, arrays, name, tensors) for k, v in c["kwargs"].items()}
    return _resolve(c["op"])(*args, **kwargs)


def _outputs(out, structure: str) -> list:
    if structure == "single":
        return [out]
    assert isinstance(out, (list, tuple)), f"expected a {structure}, received {type(out)}"
    if structure == "tuple":
        assert isinstance(out, tuple), f"Keras returns a tuple, ember a {type(out).__name__}"
    return list(out)


def _fix_signs(a: np.ndarray) -> np.ndarray:
    """Columns scaled so that each one's largest-magnitude entry is positive (eigenvectors and
    singular vectors are defined up to sign)."""
    if a.ndim < 2:
        return a
    idx = np.argmax(np.abs(a), axis=-2)
    picked = np.take_along_axis(a, idx[..., None, :], axis=-2)
    return a * np.where(picked < 0, -1, 1)


# Keras leaves the order of these results unspecified.
_UNORDERED = {"top_k_unsorted"}

# Cases where Keras' TensorFlow backend has a bug; ember follows the documented (numpy /
# paper) definition, checked against a reference written here instead.
_KERAS_BUGS = {
    # rot90 with k > 1 on a non-square plane reshapes instead of rotating again
    "rot90_k2": lambda x: np.rot90(x, 2, axes=(1, 2)),
    # eye(N, M, k) with M != N builds a (min(M-k, N+k))-square eye: here (3, 5), not (2, 4)
    "eye_args": lambda: np.eye(2, 4, 1, dtype=np.int32),
    # sparsemax sums the cumulative sums of the support instead of the support's values
    "sparsemax": lambda z: _sparsemax_reference(z, -1),
    "sparsemax_axis0": lambda z: _sparsemax_reference(z, 0),
}


def _sparsemax_reference(z: np.ndarray, axis: int) -> np.ndarray:
    """Sparsemax (Martins & Astudillo 2016) in float64: the projection onto the simplex."""
    z = np.moveaxis(z.astype(np.float64), axis, -1)
    srt = -np.sort(-z, axis=-1)
    k = np.arange(1, z.shape[-1] + 1)
    support = 1 + k * srt > np.cumsum(srt, axis=-1)
    kz = support.sum(axis=-1, keepdims=True)
    tau = (np.take_along_axis(np.cumsum(srt, axis=-1), kz - 1, axis=-1) - 1) / kz
    return np.moveaxis(np.maximum(z - tau, 0), -1, axis)


@pytest.mark.parametrize("name", sorted(_KERAS_BUGS))
def test_where_keras_has_a_bug_ember_follows_the_definition(name):
    family = next(f for f in FAMILIES if name in _family(f)[0])
    cases, arrays = _family(family)
    inputs = [
        arrays[f"{name}__x{k}"]
        for k in range(len(cases[name]["args"]))
        if f"{name}__x{k}" in arrays
    ]
    want = _KERAS_BUGS[name](*inputs)
    got = _call(family, name, {}).numpy()
    assert got.dtype == want.dtype or want.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("family, name", _cases())
def test_matches_keras(family, name):
    if name in _KERAS_BUGS:
        pytest.skip("a Keras bug: see test_where_keras_has_a_bug_ember_follows_the_definition")
    cases, arrays = _family(family)
    c = cases[name]
    float_grads = set(c["grads"])
    tensors = {k: ember.tensor(arrays[f"{name}__x{k}"], requires_grad=True) for k in float_grads}
    out = _call(family, name, tensors)
    if c["structure"] == "python":
        got = out
        if isinstance(got, ember.Tensor):
            got = got.numpy().item()
        if isinstance(got, tuple):
            got = list(got)
        assert got == c["python"]
        return
    outs = _outputs(out, c["structure"])
    assert len(outs) == len(c["outputs"])
    for i, (o, spec) in enumerate(zip(outs, c["outputs"])):
        assert isinstance(o, ember.Tensor), f"output {i} is a {type(o).__name__}"
        assert o.dtype == np.dtype(spec["dtype"]), f"output {i}: {o.dtype} vs {spec['dtype']}"
        assert list(o.shape) == spec["shape"], f"output {i}: {o.shape} vs {spec['shape']}"
        if not c["values"]:
            continue
        want, got = arrays[f"{name}__y{i}"], o.numpy()
        if i in c["sign_columns"]:
            want, got = _fix_signs(want), _fix_signs(got)
        if i in c["sign_rows"]:
            want, got = (
                np.swapaxes(_fix_signs(np.swapaxes(a, -1, -2)), -1, -2) for a in (want, got)
            )
        if name in _UNORDERED:
            want, got = np.sort(want, axis=-1), np.sort(got, axis=-1)
        if want.dtype.kind in "fc":
            np.testing.assert_allclose(
                got, want, rtol=c["rtol"], atol=c["atol"], equal_nan=True, err_msg=f"output {i}"
            )
        else:
            np.testing.assert_array_equal(got, want, err_msg=f"output {i}")
    if not float_grads:
        return
    loss = None
    for i, o in enumerate(outs):
        key = f"{name}__proj{i}"
        if key in arrays and o.requires_grad:
            with np.errstate(over="ignore"):  # float32's lowest value in empty segments
                term = ops.sum(o * arrays[key])
            loss = term if loss is None else loss + term
    assert loss is not None, "no output carries a gradient"
    loss.backward()
    for k in float_grads:
        got = tensors[k].grad
        assert got is not None, f"no gradient reached input {k}"
        np.testing.assert_allclose(
            got, arrays[f"{name}__dx{k}"], rtol=1e-3, atol=1e-4, err_msg=f"d/d input {k}"
        )


# Cases whose finite differences are not informative: step functions between samples, or
# pieces of the input that sit on a kink for every coordinate.
_NO_FINITE_DIFFERENCES = {
    "divide_no_nan",  # 1/b jumps at the zeros of b
    "max_ties",  # a k-way tie shares the gradient 1/k (as TensorFlow); differences see 1/2
}
# Steeper functions need a smaller step.
_FINITE_DIFFERENCE_STEP = {
    "erfinv": 1e-3,
    "binary_crossentropy": 1e-3,
    "categorical_crossentropy": 1e-3,
}
# Ops that read only part of their input (a triangle of a symmetric matrix): differentiate
# through the symmetrized input, whose gradient is the same symmetric one.
_SYMMETRIZE = {"cholesky", "cholesky_upper"}


@pytest.mark.parametrize("family, name", _cases(grad_only=True))
def test_gradients_match_finite_differences(family, name):
    if name in _NO_FINITE_DIFFERENCES:
        pytest.skip("a discontinuity at every sample")
    cases, arrays = _family(family)
    c = cases[name]
    keys = sorted(c["grads"])
    inputs = [arrays[f"{name}__x{k}"].astype(np.float64) for k in keys]

    def fn(*ts):
        if name in _SYMMETRIZE:
            ts = [(t + ops.swapaxes(t, -1, -2)) * 0.5 for t in ts]
        out = _call(family, name, dict(zip(keys, ts)))
        parts = [o for o in _outputs(out, c["structure"]) if o.dtype == np.float32]
        # float32's lowest value (empty segments) would swamp the sum in float64
        parts = [ops.where(ops.abs(p) < 1e30, p, 0.0) for p in parts]
        if len(parts) == 1:
            return parts[0]
        return ops.concatenate([ops.reshape(p, (-1,)) for p in parts], axis=0)

    eps = _FINITE_DIFFERENCE_STEP.get(name, 1e-2)
    check_gradients(fn, inputs, eps=eps, atol=3e-3, rtol=3e-3)


# ------------------------------------------------------------------ dtype tables
@cache
def _dtype_tables() -> dict:
    return json.loads((FIXTURES / "dtypes.json").read_text())


def _ones(dtype: str) -> ember.Tensor:
    return ops.ones((2, 2), dtype=dtype)


def _binary_result(op: str, a: str, b: str) -> str:
    xb = 1 if b == "int" else 1.5 if b == "float" else _ones(b)
    if op == "where":
        out = ops.where(_ones("bool"), _ones(a), xb)
    elif op == "concatenate":
        out = ops.concatenate([_ones(a), _ones(b)])
    else:
        out = getattr(ops, op)(_ones(a), xb)
    return ops.dtype(out)


def _binary_cases() -> list:
    out = []
    for op, table in sorted(_dtype_tables()["binary"].items()):
        for pair, dtype in sorted(table.items()):
            if dtype != "error":
                out.append(pytest.param(op, pair, dtype, id=f"{op}-{pair}"))
    return out


@pytest.mark.parametrize("op, pair, dtype", _binary_cases())
def test_binary_result_dtypes_follow_keras(op, pair, dtype):
    a, b = pair.split(",")
    assert _binary_result(op, a, b) == dtype


def _unary_result(op: str, a: str) -> str:
    if op == "clip":
        out = ops.clip(_ones(a), 0, 1)
    elif op == "one_hot":
        out = ops.one_hot(_ones(a), 3)
    else:
        out = getattr(ops, op)(_ones(a))
    return ops.dtype(out)


# Where ember deliberately differs from Keras' TensorFlow backend: float64 results (ember
# computes in float32).
_FLOAT64_IN_KERAS = "float64"


def _unary_cases() -> list:
    out = []
    for op, table in sorted(_dtype_tables()["unary"].items()):
        for a, dtype in sorted(table.items()):
            if dtype not in ("error", _FLOAT64_IN_KERAS):
                out.append(pytest.param(op, a, dtype, id=f"{op}-{a}"))
    return out


@pytest.mark.parametrize("op, dtype_in, dtype", _unary_cases())
def test_unary_result_dtypes_follow_keras(op, dtype_in, dtype):
    assert _unary_result(op, dtype_in) == dtype


# ------------------------------------------------------------------ signatures and names
@cache
def _signatures() -> dict:
    return json.loads((FIXTURES / "signatures.json").read_text())


_NAMESPACES = {
    "ops": lambda: ops,
    "ops.nn": lambda: ops.nn,
    "ops.numpy": lambda: ops.numpy,
    "ops.linalg": lambda: ops.linalg,
    "ops.image": lambda: ops.image,
}


def _signature_cases() -> list:
    return [
        pytest.param(ns, name, params, id=f"{ns}-{name}")
        for ns, table in sorted(_signatures().items())
        for name, params in sorted(table.items())
    ]


@pytest.mark.parametrize("namespace, name, params", _signature_cases())
def test_every_keras_function_exists_with_keras_arguments(namespace, name, params):
    import inspect

    fn = getattr(_NAMESPACES[namespace](), name, None)
    assert fn is not None, f"{namespace}.{name} is missing"
    if getattr(fn, "not_implemented", None):
        with pytest.raises(NotImplementedError, match=re.escape(name)):
            fn(*[None] * sum(p["kind"] == "POSITIONAL_OR_KEYWORD" for p in params))
        return
    ours = list(inspect.signature(fn).parameters.values())
    assert [p.name for p in ours] == [p["name"] for p in params]
    for mine, theirs in zip(ours, params):
        assert mine.kind.name == theirs["kind"], mine.name
        assert (mine.default is not inspect.Parameter.empty) == theirs["has_default"], mine.name
        if theirs["has_default"]:
            default = list(mine.default) if isinstance(mine.default, tuple) else mine.default
            assert default == theirs["default"], f"{mine.name}: {mine.default!r}"


def test_namespace_holds_every_keras_name():
    names = json.loads((Path(__file__).parent / "fixtures/keras_api/names.json").read_text())
    for label, module in (("ops", ops), ("ops.nn", ops.nn)):
        missing = [n for n in names["namespaces"][label] if not hasattr(module, n)]
        assert not missing, f"{label} lacks {missing}"
    for sub in ("nn", "numpy", "linalg", "image"):
        assert type(getattr(ops, sub)).__name__ == "module"


def test_not_implemented_names_are_listed_and_raise():
    doc = ops.__doc__
    listed = set(re.findall(r"``(\w+)``", doc.split("Not implemented", 1)[1].split("Example")[0]))
    assert listed == set(ops.NOT_IMPLEMENTED)
    for name, reason in ops.NOT_IMPLEMENTED.items():
        fn = getattr(ops, name)
        with pytest.raises(NotImplementedError, match=f"ops.{name} is not implemented"):
            fn(ember.tensor([1.0]))
        assert reason


def test_implemented_count():
    names = json.loads((Path(__file__).parent / "fixtures/keras_api/names.json").read_text())
    keras_names = set(names["namespaces"]["ops"]) | set(names["namespaces"]["ops.nn"])
    functions = {n for n in keras_names if n not in ("nn", "numpy", "linalg", "image")}
    stubs = {n for n in functions if getattr(getattr(ops, n), "not_implemented", None)}
    assert stubs == set(ops.NOT_IMPLEMENTED)
    assert len(functions - stubs) >= 323
