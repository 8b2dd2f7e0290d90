"""``keras.ops.linalg``: inverses, determinants, solves, factorizations and norms of
(batched) matrices, in float32 through numpy's LAPACK.

Differentiable: ``inv``, ``det``, ``slogdet``/``logdet``, ``solve``, ``solve_triangular``,
``cholesky``, ``cholesky_inverse``, ``pinv``, ``norm``, ``eigh``, ``qr`` (reduced, tall or
square) and the singular values of ``svd``; ``lstsq`` through the normal equations when a
gradient is needed. ``lu_factor`` and ``matrix_rank`` have no gradient. ``eig`` (complex
results) and ``jvp`` (forward mode) are not implemented.

Example:
    >>> from ember import ops
    >>> a = ember.tensor([[2.0, 0.0], [0.0, 4.0]], requires_grad=True)
    >>> ops.sum(ops.linalg.inv(a)).backward(); a.grad
    array([[-0.25  , -0.125 ],
           [-0.125 , -0.0625]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.autograd import Function, Tensor
from ember.ops import elementwise as ew
from ember.ops import reduction as red
from ember.ops import shaping
from ember.ops.base import convert, keras_op, normalize_axes, not_implemented
from ember.ops.math import unbroadcast
from ember.ops.products import matmul


def _mT(a: np.ndarray) -> np.ndarray:  # noqa: N802 - numpy's name for a matrix transpose
    return np.swapaxes(a, -1, -2)


def _square(x: Any, op: str, arg: str = "x") -> Tensor:
    t = ew._float_input(x)
    if t.ndim < 2 or t.shape[-1] != t.shape[-2]:
        raise ValueError(
            f"{op}: `{arg}` must be a (batch of) square matrices, received shape {t.shape}"
        )
    return t


def _lapack(op: str, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except np.linalg.LinAlgError as err:
        raise ValueError(f"{op}: {err}") from None


# ------------------------------------------------------------------ Functions
class Inverse(Function):
    def forward(self, a):
        self.y = _lapack("inv", np.linalg.inv, a).astype(np.float32)
        return self.y

    def backward(self, g):
        yt = _mT(self.y)
        return ((-(yt @ g @ yt)).astype(np.float32),)


class Determinant(Function):
    def forward(self, a):
        self.a = a
        self.y = np.linalg.det(a).astype(np.float32)
        return self.y

    def backward(self, g):
        inv_t = _mT(_lapack("det", np.linalg.inv, self.a))
        return (((g * self.y)[..., None, None] * inv_t).astype(np.float32),)


class SignLogDet(Function):
    def forward(self, a):
        self.a = a
        sign, logabs = np.linalg.slogdet(a)
        return sign.astype(np.float32), logabs.astype(np.float32)

    def backward(self, g_sign, g_log):
        if g_log is None:
            return (np.zeros(self.a.shape, np.float32),)
        inv_t = _mT(_lapack("slogdet", np.linalg.inv, self.a))
        return ((g_log[..., None, None] * inv_t).astype(np.float32),)


class Solve(Function):
    """x = a^-1 b for b of shape (..., M, K)."""

    def forward(self, a, b, lower):
        self.a, self.lower, self.b_shape = a, lower, b.shape
        if lower is None:
            self.x = _lapack("solve", np.linalg.solve, a, b).astype(np.float32)
        else:
            tri = np.tril(a) if lower else np.triu(a)
            self.x = _lapack("solve_triangular", np.linalg.solve, tri, b).astype(np.float32)
            self.a = tri
        return self.x

    def backward(self, g):
        need_a, need_b, _ = self.needs_input_grad
        gb = np.linalg.solve(_mT(self.a), g).astype(np.float32)
        ga = None
        if need_a:
            ga = -(gb @ _mT(self.x))
            if self.lower is not None:
                ga = np.tril(ga) if self.lower else np.triu(ga)
            ga = unbroadcast(ga.astype(np.float32), self.a.shape)
        return ga, unbroadcast(gb, self.b_shape) if need_b else None, None


class Cholesky(Function):
    def forward(self, a):
        self.l_ = _lapack("cholesky", np.linalg.cholesky, a).astype(np.float32)
        return self.l_

    def backward(self, g):
        low = self.l_.astype(np.float64)
        eye = np.broadcast_to(np.eye(low.shape[-1]), low.shape)
        l_inv = np.linalg.solve(low, eye)
        middle = _mT(low) @ g
        diag = np.einsum("...ii->...i", middle)
        middle = np.tril(middle)
        idx = np.arange(low.shape[-1])
        middle[..., idx, idx] = 0.5 * diag
        grad = _mT(l_inv) @ middle @ l_inv
        return ((0.5 * (grad + _mT(grad))).astype(np.float32),)


class SingularValues(Function):
    """The singular values (descending); their gradient is U diag(g) V^T (distinct values)."""

    def forward(self, a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        self.u, self.vh = u, vh
        return s.astype(np.float32)

    def backward(self, g):
        return (((self.u * g[..., None, :]) @ self.vh).astype(np.float32),)


class EigH(Function):
    def forward(self, a):
        w, v = np.linalg.eigh(a)
        self.w, self.v = w.astype(np.float64), v.astype(np.float64)
        return w.astype(np.float32), v.astype(np.float32)

    def backward(self, gw, gv):
        v, w = self.v, self.w
        inner = np.zeros(v.shape[:-2] + (v.shape[-1], v.shape[-1]))
        if gw is not None:
            idx = np.arange(v.shape[-1])
            inner[..., idx, idx] = gw
        if gv is not None:
            diff = w[..., None, :] - w[..., :, None]  # w_j - w_i
            with np.errstate(divide="ignore"):
                f = np.where(diff == 0, 0.0, 1.0 / np.where(diff == 0, 1.0, diff))
            inner = inner + f * (_mT(v) @ gv)
        grad = v @ inner @ _mT(v)
        return ((0.5 * (grad + _mT(grad))).astype(np.float32),)


class QR(Function):
    """Reduced QR of an (..., M, N) matrix with M >= N (TensorFlow's gradient)."""

    def forward(self, a, mode):
        q, r = np.linalg.qr(a, mode=mode)
        self.q, self.r, self.shape = q.astype(np.float64), r.astype(np.float64), a.shape
        return q.astype(np.float32), r.astype(np.float32)

    def backward(self, dq, dr):
        m, n = self.shape[-2], self.shape[-1]
        if m < n or self.q.shape[-1] != n:
            raise NotImplementedError(
                "qr: the gradient is implemented for mode='reduced' with rows >= columns"
            )
        q, r = self.q, self.r
        dq = np.zeros_like(q) if dq is None else dq.astype(np.float64)
        dr = np.zeros_like(r) if dr is None else dr.astype(np.float64)
        qdq = _mT(q) @ dq
        rdr = r @ _mT(dr)
        tril = np.tril((qdq - _mT(qdq)) + (rdr - _mT(rdr)), -1)
        r_inv_t = np.linalg.inv(_mT(r))
        grad_a = q @ (dr + tril @ r_inv_t)
        grad_b = (dq - q @ qdq) @ r_inv_t
        return (grad_a + grad_b).astype(np.float32), None


class PseudoInverse(Function):
    def forward(self, a, rcond):
        self.a = a
        kwargs = {} if rcond is None else {"rcond": rcond}
        self.y = np.linalg.pinv(a, **kwargs).astype(np.float32)
        return self.y

    def backward(self, g):
        a, p = self.a.astype(np.float64), self.y.astype(np.float64)
        gt = g.astype(np.float64)
        eye_m = np.eye(a.shape[-2])
        eye_n = np.eye(a.shape[-1])
        grad = -_mT(p) @ gt @ _mT(p)
        grad = grad + (eye_m - a @ p) @ _mT(gt) @ p @ _mT(p)
        grad = grad + _mT(p) @ p @ _mT(gt) @ (eye_n - p @ a)
        return grad.astype(np.float32), None


# ------------------------------------------------------------------ public ops
@keras_op
def inv(x: Any) -> Tensor:
    """The inverse of a (batch of) square matrices.

    Example:
        >>> ember.ops.linalg.inv([[2.0, 0.0], [0.0, 4.0]]).numpy()
        array([[0.5 , 0.  ],
               [0.  , 0.25]], dtype=float32)
    """
    return Inverse.apply(_square(x, "inv"))


@keras_op
def det(x: Any) -> Tensor:
    """The determinant of a (batch of) square matrices.

    Example:
        >>> float(ember.ops.linalg.det([[1.0, 2.0], [3.0, 4.0]]))
        -2.0
    """
    return Determinant.apply(_square(x, "det"))


@keras_op
def slogdet(x: Any) -> tuple[Tensor, Tensor]:
    """The sign and the log of the absolute determinant.

    Example:
        >>> sign, logdet = ember.ops.slogdet([[2.0, 0.0], [0.0, 2.0]])
        >>> float(sign), round(float(logdet), 6)
        (1.0, 1.386294)
    """
    return SignLogDet.apply(_square(x, "slogdet"))


@keras_op
def logdet(x: Any) -> Tensor:
    """log(det(x)) of (a batch of) positive definite matrices.

    Example:
        >>> round(float(ember.ops.logdet([[2.0, 0.0], [0.0, 2.0]])), 6)
        1.386294
    """
    sign, log_abs = SignLogDet.apply(_square(x, "logdet"))
    return ew.where(ew.greater(sign, 0.0), log_abs, np.float32(np.nan))


def _rhs(a: Tensor, b: Any, op: str) -> tuple[Tensor, bool]:
    rhs = ew._float_input(b)
    vector = rhs.ndim == a.ndim - 1
    if vector:
        rhs = shaping.expand_dims(rhs, -1)
    if rhs.ndim < 2 or rhs.shape[-2] != a.shape[-1]:
        raise ValueError(
            f"{op}: `b` must have {a.shape[-1]} rows to match `a` of shape {a.shape}, received "
            f"shape {convert(b).shape}"
        )
    return rhs, vector


@keras_op
def solve(a: Any, b: Any) -> Tensor:
    """x with a @ x = b (b a matrix, or a vector per matrix).

    Example:
        >>> ember.ops.linalg.solve([[2.0, 0.0], [0.0, 4.0]], [2.0, 2.0]).numpy()
        array([1. , 0.5], dtype=float32)
    """
    m = _square(a, "solve", "a")
    rhs, vector = _rhs(m, b, "solve")
    x = Solve.apply(m, rhs, None)
    return shaping.squeeze(x, -1) if vector else x


@keras_op
def solve_triangular(a: Any, b: Any, lower: bool = False) -> Tensor:
    """x with a @ x = b for a triangular ``a`` (only its lower or upper triangle is read).

    Example:
        >>> ember.ops.linalg.solve_triangular([[2.0, 0.0], [1.0, 1.0]], [2.0, 3.0],
        ...                                   lower=True).numpy()
        array([1., 2.], dtype=float32)
    """
    m = _square(a, "solve_triangular", "a")
    rhs, vector = _rhs(m, b, "solve_triangular")
    x = Solve.apply(m, rhs, bool(lower))
    return shaping.squeeze(x, -1) if vector else x


@keras_op
def cholesky(x: Any, upper: bool = False) -> Tensor:
    """The Cholesky factor of a (batch of) positive definite matrices: lower L with
    x = L L^T, or upper U = L^T. ValueError when x is not positive definite.

    Example:
        >>> ember.ops.linalg.cholesky([[4.0, 2.0], [2.0, 2.0]]).numpy()
        array([[2., 0.],
               [1., 1.]], dtype=float32)
    """
    low = Cholesky.apply(_square(x, "cholesky"))
    return shaping.swapaxes(low, -1, -2) if upper else low


@keras_op
def cholesky_inverse(x: Any, upper: bool = False) -> Tensor:
    """The inverse of the matrix whose Cholesky factor is ``x``: (L L^T)^-1 from the lower
    triangle of x, or (U^T U)^-1 from its upper triangle when ``upper``.

    Example:
        >>> ember.ops.linalg.cholesky_inverse([[2.0, 0.0], [1.0, 1.0]]).numpy()
        array([[ 0.5, -0.5],
               [-0.5,  1. ]], dtype=float32)
    """
    f = _square(x, "cholesky_inverse")
    f = shaping.triu(f) if upper else shaping.tril(f)  # only the factor's triangle is read
    ft = shaping.swapaxes(f, -1, -2)
    product = matmul(ft, f) if upper else matmul(f, ft)
    return inv(product)


@keras_op
def pinv(x: Any, rcond: float | None = None) -> Tensor:
    """The Moore-Penrose pseudo-inverse (singular values below rcond * largest count as 0).

    Example:
        >>> ember.ops.linalg.pinv([[1.0, 0.0], [0.0, 0.0]]).numpy()
        array([[1., 0.],
               [0., 0.]], dtype=float32)
    """
    t = ew._float_input(x)
    if t.ndim < 2:
        raise ValueError(f"pinv: `x` must be a (batch of) matrices, received shape {t.shape}")
    return PseudoInverse.apply(t, rcond)


@keras_op
def lstsq(a: Any, b: Any, rcond: float | None = None) -> Tensor:
    """The least-squares solution x of a @ x = b (a: (M, N), b: (M,) or (M, K)).

    Example:
        >>> ember.ops.linalg.lstsq([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [1.0, 1.0, 2.0]).numpy()
        array([1., 1.], dtype=float32)
    """
    m, rhs = ew._float_input(a), ew._float_input(b)
    if m.ndim != 2 or rhs.ndim not in (1, 2) or rhs.shape[0] != m.shape[0]:
        raise ValueError(
            f"lstsq: expected `a` of shape (M, N) and `b` of shape (M,) or (M, K), received "
            f"{m.shape} and {rhs.shape}"
        )
    if m.requires_grad or rhs.requires_grad:
        mt = shaping.transpose(m)
        return solve(matmul(mt, m), matmul(mt, rhs))
    kwargs = {} if rcond is None else {"rcond": rcond}
    x = _lapack("lstsq", np.linalg.lstsq, m.numpy(), rhs.numpy(), **kwargs)[0]
    return Tensor(x.astype(np.float32))


@keras_op
def lu_factor(x: Any) -> tuple[Tensor, Tensor]:
    """LU factorization with partial pivoting: the combined L (unit diagonal, below) and U
    (on and above), and the int32 row permutation p with x[p] = L @ U (as Keras' TensorFlow
    backend returns it). One whole-matrix step per column; no gradient.

    Example:
        >>> lu, piv = ember.ops.linalg.lu_factor([[4.0, 3.0], [6.0, 3.0]])
        >>> piv.numpy()
        array([1, 0], dtype=int32)
    """
    t = _square(x, "lu_factor")
    a = t.numpy().astype(np.float64).copy()
    n = a.shape[-1]
    batch = a.shape[:-2]
    a = a.reshape(-1, n, n)
    rows = np.arange(a.shape[0])
    piv = np.zeros((a.shape[0], n), np.int32)
    for k in range(n):
        p = k + np.argmax(np.abs(a[:, k:, k]), axis=1)
        piv[:, k] = p
        row_k, row_p = a[rows, k].copy(), a[rows, p].copy()
        a[rows, k], a[rows, p] = row_p, row_k
        pivot = a[:, k, k]
        safe = np.where(pivot == 0, 1.0, pivot)
        a[:, k + 1 :, k] /= safe[:, None]
        a[:, k + 1 :, k + 1 :] -= a[:, k + 1 :, k, None] * a[:, k, None, k + 1 :]
    perm = np.tile(np.arange(n, dtype=np.int32), (a.shape[0], 1))
    for k in range(n):  # the row swaps, applied in order, as a permutation
        pk, rk = perm[rows, piv[:, k]].copy(), perm[rows, k].copy()
        perm[rows, k], perm[rows, piv[:, k]] = pk, rk
    return (
        Tensor(a.reshape(*batch, n, n).astype(np.float32)),
        Tensor(perm.reshape(*batch, n)),
    )


@keras_op
def matrix_rank(x: Any, tol: float | None = None) -> Tensor:
    """The number of singular values above ``tol`` (default: max(M, N) * eps * largest),
    int32.

    Example:
        >>> ember.ops.linalg.matrix_rank([[1.0, 2.0], [2.0, 4.0]]).numpy()
        array(1, dtype=int32)
    """
    t = ew._float_input(x)
    s = np.linalg.svd(t.numpy(), compute_uv=False)
    if tol is None:
        limit = s.max(axis=-1, keepdims=True) * max(t.shape[-2:]) * np.finfo(np.float32).eps
    else:
        limit = np.float32(tol)
    return Tensor(np.asarray((s > limit).sum(axis=-1), np.int32))


@keras_op
def svd(x: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """The singular value decomposition x = u @ diag(s) @ vh: (u, s, vh), or only s (with a
    gradient) when ``compute_uv`` is False. u and vh carry no gradient.

    Example:
        >>> s = ember.ops.linalg.svd([[3.0, 0.0], [0.0, 4.0]], compute_uv=False)
        >>> s.numpy()
        array([4., 3.], dtype=float32)
    """
    t = ew._float_input(x)
    if t.ndim < 2:
        raise ValueError(f"svd: `x` must be a (batch of) matrices, received shape {t.shape}")
    if not compute_uv:
        return SingularValues.apply(t)
    u, s, vh = np.linalg.svd(t.numpy(), full_matrices=full_matrices)
    s_t = SingularValues.apply(t)
    return Tensor(u.astype(np.float32)), s_t, Tensor(vh.astype(np.float32))


@keras_op
def eigh(x: Any) -> tuple[Tensor, Tensor]:
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix; both
    differentiable (distinct eigenvalues).

    Example:
        >>> w, v = ember.ops.linalg.eigh([[2.0, 1.0], [1.0, 2.0]])
        >>> w.numpy()
        array([1., 3.], dtype=float32)
    """
    return EigH.apply(_square(x, "eigh"))


@keras_op
def qr(x: Any, mode: str = "reduced") -> tuple[Tensor, Tensor]:
    """The QR decomposition x = q @ r (``mode`` "reduced" or "complete").

    Example:
        >>> q, r = ember.ops.linalg.qr([[1.0, 0.0], [0.0, 2.0]])
        >>> np.abs(r.numpy())
        array([[1., 0.],
               [0., 2.]], dtype=float32)
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: `mode` must be 'reduced' or 'complete', received {mode!r}")
    t = ew._float_input(x)
    if t.ndim < 2:
        raise ValueError(f"qr: `x` must be a (batch of) matrices, received shape {t.shape}")
    return QR.apply(t, mode)


@keras_op
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A002
    """Vector norms (``axis`` an int, or None on a 1-D tensor; ord None/2, 1, inf, -inf, 0,
    or any p) and matrix norms (``axis`` two axes, or None on a 2-D tensor; ord None/"fro",
    "nuc", 1, -1, 2, -2, inf, -inf), as numpy's.

    Example:
        >>> float(ember.ops.norm([3.0, 4.0]))
        5.0
    """
    t = ew._float_input(x)
    if axis is None:
        if ord is not None and t.ndim not in (1, 2):
            raise ValueError(f"norm: `ord`={ord!r} needs `axis` for a tensor of rank {t.ndim}")
        if ord is None:
            out = ew.sqrt(red.sum(ew.square(t)))
            if keepdims:
                out = shaping.reshape(out, (1,) * t.ndim)
            return out
        axes = tuple(range(t.ndim))
    else:
        axes = normalize_axes(axis, t.ndim, "norm")
        if isinstance(axis, (list, tuple)):
            axes = tuple(a % t.ndim for a in axis)
    if len(axes) == 1:
        return _vector_norm(t, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(t, ord, axes, keepdims)
    raise ValueError(f"norm: `axis` must name 1 or 2 axes, received {axis!r}")


def _vector_norm(t: Tensor, ord: Any, axis: int, keepdims: bool) -> Tensor:  # noqa: A002
    a = ew.abs(t)
    if ord is None or ord == 2:
        return ew.sqrt(red.sum(ew.square(t), axis=axis, keepdims=keepdims))
    if ord == np.inf or ord == "inf":
        return red.max(a, axis=axis, keepdims=keepdims)
    if ord == -np.inf or ord == "-inf":
        return red.min(a, axis=axis, keepdims=keepdims)
    if ord == 0:
        nonzero = ew.not_equal(t, 0.0)
        from ember.ops.base import cast

        return cast(red.sum(nonzero, axis=axis, keepdims=keepdims), "float32")
    if ord == 1:
        return red.sum(a, axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid `ord` {ord!r} for a vector norm")
    p = float(ord)
    return ew.power(red.sum(ew.power(a, p), axis=axis, keepdims=keepdims), 1.0 / p)


def _matrix_norm(t: Tensor, ord: Any, axes: tuple, keepdims: bool) -> Tensor:  # noqa: A002
    r, c = axes
    if r == c:
        raise ValueError("norm: the two axes of a matrix norm must differ")
    if ord is None or ord == "fro":
        out = ew.sqrt(red.sum(ew.square(t), axis=axes, keepdims=keepdims))
        return out
    a = ew.abs(t)
    if ord in (1, -1):
        sums = red.sum(a, axis=r, keepdims=True)
        fn = red.max if ord == 1 else red.min
        out = fn(sums, axis=c, keepdims=True)
    elif ord in (np.inf, -np.inf, "inf", "-inf"):
        sums = red.sum(a, axis=c, keepdims=True)
        fn = red.max if ord in (np.inf, "inf") else red.min
        out = fn(sums, axis=r, keepdims=True)
    elif ord in ("nuc", 2, -2):
        rest = [i for i in range(t.ndim) if i not in (r, c)]
        moved = shaping.transpose(t, rest + [r, c])
        s = SingularValues.apply(moved)
        if ord == "nuc":
            vals = red.sum(s, axis=-1)
        elif ord == 2:
            vals = red.max(s, axis=-1)
        else:
            vals = red.min(s, axis=-1)
        if not keepdims:
            return vals
        shape = list(t.shape)
        shape[r] = shape[c] = 1
        return shaping.reshape(vals, tuple(shape))
    else:
        raise ValueError(f"norm: invalid `ord` {ord!r} for a matrix norm")
    if keepdims:
        return out
    return shaping.squeeze(out, tuple(sorted((r, c))))


eig = not_implemented(
    "eig", "eigenvalues of general matrices are complex; ember has no complex dtype"
)
jvp = not_implemented("jvp", "ember's autograd is reverse-mode only (no forward-mode JVP)")


# The Keras names this module provides (ember.ops gathers them).
__all__ = [
    "cholesky",
    "cholesky_inverse",
    "det",
    "eig",
    "eigh",
    "inv",
    "jvp",
    "logdet",
    "lstsq",
    "lu_factor",
    "matrix_rank",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_triangular",
    "svd",
]
