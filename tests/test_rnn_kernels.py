"""Recurrent kernels (LSTM, GRU with reset_after True/False, SimpleRNN), whole-sequence forward
and backward through time: optimized (every ISA) and reference against an independent float64
numpy model of the Keras 3 cell equations and its hand-written backward, against central finite
differences, against PyTorch's nn.LSTM / nn.GRU / nn.RNN with converted weights, against numbers
produced by real Keras 3 for masked sequences, across thread counts bit for bit, and on bad input.

Masking, go_backwards and the saved-state contract are those of kernels/rnn.h: a masked step
carries the states and repeats the previous output (zeros before a row's first valid step);
go_backwards returns the outputs in processing order."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import using_threads
from ember import _C

FWD = dict(atol=1e-5, rtol=1e-4)
GRAD = dict(atol=1e-4, rtol=1e-3)

CELLS = ["lstm", "gru", "gru_v1", "simple_rnn"]  # gru_v1: reset_after=False
GATES = {"lstm": 4, "gru": 3, "gru_v1": 3, "simple_rnn": 1}

# ------------------------------------------------------------------ float64 numpy model


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


ACT = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "hard_sigmoid": lambda v: np.clip(v + 3.0, 0.0, 6.0) / 6.0,
    "relu": lambda v: np.maximum(v, 0.0),
    "linear": lambda v: v,
}
# Derivatives at the pre-activation, TensorFlow's choice at the kinks.
DACT = {
    "tanh": lambda v: 1.0 - np.tanh(v) ** 2,
    "sigmoid": lambda v: _sigmoid(v) * (1.0 - _sigmoid(v)),
    "hard_sigmoid": lambda v: ((v > -3.0) & (v < 3.0)) / 6.0,
    "relu": lambda v: (v > 0.0) * 1.0,
    "linear": lambda v: np.ones_like(v),
}


def _cell_forward(cell, p, xt, h, c, rm, act, ract):
    """One step for every row: (new h, new c, cache for the backward)."""
    a, ra = ACT[act], ACT[ract]
    hr = h * rm
    H = h.shape[1]
    if cell == "lstm":
        z = xt @ p["W"] + hr @ p["U"] + (0 if p["b"] is None else p["b"])
        zi, zf, zc, zo = np.split(z, 4, axis=1)
        i, f, g, o = ra(zi), ra(zf), a(zc), ra(zo)
        cn = f * c + i * g
        return o * a(cn), cn, dict(z=z, i=i, f=f, g=g, o=o, c=c, cn=cn, hr=hr)
    if cell == "gru":
        bi, br = (0, 0) if p["b"] is None else (p["b"][0], p["b"][1])
        zx = xt @ p["W"] + bi
        inner = hr @ p["U"] + br
        pz, pr = zx[:, :H] + inner[:, :H], zx[:, H : 2 * H] + inner[:, H : 2 * H]
        z, r = ra(pz), ra(pr)
        ph = zx[:, 2 * H :] + r * inner[:, 2 * H :]
        hh = a(ph)
        cache = dict(pz=pz, pr=pr, ph=ph, z=z, r=r, hh=hh, inner=inner, h=h, hr=hr)
        return z * h + (1 - z) * hh, None, cache
    if cell == "gru_v1":
        zx = xt @ p["W"] + (0 if p["b"] is None else p["b"])
        inner = hr @ p["U"][:, : 2 * H]
        pz, pr = zx[:, :H] + inner[:, :H], zx[:, H : 2 * H] + inner[:, H:]
        z, r = ra(pz), ra(pr)
        rh = r * hr
        ph = zx[:, 2 * H :] + rh @ p["U"][:, 2 * H :]
        hh = a(ph)
        cache = dict(pz=pz, pr=pr, ph=ph, z=z, r=r, hh=hh, rh=rh, h=h, hr=hr)
        return z * h + (1 - z) * hh, None, cache
    pre = xt @ p["W"] + hr @ p["U"] + (0 if p["b"] is None else p["b"])
    return a(pre), None, dict(pre=pre, hr=hr)


def np_forward(cell, p, x, h0=None, c0=None, mask=None, rmask=None, act="tanh",
               ract="sigmoid", go_backwards=False):  # fmt: skip
    """Keras 3 semantics (keras.src.backend.tensorflow.rnn): returns h_seq (processing order),
    the final h and c, and per-step caches."""
    B, T, _ = x.shape
    H = p["U"].shape[0]
    h = np.zeros((B, H)) if h0 is None else np.asarray(h0, np.float64)
    c = np.zeros((B, H)) if c0 is None else np.asarray(c0, np.float64)
    rm = np.ones((B, H)) if rmask is None else np.asarray(rmask, np.float64)
    out = np.zeros((B, H))
    seq, caches = [], []
    for s in range(T):
        t = T - 1 - s if go_backwards else s
        m = np.ones((B, 1), bool) if mask is None else (np.asarray(mask)[:, t] != 0)[:, None]
        hn, cn, cache = _cell_forward(cell, p, x[:, t], h, c, rm, act, ract)
        cache.update(t=t, m=m, h_prev=h, c_prev=c)
        caches.append(cache)
        out = np.where(m, hn, out)
        h = np.where(m, hn, h)
        if cn is not None:
            c = np.where(m, cn, c)
        seq.append(out)
    return np.stack(seq, 1), h, c, caches


def np_backward(cell, p, x, caches, dh_seq=None, dh_last=None, dc_last=None, rmask=None,
                act="tanh", ract="sigmoid"):  # fmt: skip
    """Backward of np_forward through the where() chains of the outputs and the states."""
    B, T, _ = x.shape
    H = p["U"].shape[0]
    da, dra = DACT[act], DACT[ract]
    rm = np.ones((B, H)) if rmask is None else np.asarray(rmask, np.float64)
    g = dict(x=np.zeros_like(x), W=np.zeros_like(p["W"]), U=np.zeros_like(p["U"]))
    if p["b"] is not None:
        g["b"] = np.zeros_like(p["b"])
    dh = np.zeros((B, H)) if dh_last is None else np.asarray(dh_last, np.float64).copy()
    dc = np.zeros((B, H)) if dc_last is None else np.asarray(dc_last, np.float64).copy()
    dout = np.zeros((B, H))  # gradient reaching the output of the step being visited
    for s in range(T - 1, -1, -1):
        cache = caches[s]
        m, t = cache["m"], cache["t"]
        if dh_seq is not None:
            dout = dout + dh_seq[:, s]
        dhn = np.where(m, dout + dh, 0.0)  # into the cell's new h
        dcn = np.where(m, dc, 0.0)
        dout = np.where(m, 0.0, dout)  # masked: the output was the previous one
        dh = np.where(m, 0.0, dh)  # masked: the state was carried
        dc = np.where(m, 0.0, dc)
        xt = x[:, t]
        if cell == "lstm":
            ac = ACT[act](cache["cn"])
            dct = dcn + dhn * cache["o"] * da(cache["cn"])
            zi, zf, zc, zo = np.split(cache["z"], 4, axis=1)
            dz = np.concatenate(
                [
                    dct * cache["g"] * dra(zi),
                    dct * cache["c"] * dra(zf),
                    dct * cache["i"] * da(zc),
                    dhn * ac * dra(zo),
                ],
                1,
            )
            dc = dc + dct * cache["f"]
            dzx = dzr = dz
            direct = 0.0
        elif cell == "simple_rnn":
            dzx = dzr = dhn * da(cache["pre"])
            direct = 0.0
        else:
            dzz = dhn * (cache["h"] - cache["hh"]) * dra(cache["pz"])
            dah = dhn * (1 - cache["z"]) * da(cache["ph"])
            direct = dhn * cache["z"]
            if cell == "gru":
                drr = dah * cache["inner"][:, 2 * H :] * dra(cache["pr"])
                dzx = np.concatenate([dzz, drr, dah], 1)
                dzr = np.concatenate([dzz, drr, dah * cache["r"]], 1)
            else:
                drh = dah @ p["U"][:, 2 * H :].T
                g["U"][:, 2 * H :] += cache["rh"].T @ dah
                drr = drh * cache["hr"] * dra(cache["pr"])
                dzx = np.concatenate([dzz, drr, dah], 1)
                dzr = np.concatenate([dzz, drr], 1)
                direct = direct + drh * cache["r"] * rm
        g["x"][:, t] = dzx @ p["W"].T
        g["W"] += xt.T @ dzx
        cols = dzr.shape[1]
        g["U"][:, :cols] += cache["hr"].T @ dzr
        if p["b"] is not None:
            if cell == "gru":
                g["b"][0] += dzx.sum(0)
                g["b"][1] += dzr.sum(0)
            else:
                g["b"] += dzx.sum(0)
        dh = dh + direct + (dzr @ p["U"][:, :cols].T) * rm
    g["h0"] = dh  # (what is left in dout reaches the initial output, a constant 0)
    if cell == "lstm":
        g["c0"] = dc
    return g


def loss_parts(rng, B, T, H):
    return rng.standard_normal((B, T, H)), rng.standard_normal((B, H)), rng.standard_normal((B, H))


def np_loss(cell, p, x, h0, c0, mask, rmask, kw, proj):
    seq, h, c, _ = np_forward(cell, p, x, h0, c0, mask, rmask, **kw)
    P, p2, p3 = proj
    out = (seq * P).sum() + (h * p2).sum()
    return out + (c * p3).sum() if cell == "lstm" else out


def fd_grads(cell, p, x, h0, c0, mask, rmask, kw, proj, eps=1e-6):
    """Central differences of np_loss in float64 for every input."""
    arrays = dict(x=x, W=p["W"], U=p["U"], h0=h0)
    if p["b"] is not None:
        arrays["b"] = p["b"]
    if cell == "lstm":
        arrays["c0"] = c0
    out = {}
    for name, a in arrays.items():
        g = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + eps
            lp = np_loss(cell, p, x, h0, c0, mask, rmask, kw, proj)
            a[i] = old - eps
            lm = np_loss(cell, p, x, h0, c0, mask, rmask, kw, proj)
            a[i] = old
            g[i] = (lp - lm) / (2 * eps)
        out[name] = g
    return out


# ------------------------------------------------------------------ calling the kernels


def make_params(rng, cell, F, H, bias=True, scale=0.6):
    G = GATES[cell]
    p = dict(
        W=rng.standard_normal((F, G * H)) * scale / np.sqrt(F) * 2,
        U=rng.standard_normal((H, G * H)) * scale / np.sqrt(H) * 2,
        b=None,
    )
    if bias:
        p["b"] = rng.standard_normal((2, G * H) if cell == "gru" else (G * H,)) * scale
    # Exactly float32-representable, so the float64 model sees the kernels' inputs.
    return {k: None if v is None else v.astype(np.float32).astype(np.float64) for k, v in p.items()}


def f32(a):
    return None if a is None else np.asarray(a, np.float32)


def kernel_forward(k, cell, p, x, h0=None, c0=None, mask=None, rmask=None, act="tanh",
                   ract="sigmoid", go_backwards=False, training=True):  # fmt: skip
    """(h_seq, h_last, c_last or None, state)."""
    args = (f32(x), f32(p["W"]), f32(p["U"]), f32(p["b"]), f32(h0))
    kw = dict(activation=act, go_backwards=go_backwards, training=training)
    m, r = mask, f32(rmask)
    if cell == "lstm":
        return k.lstm_forward(*args, f32(c0), m, r, recurrent_activation=ract, **kw)
    if cell == "simple_rnn":
        h_seq, h_last, state = k.simple_rnn_forward(*args, m, r, **kw)
        return h_seq, h_last, None, state
    h_seq, h_last, state = k.gru_forward(
        *args, m, r, recurrent_activation=ract, reset_after=cell == "gru", **kw
    )
    return h_seq, h_last, None, state


def kernel_backward(k, cell, p, x, h_seq, state, dh_seq=None, dh_last=None, dc_last=None,
                    h0=None, c0=None, mask=None, rmask=None, act="tanh", ract="sigmoid",
                    go_backwards=False):  # fmt: skip
    """dict of gradients named like fd_grads."""
    common = (f32(x), f32(p["W"]), f32(p["U"]), f32(p["b"]), f32(h0))
    if cell == "lstm":
        dx, dh0, dc0, dW, dU, db = k.lstm_backward(
            f32(dh_seq), f32(dh_last), f32(dc_last), *common, f32(c0), mask, f32(rmask),
            h_seq, state, activation=act, recurrent_activation=ract, go_backwards=go_backwards,
        )  # fmt: skip
        return dict(x=dx, h0=dh0, c0=dc0, W=dW, U=dU, b=db)
    if cell == "simple_rnn":
        dx, dh0, dW, dU, db = k.simple_rnn_backward(
            f32(dh_seq), f32(dh_last), *common, mask, f32(rmask), h_seq, state,
            activation=act, go_backwards=go_backwards,
        )  # fmt: skip
    else:
        dx, dh0, dW, dU, db = k.gru_backward(
            f32(dh_seq), f32(dh_last), *common, mask, f32(rmask), h_seq, state,
            activation=act, recurrent_activation=ract, reset_after=cell == "gru",
            go_backwards=go_backwards,
        )  # fmt: skip
    return dict(x=dx, h0=dh0, W=dW, U=dU, b=db)


def poison_heap(*shapes):
    """Frees NaN-filled blocks of the outputs' sizes just before a call, so the allocator most
    likely hands them back as the kernel's output arrays: an element the kernel forgets to
    write then reads as NaN. (The kernels allocate their outputs; there is no out= to poison.)"""
    blocks = [np.full(s, np.nan, np.float32) for s in shapes]
    del blocks


def nan_workspace(k, cell, B, T, F, H):
    """Runs one forward and backward on NaN data of the same sizes, leaving NaN in every
    scratch buffer the kernels reuse: a later call that reads scratch it did not write sees
    NaN."""
    rng = np.random.default_rng(0)
    p = make_params(rng, cell, F, H)
    x = np.full((B, T, F), np.nan)
    h_seq, _, _, state = kernel_forward(k, cell, p, x)
    kernel_backward(k, cell, p, x, h_seq, state, dh_seq=np.full((B, T, H), np.nan))


def check(got, want, tol, what=""):
    assert got.dtype == np.float32, what
    assert np.isfinite(got).all(), f"{what}: non-finite values"
    np.testing.assert_allclose(got, want, err_msg=what, **tol)


# A mask with gaps, a row masked throughout, a row masked at its start and a row masked at its end.
def gap_mask(B, T):
    m = np.ones((B, T), np.float32)
    m[0, 1::3] = 0
    if B > 1:
        m[1, :] = 0
    if B > 2:
        m[2, : T // 2] = 0
    if B > 3:
        m[3, T // 2 :] = 0
    return m


# ------------------------------------------------------------------ forward and backward


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("go_backwards", [False, True], ids=["fwd", "back"])
@pytest.mark.parametrize("variant", ["plain", "masked", "rmask+h0", "all"])
def test_against_numpy_model(impl, cell, go_backwards, variant, rng):
    B, T, F, H = 4, 6, 5, 7  # H not a multiple of any vector width
    p = make_params(rng, cell, F, H)
    x = rng.standard_normal((B, T, F)).astype(np.float32).astype(np.float64)
    h0 = c0 = mask = rmask = None
    if variant in ("rmask+h0", "all"):
        h0 = f32(rng.standard_normal((B, H))).astype(np.float64)
        c0 = f32(rng.standard_normal((B, H))).astype(np.float64)
        rmask = (rng.random((B, H)) > 0.3) / 0.7  # recurrent dropout: 0 or 1 / keep
        rmask = f32(rmask).astype(np.float64)
    if variant in ("masked", "all"):
        mask = gap_mask(B, T)
    kw = dict(go_backwards=go_backwards)
    seq, h, c, caches = np_forward(cell, p, x, h0, c0, mask, rmask, **kw)
    nan_workspace(impl, cell, B, T, F, H)
    poison_heap((B, T, H), (B, H), (B, H), (T, B, GATES[cell] * H), (T, B, H))
    h_seq, h_last, c_last, state = kernel_forward(impl, cell, p, x, h0, c0, mask, rmask, **kw)
    check(h_seq, seq, FWD, "h_seq")
    check(h_last, h, FWD, "h_last")
    if cell == "lstm":
        check(c_last, c, FWD, "c_last")

    dh_seq, dh_last, dc_last = loss_parts(rng, B, T, H)
    want = np_backward(cell, p, x, caches, dh_seq, dh_last, dc_last, rmask)
    poison_heap((B, T, F), (B, H), (B, H), p["W"].shape, p["U"].shape, p["b"].shape)
    got = kernel_backward(
        impl, cell, p, x, h_seq, state, dh_seq, dh_last, dc_last, h0, c0, mask, rmask, **kw
    )
    for name, value in want.items():
        check(got[name], value, GRAD, name)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize(
    "act,ract,go_backwards,masked",
    [
        ("tanh", "sigmoid", False, False),
        ("tanh", "sigmoid", True, True),
        ("relu", "hard_sigmoid", False, True),
        ("linear", "tanh", True, False),
        ("hard_sigmoid", "hard_sigmoid", False, False),
        ("sigmoid", "relu", True, True),
    ],
)
def test_gradients_match_finite_differences(impl, cell, act, ract, go_backwards, masked, rng):
    """L = sum(h_seq * P) + sum(h_last * p2) (+ sum(c_last * p3)), differentiated by central
    differences of the float64 model, against the kernels' backward through time."""
    if cell == "simple_rnn" and ract != "sigmoid":
        pytest.skip("SimpleRNN has no recurrent activation")
    B, T, F, H = 3, 4, 3, 5
    p = make_params(rng, cell, F, H)
    x = f32(rng.standard_normal((B, T, F))).astype(np.float64)
    h0 = f32(rng.standard_normal((B, H))).astype(np.float64)
    c0 = f32(rng.standard_normal((B, H))).astype(np.float64)
    rmask = f32(rng.uniform(0.5, 1.5, (B, H))).astype(np.float64)
    mask = gap_mask(B, T) if masked else None
    kw = dict(act=act, ract=ract, go_backwards=go_backwards)
    proj = loss_parts(rng, B, T, H)
    want = fd_grads(cell, p, x, h0, c0, mask, rmask, kw, proj)
    h_seq, h_last, c_last, state = kernel_forward(impl, cell, p, x, h0, c0, mask, rmask, **kw)
    seq, h, c, _ = np_forward(cell, p, x, h0, c0, mask, rmask, **kw)
    check(h_seq, seq, FWD, "h_seq")
    got = kernel_backward(impl, cell, p, x, h_seq, state, *proj, h0, c0, mask, rmask, **kw)
    for name, value in want.items():
        check(got[name], value, GRAD, name)


@pytest.mark.parametrize("cell", CELLS)
def test_optional_inputs_and_gradients(impl, cell, rng):
    """No bias (dbias None), no initial states, and each output gradient alone or absent."""
    B, T, F, H = 2, 3, 4, 3
    p = make_params(rng, cell, F, H, bias=False)
    x = f32(rng.standard_normal((B, T, F))).astype(np.float64)
    h_seq, h_last, c_last, state = kernel_forward(impl, cell, p, x)
    seq, h, c, caches = np_forward(cell, p, x)
    check(h_seq, seq, FWD)
    dh_seq, dh_last, dc_last = loss_parts(rng, B, T, H)
    for grads in [(dh_seq, None, None), (None, dh_last, None), (None, None, dc_last), (None,) * 3]:
        if cell != "lstm" and grads[2] is not None:
            continue
        got = kernel_backward(impl, cell, p, x, h_seq, state, *grads)
        want = np_backward(cell, p, x, caches, *grads)
        assert got["b"] is None
        for name, value in want.items():
            check(got[name], value, GRAD, name)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("T", [1, 500])
def test_sequence_lengths(impl, cell, T, rng):
    B, F, H = 2, 3, 6
    p = make_params(rng, cell, F, H, scale=0.4)
    x = f32(rng.standard_normal((B, T, F))).astype(np.float64)
    mask = np.ones((B, T))
    mask[1, T // 3 :: 7] = 0
    seq, h, c, caches = np_forward(cell, p, x, mask=mask)
    h_seq, h_last, c_last, state = kernel_forward(impl, cell, p, x, mask=mask)
    check(h_seq, seq, FWD, "h_seq")
    dh_seq, dh_last, _ = loss_parts(rng, B, T, H)
    got = kernel_backward(impl, cell, p, x, h_seq, state, dh_seq, dh_last, mask=mask)
    want = np_backward(cell, p, x, caches, dh_seq, dh_last)
    for name, value in want.items():
        # 500 steps sum 500 float32 terms per weight gradient.
        check(got[name], value, dict(atol=2e-4 * (1 + T / 100), rtol=2e-3), name)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("B,T,F,H", [(16, 5, 7, 64), (9, 4, 3, 40), (1, 6, 4, 100)])
def test_results_do_not_depend_on_thread_count(cell, B, T, F, H, rng):
    """Bit-identical with 1 and 2 threads, on shapes big enough for the team to split units."""
    p = make_params(rng, cell, F, H)
    x = rng.standard_normal((B, T, F))
    mask = gap_mask(B, T)
    rmask = rng.uniform(0.5, 1.5, (B, H))
    h0 = rng.standard_normal((B, H))
    proj = loss_parts(rng, B, T, H)
    runs = []
    for threads in (1, 2):
        with using_threads(threads):
            h_seq, h_last, c_last, state = kernel_forward(_C, cell, p, x, h0, h0, mask, rmask)
            g = kernel_backward(_C, cell, p, x, h_seq, state, *proj, h0, h0, mask, rmask)
            runs.append([h_seq, h_last, *state, *(v for v in g.values() if v is not None)])
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cell", CELLS)
def test_optimized_and_reference_share_the_saved_state(cell, rng):
    """The saved state has one layout: either implementation's backward accepts the other's."""
    B, T, F, H = 3, 5, 4, 6
    p = make_params(rng, cell, F, H)
    x = rng.standard_normal((B, T, F))
    mask = gap_mask(B, T)
    dh_seq = rng.standard_normal((B, T, H))
    fwd_opt = kernel_forward(_C, cell, p, x, mask=mask)
    fwd_ref = kernel_forward(_C.ref, cell, p, x, mask=mask)
    for a, b in zip(fwd_opt[3], fwd_ref[3]):
        np.testing.assert_allclose(a, b, **FWD)
    g_mixed = kernel_backward(_C, cell, p, x, fwd_ref[0], fwd_ref[3], dh_seq, mask=mask)
    g_ref = kernel_backward(_C.ref, cell, p, x, fwd_ref[0], fwd_ref[3], dh_seq, mask=mask)
    for name, value in g_ref.items():
        np.testing.assert_allclose(g_mixed[name], value, **GRAD)


@pytest.mark.parametrize("cell", CELLS)
def test_inference_saves_nothing(impl, cell, rng):
    B, T, F, H = 2, 4, 3, 5
    p = make_params(rng, cell, F, H)
    x = rng.standard_normal((B, T, F))
    train = kernel_forward(impl, cell, p, x, training=True)
    infer = kernel_forward(impl, cell, p, x, training=False)
    assert infer[3] == ()
    np.testing.assert_array_equal(infer[0], train[0])
    np.testing.assert_array_equal(infer[1], train[1])
    if cell == "lstm":
        np.testing.assert_array_equal(infer[2], train[2])
    if cell != "simple_rnn":
        with pytest.raises(ValueError, match="training=False, which saves nothing"):
            kernel_backward(impl, cell, p, x, infer[0], (), np.ones((B, T, H)))


def test_mask_dtypes_and_nan(rng):
    """bool, int and float masks mean the same; NaN counts as a valid step (nonzero)."""
    B, T, F, H = 3, 5, 2, 4
    p = make_params(rng, "lstm", F, H)
    x = rng.standard_normal((B, T, F))
    m = gap_mask(B, T)
    base = kernel_forward(_C, "lstm", p, x, mask=m)[0]
    for variant in (m.astype(bool), m.astype(np.int64), m * 7.5, np.where(m > 0, np.nan, 0)):
        np.testing.assert_array_equal(kernel_forward(_C, "lstm", p, x, mask=variant)[0], base)


@pytest.mark.parametrize("act", list(ACT))
def test_activations_accuracy_and_special_values(impl, act):
    """Each activation, through a SimpleRNN whose state is act(x): float64 accuracy over a range,
    saturation to exact limits, and NaN propagating."""
    x = np.concatenate([np.linspace(-20, 20, 20001), [0.0, 1e-30, -1e-6, 3.0, -3.0, 100.0, -100.0]])
    special = np.array([np.inf, -np.inf, np.nan])
    xs = np.concatenate([x, special]).astype(np.float32)
    one, zero = np.ones((1, 1), np.float32), np.zeros((1, 1), np.float32)
    h_seq = impl.simple_rnn_forward(xs.reshape(-1, 1, 1), one, zero, None, None, activation=act)[0]
    y = h_seq.reshape(-1)
    want = ACT[act](xs.astype(np.float64))
    np.testing.assert_allclose(y[: x.size], want[: x.size], atol=4e-7, rtol=1e-6)
    assert np.isnan(y[-1])
    limits = {"tanh": (1, -1), "sigmoid": (1, 0), "hard_sigmoid": (1, 0), "relu": (np.inf, 0)}
    if act in limits:
        hi, lo = limits[act]
        # Exact limits, except sigmoid's underflow, which stops short of 0 (below 2e-35).
        assert y[-3] == hi and abs(y[-2] - lo) < 1e-30
        assert y[x.size - 2] == (hi if act != "relu" else 100) and abs(y[x.size - 1] - lo) < 1e-30


def test_all_masked_rows_keep_their_initial_state(impl, rng):
    B, T, F, H = 2, 3, 2, 3
    p = make_params(rng, "lstm", F, H)
    x = rng.standard_normal((B, T, F))
    h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    mask = np.zeros((B, T))
    h_seq, h_last, c_last, _ = kernel_forward(impl, "lstm", p, x, h0, c0, mask)
    np.testing.assert_array_equal(h_seq, 0.0)  # Keras' outputs before any valid step
    np.testing.assert_array_equal(h_last, f32(h0))
    np.testing.assert_array_equal(c_last, f32(c0))


# ------------------------------------------------------------------ real Keras 3 numbers

# Produced once with Keras 3.15.1 (TensorFlow 2.21 CPU): layers with return_sequences=True and
# return_state=True, weights from keras_weights() below, x = keras_inputs(), initial states h0
# (and c0 for LSTM), the mask KERAS_MASK. Rows: h_seq[b, s, :] flattened, then the final states.
KERAS_MASK = np.array([[1, 0, 1, 1], [0, 0, 1, 0], [0, 0, 0, 0]], np.float32)


def keras_inputs():
    B, T, F, H = 3, 4, 2, 3
    x = np.sin(np.arange(B * T * F) * 0.7).reshape(B, T, F).astype(np.float32)
    h0 = (np.cos(np.arange(B * H) * 1.3) * 0.5).reshape(B, H).astype(np.float32)
    c0 = (np.sin(np.arange(B * H) * 0.9 + 1) * 0.5).reshape(B, H).astype(np.float32)
    return x, h0, c0


def keras_weights(cell):
    G, F, H = GATES[cell], 2, 3
    W = np.sin(np.arange(F * G * H) * 0.37 + 0.1).reshape(F, G * H) * 0.8
    U = np.cos(np.arange(H * G * H) * 0.53 + 0.2).reshape(H, G * H) * 0.6
    b = np.sin(np.arange(2 * G * H if cell == "gru" else G * H) * 0.29 - 0.4) * 0.3
    b = b.reshape(2, G * H) if cell == "gru" else b
    return dict(W=W.astype(np.float32), U=U.astype(np.float32), b=b.astype(np.float32))


# (cell, go_backwards) -> (h_seq, h_last[, c_last])
# fmt: off
KERAS = {
    ('lstm', False): (
        [0.22074628, 0.27988485, 0.21526338, 0.22074628, 0.27988485, 0.21526338, 0.086507306,
         0.10031532, 0.078583784, -0.13977158, -0.14660677, -0.12573448, 0, 0, 0, 0, 0, 0,
         0.074875377, -0.005091459, 0.033141062, 0.074875377, -0.005091459, 0.033141062, 0, 0, 0,
         0, 0, 0, 0, 0, 0, 0, 0, 0],
        [-0.13977158, -0.14660677, -0.12573448, 0.074875377, -0.005091459, 0.033141062,
         0.02697771, -0.4738608, -0.28049213],
        [-0.34001625, -0.30228391, -0.22395113, 0.12525076, -0.0093142986, 0.069060162,
         0.058274601, 0.42521831, 0.47036529],
    ),
    ('lstm', True): (
        [-0.083640501, -0.090579525, -0.1294076, 0.050929904, 0.020460835, -0.041099008,
         0.050929904, 0.020460835, -0.041099008, 0.14563647, 0.15810755, 0.12134502, 0, 0, 0,
         0.074875377, -0.005091459, 0.033141062, 0.074875377, -0.005091459, 0.033141062,
         0.074875377, -0.005091459, 0.033141062, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0.14563647, 0.15810755, 0.12134502, 0.074875377, -0.005091459, 0.033141062, 0.02697771,
         -0.4738608, -0.28049213],
        [0.2172334, 0.24389361, 0.1978229, 0.12525076, -0.0093142986, 0.069060162, 0.058274601,
         0.42521831, 0.47036529],
    ),
    ('gru', False): (
        [0.20178708, 0.047577627, -0.11120576, 0.20178708, 0.047577627, -0.11120576, 0.26797286,
         0.10863663, -0.05587475, 0.16728099, 0.052488104, -0.056576833, 0, 0, 0, 0, 0, 0,
         0.23624405, 0.34983456, 0.3460207, 0.23624405, 0.34983456, 0.3460207, 0, 0, 0, 0, 0, 0,
         0, 0, 0, 0, 0, 0],
        [0.16728099, 0.052488104, -0.056576833, 0.23624405, 0.34983456, 0.3460207, 0.02697771,
         -0.4738608, -0.28049213],
    ),
    ('gru', True): (
        [0.29529673, 0.050238598, -0.29108238, 0.29048073, 0.088379368, -0.17964679, 0.29048073,
         0.088379368, -0.17964679, 0.071232565, 0.036225379, 0.018508203, 0, 0, 0, 0.23624405,
         0.34983456, 0.3460207, 0.23624405, 0.34983456, 0.3460207, 0.23624405, 0.34983456,
         0.3460207, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0.071232565, 0.036225379, 0.018508203, 0.23624405, 0.34983456, 0.3460207, 0.02697771,
         -0.4738608, -0.28049213],
    ),
    ('gru_v1', False): (
        [0.19627759, 0.073407561, -0.055932701, 0.19627759, 0.073407561, -0.055932701, 0.33705208,
         0.19570419, 0.042260781, 0.24367012, 0.14576346, 0.04432565, 0, 0, 0, 0, 0, 0,
         0.34862077, 0.43362314, 0.42110696, 0.34862077, 0.43362314, 0.42110696, 0, 0, 0, 0, 0, 0,
         0, 0, 0, 0, 0, 0],
        [0.24367012, 0.14576346, 0.04432565, 0.34862077, 0.43362314, 0.42110696, 0.02697771,
         -0.4738608, -0.28049213],
    ),
    ('gru_v1', True): (
        [0.31178713, 0.07930617, -0.24286833, 0.35606048, 0.1658477, -0.090129465, 0.35606048,
         0.1658477, -0.090129465, 0.1156689, 0.11006376, 0.10621546, 0, 0, 0, 0.34862077,
         0.43362314, 0.42110696, 0.34862077, 0.43362314, 0.42110696, 0.34862077, 0.43362314,
         0.42110696, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0.1156689, 0.11006376, 0.10621546, 0.34862077, 0.43362314, 0.42110696, 0.02697771,
         -0.4738608, -0.28049213],
    ),
    ('simple_rnn', False): (
        [0.71224809, 0.68376571, 0.54869556, 0.71224809, 0.68376571, 0.54869556, -0.33007902,
         -0.37123305, -0.34366783, -0.6998927, -0.75404322, -0.756244, 0, 0, 0, 0, 0, 0,
         -0.32606688, 0.063213862, 0.47762796, -0.32606688, 0.063213862, 0.47762796, 0, 0, 0, 0,
         0, 0, 0, 0, 0, 0, 0, 0],
        [-0.6998927, -0.75404322, -0.756244, -0.32606688, 0.063213862, 0.47762796, 0.02697771,
         -0.4738608, -0.28049213],
    ),
    ('simple_rnn', True): (
        [-0.3760311, -0.65322787, -0.80462235, -0.019402752, 0.2484401, 0.40436098, -0.019402752,
         0.2484401, 0.40436098, 0.085578702, 0.19523799, 0.31029055, 0, 0, 0, -0.32606688,
         0.063213862, 0.47762796, -0.32606688, 0.063213862, 0.47762796, -0.32606688, 0.063213862,
         0.47762796, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0.085578702, 0.19523799, 0.31029055, -0.32606688, 0.063213862, 0.47762796, 0.02697771,
         -0.4738608, -0.28049213],
    ),
}
# fmt: on


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("go_backwards", [False, True], ids=["fwd", "back"])
def test_masked_sequences_match_keras(impl, cell, go_backwards):
    expected = KERAS[(cell, go_backwards)]
    x, h0, c0 = keras_inputs()
    p = keras_weights(cell)
    h_seq, h_last, c_last, _ = kernel_forward(
        impl, cell, p, x, h0, c0, KERAS_MASK, go_backwards=go_backwards
    )
    np.testing.assert_allclose(h_seq.reshape(-1), expected[0], atol=2e-6, rtol=1e-5)
    np.testing.assert_allclose(h_last.reshape(-1), expected[1], atol=2e-6, rtol=1e-5)
    if cell == "lstm":
        np.testing.assert_allclose(c_last.reshape(-1), expected[2], atol=2e-6, rtol=1e-5)


# ------------------------------------------------------------------ PyTorch


def _torch_setup(cell, F, H, rng):
    torch = pytest.importorskip("torch")
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "simple_rnn": torch.nn.RNN}[cell]
    net = module(F, H, batch_first=True).double()
    with torch.no_grad():
        for w in net.parameters():
            w.copy_(torch.from_numpy(rng.uniform(-0.6, 0.6, tuple(w.shape))))
    return torch, net


def torch_to_keras(cell, net, H):
    """Keras kernels from PyTorch's parameters. LSTM: both use i, f, g(c), o; Keras' kernel is
    weight_ih^T and its single bias b_ih + b_hh. GRU: PyTorch's rows are r, z, n and Keras'
    columns z, r, h; n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) is Keras' reset_after=True
    candidate, with b_in in the input bias row and b_hn in the recurrent row."""
    w_ih = net.weight_ih_l0.detach().numpy()
    w_hh = net.weight_hh_l0.detach().numpy()
    b_ih = net.bias_ih_l0.detach().numpy()
    b_hh = net.bias_hh_l0.detach().numpy()
    if cell == "gru":
        order = np.r_[H : 2 * H, 0:H, 2 * H : 3 * H]  # (r, z, n) rows -> (z, r, h)
        return dict(W=w_ih[order].T, U=w_hh[order].T, b=np.stack([b_ih[order], b_hh[order]]))
    return dict(W=w_ih.T, U=w_hh.T, b=b_ih + b_hh)


def keras_grads_from_torch(cell, net, H):
    """The gradients of torch_to_keras' kernels, from PyTorch's."""
    w_ih = net.weight_ih_l0.grad.numpy()
    w_hh = net.weight_hh_l0.grad.numpy()
    b_ih = net.bias_ih_l0.grad.numpy()
    b_hh = net.bias_hh_l0.grad.numpy()
    if cell == "gru":
        order = np.r_[H : 2 * H, 0:H, 2 * H : 3 * H]
        return dict(W=w_ih[order].T, U=w_hh[order].T, b=np.stack([b_ih[order], b_hh[order]]))
    # Keras' one bias feeds both of PyTorch's: its gradient is either one's.
    return dict(W=w_ih.T, U=w_hh.T, b=b_ih)


@pytest.mark.parametrize("cell", ["lstm", "gru", "simple_rnn"])
@pytest.mark.parametrize("B,T,F,H", [(3, 7, 5, 6), (1, 12, 3, 17), (8, 5, 16, 33)])
def test_against_pytorch(impl, cell, B, T, F, H, rng):
    torch, net = _torch_setup(cell, F, H, rng)
    x = f32(rng.standard_normal((B, T, F))).astype(np.float64)
    h0 = f32(rng.standard_normal((B, H))).astype(np.float64)
    c0 = f32(rng.standard_normal((B, H))).astype(np.float64)
    with torch.no_grad():  # float32-representable weights, so both see the same numbers
        for w in net.parameters():
            w.copy_(w.float().double())
    p = {k: f32(v).astype(np.float64) for k, v in torch_to_keras(cell, net, H).items()}
    tx = torch.from_numpy(x).requires_grad_(True)
    th0 = torch.from_numpy(h0[None]).requires_grad_(True)
    tc0 = torch.from_numpy(c0[None]).requires_grad_(True)
    y, final = net(tx, (th0, tc0) if cell == "lstm" else th0)
    dh_seq, dh_last, dc_last = loss_parts(rng, B, T, H)
    loss = (y * torch.from_numpy(dh_seq)).sum()
    if cell == "lstm":
        loss = loss + (final[0][0] * torch.from_numpy(dh_last)).sum()
        loss = loss + (final[1][0] * torch.from_numpy(dc_last)).sum()
    else:
        loss = loss + (final[0] * torch.from_numpy(dh_last)).sum()
    loss.backward()

    h_seq, h_last, c_last, state = kernel_forward(impl, cell, p, x, h0, c0)
    check(h_seq, y.detach().numpy(), FWD, "h_seq")
    want_last = (final[0] if cell == "lstm" else final)[0].detach().numpy()
    check(h_last, want_last, FWD, "h_last")
    if cell == "lstm":
        check(c_last, final[1][0].detach().numpy(), FWD, "c_last")
    got = kernel_backward(
        impl, cell, p, x, h_seq, state, dh_seq, dh_last, dc_last if cell == "lstm" else None,
        h0, c0,
    )  # fmt: skip
    want = keras_grads_from_torch(cell, net, H)
    want.update(x=tx.grad.numpy(), h0=th0.grad.numpy()[0])
    if cell == "lstm":
        want["c0"] = tc0.grad.numpy()[0]
    if cell == "gru":
        # Keras' input and recurrent bias rows of z and r add up before the sigmoid: PyTorch
        # gives both the same gradient, as Keras does.
        np.testing.assert_allclose(want["b"][0, : 2 * H], want["b"][1, : 2 * H])
    for name, value in want.items():
        check(got[name], value, GRAD, name)


# ------------------------------------------------------------------ bad input


def _lstm_args(B=2, T=3, F=4, H=5):
    return [
        np.zeros((B, T, F), np.float32),
        np.zeros((F, 4 * H), np.float32),
        np.zeros((H, 4 * H), np.float32),
        np.zeros(4 * H, np.float32),
        None,
        None,
    ]


@pytest.mark.parametrize("k", [_C, _C.ref], ids=["opt", "ref"])
@pytest.mark.parametrize(
    "change,error,pattern",
    [
        ({0: np.zeros((2, 0, 4))}, ValueError, r"lstm_forward: x must have at least one time step "
                                               r"\(axis 1 \(time\) must be >= 1\); received shape "
                                               r"\(2, 0, 4\)"),
        ({0: np.zeros((0, 3, 4))}, ValueError, r"axis 0 \(batch\) must be >= 1"),
        ({0: np.zeros((2, 3, 0)), 1: np.zeros((0, 20))}, ValueError, r"axis 2 \(features\)"),
        ({0: np.zeros((2, 3))}, ValueError, r"x must be rank 3 \(batch, time, features\); "
                                            r"received shape \(2, 3\)"),
        ({1: np.zeros((4, 20, 1))}, ValueError, r"kernel must be rank 2"),
        ({0: np.zeros((2, 3, 6))}, ValueError, r"kernel \(4, 20\) expects 4 input features, but x "
                                               r"has 6"),
        ({1: np.zeros((4, 18))}, ValueError, r"kernel must have shape \(input_features, 4 \* "
                                             r"units\) with units >= 1; received shape \(4, 18\)"),
        ({1: np.zeros((4, 0)), 2: np.zeros((0, 0)), 3: None}, ValueError, r"units >= 1"),
        ({2: np.zeros((5, 16))}, ValueError, r"recurrent_kernel must have shape \(5, 20\)"),
        ({3: np.zeros(16)}, ValueError, r"bias must have shape \(20,\)"),
        ({3: np.zeros((2, 20))}, ValueError, r"bias must have shape \(20,\)"),
        ({4: np.zeros((2, 4))}, ValueError, r"h0 must have shape \(2, 5\) \(batch, units\), "
                                            r"received \(2, 4\)"),
        ({5: np.zeros((3, 5))}, ValueError, r"c0 must have shape \(2, 5\)"),
        ({6: np.zeros((2, 4))}, ValueError, r"mask must have shape \(2, 3\) \(batch, time\)"),
        ({6: np.zeros((2, 3, 1))}, ValueError, r"mask must have shape \(2, 3\)"),
        ({7: np.zeros((2, 4))}, ValueError, r"recurrent_mask must have shape \(2, 5\)"),
        ({0: np.zeros((2, 3, 4), complex)}, TypeError, r"x must hold real numbers"),
        ({0: None}, TypeError, r"x must be an array, received None"),
        ({"activation": "softmax"}, ValueError, r"activation must be one of 'tanh', 'sigmoid', "
                                                r"'hard_sigmoid', 'relu', 'linear'; received "
                                                r"'softmax'"),
        ({"recurrent_activation": 3}, ValueError, r"recurrent_activation must be one of"),
    ],
)  # fmt: skip
def test_lstm_forward_rejects(k, change, error, pattern):
    args = _lstm_args() + [None, None]
    kwargs = {}
    for key, value in change.items():
        if isinstance(key, int):
            args[key] = value
        else:
            kwargs[key] = value
    with pytest.raises(error, match=pattern):
        k.lstm_forward(*args, **kwargs)


@pytest.mark.parametrize("k", [_C, _C.ref], ids=["opt", "ref"])
def test_gru_and_simple_rnn_reject(k):
    x = np.zeros((2, 3, 4), np.float32)
    W, U = np.zeros((4, 9), np.float32), np.zeros((3, 9), np.float32)
    cases = [
        (
            lambda: k.gru_forward(x, W, U, np.zeros(9), None),
            r"gru_forward: bias must have shape \(2, 9\) \(input and recurrent rows of 3 \* "
            r"units, reset_after=True\)",
        ),
        (
            lambda: k.gru_forward(x, W, U, np.zeros((2, 9)), None, reset_after=False),
            r"bias must have shape \(9,\) \(3 \* units, reset_after=False\)",
        ),
        (
            lambda: k.gru_forward(x, np.zeros((4, 10)), U, None, None),
            r"gru_forward: kernel must have shape \(input_features, 3 \* units\)",
        ),
        (
            lambda: k.simple_rnn_forward(x, W, U, None, None),
            r"simple_rnn_forward: recurrent_kernel must have shape \(9, 9\)",
        ),
        (
            lambda: k.simple_rnn_forward(np.zeros((2, 0, 4)), W, U, None, None),
            r"simple_rnn_forward: x must have at least one time step",
        ),
    ]
    for call, pattern in cases:
        with pytest.raises(ValueError, match=pattern):
            call()


@pytest.mark.parametrize("k", [_C, _C.ref], ids=["opt", "ref"])
def test_backward_rejects_bad_gradients_and_state(k):
    rng = np.random.default_rng(0)
    B, T, F, H = 2, 3, 4, 5
    p = make_params(rng, "lstm", F, H)
    x = rng.standard_normal((B, T, F))
    h_seq, _, _, state = kernel_forward(k, "lstm", p, x)
    ok = dict(dh_seq=np.ones((B, T, H)), state=state, h_seq=h_seq)

    def call(**change):
        a = {**ok, **change}
        return kernel_backward(k, "lstm", p, x, a["h_seq"], a["state"], a["dh_seq"])

    with pytest.raises(ValueError, match=r"lstm_backward: dh_seq must have shape \(2, 3, 5\)"):
        call(dh_seq=np.ones((B, T, H + 1)))
    with pytest.raises(ValueError, match=r"h_seq must have shape \(2, 3, 5\) \(the forward's"):
        call(h_seq=h_seq[:, :2])
    with pytest.raises(ValueError, match=r"state must hold 2 arrays"):
        call(state=state[:1])
    with pytest.raises(ValueError, match=r"state\[0\] \(gates\) must have shape \(3, 2, 20\)"):
        call(state=(np.zeros((B, T, 4 * H)), state[1]))
    with pytest.raises(ValueError, match=r"state\[1\] \(cells\) must have shape \(3, 2, 5\)"):
        call(state=(state[0], np.zeros((B, T, H))))
    with pytest.raises(TypeError, match=r"state must be the tuple the forward returned"):
        call(state=None)
    with pytest.raises(TypeError, match=r"h_seq must be an array of shape"):
        call(h_seq=None)
    with pytest.raises(ValueError, match=r"dc_last must have shape \(2, 5\)"):
        k.lstm_backward(
            None, None, np.ones((B, H + 1), np.float32), f32(x), f32(p["W"]), f32(p["U"]),
            f32(p["b"]), None, None, None, None, h_seq, state, activation="tanh",
            recurrent_activation="sigmoid", go_backwards=False,
        )  # fmt: skip
    # reset_after=False saves one array; a reset_after=True backward needs two.
    with pytest.raises(ValueError, match=r"gru_backward: state must hold 2 arrays .*received 1"):
        pg = make_params(rng, "gru_v1", F, H)
        hs, _, _, st = kernel_forward(k, "gru_v1", pg, x)
        kernel_backward(k, "gru", {**pg, "b": None}, x, hs, st, np.ones((B, T, H)))


@pytest.mark.parametrize("k", [_C, _C.ref], ids=["opt", "ref"])
def test_overflowing_shapes_raise_before_allocating(k):
    # A (1, 2**40, 1) view costs nothing; its (1, 2**40, 4 * 2**22) projection cannot exist.
    x = np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), (1, 2**40, 1), (4, 0, 4))
    W = np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), (1, 4 * 2**22), (4, 0))
    U = np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), (2**22, 4 * 2**22), (0, 0))
    with pytest.raises((OverflowError, MemoryError, ValueError)):
        k.lstm_forward(x, W, U, None, None, None)


def test_nan_inputs_propagate_without_crashing(impl):
    x = np.full((2, 3, 2), np.nan, np.float32)
    p = make_params(np.random.default_rng(0), "gru", 2, 4)
    h_seq, h_last, _, state = kernel_forward(impl, "gru", p, x)
    assert np.isnan(h_seq).all() and np.isnan(h_last).all()
