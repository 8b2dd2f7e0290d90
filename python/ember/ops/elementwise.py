"""Elementwise public ops (``keras.ops`` names): arithmetic, powers and logarithms,
trigonometric and hyperbolic functions, rounding, comparisons, logical and bitwise ops,
``where`` and ``clip``.

Two Functions carry the gradients: ``Unary`` and ``Binary``, each told by a small spec which
numpy function computes the values and how the gradient follows from the inputs and output.
Binary gradients of broadcast operands are summed back to the operand's shape. Result dtypes
follow Keras (see ``ember.ops.base.result_type``): math on integers gives float32, comparisons
give bool, arithmetic keeps the promoted integer type.

Example:
    >>> from ember import ops
    >>> x = ember.tensor([0.5, 2.0], requires_grad=True)
    >>> y = ops.sum(ops.log(x) * ops.square(x))
    >>> y.backward(); x.grad
    array([-0.19314718,  4.7725887 ], dtype=float32)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ember.autograd import Function, Tensor
from ember.ops import math as core_math
from ember.ops import special
from ember.ops.base import (
    cast,
    cast_to,
    convert,
    dtype_of,
    keras_op,
    operand,
    result_type,
)
from ember.ops.math import unbroadcast

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _f32(a: Any) -> Any:
    """Float results in float32 (some numpy functions return float64), 0-d as arrays."""
    if isinstance(a, np.generic):
        a = np.asarray(a)
    if a.dtype.kind == "f" and a.dtype != np.float32:
        return a.astype(np.float32)
    return a


class UnarySpec(NamedTuple):
    fn: Callable[[Any], Any]
    # grad(g, x, y) -> dx; None: the op has no gradient (rounding, sign)
    grad: Callable[[Any, Any, Any], Any] | None


class Unary(Function):
    """y = spec.fn(x) elementwise; dx = spec.grad(g, x, y)."""

    def forward(self, x: Any, spec: UnarySpec) -> Any:
        with np.errstate(all="ignore"):
            y = _f32(spec.fn(x))
        if self.record:
            self.x, self.y, self.spec = x, y, spec
        return y

    def backward(self, g: Any):
        if self.spec.grad is None:
            return np.zeros_like(self.x), None
        with np.errstate(all="ignore"):
            return _f32(self.spec.grad(g, self.x, self.y)), None


class BinarySpec(NamedTuple):
    fn: Callable[[Any, Any], Any]
    # grad(g, a, b, y) -> (da, db) before un-broadcasting; None: no gradient
    grad: Callable[[Any, Any, Any, Any], tuple[Any, Any]] | None


class Binary(Function):
    """y = spec.fn(a, b) with numpy broadcasting; a or b may be a Python number."""

    def forward(self, a: Any, b: Any, spec: BinarySpec) -> Any:
        with np.errstate(all="ignore"):
            y = _f32(spec.fn(a, b))
        if self.record:
            self.a, self.b, self.y, self.spec = a, b, y, spec
        return y

    def backward(self, g: Any):
        need_a, need_b, _ = self.needs_input_grad
        if self.spec.grad is None:
            za = np.zeros_like(self.a) if need_a else None
            zb = np.zeros_like(self.b) if need_b else None
            return za, zb, None
        with np.errstate(all="ignore"):
            da, db = self.spec.grad(g, self.a, self.b, self.y)
        da = _f32(unbroadcast(da, np.shape(self.a))) if need_a and da is not None else None
        db = _f32(unbroadcast(db, np.shape(self.b))) if need_b and db is not None else None
        return da, db, None


# ------------------------------------------------------------------ helpers
def _float_input(x: Any) -> Tensor:
    """x as a float32 Tensor (math on integers and booleans computes in float32)."""
    t = convert(x)
    return t if t.dtype == np.float32 else cast(t, "float32")


def _unary_float(x: Any, spec: UnarySpec) -> Tensor:
    return Unary.apply(_float_input(x), spec)


def _unary_same(x: Any, spec: UnarySpec) -> Tensor:
    """An op that keeps the input's dtype (integers stay integers, without gradients)."""
    t = convert(x)
    if t.dtype.kind != "f":
        with np.errstate(all="ignore"):
            return Tensor(_f32(spec.fn(t.data)))
    return Unary.apply(t, spec)


def _predicate(x: Any, fn: Callable[[Any], Any]) -> Tensor:
    """A bool-valued elementwise test (no gradient)."""
    t = convert(x)
    return Tensor(_f32(fn(t.data)))


def _binary(x1: Any, x2: Any, spec: BinarySpec, dtype: str | None = None) -> Tensor:
    """Keras' promotion of the operands (``dtype`` forces the compute type), then the op."""
    a, b = operand(x1), operand(x2)
    if dtype is None:
        dtype = result_type(dtype_of(a), dtype_of(b))
    a, b = cast_to(a, dtype), cast_to(b, dtype)
    if dtype != "float32":
        with np.errstate(all="ignore"):
            out = spec.fn(_data(a), _data(b))
        return Tensor(np.asarray(out).astype(dtype, copy=False))
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(np.float32(a))
    return Binary.apply(a, b, spec)


def _data(v: Any) -> Any:
    return v.data if isinstance(v, Tensor) else v


def _float_binary(x1: Any, x2: Any, spec: BinarySpec) -> Tensor:
    """A binary op whose result is always float (division, arctan2, logaddexp, ...)."""
    a, b = operand(x1), operand(x2)
    result_type(dtype_of(a), dtype_of(b))  # validates (no strings)
    return _binary(a, b, spec, "float32")


def _compare(x1: Any, x2: Any, fn: Callable[[Any, Any], Any]) -> Tensor:
    """A comparison: operands promoted as Keras does, a bool result, no gradient."""
    a, b = operand(x1), operand(x2)
    dtype = result_type(dtype_of(a), dtype_of(b))
    a, b = cast_to(a, dtype), cast_to(b, dtype)
    with np.errstate(all="ignore"):
        return Tensor(_f32(fn(_data(a), _data(b))))


# ------------------------------------------------------------------ unary specs
def _sqrt_grad(g: Any, x: Any, y: Any) -> Any:
    return g / (2 * y)


_EXP = UnarySpec(np.exp, lambda g, x, y: g * y)
_EXP2 = UnarySpec(np.exp2, lambda g, x, y: g * y * np.float32(_LN2))
_EXPM1 = UnarySpec(np.expm1, lambda g, x, y: g * (y + 1))
_LOG = UnarySpec(np.log, lambda g, x, y: g / x)
_LOG2 = UnarySpec(np.log2, lambda g, x, y: g / (x * np.float32(_LN2)))
_LOG10 = UnarySpec(np.log10, lambda g, x, y: g / (x * np.float32(_LN10)))
_LOG1P = UnarySpec(np.log1p, lambda g, x, y: g / (1 + x))
_SQRT = UnarySpec(np.sqrt, _sqrt_grad)
_RSQRT = UnarySpec(lambda x: 1 / np.sqrt(x), lambda g, x, y: -0.5 * g * y * y * y)
_CBRT = UnarySpec(np.cbrt, lambda g, x, y: g / (3 * y * y))
_SQUARE = UnarySpec(np.square, lambda g, x, y: 2 * g * x)
_ABS = UnarySpec(np.abs, lambda g, x, y: g * np.sign(x))
_NEGATIVE = UnarySpec(np.negative, lambda g, x, y: -g)
_RECIPROCAL = UnarySpec(lambda x: 1 / x, lambda g, x, y: -g * y * y)
_SIN = UnarySpec(np.sin, lambda g, x, y: g * np.cos(x))
_COS = UnarySpec(np.cos, lambda g, x, y: -g * np.sin(x))
_TAN = UnarySpec(np.tan, lambda g, x, y: g * (1 + y * y))
_ARCSIN = UnarySpec(np.arcsin, lambda g, x, y: g / np.sqrt(1 - x * x))
_ARCCOS = UnarySpec(np.arccos, lambda g, x, y: -g / np.sqrt(1 - x * x))
_ARCTAN = UnarySpec(np.arctan, lambda g, x, y: g / (1 + x * x))
_SINH = UnarySpec(np.sinh, lambda g, x, y: g * np.cosh(x))
_COSH = UnarySpec(np.cosh, lambda g, x, y: g * np.sinh(x))
_TANH = UnarySpec(np.tanh, lambda g, x, y: g * (1 - y * y))
_ARCSINH = UnarySpec(np.arcsinh, lambda g, x, y: g / np.sqrt(x * x + 1))
_ARCCOSH = UnarySpec(np.arccosh, lambda g, x, y: g / np.sqrt(x * x - 1))
_ARCTANH = UnarySpec(np.arctanh, lambda g, x, y: g / (1 - x * x))
_DEG2RAD = UnarySpec(np.deg2rad, lambda g, x, y: g * np.float32(np.pi / 180))
_RAD2DEG = UnarySpec(np.rad2deg, lambda g, x, y: g * np.float32(180 / np.pi))
_ERF = UnarySpec(
    lambda x: special.erf(x), lambda g, x, y: g * (2 / np.sqrt(np.pi)) * np.exp(-(x * x))
)
_ERFC = UnarySpec(
    lambda x: special.erfc(x), lambda g, x, y: -g * (2 / np.sqrt(np.pi)) * np.exp(-(x * x))
)
_ERFINV = UnarySpec(
    lambda x: special.erfinv(x), lambda g, x, y: g * (np.sqrt(np.pi) / 2) * np.exp(y * y)
)
_I0 = UnarySpec(lambda x: np.i0(x.astype(np.float64)), lambda g, x, y: g * special.bessel_i1(x))
_SINC = UnarySpec(
    np.sinc,
    lambda g, x, y: g * np.where(x == 0, 0.0, (np.cos(np.pi * x) - y) / np.where(x == 0, 1, x)),
)
_FLOOR = UnarySpec(np.floor, None)
_CEIL = UnarySpec(np.ceil, None)
_TRUNC = UnarySpec(np.trunc, None)
_SIGN = UnarySpec(np.sign, None)
_IDENTITY = UnarySpec(lambda x: x.copy(), lambda g, x, y: g)
_FABS = _ABS


# ------------------------------------------------------------------ unary ops
@keras_op
def exp(x: Any) -> Tensor:
    """e to the power x, elementwise (float32; integers are converted).

    Example:
        >>> ember.ops.exp([0.0, 1.0]).numpy().round(4)
        array([1.    , 2.7183], dtype=float32)
    """
    return _unary_float(x, _EXP)


@keras_op
def exp2(x: Any) -> Tensor:
    """2 to the power x, elementwise.

    Example:
        >>> ember.ops.exp2([3.0]).numpy()
        array([8.], dtype=float32)
    """
    return _unary_float(x, _EXP2)


@keras_op
def expm1(x: Any) -> Tensor:
    """exp(x) - 1, accurate for small x.

    Example:
        >>> ember.ops.expm1([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return _unary_float(x, _EXPM1)


@keras_op
def log(x: Any) -> Tensor:
    """Natural logarithm, elementwise.

    Example:
        >>> ember.ops.log([1.0]).numpy()
        array([0.], dtype=float32)
    """
    return _unary_float(x, _LOG)


@keras_op
def log2(x: Any) -> Tensor:
    """Base-2 logarithm, elementwise.

    Example:
        >>> ember.ops.log2([8.0]).numpy()
        array([3.], dtype=float32)
    """
    return _unary_float(x, _LOG2)


@keras_op
def log10(x: Any) -> Tensor:
    """Base-10 logarithm, elementwise.

    Example:
        >>> ember.ops.log10([10.0]).numpy()
        array([1.], dtype=float32)
    """
    return _unary_float(x, _LOG10)


@keras_op
def log1p(x: Any) -> Tensor:
    """log(1 + x), accurate for small x.

    Example:
        >>> ember.ops.log1p([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return _unary_float(x, _LOG1P)


@keras_op
def sqrt(x: Any) -> Tensor:
    """Square root, elementwise.

    Example:
        >>> ember.ops.sqrt([4.0, 9.0]).numpy()
        array([2., 3.], dtype=float32)
    """
    return _unary_float(x, _SQRT)


@keras_op
def rsqrt(x: Any) -> Tensor:
    """1 / sqrt(x), elementwise.

    Example:
        >>> ember.ops.rsqrt([4.0]).numpy()
        array([0.5], dtype=float32)
    """
    return _unary_float(x, _RSQRT)


@keras_op
def cbrt(x: Any) -> Tensor:
    """Cube root, elementwise (negative inputs give negative roots).

    Example:
        >>> ember.ops.cbrt([-8.0]).numpy()
        array([-2.], dtype=float32)
    """
    return _unary_float(x, _CBRT)


@keras_op
def square(x: Any) -> Tensor:
    """x * x, elementwise; integers stay integers (booleans become int32).

    Example:
        >>> ember.ops.square([1, -3]).numpy()
        array([1, 9], dtype=int32)
    """
    t = convert(x)
    if t.dtype == np.bool_:
        t = cast(t, "int32")
    return _unary_same(t, _SQUARE)


@keras_op
def abs(x: Any) -> Tensor:  # noqa: A001 - Keras' name
    """Absolute value, elementwise, in the input's dtype.

    Example:
        >>> ember.ops.abs([-1.5, 2.0]).numpy()
        array([1.5, 2. ], dtype=float32)
    """
    return _unary_same(x, _ABS)


@keras_op
def absolute(x: Any) -> Tensor:
    """Same as ``abs``.

    Example:
        >>> ember.ops.absolute([-2]).numpy()
        array([2], dtype=int32)
    """
    return _unary_same(x, _ABS)


@keras_op
def fabs(x: Any) -> Tensor:
    """Absolute value as float32.

    Example:
        >>> ember.ops.fabs([-2]).numpy()
        array([2.], dtype=float32)
    """
    return _unary_float(x, _FABS)


@keras_op
def negative(x: Any) -> Tensor:
    """-x, elementwise (TypeError for unsigned and boolean tensors, which have no negatives).

    Example:
        >>> ember.ops.negative([1.0, -2.0]).numpy()
        array([-1.,  2.], dtype=float32)
    """
    t = convert(x)
    if t.dtype.kind in "bu":
        raise TypeError(f"negative: expected a signed or float tensor, received dtype {t.dtype}")
    return _unary_same(t, _NEGATIVE)


@keras_op
def reciprocal(x: Any) -> Tensor:
    """1 / x, elementwise.

    Example:
        >>> ember.ops.reciprocal([4.0]).numpy()
        array([0.25], dtype=float32)
    """
    return _unary_float(x, _RECIPROCAL)


@keras_op
def sin(x: Any) -> Tensor:
    """Sine, elementwise (radians).

    Example:
        >>> ember.ops.sin([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return _unary_float(x, _SIN)


@keras_op
def cos(x: Any) -> Tensor:
    """Cosine, elementwise (radians).

    Example:
        >>> ember.ops.cos([0.0]).numpy()
        array([1.], dtype=float32)
    """
    return _unary_float(x, _COS)


@keras_op
def tan(x: Any) -> Tensor:
    """Tangent, elementwise (radians).

    Example:
        >>> ember.ops.tan([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return _unary_float(x, _TAN)


@keras_op
def arcsin(x: Any) -> Tensor:
    """Inverse sine, elementwise.

    Example:
        >>> ember.ops.arcsin([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return _unary_float(x, _ARCSIN)


@keras_op
def arccos(x: Any) -> Tensor:
    """Inverse cosine, elementwise.

    Example:
        >>> ember.ops.arccos([1.0]).numpy()
        array([0.], dtype=float32)
    """
    return _unary_float(x, _ARCCOS)


@keras_op
def arctan(x: Any) -> Tensor:
    """Inverse tangent, elementwise.

    Example:
        >>> ember.ops.arctan([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return _unary_float(x, _ARCTAN)


@keras_op
def sinh(x: Any) -> Tensor:
    """Hyperbolic sine, elementwise.

    Example:
        >>> ember.ops.sinh([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return _unary_float(x, _SINH)


@keras_op
def cosh(x: Any) -> Tensor:
    """Hyperbolic cosine, elementwise.

    Example:
        >>> ember.ops.cosh([0.0]).numpy()
        array([1.], dtype=float32)
    """
    return _unary_float(x, _COSH)


@keras_op
def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent, elementwise.

    Example:
        >>> ember.ops.tanh([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return _unary_float(x, _TANH)


@keras_op
def arcsinh(x: Any) -> Tensor:
    """Inverse hyperbolic sine, elementwise.

    Example:
        >>> ember.ops.arcsinh([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return _unary_float(x, _ARCSINH)


@keras_op
def arccosh(x: Any) -> Tensor:
    """Inverse hyperbolic cosine, elementwise (x >= 1).

    Example:
        >>> ember.ops.arccosh([1.0]).numpy()
        array([0.], dtype=float32)
    """
    return _unary_float(x, _ARCCOSH)


@keras_op
def arctanh(x: Any) -> Tensor:
    """Inverse hyperbolic tangent, elementwise (|x| < 1).

    Example:
        >>> ember.ops.arctanh([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return _unary_float(x, _ARCTANH)


@keras_op
def deg2rad(x: Any) -> Tensor:
    """Degrees to radians.

    Example:
        >>> ember.ops.deg2rad([180.0]).numpy()
        array([3.1415927], dtype=float32)
    """
    return _unary_float(x, _DEG2RAD)


@keras_op
def rad2deg(x: Any) -> Tensor:
    """Radians to degrees.

    Example:
        >>> ember.ops.rad2deg([np.pi]).numpy()
        array([180.], dtype=float32)
    """
    return _unary_float(x, _RAD2DEG)


@keras_op
def erf(x: Any) -> Tensor:
    """The error function, elementwise.

    Example:
        >>> ember.ops.erf([0.0, 1.0]).numpy()
        array([0.       , 0.8427008], dtype=float32)
    """
    return _unary_float(x, _ERF)


@keras_op
def erfc(x: Any) -> Tensor:
    """The complementary error function 1 - erf(x), accurate where it is tiny.

    Example:
        >>> ember.ops.erfc([0.0]).numpy()
        array([1.], dtype=float32)
    """
    return _unary_float(x, _ERFC)


@keras_op
def erfinv(x: Any) -> Tensor:
    """The inverse error function on [-1, 1].

    Example:
        >>> ember.ops.erfinv([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return _unary_float(x, _ERFINV)


@keras_op
def i0(x: Any) -> Tensor:
    """The modified Bessel function of the first kind, order 0.

    Example:
        >>> ember.ops.i0([0.0]).numpy()
        array([1.], dtype=float32)
    """
    return _unary_float(x, _I0)


@keras_op
def sinc(x: Any) -> Tensor:
    """The normalized sinc function sin(pi x) / (pi x), 1 at 0.

    Example:
        >>> ember.ops.sinc([0.0, 0.5]).numpy()
        array([1.        , 0.63661975], dtype=float32)
    """
    return _unary_float(x, _SINC)


@keras_op
def floor(x: Any) -> Tensor:
    """Largest integer not above x, as float32 (zero gradient).

    Example:
        >>> ember.ops.floor([-1.5, 1.5]).numpy()
        array([-2.,  1.], dtype=float32)
    """
    return _unary_float(x, _FLOOR)


@keras_op
def ceil(x: Any) -> Tensor:
    """Smallest integer not below x, as float32 (zero gradient).

    Example:
        >>> ember.ops.ceil([-1.5, 1.5]).numpy()
        array([-1.,  2.], dtype=float32)
    """
    return _unary_float(x, _CEIL)


@keras_op
def trunc(x: Any) -> Tensor:
    """x rounded toward zero, in the input's dtype (zero gradient).

    Example:
        >>> ember.ops.trunc([-1.7, 1.7]).numpy()
        array([-1.,  1.], dtype=float32)
    """
    return _unary_same(x, _TRUNC)


@keras_op
def sign(x: Any) -> Tensor:
    """-1, 0 or 1 by the sign of x, in the input's dtype (zero gradient).

    Example:
        >>> ember.ops.sign([-2.0, 0.0, 3.0]).numpy()
        array([-1.,  0.,  1.], dtype=float32)
    """
    t = convert(x)
    if t.dtype == np.bool_:
        raise TypeError("sign: expected a numeric tensor, received dtype bool")
    return _unary_same(t, _SIGN)


@keras_op
def round(x: Any, decimals: int = 0) -> Tensor:  # noqa: A001 - Keras' name
    """Round half to even to ``decimals`` decimal places, in the input's dtype (zero gradient).

    Example:
        >>> ember.ops.round([0.5, 1.5, 2.567], decimals=0).numpy()
        array([0., 2., 3.], dtype=float32)
    """
    t = convert(x)
    if t.dtype == np.bool_:
        raise TypeError("round: expected a numeric tensor, received dtype bool")
    d = int(decimals)
    return _unary_same(t, UnarySpec(lambda a: np.round(a, d), None))


@keras_op
def conj(x: Any) -> Tensor:
    """The complex conjugate: ember's tensors are real, so x itself (a copy).

    Example:
        >>> ember.ops.conj([1.0]).numpy()
        array([1.], dtype=float32)
    """
    return _unary_same(_real_only(x, "conj"), _IDENTITY)


@keras_op
def conjugate(x: Any) -> Tensor:
    """Same as ``conj``.

    Example:
        >>> ember.ops.conjugate([2.0]).numpy()
        array([2.], dtype=float32)
    """
    return _unary_same(_real_only(x, "conjugate"), _IDENTITY)


@keras_op
def real(x: Any) -> Tensor:
    """The real part: x itself for ember's real tensors.

    Example:
        >>> ember.ops.real([2.0]).numpy()
        array([2.], dtype=float32)
    """
    return _unary_same(_real_only(x, "real"), _IDENTITY)


@keras_op
def imag(x: Any) -> Tensor:
    """The imaginary part: zeros for ember's real tensors, in the input's dtype.

    Example:
        >>> ember.ops.imag([2.0]).numpy()
        array([0.], dtype=float32)
    """
    t = convert(x)
    return _unary_same(t, UnarySpec(np.zeros_like, lambda g, x, y: np.zeros_like(g)))


@keras_op
def angle(x: Any) -> Tensor:
    """The argument of each element: 0 for non-negative reals, pi for negative ones.

    Example:
        >>> ember.ops.angle([-1.0, 2.0]).numpy()
        array([3.1415927, 0.       ], dtype=float32)
    """
    t = _float_input(x)
    return Unary.apply(
        t,
        UnarySpec(
            lambda a: np.where(a < 0, np.float32(np.pi), np.float32(0)),
            lambda g, a, y: np.zeros_like(g),
        ),
    )


def _real_only(x: Any, op: str) -> Tensor:
    t = convert(x)
    if t.dtype == np.bool_:
        raise TypeError(f"{op}: expected a numeric tensor, received dtype bool")
    return t


@keras_op
def copy(x: Any) -> Tensor:
    """A copy of x (same dtype; gradients pass).

    Example:
        >>> ember.ops.copy([1, 2]).numpy()
        array([1, 2], dtype=int32)
    """
    return _unary_same(x, _IDENTITY)


@keras_op
def nan_to_num(
    x: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    """NaN replaced by ``nan``, +-inf by ``posinf`` / ``neginf`` (default: the largest finite
    float32 values); integers are returned unchanged. The gradient passes where x is finite.

    Example:
        >>> ember.ops.nan_to_num([np.nan, np.inf, 1.0], posinf=9.0).numpy()
        array([0., 9., 1.], dtype=float32)
    """
    t = convert(x)
    if t.dtype.kind != "f":
        return t
    spec = UnarySpec(
        lambda a: np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf),
        lambda g, a, y: g * np.isfinite(a),
    )
    return Unary.apply(t, spec)


# ------------------------------------------------------------------ predicates
@keras_op
def isnan(x: Any) -> Tensor:
    """Whether each element is NaN (bool; False for integers).

    Example:
        >>> ember.ops.isnan([np.nan, 1.0]).numpy()
        array([ True, False])
    """
    return _predicate(x, np.isnan)


@keras_op
def isinf(x: Any) -> Tensor:
    """Whether each element is +-inf (bool).

    Example:
        >>> ember.ops.isinf([np.inf, 1.0]).numpy()
        array([ True, False])
    """
    return _predicate(x, np.isinf)


@keras_op
def isfinite(x: Any) -> Tensor:
    """Whether each element is finite (bool).

    Example:
        >>> ember.ops.isfinite([np.inf, 1.0]).numpy()
        array([False,  True])
    """
    return _predicate(x, np.isfinite)


@keras_op
def isneginf(x: Any) -> Tensor:
    """Whether each element is -inf (bool).

    Example:
        >>> ember.ops.isneginf([-np.inf, np.inf]).numpy()
        array([ True, False])
    """
    return _predicate(x, np.isneginf)


@keras_op
def isposinf(x: Any) -> Tensor:
    """Whether each element is +inf (bool).

    Example:
        >>> ember.ops.isposinf([-np.inf, np.inf]).numpy()
        array([False,  True])
    """
    return _predicate(x, np.isposinf)


@keras_op
def isreal(x: Any) -> Tensor:
    """Whether each element is real: always True for ember's tensors (bool).

    Example:
        >>> ember.ops.isreal([1.0, 2.0]).numpy()
        array([ True,  True])
    """
    return _predicate(x, lambda a: np.ones(a.shape, bool))


@keras_op
def signbit(x: Any) -> Tensor:
    """Whether the sign bit is set (True for negative numbers and -0.0).

    Example:
        >>> ember.ops.signbit([-0.0, 1.0]).numpy()
        array([ True, False])
    """
    return _predicate(x, lambda a: np.signbit(a) if a.dtype.kind != "b" else np.zeros_like(a))


@keras_op
def logical_not(x: Any) -> Tensor:
    """Elementwise NOT of x's truth values (bool).

    Example:
        >>> ember.ops.logical_not([0, 2]).numpy()
        array([ True, False])
    """
    return _predicate(x, np.logical_not)


def _integers_only(x: Any, op: str) -> Tensor:
    t = convert(x)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected an integer tensor, received dtype {t.dtype}")
    return t


@keras_op
def bitwise_invert(x: Any) -> Tensor:
    """Bitwise NOT of an integer tensor.

    Example:
        >>> ember.ops.bitwise_invert([0, 5]).numpy()
        array([-1, -6], dtype=int32)
    """
    return Tensor(np.invert(_integers_only(x, "bitwise_invert").data))


@keras_op
def bitwise_not(x: Any) -> Tensor:
    """Same as ``bitwise_invert``.

    Example:
        >>> ember.ops.bitwise_not([0]).numpy()
        array([-1], dtype=int32)
    """
    return Tensor(np.invert(_integers_only(x, "bitwise_not").data))


# ------------------------------------------------------------------ binary specs
def _mul_grad(g: Any, a: Any, b: Any, y: Any) -> tuple[Any, Any]:
    return g * b, g * a


def _div_grad(g: Any, a: Any, b: Any, y: Any) -> tuple[Any, Any]:
    return g / b, -g * y / b


def _pow_grad(g: Any, a: Any, b: Any, y: Any) -> tuple[Any, Any]:
    da = g * b * np.power(a, b - 1)
    # d/db a^b = a^b log a, taken as 0 where a <= 0 (as TensorFlow)
    safe = np.where(np.asarray(a) > 0, a, 1)
    db = g * y * np.where(np.asarray(a) > 0, np.log(safe), 0)
    return da, db


def _max_grad(g: Any, a: Any, b: Any, y: Any) -> tuple[Any, Any]:
    pick = a >= b
    return g * pick, g * ~pick


def _min_grad(g: Any, a: Any, b: Any, y: Any) -> tuple[Any, Any]:
    pick = a <= b
    return g * pick, g * ~pick


def _fmax_grad(g: Any, a: Any, b: Any, y: Any) -> tuple[Any, Any]:
    pick = (a >= b) | np.isnan(b)
    return g * pick, g * ~pick


def _fmin_grad(g: Any, a: Any, b: Any, y: Any) -> tuple[Any, Any]:
    pick = (a <= b) | np.isnan(b)
    return g * pick, g * ~pick


def _atan2_grad(g: Any, a: Any, b: Any, y: Any) -> tuple[Any, Any]:
    r2 = a * a + b * b
    return g * b / r2, -g * a / r2


def _hypot_grad(g: Any, a: Any, b: Any, y: Any) -> tuple[Any, Any]:
    return g * a / y, g * b / y


def _logaddexp_grad(g: Any, a: Any, b: Any, y: Any) -> tuple[Any, Any]:
    return g * np.exp(a - y), g * np.exp(b - y)


def _logaddexp2_grad(g: Any, a: Any, b: Any, y: Any) -> tuple[Any, Any]:
    return g * np.exp2(a - y), g * np.exp2(b - y)


def _div_no_nan(a: Any, b: Any) -> Any:
    safe = np.where(b == 0, 1, b)
    return np.where(b == 0, 0, np.divide(a, safe))


def _div_no_nan_grad(g: Any, a: Any, b: Any, y: Any) -> tuple[Any, Any]:
    zero = np.asarray(b == 0)
    safe = np.where(zero, 1, b)
    return np.where(zero, 0, g / safe), np.where(zero, 0, -g * y / safe)


def _mod_grad(g: Any, a: Any, b: Any, y: Any) -> tuple[Any, Any]:
    return g, -g * np.floor_divide(a, b)


def _fmod_grad(g: Any, a: Any, b: Any, y: Any) -> tuple[Any, Any]:
    return g, -g * np.trunc(np.divide(a, b))


_ADD = BinarySpec(np.add, lambda g, a, b, y: (g, g))
_SUBTRACT = BinarySpec(np.subtract, lambda g, a, b, y: (g, -g))
_MULTIPLY = BinarySpec(np.multiply, _mul_grad)
_DIVIDE = BinarySpec(np.divide, _div_grad)
_DIVIDE_NO_NAN = BinarySpec(_div_no_nan, _div_no_nan_grad)
_FLOOR_DIVIDE = BinarySpec(np.floor_divide, None)
_MOD = BinarySpec(np.mod, _mod_grad)
_FMOD = BinarySpec(np.fmod, _fmod_grad)
_POWER = BinarySpec(np.power, _pow_grad)
_MAXIMUM = BinarySpec(np.maximum, _max_grad)
_MINIMUM = BinarySpec(np.minimum, _min_grad)
_FMAX = BinarySpec(np.fmax, _fmax_grad)
_FMIN = BinarySpec(np.fmin, _fmin_grad)
_ARCTAN2 = BinarySpec(np.arctan2, _atan2_grad)
_HYPOT = BinarySpec(np.hypot, _hypot_grad)
_LOGADDEXP = BinarySpec(np.logaddexp, _logaddexp_grad)
_LOGADDEXP2 = BinarySpec(np.logaddexp2, _logaddexp2_grad)
_HEAVISIDE = BinarySpec(np.heaviside, None)
_NEXTAFTER = BinarySpec(lambda a, b: np.nextafter(np.float32(a), np.float32(b)), None)


# ------------------------------------------------------------------ arithmetic
@keras_op
def add(x1: Any, x2: Any) -> Tensor:
    """x1 + x2 with broadcasting and Keras' dtype promotion.

    Example:
        >>> ember.ops.add([1, 2], 3).numpy()
        array([4, 5], dtype=int32)
    """
    return _binary(x1, x2, _ADD)


@keras_op
def subtract(x1: Any, x2: Any) -> Tensor:
    """x1 - x2 with broadcasting.

    Example:
        >>> ember.ops.subtract([1.0, 2.0], 0.5).numpy()
        array([0.5, 1.5], dtype=float32)
    """
    return _binary(x1, x2, _SUBTRACT)


@keras_op
def multiply(x1: Any, x2: Any) -> Tensor:
    """x1 * x2 with broadcasting.

    Example:
        >>> ember.ops.multiply([1.0, 2.0], [3.0, 4.0]).numpy()
        array([3., 8.], dtype=float32)
    """
    return _binary(x1, x2, _MULTIPLY)


@keras_op
def divide(x1: Any, x2: Any) -> Tensor:
    """x1 / x2 (true division: float32 also for integers).

    Example:
        >>> ember.ops.divide([1, 3], 2).numpy()
        array([0.5, 1.5], dtype=float32)
    """
    return _float_binary(x1, x2, _DIVIDE)


@keras_op
def true_divide(x1: Any, x2: Any) -> Tensor:
    """Same as ``divide``.

    Example:
        >>> ember.ops.true_divide([3], [2]).numpy()
        array([1.5], dtype=float32)
    """
    return _float_binary(x1, x2, _DIVIDE)


@keras_op
def divide_no_nan(x1: Any, x2: Any) -> Tensor:
    """x1 / x2, and 0 where x2 is 0.

    Example:
        >>> ember.ops.divide_no_nan([1.0, 1.0], [0.0, 2.0]).numpy()
        array([0. , 0.5], dtype=float32)
    """
    return _float_binary(x1, x2, _DIVIDE_NO_NAN)


@keras_op
def floor_divide(x1: Any, x2: Any) -> Tensor:
    """floor(x1 / x2), in the promoted dtype (zero gradient).

    Example:
        >>> ember.ops.floor_divide([7, -7], 2).numpy()
        array([ 3, -4], dtype=int32)
    """
    _no_bool_pair(x1, x2, "floor_divide")
    return _binary(x1, x2, _FLOOR_DIVIDE)


@keras_op
def mod(x1: Any, x2: Any) -> Tensor:
    """The remainder of floor division, with the sign of x2.

    Example:
        >>> ember.ops.mod([7, -7], 3).numpy()
        array([1, 2], dtype=int32)
    """
    return _binary(x1, x2, _MOD, _bool_as_int(x1, x2))


@keras_op
def fmod(x1: Any, x2: Any) -> Tensor:
    """The remainder of truncated division, with the sign of x1.

    Example:
        >>> ember.ops.fmod([7, -7], 3).numpy()
        array([ 1, -1], dtype=int32)
    """
    return _binary(x1, x2, _FMOD, _bool_as_int(x1, x2))


def _bool_as_int(x1: Any, x2: Any) -> str | None:
    """mod / fmod compute booleans as int32, and take a Python int operand as int32 (as
    Keras' TensorFlow backend: uint32 % 3 is int64)."""
    a, b = operand(x1), operand(x2)
    da, db = dtype_of(a), dtype_of(b)
    if da is int and db is not float:
        da = "int32"
    if db is int and da is not float:
        db = "int32"
    dtype = result_type(da, db)
    return "int32" if dtype == "bool" else dtype


def _no_bool_pair(x1: Any, x2: Any, op: str) -> None:
    a, b = operand(x1), operand(x2)
    if dtype_of(a) == "bool" and dtype_of(b) == "bool":
        raise TypeError(f"{op}: expected numeric tensors, received two bool tensors")


@keras_op
def power(x1: Any, x2: Any) -> Tensor:
    """x1 to the power x2 with broadcasting; integers stay integers.

    Example:
        >>> ember.ops.power([2, 3], 2).numpy()
        array([4, 9], dtype=int32)
    """
    return _binary(x1, x2, _POWER)


@keras_op
def maximum(x1: Any, x2: Any) -> Tensor:
    """The larger of x1 and x2; at ties the gradient goes to x1 (as TensorFlow).

    Example:
        >>> ember.ops.maximum([1.0, 5.0], 3.0).numpy()
        array([3., 5.], dtype=float32)
    """
    return _binary(x1, x2, _MAXIMUM)


@keras_op
def minimum(x1: Any, x2: Any) -> Tensor:
    """The smaller of x1 and x2; at ties the gradient goes to x1.

    Example:
        >>> ember.ops.minimum([1.0, 5.0], 3.0).numpy()
        array([1., 3.], dtype=float32)
    """
    return _binary(x1, x2, _MINIMUM)


@keras_op
def fmax(x1: Any, x2: Any) -> Tensor:
    """The larger of x1 and x2, ignoring NaN where only one of them is NaN.

    Example:
        >>> ember.ops.fmax([np.nan, 1.0], [2.0, np.nan]).numpy()
        array([2., 1.], dtype=float32)
    """
    return _binary(x1, x2, _FMAX)


@keras_op
def fmin(x1: Any, x2: Any) -> Tensor:
    """The smaller of x1 and x2, ignoring NaN where only one of them is NaN.

    Example:
        >>> ember.ops.fmin([np.nan, 1.0], [2.0, np.nan]).numpy()
        array([2., 1.], dtype=float32)
    """
    return _binary(x1, x2, _FMIN)


@keras_op
def arctan2(x1: Any, x2: Any) -> Tensor:
    """The angle of the point (x2, x1), in (-pi, pi].

    Example:
        >>> ember.ops.arctan2([1.0], [-1.0]).numpy()
        array([2.3561945], dtype=float32)
    """
    return _float_binary(x1, x2, _ARCTAN2)


@keras_op
def hypot(x1: Any, x2: Any) -> Tensor:
    """sqrt(x1**2 + x2**2), without intermediate overflow.

    Example:
        >>> ember.ops.hypot([3.0], [4.0]).numpy()
        array([5.], dtype=float32)
    """
    return _float_binary(x1, x2, _HYPOT)


@keras_op
def logaddexp(x1: Any, x2: Any) -> Tensor:
    """log(exp(x1) + exp(x2)), computed stably.

    Example:
        >>> ember.ops.logaddexp([0.0], [0.0]).numpy()
        array([0.6931472], dtype=float32)
    """
    return _float_binary(x1, x2, _LOGADDEXP)


@keras_op
def logaddexp2(x1: Any, x2: Any) -> Tensor:
    """log2(2**x1 + 2**x2), computed stably.

    Example:
        >>> ember.ops.logaddexp2([1.0], [1.0]).numpy()
        array([2.], dtype=float32)
    """
    return _float_binary(x1, x2, _LOGADDEXP2)


@keras_op
def heaviside(x1: Any, x2: Any) -> Tensor:
    """The Heaviside step: 0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0.

    Example:
        >>> ember.ops.heaviside([-1.0, 0.0, 2.0], 0.5).numpy()
        array([0. , 0.5, 1. ], dtype=float32)
    """
    _no_bool_pair(x1, x2, "heaviside")
    return _float_binary(x1, x2, _HEAVISIDE)


@keras_op
def nextafter(x1: Any, x2: Any) -> Tensor:
    """The next float32 after x1 in the direction of x2.

    Example:
        >>> float(ember.ops.nextafter(1.0, 2.0).numpy()) > 1.0
        True
    """
    return _float_binary(x1, x2, _NEXTAFTER)


@keras_op
def ldexp(x1: Any, x2: Any) -> Tensor:
    """x1 * 2**x2 for an integer x2 (float32 result).

    Example:
        >>> ember.ops.ldexp([1.5], [3]).numpy()
        array([12.], dtype=float32)
    """
    b = operand(x2)
    if dtype_of(b) not in (int, "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32"):
        raise TypeError(f"ldexp: `x2` must be integers, received dtype {dtype_of(b)}")
    a = _float_input(x1)
    exponent = b if isinstance(b, int) else b.data.astype(np.int32)
    spec = BinarySpec(
        lambda u, v: np.ldexp(u, v), lambda g, u, v, y: (g * np.exp2(np.float32(v)), None)
    )
    return Binary.apply(a, exponent, spec)


def _integer_binary(x1: Any, x2: Any, fn: Callable[[Any, Any], Any], op: str) -> Tensor:
    a, b = operand(x1), operand(x2)
    dtype = result_type(dtype_of(a), dtype_of(b))
    if dtype in ("float32", "bool"):
        raise TypeError(f"{op}: expected integer tensors, received dtype {dtype}")
    a, b = cast_to(a, dtype), cast_to(b, dtype)
    return Tensor(np.asarray(fn(_data(a), _data(b))).astype(dtype, copy=False))


@keras_op
def gcd(x1: Any, x2: Any) -> Tensor:
    """Greatest common divisor of integers.

    Example:
        >>> ember.ops.gcd([12, 9], [8, 6]).numpy()
        array([4, 3], dtype=int32)
    """
    return _integer_binary(x1, x2, np.gcd, "gcd")


@keras_op
def lcm(x1: Any, x2: Any) -> Tensor:
    """Least common multiple of integers.

    Example:
        >>> ember.ops.lcm([4], [6]).numpy()
        array([12], dtype=int32)
    """
    return _integer_binary(x1, x2, np.lcm, "lcm")


@keras_op
def bitwise_and(x: Any, y: Any) -> Tensor:
    """Bitwise AND of integers.

    Example:
        >>> ember.ops.bitwise_and([6], [3]).numpy()
        array([2], dtype=int32)
    """
    return _integer_binary(x, y, np.bitwise_and, "bitwise_and")


@keras_op
def bitwise_or(x: Any, y: Any) -> Tensor:
    """Bitwise OR of integers.

    Example:
        >>> ember.ops.bitwise_or([6], [3]).numpy()
        array([7], dtype=int32)
    """
    return _integer_binary(x, y, np.bitwise_or, "bitwise_or")


@keras_op
def bitwise_xor(x: Any, y: Any) -> Tensor:
    """Bitwise XOR of integers.

    Example:
        >>> ember.ops.bitwise_xor([6], [3]).numpy()
        array([5], dtype=int32)
    """
    return _integer_binary(x, y, np.bitwise_xor, "bitwise_xor")


@keras_op
def bitwise_left_shift(x: Any, y: Any) -> Tensor:
    """x shifted left by y bits.

    Example:
        >>> ember.ops.bitwise_left_shift([1], [3]).numpy()
        array([8], dtype=int32)
    """
    return _integer_binary(x, y, np.left_shift, "bitwise_left_shift")


@keras_op
def left_shift(x: Any, y: Any) -> Tensor:
    """Same as ``bitwise_left_shift``.

    Example:
        >>> ember.ops.left_shift([1], [2]).numpy()
        array([4], dtype=int32)
    """
    return _integer_binary(x, y, np.left_shift, "left_shift")


@keras_op
def bitwise_right_shift(x: Any, y: Any) -> Tensor:
    """x shifted right by y bits.

    Example:
        >>> ember.ops.bitwise_right_shift([8], [3]).numpy()
        array([1], dtype=int32)
    """
    return _integer_binary(x, y, np.right_shift, "bitwise_right_shift")


@keras_op
def right_shift(x: Any, y: Any) -> Tensor:
    """Same as ``bitwise_right_shift``.

    Example:
        >>> ember.ops.right_shift([8], [2]).numpy()
        array([2], dtype=int32)
    """
    return _integer_binary(x, y, np.right_shift, "right_shift")


# ------------------------------------------------------------------ comparisons
@keras_op
def equal(x1: Any, x2: Any) -> Tensor:
    """x1 == x2, elementwise (bool).

    Example:
        >>> ember.ops.equal([1, 2], 2).numpy()
        array([False,  True])
    """
    return _compare(x1, x2, np.equal)


@keras_op
def not_equal(x1: Any, x2: Any) -> Tensor:
    """x1 != x2, elementwise (bool).

    Example:
        >>> ember.ops.not_equal([1, 2], 2).numpy()
        array([ True, False])
    """
    return _compare(x1, x2, np.not_equal)


@keras_op
def less(x1: Any, x2: Any) -> Tensor:
    """x1 < x2, elementwise (bool).

    Example:
        >>> ember.ops.less([1, 2], 2).numpy()
        array([ True, False])
    """
    return _compare(x1, x2, np.less)


@keras_op
def less_equal(x1: Any, x2: Any) -> Tensor:
    """x1 <= x2, elementwise (bool).

    Example:
        >>> ember.ops.less_equal([1, 3], 2).numpy()
        array([ True, False])
    """
    return _compare(x1, x2, np.less_equal)


@keras_op
def greater(x1: Any, x2: Any) -> Tensor:
    """x1 > x2, elementwise (bool).

    Example:
        >>> ember.ops.greater([1, 3], 2).numpy()
        array([False,  True])
    """
    return _compare(x1, x2, np.greater)


@keras_op
def greater_equal(x1: Any, x2: Any) -> Tensor:
    """x1 >= x2, elementwise (bool).

    Example:
        >>> ember.ops.greater_equal([1, 2], 2).numpy()
        array([False,  True])
    """
    return _compare(x1, x2, np.greater_equal)


@keras_op
def logical_and(x1: Any, x2: Any) -> Tensor:
    """Elementwise AND of truth values (bool).

    Example:
        >>> ember.ops.logical_and([True, True], [False, True]).numpy()
        array([False,  True])
    """
    return Tensor(np.logical_and(_data(operand(x1)), _data(operand(x2))))


@keras_op
def logical_or(x1: Any, x2: Any) -> Tensor:
    """Elementwise OR of truth values (bool).

    Example:
        >>> ember.ops.logical_or([True, False], [False, False]).numpy()
        array([ True, False])
    """
    return Tensor(np.logical_or(_data(operand(x1)), _data(operand(x2))))


@keras_op
def logical_xor(x1: Any, x2: Any) -> Tensor:
    """Elementwise XOR of truth values (bool).

    Example:
        >>> ember.ops.logical_xor([True, True], [False, True]).numpy()
        array([ True, False])
    """
    return Tensor(np.logical_xor(_data(operand(x1)), _data(operand(x2))))


@keras_op
def isclose(
    x1: Any, x2: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """|x1 - x2| <= atol + rtol * |x2|, elementwise (bool).

    Example:
        >>> ember.ops.isclose([1.0, 1.1], 1.0).numpy()
        array([ True, False])
    """
    a, b = operand(x1), operand(x2)
    dtype = result_type(dtype_of(a), dtype_of(b))
    a, b = cast_to(a, dtype), cast_to(b, dtype)
    return Tensor(np.isclose(_data(a), _data(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


@keras_op
def allclose(
    x1: Any, x2: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """Whether ``isclose`` holds everywhere (a 0-d bool tensor).

    Example:
        >>> bool(ember.ops.allclose([1.0, 2.0], [1.0, 2.0 + 1e-7]))
        True
    """
    close = isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return Tensor(np.asarray(close.data.all()))


# ------------------------------------------------------------------ selection
class Where(Function):
    """x1 where condition, else x2; condition is a bool array (no gradient)."""

    def forward(self, cond: Any, a: Any, b: Any) -> Any:
        self.cond = cond
        self.shapes = (np.shape(a), np.shape(b))
        return _f32(np.where(cond, a, b))

    def backward(self, g: Any):
        _, need_a, need_b = self.needs_input_grad
        da = unbroadcast(np.where(self.cond, g, 0).astype(np.float32), self.shapes[0])
        db = unbroadcast(np.where(self.cond, 0, g).astype(np.float32), self.shapes[1])
        return None, da if need_a else None, db if need_b else None


@keras_op
def where(condition: Any, x1: Any = None, x2: Any = None) -> Any:
    """x1 where ``condition`` holds, else x2 (broadcast together); with only a condition,
    the indices of its true elements (as ``nonzero``).

    Example:
        >>> ember.ops.where([True, False], [1.0, 2.0], 0.0).numpy()
        array([1., 0.], dtype=float32)
    """
    if x1 is None and x2 is None:
        from ember.ops.indexing import nonzero

        return nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("where: `x1` and `x2` must both be given, or neither")
    cond = convert(condition)
    c = cond.data if cond.dtype == np.bool_ else cond.data.astype(bool)
    a, b = operand(x1), operand(x2)
    dtype = result_type(dtype_of(a), dtype_of(b))
    a, b = cast_to(a, dtype), cast_to(b, dtype)
    if dtype != "float32":
        return Tensor(np.asarray(np.where(c, _data(a), _data(b))).astype(dtype, copy=False))
    a = a if isinstance(a, Tensor) else Tensor(np.float32(a))
    b = b if isinstance(b, Tensor) else Tensor(np.float32(b))
    return Where.apply(Tensor(c), a, b)


@keras_op
def select(condlist: Any, choicelist: Any, default: Any = 0) -> Tensor:
    """For each element, the value of the first choice whose condition holds, else
    ``default`` (as numpy's select).

    Example:
        >>> x = ember.ops.arange(4)
        >>> ember.ops.select([x < 1, x > 2], [x, x * 10], default=-1).numpy()
        array([ 0, -1, -1, 30], dtype=int32)
    """
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise TypeError("select: `condlist` and `choicelist` must be lists of tensors")
    if len(condlist) != len(choicelist):
        raise ValueError(
            "select: `condlist` and `choicelist` must have the same length, received "
            f"{len(condlist)} and {len(choicelist)}"
        )
    if not condlist:
        raise ValueError("select: `condlist` must not be empty")
    out = default
    for cond, choice in zip(reversed(condlist), reversed(choicelist)):
        out = where(cond, choice, out)
    return out if isinstance(out, Tensor) else convert(out)


@keras_op
def clip(x: Any, x_min: Any, x_max: Any) -> Tensor:
    """x limited to [x_min, x_max]; the gradient passes where x is inside (bounds included).
    Booleans are clipped as int32.

    Example:
        >>> ember.ops.clip([-2.0, 0.5, 3.0], -1.0, 1.0).numpy()
        array([-1. ,  0.5,  1. ], dtype=float32)
    """
    t = convert(x)
    if t.dtype == np.bool_:
        t = cast(t, "int32")
    if (
        t.dtype == np.float32
        and isinstance(x_min, (int, float))
        and isinstance(x_max, (int, float))
    ):
        return core_math.clip(t, x_min, x_max)
    if t.dtype.kind != "f" and type(x_min) in (int, bool) and type(x_max) in (int, bool):
        return Tensor(np.clip(t.data, x_min, x_max).astype(t.dtype, copy=False))
    return minimum(maximum(t, x_min), x_max)


# The Keras names this module provides (ember.ops gathers them).
__all__ = [
    "abs",
    "absolute",
    "add",
    "allclose",
    "angle",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "bitwise_and",
    "bitwise_invert",
    "bitwise_left_shift",
    "bitwise_not",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "cbrt",
    "ceil",
    "clip",
    "conj",
    "conjugate",
    "copy",
    "cos",
    "cosh",
    "deg2rad",
    "divide",
    "divide_no_nan",
    "equal",
    "erf",
    "erfc",
    "erfinv",
    "exp",
    "exp2",
    "expm1",
    "fabs",
    "floor",
    "floor_divide",
    "fmax",
    "fmin",
    "fmod",
    "gcd",
    "greater",
    "greater_equal",
    "heaviside",
    "hypot",
    "i0",
    "imag",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "isreal",
    "lcm",
    "ldexp",
    "left_shift",
    "less",
    "less_equal",
    "log",
    "log10",
    "log1p",
    "log2",
    "logaddexp",
    "logaddexp2",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "maximum",
    "minimum",
    "mod",
    "multiply",
    "nan_to_num",
    "negative",
    "nextafter",
    "not_equal",
    "power",
    "rad2deg",
    "real",
    "reciprocal",
    "right_shift",
    "round",
    "rsqrt",
    "select",
    "sign",
    "signbit",
    "sin",
    "sinc",
    "sinh",
    "sqrt",
    "square",
    "subtract",
    "tan",
    "tanh",
    "true_divide",
    "trunc",
    "where",
]
