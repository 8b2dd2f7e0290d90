"""Central finite differences for ember ops and layers: L = sum(f(inputs) * proj) is
evaluated in float64 from the float32 outputs, and compared with backward()."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

import ember


def check_gradients(
    fn: Callable[..., ember.Tensor],
    inputs: Sequence[np.ndarray],
    *,
    wrt: Sequence[int] | None = None,
    params: Sequence[ember.Variable] = (),
    eps: float = 1e-2,
    atol: float = 2e-3,
    rtol: float = 2e-3,
    samples: int = 12,
    seed: int = 0,
) -> None:
    """Compare d sum(fn(*inputs) * proj) / d input (and / d param) with central differences
    at ``samples`` random coordinates of each."""
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(x, np.float32) for x in inputs]
    wrt = range(len(arrays)) if wrt is None else wrt
    tensors = [ember.tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
    for p in params:
        p.grad = None
    out = fn(*tensors)
    proj = rng.standard_normal(out.shape)
    (out * proj.astype(np.float32)).sum().backward()

    def loss() -> float:
        with ember.no_grad():
            y = fn(*[ember.tensor(a) for a in arrays])
        return float((y.numpy().astype(np.float64) * proj).sum())

    targets = [(f"input {i}", arrays[i], tensors[i].grad) for i in wrt]
    targets += [(f"param {p.name}", p.data, p.grad) for p in params]
    for name, arr, grad in targets:
        assert grad is not None, f"no gradient reached {name}"
        assert grad.shape == arr.shape
        checked = 0
        coords = rng.choice(arr.size, size=min(samples, arr.size), replace=False)
        for flat in coords:
            idx = np.unravel_index(flat, arr.shape)
            orig = arr[idx]
            center = loss()
            arr[idx] = orig + eps
            plus = loss()
            arr[idx] = orig - eps
            minus = loss()
            arr[idx] = orig
            left, right = (center - minus) / eps, (plus - center) / eps
            if abs(left - right) > 20 * (atol + rtol * abs(left)) + 50 * eps:
                continue  # a kink (relu, max) lies within the step: no derivative to compare
            fd = (plus - minus) / (2 * eps)
            np.testing.assert_allclose(
                grad[idx], fd, atol=atol, rtol=rtol, err_msg=f"d/d {name}{idx}"
            )
            checked += 1
        assert checked >= len(coords) // 2, f"{name}: too many kinks to check the gradient"
