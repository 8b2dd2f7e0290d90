"""layers.RNN(cell), the cells and StackedRNNCells beyond the Keras fixtures: RNN(LSTMCell) is
LSTM (weights, outputs, gradients, one kernel call per sequence); a stack equals stepping it
time step by time step (numpy float64 reference and ember's own step-by-step path); the
user-cell path against central finite differences in float64; states, masks, stateful,
configs, the registry, .keras files, Bidirectional, the functional API and bad input.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gradcheck import check_gradients

import ember
from ember import layers

FWD = dict(atol=2e-5, rtol=1e-4)
GRAD = dict(atol=1e-4, rtol=1e-3)
B, T, F = 3, 6, 3


def data(*shape: int, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    return (scale * np.random.default_rng(seed).standard_normal(shape)).astype(np.float32)


MASK = np.array(
    [[1, 1, 0, 1, 0, 1], [0, 0, 1, 1, 1, 0], [0, 0, 0, 0, 0, 0]],
    dtype=bool,
)


@pytest.fixture(autouse=True)
def fresh_session():
    ember.backend.clear_session()


class Minimal(layers.Layer):
    """The Keras guide's minimal cell: h = x W + h_prev U, output h."""

    def __init__(self, units: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units), name="recurrent_kernel"
        )

    def call(self, inputs, states):
        h = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class Leaky(layers.Layer):
    """Two states and an output that is neither: h' = tanh(x W + h U); s' = 0.5 s + h';
    output h' * s' (with a training flag that the layer must pass through)."""

    def __init__(self, units: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.state_size = [units, units]
        self.output_size = units
        self.trainings: list[Any] = []

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units), name="recurrent_kernel"
        )

    def call(self, inputs, states, training=None):
        self.trainings.append(training)
        h, s = states
        h_new = ember.activations.tanh(inputs @ self.kernel + h @ self.recurrent_kernel)
        s_new = 0.5 * s + h_new
        return h_new * s_new, [h_new, s_new]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


# --------------------------------------------------------------------------- float64 reference
def sigmoid(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-v))


def np_step(cell: Any, ws: list[np.ndarray], x: np.ndarray, states: list[np.ndarray]):
    """One step of a built-in (or test) cell in float64: (output, new states)."""
    if isinstance(cell, layers.LSTMCell):
        k, u, b = ws
        h, c = states
        z = x @ k + h @ u + b
        i, f, g, o = np.split(z, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        return h, [h, c]
    if isinstance(cell, layers.GRUCell):
        k, u, b = ws
        (h,) = states
        n = cell.units
        if cell.reset_after:
            mx, mh = x @ k + b[0], h @ u + b[1]
            z = sigmoid(mx[:, :n] + mh[:, :n])
            r = sigmoid(mx[:, n : 2 * n] + mh[:, n : 2 * n])
            hh = np.tanh(mx[:, 2 * n :] + r * mh[:, 2 * n :])
        else:
            mx = x @ k + b
            z = sigmoid(mx[:, :n] + h @ u[:, :n])
            r = sigmoid(mx[:, n : 2 * n] + h @ u[:, n : 2 * n])
            hh = np.tanh(mx[:, 2 * n :] + (r * h) @ u[:, 2 * n :])
        h = z * h + (1 - z) * hh
        return h, [h]
    if isinstance(cell, layers.SimpleRNNCell):
        k, u, b = ws
        h = np.tanh(x @ k + states[0] @ u + b)
        return h, [h]
    if isinstance(cell, Minimal):
        k, u = ws
        h = x @ k + states[0] @ u
        return h, [h]
    if isinstance(cell, Leaky):
        k, u = ws
        h, s = states
        h = np.tanh(x @ k + h @ u)
        s = 0.5 * s + h
        return h * s, [h, s]
    raise AssertionError(cell)


def np_rnn(cells, ws, x, states, mask=None, go_backwards=False, zero_output=False):
    """Keras' loop in float64, stepping the whole stack at each time step:
    (output sequence in processing order, final states per cell)."""
    x = x.astype(np.float64)
    states = [[s.astype(np.float64) for s in group] for group in states]
    order = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    previous, outs = None, []
    for t in order:
        inp, new_states = x[:, t], []
        for cell, w, group in zip(cells, ws, states):
            inp, group = np_step(cell, [a.astype(np.float64) for a in w], inp, group)
            new_states.append(group)
        out = inp
        if previous is None:
            previous = np.zeros_like(out)
        if mask is not None:
            keep = mask[:, t : t + 1]
            out = np.where(keep, out, 0.0 if zero_output else previous)
            new_states = [
                [np.where(keep, n, o) for n, o in zip(ng, og)] for ng, og in zip(new_states, states)
            ]
        states, previous = new_states, out
        outs.append(out)
    return np.stack(outs, 1), states


def zero_states(cells, batch):
    return [[np.zeros((batch, n)) for n in np.atleast_1d(c.state_size)] for c in cells]


# --------------------------------------------------------------------------- RNN(cell) == layer
@pytest.mark.parametrize(
    "layer_cls,cell_cls,kwargs",
    [
        (layers.LSTM, layers.LSTMCell, {}),
        (layers.LSTM, layers.LSTMCell, {"unit_forget_bias": False, "activation": "relu"}),
        (layers.GRU, layers.GRUCell, {}),
        (layers.GRU, layers.GRUCell, {"reset_after": False}),
        (layers.SimpleRNN, layers.SimpleRNNCell, {"use_bias": False}),
    ],
)
@pytest.mark.parametrize(
    "flags",
    [
        {},
        {"return_sequences": True, "return_state": True},
        {"return_sequences": True, "go_backwards": True, "return_state": True},
    ],
)
@pytest.mark.parametrize("masked", [False, True])
def test_rnn_of_a_builtin_cell_is_the_layer(layer_cls, cell_cls, kwargs, flags, masked):
    x_data = data(B, T, F)
    layer = layer_cls(5, **kwargs, **flags)
    rnn = layers.RNN(cell_cls(5, **kwargs), **flags)
    layer(x_data)
    rnn(x_data)
    assert [w.name for w in rnn.weights] == [w.name for w in layer.weights]
    assert [w.shape for w in rnn.weights] == [w.shape for w in layer.weights]
    rnn.set_weights(layer.get_weights())
    assert type(layer.cell) is cell_cls
    results = []
    for lay in (layer, rnn):
        x = ember.tensor(x_data, requires_grad=True)
        out = lay(x, mask=MASK if masked else None)
        outs = out if isinstance(out, list) else [out]
        proj = [data(*o.shape, seed=9 + i) for i, o in enumerate(outs)]
        sum((o * ember.tensor(p)).sum() for o, p in zip(outs, proj)).backward()
        results.append(([o.numpy() for o in outs], x.grad, [w.grad for w in lay.weights]))
    (outs_a, dx_a, dw_a), (outs_b, dx_b, dw_b) = results
    for a, b in zip(outs_a, outs_b, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dx_a, dx_b)
    for a, b in zip(dw_a, dw_b, strict=True):
        np.testing.assert_array_equal(a, b)


def _count_kernel_calls(monkeypatch) -> dict[str, int]:
    calls: dict[str, int] = {}
    for name in (
        "lstm_forward",
        "lstm_backward",
        "gru_forward",
        "gru_backward",
        "simple_rnn_forward",
        "simple_rnn_backward",
    ):
        original = getattr(ember._C, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            calls[_name] = calls.get(_name, 0) + 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(ember._C, name, counted)
    return calls


def test_builtin_cells_run_one_kernel_call_per_sequence(monkeypatch):
    x_data = data(B, 40, F)
    rnn = layers.RNN(layers.LSTMCell(4), return_sequences=True)
    stack = layers.RNN([layers.GRUCell(4), layers.LSTMCell(3), layers.SimpleRNNCell(2)])
    rnn(x_data), stack(x_data)
    calls = _count_kernel_calls(monkeypatch)
    x = ember.tensor(x_data, requires_grad=True)
    rnn(x, mask=np.ones((B, 40), bool)).sum().backward()
    assert calls == {"lstm_forward": 1, "lstm_backward": 1}
    calls.clear()
    stack(x, training=True).sum().backward()
    assert calls == {
        "gru_forward": 1,
        "gru_backward": 1,
        "lstm_forward": 1,
        "lstm_backward": 1,
        "simple_rnn_forward": 1,
        "simple_rnn_backward": 1,
    }


def test_a_user_cell_runs_its_call_once_per_step_and_gets_training():
    cell = Leaky(3)
    rnn = layers.RNN(cell)
    rnn(data(B, T, F), training=True)
    assert cell.trainings == [True] * T
    cell.trainings.clear()
    rnn(data(B, T, F))
    assert cell.trainings == [None] * T


def test_a_subclass_overriding_call_steps_through_its_own_call():
    class Counting(layers.LSTMCell):
        steps = 0

        def call(self, inputs, states, training=None):
            Counting.steps += 1
            return super().call(inputs, states, training=training)

    x = data(B, T, F)
    fused = layers.RNN(layers.LSTMCell(4), return_sequences=True, return_state=True)
    stepped = layers.RNN(Counting(4), return_sequences=True, return_state=True)
    fused(x), stepped(x)
    stepped.set_weights(fused.get_weights())
    Counting.steps = 0
    for a, b in zip(fused(x, mask=MASK), stepped(x, mask=MASK)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), **FWD)
    assert Counting.steps == T


# --------------------------------------------------------------------------- stacks
STACKS = {
    "lstm_gru_simple": lambda: [layers.LSTMCell(4), layers.GRUCell(3), layers.SimpleRNNCell(2)],
    "gru_before_lstm": lambda: [layers.GRUCell(3, reset_after=False), layers.LSTMCell(2)],
    "lstm_minimal_leaky": lambda: [layers.LSTMCell(4), Minimal(3), Leaky(2)],
}


@pytest.mark.parametrize("stack", sorted(STACKS))
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("zero_output", [False, True])
def test_a_stack_equals_stepping_it(stack, go_backwards, zero_output):
    """RNN(StackedRNNCells) runs cell by cell over the sequence; the float64 reference steps
    the whole stack at each time step (Keras' order). Outputs and every state agree."""
    cells = STACKS[stack]()
    rnn = layers.RNN(
        layers.StackedRNNCells(cells),
        return_sequences=True,
        return_state=True,
        go_backwards=go_backwards,
        zero_output_for_mask=zero_output,
    )
    x = data(B, T, F, seed=3)
    rnn(x)
    rng = np.random.default_rng(4)
    rnn.set_weights([(0.5 * rng.standard_normal(w.shape)).astype(np.float32) for w in rnn.weights])
    initial = [
        [data(B, n, seed=20 + 3 * i + j, scale=0.5) for j, n in enumerate(np.atleast_1d(size))]
        for i, size in enumerate(rnn.cell.state_size)
    ]
    ws = [c.get_weights() for c in cells]
    seq, finals = np_rnn(cells, ws, x, initial, MASK, go_backwards, zero_output)
    out, *states = rnn(x, initial_state=initial, mask=MASK)
    np.testing.assert_allclose(out.numpy(), seq, **FWD)
    assert len(states) == len(cells)
    for got, want in zip(states, finals):
        got = got if isinstance(got, list) else [got]
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose(g.numpy(), w, **FWD)


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_a_stack_equals_ember_stepping_it_with_gradients(stack):
    """The same stack through StackedRNNCells.call once per time step (a subclass, so RNN
    cannot take it apart): outputs, states and every gradient agree."""

    class SteppedStack(layers.StackedRNNCells):
        def call(self, inputs, states, training=None):
            return super().call(inputs, states, training=training)

    x_data = data(B, T, F, seed=5)
    fast = layers.RNN(STACKS[stack](), return_sequences=True, return_state=True, go_backwards=True)
    slow = layers.RNN(
        SteppedStack(STACKS[stack]()), return_sequences=True, return_state=True, go_backwards=True
    )
    fast(x_data), slow(x_data)
    slow.set_weights(fast.get_weights())
    results = []
    for rnn in (fast, slow):
        x = ember.tensor(x_data, requires_grad=True)
        outs = [t for t in _flat(rnn(x, mask=MASK))]
        loss = sum(
            (o * ember.tensor(data(*o.shape, seed=30 + i))).sum() for i, o in enumerate(outs)
        )
        loss.backward()
        results.append(([o.numpy() for o in outs], x.grad, [w.grad for w in rnn.weights]))
    (outs_a, dx_a, dw_a), (outs_b, dx_b, dw_b) = results
    for a, b in zip(outs_a, outs_b, strict=True):
        np.testing.assert_allclose(a, b, **FWD)
    np.testing.assert_allclose(dx_a, dx_b, **GRAD)
    for a, b in zip(dw_a, dw_b, strict=True):
        np.testing.assert_allclose(a, b, **GRAD)


def _flat(value: Any) -> list:
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _flat(v)]
    return [value]


def test_stack_state_structure_follows_keras():
    x = data(B, T, F)
    out, lstm_states, gru_states = layers.RNN(
        [layers.LSTMCell(4), layers.GRUCell(3)], return_state=True
    )(x)
    assert [s.shape for s in lstm_states] == [(B, 4), (B, 4)]
    assert isinstance(gru_states, list) and gru_states[0].shape == (B, 3)
    out, lstm_states, minimal_h = layers.RNN([layers.LSTMCell(4), Minimal(2)], return_state=True)(x)
    assert isinstance(minimal_h, ember.Tensor) and minimal_h.shape == (B, 2)
    # Flat initial states are split by the cells' state counts; states come back flat too.
    rnn = layers.RNN([layers.GRUCell(2), layers.GRUCell(3)], return_state=True)
    out, h1, h2 = rnn(x, initial_state=[np.zeros((B, 2)), np.zeros((B, 3))])
    assert isinstance(h1, ember.Tensor) and h2.shape == (B, 3)
    assert rnn.cell.state_size == [2, 3] and rnn.cell.output_size == 3


# --------------------------------------------------------------------------- user cells
def np_user_loss(cell, params, x, states, mask, go_backwards, return_sequences, proj):
    seq, finals = np_rnn([cell], [params], x, [states], mask, go_backwards)
    outs = [seq if return_sequences else seq[:, -1], *finals[0]]
    return sum(float((o * p).sum()) for o, p in zip(outs, proj))


@pytest.mark.parametrize("cell_cls", [Minimal, Leaky])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_user_cell_gradients_match_float64_finite_differences(
    cell_cls, go_backwards, return_sequences
):
    """dL/dx, dL/d(initial states) and dL/dW of RNN(user cell) with a mask, from ember's tape,
    against central differences of the float64 reference (eps 1e-6)."""
    b, t = 2, 5
    mask = np.array([[1, 0, 1, 1, 0], [0, 1, 1, 0, 1]], bool)
    cell = cell_cls(3)
    rnn = layers.RNN(
        cell, return_sequences=return_sequences, return_state=True, go_backwards=go_backwards
    )
    x_data = data(b, t, F, seed=7)
    n_states = len(np.atleast_1d(cell.state_size))
    s_data = [data(b, 3, seed=8 + i, scale=0.5) for i in range(n_states)]
    rnn(x_data)
    rng = np.random.default_rng(11)
    rnn.set_weights([(0.4 * rng.standard_normal(w.shape)).astype(np.float32) for w in rnn.weights])

    x = ember.tensor(x_data, requires_grad=True)
    states = [ember.tensor(s, requires_grad=True) for s in s_data]
    outs = rnn(x, initial_state=states, mask=mask)
    proj = [data(*o.shape, seed=40 + i) for i, o in enumerate(outs)]
    sum((o * ember.tensor(p)).sum() for o, p in zip(outs, proj)).backward()

    params = [w.numpy().astype(np.float64) for w in rnn.weights]
    arrays = [x_data.astype(np.float64), *[s.astype(np.float64) for s in s_data], *params]
    grads = [x.grad, *[s.grad for s in states], *[w.grad for w in rnn.weights]]

    def loss() -> float:
        xs, ss, ps = arrays[0], arrays[1 : 1 + n_states], arrays[1 + n_states :]
        return np_user_loss(cell, ps, xs, ss, mask, go_backwards, return_sequences, proj)

    np.testing.assert_allclose(
        outs[0].numpy(), _reference_output(rnn, arrays, n_states, mask), **FWD
    )
    eps = 1e-6
    for arr, grad in zip(arrays, grads, strict=True):
        numeric = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            keep = arr[idx]
            arr[idx] = keep + eps
            plus = loss()
            arr[idx] = keep - eps
            minus = loss()
            arr[idx] = keep
            numeric[idx] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, **GRAD)


def _reference_output(rnn, arrays, n_states, mask):
    seq, _ = np_rnn(
        [rnn.cell],
        [arrays[1 + n_states :]],
        arrays[0],
        [arrays[1 : 1 + n_states]],
        mask,
        rnn.go_backwards,
    )
    return seq if rnn.return_sequences else seq[:, -1]


def test_user_cell_path_passes_ember_gradcheck():
    rnn = layers.RNN([Leaky(3), layers.GRUCell(2)], return_sequences=True, go_backwards=True)
    x = data(2, 4, F, seed=12)
    rnn(x)
    check_gradients(lambda t: rnn(t, mask=MASK[:2, :4]), [x], params=rnn.trainable_weights)


def test_step_ops_forward_and_gradients():
    ops = ember.ops.recurrent
    x = data(2, 4, 3, seed=13)
    steps = ops.time_steps(ember.tensor(x))
    assert len(steps) == 4 and all(s.data.flags["C_CONTIGUOUS"] for s in steps)
    np.testing.assert_array_equal(ops.stack_steps(list(steps)).numpy(), x)
    keep = np.array([True, False])
    check_gradients(lambda t: ops.stack_steps(list(ops.time_steps(t))[::-1]), [x])
    check_gradients(lambda t: ops.stack_steps(list(ops.time_steps(t))[1:3]), [x])
    check_gradients(lambda a, b: ops.where_rows(keep, a * 2.0, b * b), [x[:, 0], x[:, 1]])
    with pytest.raises(ValueError, match="expected keep of shape"):
        ops.where_rows(np.ones(3, bool), x[:, 0], x[:, 1])
    with pytest.raises(ValueError, match="expected \\(batch, time, ...\\)"):
        ops.time_steps(x[:, 0])


def test_a_plain_object_cell_works():
    class Doubler:
        state_size = 3

        def call(self, inputs, states):
            h = states[0] + inputs
            return h * 2.0, [h]

    x = data(B, T, 3)
    out, h = layers.RNN(Doubler(), return_state=True)(x)
    np.testing.assert_allclose(h.numpy(), x.sum(1), **FWD)
    np.testing.assert_allclose(out.numpy(), 2 * x.sum(1), **FWD)


# --------------------------------------------------------------------------- stateful
def test_stateful_user_cell_and_stack_carry_and_reset():
    x = data(2, 8, F)
    for make in (lambda: Minimal(3), lambda: [layers.LSTMCell(3), Leaky(2)]):
        whole = layers.RNN(make(), return_sequences=True)
        whole(x)
        model = ember.Sequential(
            [
                layers.Input((4, F), batch_size=2),
                layers.RNN(make(), stateful=True, return_sequences=True),
            ]
        )
        model.set_weights(whole.get_weights())
        first = model.predict(x[:, :4], verbose=0, batch_size=2)
        second = model.predict(x[:, 4:], verbose=0, batch_size=2)
        np.testing.assert_allclose(np.concatenate([first, second], 1), whole(x).numpy(), **FWD)
        model.layers[0].reset_states()
        np.testing.assert_allclose(model.predict(x[:, :4], verbose=0, batch_size=2), first, **FWD)


def test_reset_states_with_values_and_batch_mismatch():
    rnn = layers.RNN([layers.GRUCell(2), layers.LSTMCell(3)], stateful=True)
    rnn(data(2, 4, F))
    rnn.reset_states([np.ones((2, 2)), [np.ones((2, 3)), np.zeros((2, 3))]])
    assert [[s.numpy().sum() for s in g] for g in rnn.states] == [[4.0], [6.0, 0.0]]
    with pytest.raises(ValueError, match="reset_states expects 3 array"):
        rnn.reset_states([np.ones((2, 2))])
    with pytest.raises(ValueError, match="Expected batch size: 2"):
        rnn(data(3, 4, F))
    with pytest.raises(AttributeError, match="not stateful"):
        layers.RNN(layers.GRUCell(2)).reset_states()
    with pytest.raises(ValueError, match="batch size must be static"):
        ember.Sequential([layers.Input((4, F)), layers.RNN(Minimal(2), stateful=True)])


# --------------------------------------------------------------------------- dropout
def test_dropout_masks_train_only_one_mask_per_sequence():
    cell = layers.LSTMCell(4, dropout=0.5, recurrent_dropout=0.5, seed=3)
    rnn = layers.RNN(cell)
    x = data(B, T, F)
    infer = rnn(x).numpy()
    np.testing.assert_array_equal(rnn(x, training=False).numpy(), infer)
    assert not np.allclose(rnn(x, training=True).numpy(), infer)
    assert cell._dropout_mask is None and cell._recurrent_dropout_mask is None  # reset
    # On its own, a cell keeps its masks across steps until reset, as Keras.
    h = [np.zeros((B, 4)), np.zeros((B, 4))]
    first = cell(x[:, 0], h, training=True)[0].numpy()
    np.testing.assert_array_equal(cell(x[:, 0], h, training=True)[0].numpy(), first)
    cell.reset_dropout_mask()
    cell.reset_recurrent_dropout_mask()
    assert not np.allclose(cell(x[:, 0], h, training=True)[0].numpy(), first)


# --------------------------------------------------------------------------- layers expose cells
def test_layers_expose_their_cell_and_keras_config_keys():
    lstm = layers.LSTM(4, dropout=0.25, seed=5)
    assert isinstance(lstm.cell, layers.LSTMCell) and lstm.cell.name == "lstm_cell"
    assert (
        layers.GRU(2).cell.name == "gru_cell" and layers.SimpleRNN(2).cell.name == "simple_rnn_cell"
    )
    assert isinstance(lstm, layers.RNN)
    assert (lstm.units, lstm.dropout, lstm.seed, lstm.unit_forget_bias) == (4, 0.25, 5, True)
    keras_lstm_keys = {  # keras.layers.LSTM(3).get_config() in Keras 3.15
        "name", "trainable", "dtype", "return_sequences", "return_state", "go_backwards",
        "stateful", "unroll", "zero_output_for_mask", "units", "activation",
        "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
        "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
        "bias_regularizer", "activity_regularizer", "kernel_constraint", "recurrent_constraint",
        "bias_constraint", "dropout", "recurrent_dropout", "seed",
    }  # fmt: skip
    assert set(lstm.get_config()) == keras_lstm_keys
    again = layers.LSTM.from_config(lstm.get_config())
    assert again.get_config() == lstm.get_config()
    assert (
        layers.GRU.from_config(layers.GRU(3, reset_after=False).get_config()).reset_after is False
    )


KERAS_ARGUMENTS = {  # the positional order of __init__ in Keras 3.15 (after self)
    "SimpleRNNCell": "units activation use_bias kernel_initializer recurrent_initializer "
    "bias_initializer kernel_regularizer recurrent_regularizer bias_regularizer "
    "kernel_constraint recurrent_constraint bias_constraint dropout recurrent_dropout seed",
    "LSTMCell": "units activation recurrent_activation use_bias kernel_initializer "
    "recurrent_initializer bias_initializer unit_forget_bias kernel_regularizer "
    "recurrent_regularizer bias_regularizer kernel_constraint recurrent_constraint "
    "bias_constraint dropout recurrent_dropout seed",
    "GRUCell": "units activation recurrent_activation use_bias kernel_initializer "
    "recurrent_initializer bias_initializer kernel_regularizer recurrent_regularizer "
    "bias_regularizer kernel_constraint recurrent_constraint bias_constraint dropout "
    "recurrent_dropout reset_after seed",
    "SimpleRNN": "units activation use_bias kernel_initializer recurrent_initializer "
    "bias_initializer kernel_regularizer recurrent_regularizer bias_regularizer "
    "activity_regularizer kernel_constraint recurrent_constraint bias_constraint dropout "
    "recurrent_dropout return_sequences return_state go_backwards stateful unroll seed",
    "LSTM": "units activation recurrent_activation use_bias kernel_initializer "
    "recurrent_initializer bias_initializer unit_forget_bias kernel_regularizer "
    "recurrent_regularizer bias_regularizer activity_regularizer kernel_constraint "
    "recurrent_constraint bias_constraint dropout recurrent_dropout seed return_sequences "
    "return_state go_backwards stateful unroll",
    "GRU": "units activation recurrent_activation use_bias kernel_initializer "
    "recurrent_initializer bias_initializer kernel_regularizer recurrent_regularizer "
    "bias_regularizer activity_regularizer kernel_constraint recurrent_constraint "
    "bias_constraint dropout recurrent_dropout seed return_sequences return_state "
    "go_backwards stateful unroll reset_after",
    "RNN": "cell return_sequences return_state go_backwards stateful unroll zero_output_for_mask",
    "StackedRNNCells": "cells",
}


@pytest.mark.parametrize("name", sorted(KERAS_ARGUMENTS))
def test_constructor_arguments_in_keras_order(name):
    import inspect

    params = inspect.signature(getattr(layers, name).__init__).parameters
    positional = [
        p.name
        for p in params.values()
        if p.name != "self" and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]
    assert positional == KERAS_ARGUMENTS[name].split()


def test_cells_build_and_config_round_trip():
    for cell in (
        layers.LSTMCell(3, unit_forget_bias=False, recurrent_activation="hard_sigmoid"),
        layers.GRUCell(3, reset_after=False, use_bias=False),
        layers.SimpleRNNCell(3, activation="relu", dropout=0.1, seed=2),
    ):
        again = type(cell).from_config(cell.get_config())
        assert again.get_config() == cell.get_config()
    cell = layers.LSTMCell(2)
    cell(np.zeros((1, 3)), cell.get_initial_state(1))
    np.testing.assert_array_equal(cell.bias.numpy(), [0, 0, 1, 1, 0, 0, 0, 0])
    stack = layers.StackedRNNCells([layers.LSTMCell(2), layers.GRUCell(3)])
    again = layers.StackedRNNCells.from_config(stack.get_config())
    assert again.state_size == [[2, 2], 3] and again.get_config() == stack.get_config()


# --------------------------------------------------------------------------- saving
def test_custom_cells_reload_through_the_registry_custom_objects_and_scope(tmp_path):
    config = layers.serialize(layers.RNN([Minimal(3), layers.GRUCell(2)], return_sequences=True))
    with pytest.raises(ValueError, match="Minimal"):
        layers.deserialize(config)
    rebuilt = layers.deserialize(config, custom_objects={"Minimal": Minimal})
    assert [type(c) for c in rebuilt.cell.cells] == [Minimal, layers.GRUCell]
    with ember.saving.custom_object_scope({"Minimal": Minimal}):
        assert type(layers.deserialize(config).cell.cells[0]) is Minimal

    registered = ember.saving.register_keras_serializable(package="rnn_cell_tests")(
        type("RegisteredMinimal", (Minimal,), {})
    )
    try:
        config = layers.serialize(layers.RNN(registered(2)))
        assert config["config"]["cell"]["registered_name"] == "rnn_cell_tests>RegisteredMinimal"
        assert type(layers.deserialize(config).cell) is registered
    finally:
        ember.saving.get_custom_objects().pop("rnn_cell_tests>RegisteredMinimal", None)


def test_models_with_rnn_cells_save_and_load_as_keras_files(tmp_path):
    inputs = layers.Input((T, F))
    h = layers.RNN(layers.LSTMCell(4), return_sequences=True)(inputs)
    h = layers.Bidirectional(layers.RNN([Minimal(3), layers.GRUCell(2)], return_sequences=True))(h)
    out = layers.RNN(Leaky(2))(h)
    model = ember.Model(inputs, layers.Dense(1)(out))
    x = data(B, T, F)
    before = model.predict(x, verbose=0)
    model.save(tmp_path / "cells.keras")
    objects = {"Minimal": Minimal, "Leaky": Leaky}
    loaded = ember.models.load_model(tmp_path / "cells.keras", custom_objects=objects)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), before, rtol=1e-6)


# --------------------------------------------------------------------------- wrappers and graphs
def test_bidirectional_over_rnn_cells_equals_over_the_layer():
    x = data(B, T, F)
    a = layers.Bidirectional(layers.LSTM(3, return_sequences=True))
    b = layers.Bidirectional(layers.RNN(layers.LSTMCell(3), return_sequences=True))
    a(x), b(x)
    b.set_weights(a.get_weights())
    np.testing.assert_array_equal(a(x, mask=MASK).numpy(), b(x, mask=MASK).numpy())
    c = layers.Bidirectional(layers.RNN(Leaky(2), return_state=True), merge_mode="sum")
    merged, *states = c(x, mask=MASK)
    assert merged.shape == (B, 2) and len(states) == 4
    assert type(c.backward_layer.cell) is Leaky and c.backward_layer.go_backwards


def test_functional_model_with_stacked_states_and_initial_state():
    inputs = layers.Input((T, F))
    h0, c0, g0 = layers.Input((4,)), layers.Input((4,)), layers.Input((3,))
    rnn = layers.RNN([layers.LSTMCell(4), layers.GRUCell(3)], return_state=True)
    out, (h, c), [g] = rnn(inputs, initial_state=[[h0, c0], [g0]])
    model = ember.Model([inputs, h0, c0, g0], [out, h, c, g])
    assert [t.shape for t in model.outputs] == [(None, 3), (None, 4), (None, 4), (None, 3)]
    x, hv, cv, gv = data(B, T, F), data(B, 4, seed=1), data(B, 4, seed=2), data(B, 3, seed=3)
    got = model.predict([x, hv, cv, gv], verbose=0)
    want = rnn(x, initial_state=[[hv, cv], [gv]])
    for a, b in zip(got, _flat(want)):
        np.testing.assert_allclose(a, b.numpy(), **FWD)


def test_rnn_of_a_user_cell_trains_in_a_sequential_model():
    ember.utils.set_random_seed(0)
    model = ember.Sequential([layers.Input((T, F)), layers.RNN(Leaky(4)), layers.Dense(1)])
    model.compile(optimizer=ember.optimizers.Adam(0.01), loss="mse")
    x, y = data(16, T, F), data(16, 1, seed=1)
    losses = model.fit(x, y, epochs=5, batch_size=8, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


# --------------------------------------------------------------------------- bad input
def test_bad_cells_and_inputs_name_what_is_wrong():
    with pytest.raises(ValueError, match="should have a `call` method"):
        layers.RNN(object())
    with pytest.raises(ValueError, match="`state_size` attribute"):
        layers.RNN(layers.Dense(2))
    with pytest.raises(ValueError, match="All cells must have a `state_size`"):
        layers.StackedRNNCells([layers.LSTMCell(2), layers.Dense(2)])
    with pytest.raises(ValueError, match="non-empty list"):
        layers.StackedRNNCells([])
    with pytest.raises(ValueError, match="positive integer, got 0"):
        layers.LSTMCell(0)
    with pytest.raises(ValueError, match="`dropout` must be in"):
        layers.GRUCell(2, dropout=1.5)
    with pytest.raises(NotImplementedError, match="softmax"):
        layers.SimpleRNNCell(2, activation="softmax")
    # Regularizers are accepted (tests/test_regularizers_constraints_losses.py checks them).
    with pytest.raises(ValueError, match="kernel_regularizer|regularizer"):
        layers.LSTMCell(2, kernel_regularizer="no_such_regularizer")
    rnn = layers.RNN(layers.LSTMCell(3))
    with pytest.raises(ValueError, match="expected ndim=3"):
        rnn(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="0 time steps"):
        rnn(np.zeros((2, 0, 3), np.float32))
    rnn(data(2, 4, 3))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        rnn(data(2, 4, 5))
    with pytest.raises(ValueError, match=r"initial state must have shape \(2, 3\)"):
        rnn(data(2, 4, 3), initial_state=[np.zeros((2, 4)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="expects 2 initial state"):
        rnn(data(2, 4, 3), initial_state=[np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, time\) = \(2, 4\)"):
        rnn(data(2, 4, 3), mask=np.ones((2, 5), bool))
    with pytest.raises(ValueError, match="expected 4 initial state tensors"):
        layers.RNN([layers.LSTMCell(2), layers.LSTMCell(2)])(
            data(2, 4, 3), initial_state=[np.zeros((2, 2))] * 3
        )
    with pytest.raises(NotImplementedError, match="nested inputs"):
        layers.RNN(Minimal(2))((data(2, 4, 3), data(2, 4, 3)))
    cell = layers.LSTMCell(3)
    with pytest.raises(ValueError, match="expects 2 state"):
        cell(data(2, 3), [np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"each state must have shape \(2, 3\)"):
        cell(data(2, 3), [np.zeros((2, 3)), np.zeros((2, 4))])
    with pytest.raises(ValueError, match=r"expected inputs of shape \(batch, features\)"):
        cell(data(2, 4, 3), [np.zeros((2, 3))] * 2)
    with pytest.raises(NotImplementedError, match="wrap it in layers.RNN"):
        cell(layers.Input((3,)), [layers.Input((3,)), layers.Input((3,))])
