"""Keras 3's confusion, F-score, R2, IoU and correlation metrics against real Keras."""
import re

import numpy as np
import pytest

from conformance.support import backend  # noqa: F401  (pytest fixture)
from kfront import Input, Sequential, layers, metrics

B, K = 8, 4


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _batch(seed):
    r = np.random.default_rng(seed)
    logits = r.normal(size=(B, K)).astype("float32")
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    return {
        "bin_true": r.integers(0, 2, (B, 1)).astype("float32"),
        "bin_prob": r.uniform(0, 1, (B, 1)).astype("float32"),
        "multi_true": r.integers(0, 2, (B, K)).astype("float32"),
        "multi_prob": r.uniform(0, 1, (B, K)).astype("float32"),
        "onehot": np.eye(K, dtype="float32")[r.integers(0, K, B)],
        "probs": probs.astype("float32"),
        "sparse": r.integers(0, K, B).astype("int32"),
        "sparse_pred": r.integers(0, K, B).astype("int32"),
        "reg_true": r.normal(size=(B, 3)).astype("float32"),
        "reg_pred": r.normal(size=(B, 3)).astype("float32"),
        "sw": r.uniform(0, 2, B).astype("float32"),
        "isw": r.integers(0, 3, B).astype("float32"),
    }


BATCHES = [_batch(s) for s in (20, 21, 22)]

# (class name, kwargs, y_true key, y_pred key, weight key or None)
CASES = [
    ("TruePositives", {}, "bin_true", "bin_prob", "sw"),
    ("FalsePositives", {"thresholds": [0.2, 0.5, 0.8]}, "bin_true", "bin_prob", "sw"),
    ("TrueNegatives", {"thresholds": 0.3}, "multi_true", "multi_prob", None),
    ("FalseNegatives", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, "bin_true", "bin_prob",
     "sw"),
    ("Precision", {}, "bin_true", "bin_prob", "sw"),
    ("Precision", {"thresholds": [0.3, 0.6]}, "multi_true", "multi_prob", None),
    ("Precision", {"top_k": 2}, "multi_true", "multi_prob", "sw"),
    ("Precision", {"class_id": 1, "thresholds": 0.4}, "multi_true", "multi_prob", "sw"),
    ("Recall", {}, "bin_true", "bin_prob", "sw"),
    ("Recall", {"top_k": 2, "class_id": 1}, "multi_true", "multi_prob", None),
    ("Recall", {"thresholds": [0.0, 0.5, 1.0]}, "multi_true", "multi_prob", "sw"),
    ("SensitivityAtSpecificity", {"specificity": 0.6}, "bin_true", "bin_prob", "sw"),
    ("SensitivityAtSpecificity", {"specificity": 0.1, "num_thresholds": 1}, "bin_true",
     "bin_prob", None),
    ("SpecificityAtSensitivity", {"sensitivity": 0.7, "num_thresholds": 11}, "multi_true",
     "multi_prob", "sw"),
    ("PrecisionAtRecall", {"recall": 0.5, "class_id": 0}, "multi_true", "multi_prob", "sw"),
    ("RecallAtPrecision", {"precision": 0.4}, "bin_true", "bin_prob", "sw"),
    ("F1Score", {}, "onehot", "probs", "sw"),
    ("F1Score", {"average": "micro", "threshold": 0.5}, "multi_true", "multi_prob", "sw"),
    ("FBetaScore", {"average": "macro", "beta": 2.0, "threshold": 0.4}, "multi_true",
     "multi_prob", None),
    ("FBetaScore", {"average": "weighted", "beta": 0.5}, "onehot", "probs", "sw"),
    ("R2Score", {}, "reg_true", "reg_pred", "sw"),
    ("R2Score", {"class_aggregation": "variance_weighted_average", "num_regressors": 2},
     "reg_true", "reg_pred", None),
    ("R2Score", {"class_aggregation": None}, "reg_true", "reg_pred", "sw"),
    ("IoU", {"num_classes": K, "target_class_ids": [0, 2]}, "sparse", "sparse_pred", "isw"),
    ("IoU", {"num_classes": K, "target_class_ids": [1], "sparse_y_pred": False}, "sparse",
     "probs", None),
    ("MeanIoU", {"num_classes": K}, "sparse", "sparse_pred", "isw"),
    ("MeanIoU", {"num_classes": K, "ignore_class": 0}, "sparse", "sparse_pred", None),
    ("MeanIoU", {"num_classes": K, "dtype": "float32"}, "sparse", "sparse_pred", "sw"),
    ("BinaryIoU", {}, "bin_true", "bin_prob", "isw"),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "multi_true", "multi_prob",
     None),
    ("OneHotIoU", {"num_classes": K, "target_class_ids": [0, 3]}, "onehot", "probs", "isw"),
    ("OneHotMeanIoU", {"num_classes": K}, "onehot", "probs", None),
    ("PearsonCorrelation", {}, "reg_true", "reg_pred", "sw"),
    ("ConcordanceCorrelation", {}, "reg_true", "reg_pred", "sw"),
    ("PearsonCorrelation", {"axis": 0}, "reg_true", "reg_pred", None),
]


def _close(ours, theirs, what):
    theirs = np.asarray(theirs, dtype="float64")
    assert np.shape(ours) == theirs.shape, what
    np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=2e-6, err_msg=what)


@pytest.mark.filterwarnings("ignore:.*weight.*:UserWarning")
def test_metrics_match_keras(keras):
    for cls, kw, t, p, w in CASES:
        what = f"{cls}({kw})"
        ours, theirs = getattr(metrics, cls)(**kw), getattr(keras.metrics, cls)(**kw)
        for batch in BATCHES:
            sw = None if w is None else batch[w]
            ours.update_state(batch[t], batch[p], sample_weight=sw)
            theirs.update_state(batch[t], batch[p], sample_weight=sw)
            _close(ours.result(), theirs.result(), what)
        assert np.any(np.asarray(ours.result()) != 0), what  # a case that tests something
        ours.reset_state()
        theirs.reset_state()
        ours.update_state(BATCHES[1][t], BATCHES[1][p])
        theirs.update_state(BATCHES[1][t], BATCHES[1][p])
        _close(ours.result(), theirs.result(), what + " after reset_state")
        config = ours.get_config()
        # default names count the instances made so far in the process (in both libraries)
        assert {**config, "name": None} == {**theirs.get_config(), "name": None}, what
        assert re.sub(r"_\d+$", "", config["name"]) == \
            re.sub(r"_\d+$", "", theirs.get_config()["name"]), what
        again = type(ours).from_config(config)
        again.update_state(BATCHES[1][t], BATCHES[1][p])
        _close(again.result(), theirs.result(), what + " from_config")
        assert type(metrics.deserialize(metrics.serialize(ours))) is type(ours)


def test_correlation_functions_match_keras(keras):
    b = BATCHES[0]
    for name in ("pearson_correlation", "concordance_correlation"):
        for axis in (-1, 0):
            ours = getattr(metrics, name)(b["reg_true"], b["reg_pred"], axis=axis)
            theirs = getattr(keras.metrics, name)(b["reg_true"], b["reg_pred"], axis=axis)
            _close(np.asarray(ours), np.asarray(theirs), name)


def test_bad_arguments_name_the_metric():
    bad = [(metrics.Precision, {"thresholds": 1.5}, "Precision.*threshold"),
           (metrics.TruePositives, {"thresholds": [0.1, -0.1]}, "TruePositives.*threshold"),
           (metrics.SensitivityAtSpecificity, {"specificity": 2.0}, "specificity"),
           (metrics.RecallAtPrecision, {"precision": 0.5, "num_thresholds": 0},
            "RecallAtPrecision.*num_thresholds"),
           (metrics.FBetaScore, {"beta": 1}, "FBetaScore.*beta"),
           (metrics.F1Score, {"average": "sum"}, "F1Score.*average"),
           (metrics.F1Score, {"threshold": 1.5}, "F1Score.*threshold"),
           (metrics.R2Score, {"class_aggregation": "max"}, "R2Score.*class_aggregation"),
           (metrics.R2Score, {"num_regressors": -1}, "R2Score.*num_regressors"),
           (metrics.IoU, {"num_classes": 2, "target_class_ids": [2]}, "IoU.*target class"),
           (metrics.MeanIoU, {"num_classes": 0}, "MeanIoU.*num_classes")]
    for cls, kw, match in bad:
        with pytest.raises(ValueError, match=match):
            cls(**kw)
    with pytest.raises(ValueError, match="F1Score expects 2D"):
        metrics.F1Score().update_state([1.0, 0.0], [0.2, 0.8])
    with pytest.raises(ValueError, match="R2Score expects 2D"):
        metrics.R2Score().update_state(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="Precision: y_true and y_pred"):
        metrics.Precision().update_state([[1.0, 0.0]], [[0.2, 0.8, 0.1]])
    with pytest.raises(ValueError, match="Recall: when class_id"):
        metrics.Recall(class_id=1).update_state([1.0, 0.0], [0.2, 0.8])


def test_string_identifiers():
    assert type(metrics.get("precision")) is metrics.Precision
    assert type(metrics.get("Recall")) is metrics.Recall
    assert type(metrics.get("r2_score")) is metrics.R2Score
    assert type(metrics.get("f1_score")) is metrics.F1Score


def test_new_metrics_in_compile_and_fit(backend):
    r = np.random.default_rng(0)
    x = r.normal(size=(16, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = Sequential([Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy",
                  metrics=[metrics.Precision(name="p"), metrics.Recall([0.3, 0.7], name="r"),
                           metrics.F1Score(threshold=0.5), metrics.BinaryIoU(name="iou"),
                           metrics.R2Score(name="r2"), metrics.RecallAtPrecision(0.5),
                           metrics.PearsonCorrelation()])
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0).history
    assert np.shape(history["r"][-1]) == (2,)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    prob = np.asarray(model.predict(x, verbose=0))
    expected = metrics.BinaryIoU()
    expected.update_state(y, prob)
    assert logs["iou"] == pytest.approx(expected.result(), rel=1e-5)
    assert 0 <= logs["p"] <= 1 and np.isfinite(logs["r2"])


def test_iou_warns_on_float_weights_with_int_dtype():
    with pytest.warns(UserWarning, match="MeanIoU: float sample weights"):
        metrics.MeanIoU(2).update_state([0, 1], [0, 1], sample_weight=[0.5, 1.0])
