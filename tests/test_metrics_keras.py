"""ember.metrics against real Keras 3 (fixtures from tests/fixtures/make_keras_metrics_fixtures.py)
and against independent numpy float64 references; the Metric base as the Keras guides use it;
compile(metrics=[...]) names and values; get / serialize / deserialize; argument errors."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import ember
from ember import metrics

FIXTURES = Path(__file__).parent / "fixtures" / "keras_metrics"
NAMES = json.loads((Path(__file__).parent / "fixtures" / "keras_api" / "names.json").read_text())
TOL = dict(atol=1e-5, rtol=1e-4)


def cases(prefix: str) -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob(f"{prefix}_*.npz"))


def load(name: str) -> tuple[dict, dict]:
    with np.load(FIXTURES / f"{name}.npz", allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    return json.loads(str(arrays.pop("config"))), arrays


def _update(metric, a: dict, i: int) -> None:
    sw = a.get(f"sample_weight{i}")
    if f"y_true{i}" in a:
        metric.update_state(a[f"y_true{i}"], a[f"y_pred{i}"], sample_weight=sw)
    else:
        metric.update_state(a[f"y_pred{i}"], sample_weight=sw)


def test_fixtures_cover_every_keras_metric_class_and_function():
    expected = {k for k, kind in NAMES["namespaces"]["metrics"].items()}
    tested = {load(n)[0]["class_name"] for n in cases("class")}
    tested |= {load(n)[0]["function"] for n in cases("function")}
    untested = (
        expected - tested - {"Metric", "MeanMetricWrapper", "get", "serialize", "deserialize"}
    )
    assert not untested, sorted(untested)


def test_every_keras_metrics_name_exists():
    for name, kind in NAMES["namespaces"]["metrics"].items():
        obj = getattr(metrics, name)
        if kind == "class":
            assert isinstance(obj, type) and issubclass(obj, metrics.Metric), name
        else:
            assert callable(obj) and not isinstance(obj, type), name


# ---------------------------------------------------------------------- Keras fixtures
@pytest.mark.parametrize("name", cases("class"))
def test_metric_class_matches_keras(name):
    config, a = load(name)
    ember.utils.clear_session()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # IoU's float-weights-with-int-dtype warning, as Keras
        metric = getattr(metrics, config["class_name"])(**config["kwargs"])
        for i in range(config["n_batches"]):
            _update(metric, a, i)
            np.testing.assert_allclose(
                metric.result().numpy(), a[f"result{i}"], **TOL, err_msg=f"after batch {i}"
            )
        assert [[v.name, list(v.shape)] for v in metric.variables] == config["variables"]
        metric.reset_state()
        if "reset" in a:
            np.testing.assert_allclose(metric.result().numpy(), a["reset"], atol=1e-7)
        _update(metric, a, 0)
        np.testing.assert_allclose(metric.result().numpy(), a["after_reset"], **TOL)
        # Keras' config (names aside: Keras numbers unnamed metrics across the session).
        ours = metric.get_config()
        for key, value in config["get_config"].items():
            if key == "name":
                assert ours["name"] == re.sub(r"_\d+$", "", value) or ours["name"] == value
            else:
                assert ours[key] == value, key
        # from_config(get_config()) rebuilds an equal metric.
        clone = type(metric).from_config(ours)
        _update(clone, a, 0)
        np.testing.assert_allclose(clone.result().numpy(), a["after_reset"], **TOL)


@pytest.mark.parametrize("name", cases("function"))
def test_metric_function_matches_keras(name):
    config, a = load(name)
    value = getattr(metrics, config["function"])(a["y_true"], a["y_pred"], **config["kwargs"])
    assert isinstance(value, ember.Tensor)
    assert value.shape == a["value"].shape
    np.testing.assert_allclose(value.numpy(), a["value"], **TOL)


@pytest.mark.parametrize("name", cases("compile"))
def test_compile_metric_names_and_values_match_keras(name):
    config, a = load(name)
    ember.utils.clear_session()
    layers = [getattr(ember.layers, s["class_name"])(**s["config"]) for s in config["model"]]
    model = ember.Sequential(layers)
    model.build((None, a["x"].shape[1]))
    model.set_weights([a[f"w{i}"] for i in range(len(model.get_weights()))])
    specs = [
        getattr(metrics, m["class_name"])(**m["config"]) if isinstance(m, dict) else m
        for m in config["metrics"]
    ]
    model.compile(optimizer="sgd", loss=config["loss"], metrics=specs)
    logs = model.evaluate(a["x"], a["y"], batch_size=8, verbose=0, return_dict=True)
    assert sorted(logs) == config["logs"]
    for key in config["logs"]:
        np.testing.assert_allclose(logs[key], a["log_" + key], **TOL, err_msg=key)


# ---------------------------------------------------------------------- float64 references
def _roc_auc_exact(y, p, w):
    """Area under the exact ROC step curve (trapezoids between distinct scores)."""
    order = np.argsort(-p, kind="stable")
    y, p, w = y[order], p[order], w[order]
    distinct = np.r_[np.nonzero(np.diff(p))[0], len(p) - 1]
    tps = np.cumsum(w * y)[distinct]
    fps = np.cumsum(w * (1 - y))[distinct]
    tpr = np.r_[0, tps / tps[-1]]
    fpr = np.r_[0, fps / fps[-1]]
    return np.trapezoid(tpr, fpr)


def test_auc_with_fine_thresholds_approaches_the_exact_roc_auc():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 400).astype(np.float64)
    p = np.clip(0.35 * y + rng.random(400) * 0.65, 0, 1)
    w = rng.uniform(0.5, 2.0, 400)
    m = metrics.AUC(num_thresholds=2001)
    m.update_state(y[:150], p[:150], sample_weight=w[:150])
    m.update_state(y[150:], p[150:], sample_weight=w[150:])
    assert abs(float(m.result()) - _roc_auc_exact(y, p, w)) < 2e-3


def test_precision_recall_at_thresholds_against_numpy():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, (50, 3)).astype(np.float64)
    p = rng.random((50, 3))
    w = rng.uniform(0, 2, 50)
    thresholds = [0.2, 0.5, 0.8]
    prec, rec = metrics.Precision(thresholds), metrics.Recall(thresholds)
    for part in (slice(0, 20), slice(20, 50)):
        prec.update_state(y[part], p[part], sample_weight=w[part])
        rec.update_state(y[part], p[part], sample_weight=w[part])
    ww = np.broadcast_to(w[:, None], y.shape)
    for i, t in enumerate(thresholds):
        pos = p > t
        tp = (ww * pos * y).sum()
        assert prec.result().numpy()[i] == pytest.approx(tp / (ww * pos).sum(), rel=1e-6)
        assert rec.result().numpy()[i] == pytest.approx(tp / (ww * y).sum(), rel=1e-6)


def test_f1_macro_and_mean_iou_against_numpy():
    rng = np.random.default_rng(11)
    labels, preds = rng.integers(0, 4, 60), rng.integers(0, 4, 60)
    m = metrics.MeanIoU(num_classes=4)
    m.update_state(labels[:25], preds[:25])
    m.update_state(labels[25:], preds[25:])
    cm = np.zeros((4, 4))
    np.add.at(cm, (labels, preds), 1)
    iou = np.diag(cm) / (cm.sum(0) + cm.sum(1) - np.diag(cm))
    assert float(m.result()) == pytest.approx(iou.mean(), rel=1e-5)

    f1 = metrics.F1Score(average="macro", threshold=0.5)
    y = np.eye(4)[labels]
    scores = rng.random((60, 4))
    f1.update_state(y, scores)
    pred = scores > 0.5
    tp = (pred & (y == 1)).sum(0)
    precision = tp / pred.sum(0)
    recall = tp / y.sum(0)
    expected = np.mean(2 * precision * recall / (precision + recall))
    assert float(f1.result()) == pytest.approx(expected, rel=1e-5)


def test_r2_score_against_numpy():
    rng = np.random.default_rng(5)
    y = rng.standard_normal((40, 2))
    p = y + 0.3 * rng.standard_normal((40, 2))
    m = metrics.R2Score()
    m.update_state(y[:10], p[:10])
    m.update_state(y[10:], p[10:])
    ss_res = ((y - p) ** 2).sum(0)
    ss_tot = ((y - y.mean(0)) ** 2).sum(0)
    assert float(m.result()) == pytest.approx(np.mean(1 - ss_res / ss_tot), rel=1e-5)


def test_mean_weights_samples_as_keras():
    m = metrics.Mean()
    m.update_state([[1.0, 3.0], [5.0, 7.0]], sample_weight=[1.0, 0.0])  # per-sample means 2, 6
    m.update_state([4.0])
    assert float(m.result()) == pytest.approx((2.0 * 1 + 4.0) / 2)
    s = metrics.Sum()
    s.update_state([[1.0, 3.0], [5.0, 7.0]], sample_weight=[1.0, 0.5])
    assert float(s.result()) == pytest.approx(4.0 + 6.0)


# ---------------------------------------------------------------------- the Metric base
class BinaryTruePositives(metrics.Metric):
    """Written as the Keras guide writes it."""

    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), initializer="zeros", name="tp")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = np.asarray(y_true).astype(bool).reshape(-1)
        y_pred = (np.asarray(y_pred) > 0.5).reshape(-1)
        values = (y_true & y_pred).astype(np.float32)
        if sample_weight is not None:
            values = values * np.broadcast_to(np.asarray(sample_weight, np.float32), values.shape)
        self.true_positives.assign_add(values.sum())

    def result(self):
        return self.true_positives


def test_custom_metric_as_in_the_keras_guide():
    m = BinaryTruePositives()
    assert m.name == "binary_true_positives" and m.dtype == "float32"
    assert [v.name for v in m.variables] == ["tp"]
    assert m.variables[0].path == "binary_true_positives/tp"
    assert not m.variables[0].trainable
    assert float(m([1, 1, 0, 1], [0.9, 0.2, 0.8, 0.7])) == 2.0  # __call__: update, result
    m.update_state([1, 1], [0.9, 0.9], sample_weight=[0.5, 0.25])
    assert float(m.result()) == 2.75
    m.reset_state()
    assert float(m.result()) == 0.0
    assert m.get_config() == {"name": "binary_true_positives", "dtype": "float32"}
    clone = BinaryTruePositives.from_config(m.get_config())
    assert clone.name == m.name


def test_custom_metric_logs_under_its_name_in_fit_and_evaluate():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 3)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    model = ember.Sequential([ember.layers.Dense(1, activation="sigmoid", input_shape=(3,))])
    metric = BinaryTruePositives()
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=[metric, "AUC"])
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert set(history.history) == {"loss", "binary_true_positives", "AUC"}
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    expected = float(((model.predict(x, verbose=0) > 0.5) & (y == 1)).sum())
    assert logs["binary_true_positives"] == expected


def test_reset_state_restores_initial_values_and_sub_metrics():
    class Offset(metrics.Metric):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.v = self.add_variable(shape=(2,), initializer="ones", name="v")
            self.inner = metrics.Mean()

        def update_state(self, x):
            self.v.assign_add(np.asarray(x, np.float32))
            self.inner.update_state(x)

        def result(self):
            return {"v": self.v.value, "mean": self.inner.result()}

    m = Offset()
    assert m.name == "offset"
    m.update_state([2.0, 4.0])
    assert len(m.variables) == 3  # v, then the sub-metric's total and count
    m.reset_state()
    np.testing.assert_array_equal(m.v.numpy(), [1.0, 1.0])
    assert float(m.inner.result()) == 0.0


def test_subclass_that_forgets_super_init_raises():
    class Broken(metrics.Metric):
        def __init__(self):
            pass

    with pytest.raises(RuntimeError, match="super"):
        Broken().add_variable(shape=(), initializer="zeros")


def test_unnamed_metrics_are_numbered_as_keras():
    ember.utils.clear_session()
    assert metrics.AUC().name == "auc"
    assert metrics.AUC().name == "auc_1"
    assert metrics.Mean().name == "mean"  # built-ins with a default name are not numbered
    assert metrics.Mean().name == "mean"


def test_array_valued_results_are_logged_as_arrays():
    model = ember.Sequential([ember.layers.Dense(3, activation="softmax", input_shape=(2,))])
    model.compile(loss="categorical_crossentropy", metrics=[metrics.F1Score()])
    x = np.random.default_rng(0).standard_normal((10, 2))
    y = np.eye(3)[np.arange(10) % 3]
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["f1_score"].shape == (3,)
    history = model.fit(x, y, epochs=1, verbose=1)
    assert history.history["f1_score"][0].shape == (3,)


# ---------------------------------------------------------------------- get / serialization
def test_get_resolves_keras_names():
    assert type(metrics.get("mape")) is metrics.MeanAbsolutePercentageError
    assert type(metrics.get("AUC")) is metrics.AUC
    assert type(metrics.get("auc")) is metrics.AUC
    assert type(metrics.get("precision")) is metrics.Precision
    assert type(metrics.get("binary_io_u")) is metrics.BinaryIoU
    assert type(metrics.get("accuracy")) is metrics.Accuracy
    assert metrics.get(metrics.hinge) is metrics.hinge
    assert metrics.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret metric identifier: nope"):
        metrics.get("nope")


def test_compile_resolution_names_metrics_by_the_string_given():
    m = metrics.get("mape", (4, 1), (4, 1))
    assert type(m) is metrics.MeanAbsolutePercentageError and m.name == "mape"
    assert type(metrics.get("acc", (4,), (4, 3))) is metrics.SparseCategoricalAccuracy
    assert type(metrics.get("accuracy", (4, 3), (4, 3))) is metrics.CategoricalAccuracy
    assert type(metrics.get("accuracy", (4, 1), (4, 1))) is metrics.BinaryAccuracy
    wrapped = metrics.get(metrics.poisson, (4, 1), (4, 1))
    assert type(wrapped) is metrics.MeanMetricWrapper and wrapped.name == "poisson"


def test_serialize_deserialize_round_trip():
    for metric in (
        metrics.AUC(curve="PR", num_thresholds=20, name="pr"),
        metrics.Precision(thresholds=[0.3, 0.6], top_k=2),
        metrics.F1Score(average="weighted", threshold=0.4),
        metrics.MeanIoU(num_classes=3, ignore_class=0),
        metrics.MeanMetricWrapper(metrics.huber, name="hub", delta=0.5),
    ):
        config = json.loads(json.dumps(metrics.serialize(metric)))
        back = metrics.deserialize(config)
        assert type(back) is type(metric)
        assert back.get_config() == metric.get_config()
    assert metrics.serialize(metrics.log_cosh) == "log_cosh"
    assert metrics.deserialize("log_cosh") is metrics.log_cosh


def test_saved_model_keeps_metric_objects(tmp_path):
    model = ember.Sequential([ember.layers.Dense(1, activation="sigmoid", input_shape=(2,))])
    model.compile(
        loss="binary_crossentropy", metrics=[metrics.AUC(curve="PR", name="prauc"), "precision"]
    )
    model.save(tmp_path / "m.keras")
    loaded = ember.models.load_model(tmp_path / "m.keras")
    assert type(loaded._metrics_spec[0]) is metrics.AUC
    assert loaded._metrics_spec[0].curve == "PR"
    assert loaded._metrics_spec[1] == "precision"


# ---------------------------------------------------------------------- argument errors
@pytest.mark.parametrize(
    "make, error, text",
    [
        (lambda: metrics.AUC(num_thresholds=1), ValueError, "num_thresholds"),
        (lambda: metrics.AUC(curve="XY"), ValueError, "Invalid AUC curve"),
        (lambda: metrics.AUC(summation_method="avg"), ValueError, "summation method"),
        (lambda: metrics.AUC(num_labels=3), ValueError, "multi_label"),
        (lambda: metrics.Precision(thresholds=[0.5, 1.5]), ValueError, r"\[0, 1\]"),
        (lambda: metrics.PrecisionAtRecall(1.5), ValueError, "recall"),
        (lambda: metrics.SensitivityAtSpecificity(0.5, num_thresholds=0), ValueError, "> 0"),
        (lambda: metrics.F1Score(average="sum"), ValueError, "average"),
        (lambda: metrics.FBetaScore(beta=2), ValueError, "beta"),
        (lambda: metrics.F1Score(threshold=1.5), ValueError, "threshold"),
        (lambda: metrics.R2Score(class_aggregation="x"), ValueError, "class_aggregation"),
        (lambda: metrics.R2Score(num_regressors=-1), ValueError, "num_regressors"),
        (lambda: metrics.IoU(3, target_class_ids=[3]), ValueError, "out of range"),
        (lambda: metrics.Mean(dtype="mixed_float16"), NotImplementedError, "mixed_float16"),
        (lambda: metrics.Mean(dtype="complex64"), ValueError, "dtype"),
        (lambda: metrics.MeanMetricWrapper(3), TypeError, "fn"),
    ],
)
def test_constructor_errors(make, error, text):
    with pytest.raises(error, match=text):
        make()


def test_update_errors_name_the_metric_and_shapes():
    with pytest.raises(ValueError, match="R2Score expects 2D inputs"):
        metrics.R2Score().update_state(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="rank 2 when `multi_label=True`"):
        metrics.AUC(multi_label=True).update_state(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="class_id"):
        metrics.Precision(class_id=1).update_state(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="same shape"):
        metrics.categorical_crossentropy(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="axis=-1"):
        metrics.sparse_categorical_crossentropy([0, 1], np.ones((2, 3)), axis=0)
    with pytest.raises(ValueError, match="sample_weight"):
        metrics.Mean().update_state(np.ones(3), sample_weight=np.ones(4))
