"""Callbacks and model.summary() against real Keras 3 (fixtures written by
tests/fixtures/make_keras_api_fixtures.py and make_keras_callback_fixtures.py):

* the hooks fit / evaluate / predict call, in order, with their logs' keys, and the params;
* every built-in callback replayed through the same script of hook calls Keras was given,
  comparing what it prints, warns, raises, stops, sets and saves after every step;
* callbacks inside real fit runs (EarlyStopping, ModelCheckpoint(save_freq=N), CSVLogger,
  LearningRateScheduler, BackupAndRestore resuming an interrupted fit);
* RemoteMonitor's HTTP requests;
* summary texts, character for character.
"""

from __future__ import annotations

import contextlib
import csv
import http.server
import inspect
import io
import json
import os
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

import ember
from ember import callbacks, layers

FIXTURES = Path(__file__).parent / "fixtures"
KC = FIXTURES / "keras_callbacks"
HOOKS = [
    "on_train_begin",
    "on_train_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_begin",
    "on_test_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_begin",
    "on_predict_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
]


def load(name: str) -> dict:
    return json.loads((KC / name).read_text())


# ---------------------------------------------------------------------- hook sequences
def _recorder(hook: str):
    def record(self, *args, **kwargs):
        index = args[0] if args and isinstance(args[0], int) else None
        rest = args[1:] if index is not None else args
        logs = kwargs.get("logs", rest[0] if rest else None)
        keys = None if logs is None else sorted(logs.keys())
        self.calls.append([hook, index, type(logs).__name__, keys])
        if hook in ("on_train_begin", "on_test_begin", "on_predict_begin"):
            self.params_seen.append([hook, dict(self.params or {})])
        if hook == "on_train_batch_end" and self.stop_at == (self.epoch_now, index):
            self.model.stop_training = True
        if hook == "on_epoch_begin":
            self.epoch_now = index

    record.__name__ = hook
    return record


class Probe(callbacks.Callback):
    def __init__(self, stop_at=None) -> None:
        super().__init__()
        self.calls: list[list] = []
        self.params_seen: list[list] = []
        self.stop_at = stop_at
        self.epoch_now = None


for _hook in HOOKS:
    setattr(Probe, _hook, _recorder(_hook))


class OldNames(callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list] = []

    def on_batch_begin(self, batch, logs=None):
        self.calls.append(["on_batch_begin", batch, sorted(logs or {})])

    def on_batch_end(self, batch, logs=None):
        self.calls.append(["on_batch_end", batch, sorted(logs or {})])


def hook_data():
    rng = np.random.default_rng(0)
    x = rng.random((10, 4)).astype("float32")
    y = rng.integers(0, 3, 10)

    def model() -> ember.Model:
        m = ember.Sequential([ember.Input((4,)), layers.Dense(3, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return m

    return x, y, x[:6], y[:6], model


def test_hooks_of_fit_evaluate_predict_match_keras():
    """tests/fixtures/keras_api/callbacks.json: the scenario of make_keras_api_fixtures.py."""
    want = json.loads((FIXTURES / "keras_api" / "callbacks.json").read_text())["runs"]
    x, y, xv, yv, model = hook_data()
    m = model()
    got = {}
    p = Probe()
    m.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[p])
    got["fit"] = p.calls
    p = Probe()
    m.fit(x, y, batch_size=4, epochs=2, verbose=0, validation_data=(xv, yv), callbacks=[p])
    got["fit_validation_data"] = p.calls
    p = Probe()
    m.fit(x, y, batch_size=4, epochs=1, verbose=0, validation_split=0.4, callbacks=[p])
    got["fit_validation_split"] = p.calls
    p = Probe()
    m.evaluate(x, y, batch_size=4, verbose=0, callbacks=[p])
    got["evaluate"] = p.calls
    p = Probe()
    m.predict(x, batch_size=4, verbose=0, callbacks=[p])
    got["predict"] = p.calls
    assert set(got) == set(want)
    for name in want:
        assert got[name] == want[name], name


def test_more_hook_sequences_and_params_match_keras():
    want = load("hooks.json")
    x, y, xv, yv, model = hook_data()
    m = model()
    runs, params = {}, {}
    p = Probe()
    m.fit(
        x,
        y,
        batch_size=4,
        epochs=4,
        verbose=0,
        validation_data=(xv, yv),
        validation_freq=2,
        callbacks=[p],
    )
    runs["fit_validation_freq2"] = p.calls
    p = Probe(stop_at=(0, 1))
    m.fit(x, y, batch_size=4, epochs=3, verbose=0, callbacks=[p])
    runs["fit_stop_in_batch"] = p.calls
    p = Probe()
    m.fit(x, y, batch_size=4, epochs=3, initial_epoch=1, verbose=0, callbacks=[p])
    runs["fit_initial_epoch"] = p.calls
    p = Probe()
    hooks = callbacks.CallbackList([p], add_history=True, model=m, verbose=0, epochs=2, steps=3)
    m.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=hooks)
    runs["fit_given_callback_list"] = p.calls
    params["fit_given_callback_list"] = p.params_seen
    old = OldNames()
    m.fit(x, y, batch_size=4, epochs=1, verbose=0, validation_data=(xv, yv), callbacks=[old])
    m.evaluate(x, y, batch_size=4, verbose=0, callbacks=[old])
    runs["keras2_on_batch_names"] = old.calls
    with contextlib.redirect_stdout(io.StringIO()):
        for label, kwargs in (
            ("fit_verbose_0", {"verbose": 0}),
            ("fit_verbose_auto", {}),
            ("fit_verbose_2", {"verbose": 2}),
            ("fit_validation", {"verbose": 0, "validation_data": (xv, yv)}),
        ):
            p = Probe()
            m.fit(x, y, batch_size=4, epochs=2, callbacks=[p], **kwargs)
            params[label] = p.params_seen
        p = Probe()
        m.evaluate(x, y, batch_size=4, verbose=0, callbacks=[p])
        params["evaluate_verbose_0"] = p.params_seen
        p = Probe()
        m.evaluate(x, y, verbose=0, callbacks=[p])
        params["evaluate_default_batch"] = p.params_seen
        p = Probe()
        m.predict(x, batch_size=3, verbose=0, callbacks=[p])
        params["predict_verbose_0"] = p.params_seen
    for name, calls in want["runs"].items():
        assert runs[name] == calls, name
    for name, seen in want["params"].items():
        assert params[name] == seen, name

    sched = callbacks.LearningRateScheduler(lambda epoch, lr: lr)
    history = m.fit(
        x, y, batch_size=4, epochs=1, verbose=0, validation_data=(xv, yv), callbacks=[sched]
    )
    orders = want["orders"]
    assert list(history.history) == orders["history_keys"]
    assert history.params == orders["history_params"]
    assert (m.history is history) == orders["model_history_is_returned"]
    assert (
        list(m.evaluate(x, y, verbose=0, return_dict=True)) == orders["evaluate_return_dict_keys"]
    )
    assert callbacks.Callback().params == orders["base_callback"]["params"]


def test_callback_list_used_directly_matches_keras():
    want = load("hooks.json")["callback_list"]
    _, _, _, _, model = hook_data()
    m = model()
    p = Probe()
    hooks = callbacks.CallbackList(
        [p], add_history=True, add_progbar=True, model=m, verbose=1, epochs=3, steps=5
    )
    assert [type(c).__name__ for c in hooks.callbacks] == want["classes"]
    assert hooks.params == want["params"] and p.params == want["probe_params"]
    assert (m.history is hooks.callbacks[1]) == want["model_history_is_list_history"]
    assert p.model is m and hooks.model is m
    seen = []

    class Spy(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(
                {
                    k: [type(v).__name__, v.tolist() if hasattr(v, "tolist") else v]
                    for k, v in logs.items()
                }
            )

        def on_predict_batch_end(self, batch, logs=None):
            seen.append({k: [type(v).__name__, np.asarray(v).tolist()] for k, v in logs.items()})

    spy_list = callbacks.CallbackList([Spy()])
    spy_list.on_epoch_end(
        0,
        {
            "b": np.float32(1.5),
            "a": np.float64(2.25),
            "n": {"x": 1},
            "s": "text",
            "arr": np.array([1.0, 2.0]),
            "one": np.array([3.0]),
        },
    )
    spy_list.on_epoch_end(1, None)
    spy_list.on_predict_batch_end(0, {"outputs": np.array([[0.25, 0.75]])})
    assert seen == want["pythonified"]
    assert [list(d) for d in seen] == [list(d) for d in want["pythonified"]]  # key order
    empty = callbacks.CallbackList()
    assert {"callbacks": empty.callbacks, "params": empty.params} == want["empty"]
    with pytest.raises(ValueError) as err:
        callbacks.CallbackList([]).on_train_end()
    assert str(err.value) == want["end_without_begin"]
    with pytest.raises(TypeError, match="callbacks.*Callback.*int"):
        callbacks.CallbackList([3])
    with pytest.raises(TypeError, match="callbacks.*Callback"):
        ember.Sequential([layers.Dense(1, input_shape=(2,))]).predict(
            np.ones((2, 2)), verbose=0, callbacks=["stop"]
        )


# ---------------------------------------------------------------------- scripted callbacks
SCHEDULES = {
    "halve": lambda epoch, lr: lr * 0.5,
    "inverse_epoch": lambda epoch: 0.1 / (epoch + 1),
    "as_int": lambda epoch, lr: 1,
    "as_float32": lambda epoch, lr: np.float32(0.125),
}


def printer(hook: str):
    def show(*args, **kwargs):
        print(hook, list(args), sorted(kwargs), {k: v for k, v in sorted(kwargs.items())})

    return show


def make_callback(spec: dict):
    kwargs = dict(spec.get("kwargs", {}))
    if "schedule" in kwargs:
        kwargs["schedule"] = SCHEDULES[kwargs["schedule"]]
    if spec["callback"] == "LambdaCallback":
        kwargs = {h: printer(h) for h in HOOKS}
    return getattr(callbacks, spec["callback"])(**kwargs)


def script_model() -> ember.Model:
    m = ember.Sequential(
        [ember.Input((3,)), layers.Dense(2, activation="softmax", name="d")], name="script"
    )
    m.compile(
        optimizer=ember.optimizers.SGD(learning_rate=0.1),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    m.evaluate(np.zeros((2, 3), "float32"), np.zeros(2), verbose=0)  # builds the metrics
    return m


def _files() -> list[str]:
    out = []
    for root, _, files in os.walk("."):
        for f in files:
            out.append(os.path.relpath(os.path.join(root, f), ".").replace(os.sep, "/"))
    return sorted(out)


def _captured(fn):
    out = io.StringIO()
    err = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with contextlib.redirect_stdout(out):
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - compared with Keras'
                err = [type(e).__name__, str(e).replace("ember isn't", "Keras isn't")]
    return out.getvalue(), [str(w.message) for w in caught if w.category is UserWarning], err


def _jsonable(v):
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    return v


def run_script(spec: dict) -> list[dict]:
    """The generator's run_script, with ember."""
    ember.backend.clear_session()
    m = script_model()
    m.set_weights([np.full(w.shape, -1.0, "float32") for w in m.get_weights()])
    seen: list = []

    class Spy(callbacks.Callback):
        pass

    for hook in HOOKS:

        def spy_hook(*args, **kwargs):
            logs = kwargs.get("logs", args[-1] if args else None)
            seen.append({k: _jsonable(v) for k, v in (logs or {}).items()})

        setattr(Spy, hook, spy_hook)

    records = []
    made: list = []
    out, warns, err = _captured(lambda: made.append(make_callback(spec)))
    records.append({"out": out, "warn": warns, "err": err})
    if not made:
        return records
    hooks = callbacks.CallbackList([made[0], Spy()], model=m, **spec["params"])
    for event in spec["events"]:
        seen.clear()
        op = event[0]

        def step(event=event, op=op):
            if op == "set_weights":
                m.set_weights([np.full(w.shape, event[1], "float32") for w in m.get_weights()])
            elif op == "mkdir":
                os.makedirs(event[1], exist_ok=True)
            elif op in ("attrs", "read"):
                pass
            elif event[1] is None:
                getattr(hooks, op)(event[2])
            else:
                getattr(hooks, op)(event[1], event[2])

        out, warns, err = _captured(step)
        rec = {
            "out": out,
            "warn": warns,
            "err": err,
            "stop": bool(m.stop_training),
            "lr": float(np.float32(m.optimizer.learning_rate)),
            "w": float(m.get_weights()[0].flat[0]),
            "files": _files(),
            "seen": list(seen),
        }
        if op == "attrs":
            rec["attrs"] = {a: _jsonable(getattr(made[0], a, None)) for a in event[1]}
        if op == "read":
            with open(event[1], newline="", encoding="utf-8") as f:
                rec["text"] = f.read()
        records.append(rec)
    return records


SCRIPTS = {s["name"]: s for s in load("scripted.json")["scripts"]}


def _same(got, want) -> bool:
    """Equality where NaN equals NaN (the logs of TerminateOnNaN)."""
    if isinstance(want, float) and isinstance(got, float):
        return got == want or (np.isnan(got) and np.isnan(want))
    if isinstance(want, dict) and isinstance(got, dict):
        return list(got) == list(want) and all(_same(got[k], want[k]) for k in want)
    if isinstance(want, list) and isinstance(got, list):
        return len(got) == len(want) and all(_same(g, w) for g, w in zip(got, want))
    return got == want


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_builtin_callback_replays_keras_script(name, tmp_path, monkeypatch):
    spec = SCRIPTS[name]
    monkeypatch.chdir(tmp_path)
    got = run_script(spec)
    want = spec["records"]
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        event = (["construct"] + spec["events"])[i]
        for key in w:
            assert _same(g[key], w[key]), (
                f"{name}, step {i} {event}: {key}: {g[key]!r} != {w[key]!r}"
            )


def test_checkpoint_best_only_every_n_batches_before_any_epoch_end(tmp_path, monkeypatch):
    """Keras 3.15 crashes here ('NoneType' object is not callable: the comparison is set up at
    the first epoch end); ember decides the direction at the first save."""
    monkeypatch.chdir(tmp_path)
    m = script_model()
    cb = callbacks.ModelCheckpoint(
        "b{batch}.keras", save_freq=1, save_best_only=True, monitor="loss"
    )
    hooks = callbacks.CallbackList([cb], model=m)
    hooks.on_train_begin()
    hooks.on_epoch_begin(0)
    for batch, loss in enumerate([1.0, 0.9, 0.95, 0.8]):
        hooks.on_train_batch_end(batch, {"loss": loss})
    assert _files() == ["b1.keras", "b2.keras", "b4.keras"]


# ---------------------------------------------------------------------- real fit runs
E2E = load("e2e.json")
TOL = {"atol": 2e-5, "rtol": 2e-4}


def e2e_model(weights, lr=0.05) -> ember.Model:
    m = ember.Sequential(
        [
            ember.Input((4,)),
            layers.Dense(5, activation="relu", name="h"),
            layers.Dense(3, activation="softmax", name="o"),
        ],
        name="e2e",
    )
    m.set_weights([np.asarray(w, "float32") for w in weights])
    m.compile(
        optimizer=ember.optimizers.Adam(learning_rate=lr),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return m


def _xy():
    return np.asarray(E2E["x"], "float32"), np.asarray(E2E["y"])


FIT = {"batch_size": 8, "shuffle": False, "verbose": 0}


def _close_weights(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w, "float32"), **TOL)


def _close_history(got, want):
    assert list(got) == list(want)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], **TOL, err_msg=key)


def test_early_stopping_in_fit_matches_keras():
    want = E2E["early_stopping"]
    x, y = _xy()
    m = e2e_model(E2E["w0"])
    epoch0: dict = {}

    class Keep(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                epoch0["w"] = self.model.get_weights()

    stop = callbacks.EarlyStopping(
        monitor="loss", min_delta=10.0, verbose=1, restore_best_weights=True
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        h = m.fit(x, y, epochs=5, callbacks=[Keep(), stop], **FIT)
    assert h.epoch == want["epoch"] and out.getvalue() == want["stdout"]
    _close_history(h.history, want["history"])
    _close_weights(m.get_weights(), want["final_weights"])
    for a, b in zip(m.get_weights(), epoch0["w"]):
        np.testing.assert_array_equal(a, b)


def test_checkpoint_every_n_batches_scheduler_and_csv_in_fit_match_keras(tmp_path, monkeypatch):
    want = E2E["checkpoint_schedule_csv"]
    monkeypatch.chdir(tmp_path)
    x, y = _xy()
    m = e2e_model(E2E["w0"])
    cbs = [
        callbacks.ModelCheckpoint("ck/e{epoch}-b{batch}.keras", save_freq=2),
        callbacks.ModelCheckpoint("w/{epoch:02d}.weights.h5", save_weights_only=True),
        callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5),
        callbacks.CSVLogger("log.csv"),
    ]
    h = m.fit(x, y, epochs=3, validation_split=0.25, callbacks=cbs, **FIT)
    assert _files() == want["files"]
    _close_history(h.history, want["history"])
    assert h.history["learning_rate"] == want["history"]["learning_rate"]  # float32 values
    got_rows = list(csv.reader(open("log.csv", newline="", encoding="utf-8")))
    want_rows = list(csv.reader(io.StringIO(want["csv"], newline="")))
    assert got_rows[0] == want_rows[0] and len(got_rows) == len(want_rows)
    np.testing.assert_allclose(
        np.asarray(got_rows[1:], float), np.asarray(want_rows[1:], float), **TOL
    )
    assert open("log.csv", newline="").read().count("\r\n") == len(want_rows)
    assert ember.models.load_model("ck/e3-b2.keras").optimizer.iterations == 8  # 3 + 3 + 2
    restored = e2e_model(E2E["w0"])
    restored.load_weights("w/03.weights.h5")  # the end of the last epoch
    for a, b in zip(restored.get_weights(), m.get_weights()):
        np.testing.assert_array_equal(a, b)


class Interrupt(callbacks.Callback):
    def __init__(self, epoch=None, batch=None):
        super().__init__()
        self.epoch, self.batch, self.now = epoch, batch, None

    def on_epoch_begin(self, epoch, logs=None):
        self.now = epoch
        if epoch == self.epoch and self.batch is None:
            raise RuntimeError("interrupted")

    def on_train_batch_begin(self, batch, logs=None):
        if self.now == self.epoch and batch == self.batch:
            raise RuntimeError("interrupted")


@pytest.mark.parametrize(
    "label, save_freq, stop",
    [("backup_epoch", "epoch", (2, None)), ("backup_batches", 2, (2, 1))],
)
def test_backup_and_restore_resumes_an_interrupted_fit_as_keras(
    label, save_freq, stop, tmp_path, monkeypatch
):
    want = E2E[label]
    monkeypatch.chdir(tmp_path)
    x, y = _xy()
    m = e2e_model(E2E["w0"])
    full = m.fit(x, y, epochs=4, **FIT)
    _close_history(full.history, want["full_history"])
    uninterrupted = m.get_weights()
    m = e2e_model(E2E["w0"])
    with pytest.raises(RuntimeError, match="interrupted"):
        m.fit(
            x,
            y,
            epochs=4,
            callbacks=[callbacks.BackupAndRestore("backup", save_freq=save_freq), Interrupt(*stop)],
            **FIT,
        )
    files = _files()
    # Keras' two files, and ember's optimizer state (Keras keeps it in the weights file).
    assert set(want["files_after_interrupt"]) <= set(files)
    assert set(files) - set(want["files_after_interrupt"]) == {"backup/latest.optimizer.npz"}
    assert json.loads(Path("backup/training_metadata.json").read_text()) == want["metadata"]
    m = e2e_model(E2E["w0"])
    resumed = m.fit(
        x, y, epochs=4, callbacks=[callbacks.BackupAndRestore("backup", save_freq=save_freq)], **FIT
    )
    assert resumed.epoch == want["resumed_epochs"]
    _close_history(resumed.history, want["resumed_history"])
    _close_weights(m.get_weights(), want["resumed_weights"])
    assert _files() == want["files_after_resume"]
    if save_freq == "epoch":  # resumed at an epoch boundary: exactly the uninterrupted run
        for a, b in zip(m.get_weights(), uninterrupted):
            np.testing.assert_array_equal(a, b)
    # The resumed start does not leak into a later fit (Keras keeps it on the model).
    assert m.fit(x, y, epochs=2, **FIT).epoch == [0, 1]


# ---------------------------------------------------------------------- RemoteMonitor
def test_remote_monitor_sends_keras_requests():
    want = load("remote_monitor.json")
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(
                {
                    "path": self.path,
                    "content_type": self.headers["Content-Type"],
                    "x_token": self.headers.get("X-Token"),
                    "body": body.decode("utf-8"),
                }
            )
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        root = f"http://127.0.0.1:{server.server_port}"
        for _, kwargs, _ in want["cases"]:
            callbacks.RemoteMonitor(root=root, **kwargs).on_epoch_end(
                3, {"loss": 0.5, "accuracy": np.float32(0.25)}
            )
    finally:
        server.shutdown()
    assert received == [req for _, _, req in want["cases"]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        callbacks.RemoteMonitor(root="http://127.0.0.1:9").on_epoch_end(0, {"loss": 1.0})
    assert [str(w.message) for w in caught] == want["unreachable_warnings"]


# ---------------------------------------------------------------------- summaries
def summary_models() -> dict:
    """The models of make_keras_callback_fixtures.summary_models, built with ember."""
    L = layers

    def unbuilt():
        return ember.Sequential([L.Dense(4, name="d1"), L.Dense(2, name="d2")], name="unbuilt")

    def frozen():
        m = ember.Sequential(
            [
                ember.Input((3,)),
                L.Dense(4, name="d1"),
                L.Dropout(0.1, name="drop"),
                L.Dense(2, name="d2"),
            ],
            name="frozen",
        )
        m.get_layer("d1").trainable = False
        return m

    def inner_sequential(n):
        return ember.Sequential(
            [ember.Input((n,)), L.Dense(4, name="i1"), L.Dense(5, name="i2")], name="inner"
        )

    def nested_sequential():
        return ember.Sequential([inner_sequential(3), L.Dense(2, name="head")], name="outer")

    def nested_in_functional_chain():
        inner = inner_sequential(3)
        i = ember.Input((3,), name="x")
        return ember.Model(i, L.Dense(1, name="out")(inner(i)), name="chain")

    def nested_in_graph():
        inner = inner_sequential(4)
        a = ember.Input((4,), name="a")
        b = ember.Input((4,), name="b")
        c = L.Concatenate(name="cat")([inner(a), L.Dense(2, name="db")(b)])
        return ember.Model([a, b], L.Dense(1, name="out")(c), name="graph")

    def functional_in_sequential():
        fi = ember.Input((3,), name="fin")
        fo = L.Dense(2, name="fd")(L.Dense(3, name="fc")(fi))
        inner = ember.Model(fi, fo, name="inner_fn")
        return ember.Sequential([ember.Input((3,)), inner, L.Dense(1, name="head")], name="outer")

    def two_inputs():
        a = ember.Input((4,), name="input_a")
        b = ember.Input((4,), name="input_b")
        c = L.Concatenate(name="concatenate")(
            [L.Dense(2, name="dense_a")(a), L.Dense(2, name="dense_b")(b)]
        )
        return ember.Model([a, b], L.Dense(1, name="dense_out")(c), name="two_inputs")

    def lstm_states():
        i = ember.Input((5, 3), name="seq")
        o, h, _ = L.LSTM(4, return_state=True, name="lstm")(i)
        return ember.Model(i, [o, h], name="states")

    def long_names():
        return ember.Sequential(
            [
                ember.Input((7,)),
                L.Dense(3, name="a_very_long_layer_name_that_cannot_fit_in_its_column"),
                L.Dense(2, name="short"),
            ],
            name="long_names",
        )

    def trained_adam():
        m = ember.Sequential(
            [ember.Input((3,)), L.Dense(4, name="d1"), L.Dense(2, name="d2")], name="trained"
        )
        m.compile(optimizer="adam", loss="mse")
        m.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
        return m

    def trained_sgd_momentum():
        m = ember.Sequential([ember.Input((3,)), L.Dense(4, name="d1")], name="trained_sgd")
        m.compile(optimizer=ember.optimizers.SGD(momentum=0.9), loss="mse")
        m.fit(np.ones((4, 3)), np.ones((4, 4)), verbose=0)
        return m

    def empty():
        return ember.Sequential(name="empty")

    return {
        "unbuilt": (unbuilt, {}),
        "show_trainable": (frozen, {"show_trainable": True}),
        "line_length_50": (frozen, {"line_length": 50}),
        "line_length_120": (frozen, {"line_length": 120}),
        "positions_relative": (frozen, {"positions": [0.5, 0.7, 1.0]}),
        "positions_absolute": (frozen, {"positions": [30, 50, 65]}),
        "layer_range": (frozen, {"layer_range": ["drop", "d2"]}),
        "layer_range_regex": (frozen, {"layer_range": ["d.*", "drop"]}),
        "expand_nested": (nested_sequential, {"expand_nested": True}),
        "expand_nested_trainable": (
            nested_sequential,
            {"expand_nested": True, "show_trainable": True},
        ),
        "nested_collapsed": (nested_sequential, {}),
        "expand_nested_functional_chain": (nested_in_functional_chain, {"expand_nested": True}),
        "expand_nested_graph": (nested_in_graph, {"expand_nested": True}),
        "expand_nested_functional_in_sequential": (
            functional_in_sequential,
            {"expand_nested": True},
        ),
        "two_inputs_trainable": (two_inputs, {"show_trainable": True}),
        "two_inputs_wide": (two_inputs, {"line_length": 80}),
        "lstm_states": (lstm_states, {}),
        "long_names": (long_names, {}),
        "trained_adam": (trained_adam, {}),
        "trained_sgd_momentum": (trained_sgd_momentum, {}),
        "empty": (empty, {}),
    }


SUMMARIES = load("summaries.json")


@pytest.fixture
def columns_80(monkeypatch):
    """The fixtures were printed at 80 columns (Keras sizes the table from the terminal)."""
    monkeypatch.setenv("COLUMNS", "80")


def _summary_text(model, **kwargs) -> str:
    calls: list[str] = []
    model.summary(print_fn=calls.append, **kwargs)
    assert len(calls) == 1  # Keras hands print_fn the whole text at once
    return calls[0]


@pytest.mark.parametrize("name", SUMMARIES["names"])
def test_summary_text_matches_keras(name, columns_80):
    build, kwargs = summary_models()[name]
    ember.backend.clear_session()
    got = _summary_text(build(), **kwargs)
    assert got == (KC / f"summary_{name}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["summary_lenet5", "summary_cifar_cnn", "summary_shared_input"])
def test_summary_text_matches_the_older_keras_fixtures(name, columns_80):
    from test_keras_fixtures import _summary_models

    ember.backend.clear_session()
    got = _summary_text(_summary_models()[name]())
    assert got == (FIXTURES / "keras" / f"{name}.txt").read_text(encoding="utf-8")


def test_summary_errors_and_stdout_match_keras(columns_80, capsys):
    model = summary_models()["show_trainable"][0]()
    for label, kwargs in (
        ("layer_range_bad_length", {"layer_range": ["d1"]}),
        ("layer_range_not_str", {"layer_range": ["d1", 3]}),
        ("layer_range_no_match", {"layer_range": ["zzz", "d2"]}),
        ("line_length_too_small", {"line_length": 10}),
    ):
        with pytest.raises(ValueError) as err:
            model.summary(print_fn=lambda s: None, **kwargs)
        assert str(err.value) == SUMMARIES["errors"][label]
    with pytest.raises(ValueError, match="positions"):
        model.summary(positions=[0.5, 1.0])
    with pytest.raises(ValueError, match="line_length"):
        model.summary(line_length=-3)
    model.summary(show_trainable=True)
    assert capsys.readouterr().out == (KC / "summary_show_trainable.txt").read_text("utf-8")


def test_summary_of_a_subclassed_model_lists_its_layers(columns_80):
    class Sub(ember.Model):
        def __init__(self):
            super().__init__()
            self.d1 = layers.Dense(3, name="s1")
            self.d2 = layers.Dense(1, name="s2")

        def call(self, x):
            return self.d2(self.d1(x))

    text = _summary_text(Sub())
    assert text.startswith('Model: "sub"\n')
    assert "│ s1 (Dense)                      │ ?                      │   0 (unbuilt) │" in text


# ---------------------------------------------------------------------- the rest of the API
def test_every_keras_callback_name_exists():
    names = json.loads((FIXTURES / "keras_api" / "names.json").read_text())["namespaces"]
    for name, kind in names["callbacks"].items():
        assert hasattr(callbacks, name), name
        if kind == "class":
            assert inspect.isclass(getattr(callbacks, name)), name


@pytest.mark.parametrize(
    "cls, kwargs, missing",
    [
        (callbacks.TensorBoard, {}, "TensorBoard"),
        (callbacks.OrbaxCheckpoint, {"directory": "ckpt"}, "OrbaxCheckpoint"),
        (callbacks.SwapEMAWeights, {}, "use_ema"),
    ],
)
def test_unavailable_callbacks_raise_not_implemented(cls, kwargs, missing):
    with pytest.raises(NotImplementedError, match=missing):
        cls(**kwargs)


def test_on_batch_methods_take_no_callbacks_as_in_keras():
    for method in ("train_on_batch", "test_on_batch", "predict_on_batch"):
        assert "callbacks" not in inspect.signature(getattr(ember.Model, method)).parameters
    for method in ("fit", "evaluate", "predict"):
        assert "callbacks" in inspect.signature(getattr(ember.Model, method)).parameters


def test_evaluate_return_dict_holds_the_list_values():
    x, y, _, _, model = hook_data()
    m = model()
    as_list = m.evaluate(x, y, verbose=0)
    as_dict = m.evaluate(x, y, verbose=0, return_dict=True)
    assert list(as_dict) == ["accuracy", "loss"]
    assert as_list == [as_dict["loss"], as_dict["accuracy"]]
    assert all(type(v) is float for v in as_dict.values())


def test_progress_bar_lines_as_keras(capsys):
    x, y, _, _, model = hook_data()
    m = model()
    m.fit(x, y, epochs=1, verbose=1)
    assert "Epoch 1/1" not in capsys.readouterr().out  # Keras numbers epochs only when > 1
    m.fit(x, y, epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert out.count("Epoch 1/2") == 1 and out.count("Epoch 2/2") == 1
    assert len([ln for ln in out.splitlines() if ln.startswith("1/1 - ")]) == 2
    with pytest.raises(TypeError):
        callbacks.ProgbarLogger(count_mode="steps")  # Keras 3 takes no arguments


def test_backup_and_restore_arguments_and_fallback(tmp_path):
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.BackupAndRestore(tmp_path, save_freq="batch")
    x, y = _xy()
    unbuilt = ember.Sequential([layers.Dense(3)])
    unbuilt.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="must be built before"):
        unbuilt.fit(x, y, verbose=0, callbacks=[callbacks.BackupAndRestore(tmp_path / "b")])
    # double_checkpoint: a damaged latest backup falls back to the previous one.
    backup = tmp_path / "dc"
    m = e2e_model(E2E["w0"])
    with pytest.raises(RuntimeError):
        m.fit(
            x,
            y,
            epochs=4,
            callbacks=[
                callbacks.BackupAndRestore(backup, double_checkpoint=True),
                Interrupt(epoch=3),
            ],
            **FIT,
        )
    assert json.loads((backup / "training_metadata.json.bkp").read_text())["epoch"] == 2
    (backup / "latest.weights.h5").write_bytes(b"damaged")
    m = e2e_model(E2E["w0"])
    resumed = m.fit(
        x,
        y,
        epochs=4,
        callbacks=[callbacks.BackupAndRestore(backup, double_checkpoint=True)],
        **FIT,
    )
    assert resumed.epoch == [2, 3]
    assert not backup.exists()


def test_callback_argument_errors_name_the_argument():
    with pytest.raises(TypeError, match="EarlyStopping.*monitor"):
        callbacks.EarlyStopping(monitor=3)
    with pytest.raises(TypeError, match="ModelCheckpoint.*filepath"):
        callbacks.ModelCheckpoint(None)
    with pytest.raises(TypeError, match="CSVLogger.*filename"):
        callbacks.CSVLogger(3)
    with pytest.raises(TypeError, match="LearningRateScheduler.*schedule"):
        callbacks.LearningRateScheduler(0.1)
    with pytest.raises(TypeError, match="LambdaCallback.*on_test_begin"):
        callbacks.LambdaCallback(on_test_begin=3)
    with pytest.raises(TypeError, match="RemoteMonitor.*headers"):
        callbacks.RemoteMonitor(headers=["x"])
    cb = callbacks.LambdaCallback(note="kept")  # other keywords become attributes, as Keras
    assert cb.note == "kept"


def test_stop_flags_end_evaluate_and_predict_early():
    x, y, _, _, model = hook_data()
    m = model()

    class StopAfterOne(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = 0

        def on_test_batch_end(self, batch, logs=None):
            self.batches += 1
            self.model.stop_evaluating = True

        def on_predict_batch_end(self, batch, logs=None):
            self.batches += 1
            self.model.stop_predicting = True

    cb = StopAfterOne()
    m.evaluate(x, y, batch_size=2, verbose=0, callbacks=[cb])
    assert cb.batches == 1
    assert m.predict(x, batch_size=2, verbose=0, callbacks=[cb]).shape == (2, 3)
    assert cb.batches == 2
