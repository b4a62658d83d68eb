"""kfront.metrics against real Keras 3 metrics after several update_state calls."""
import inspect

import re

import numpy as np
import pytest

from kfront import losses, metrics, ops


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


RNG = np.random.default_rng(1)
B, K = 8, 5


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype("float32")


def _batch(seed):
    r = np.random.default_rng(seed)
    logits = (r.normal(size=(B, K)) * 2).astype("float32")
    probs = _softmax(logits)
    return {
        "onehot": np.eye(K, dtype="float32")[r.integers(0, K, B)],
        "sparse": r.integers(0, K, B).astype("int32"),
        "sparse_col": r.integers(0, K, (B, 1)).astype("int32"),
        "probs": probs,
        "logits": logits,
        "bin_true": r.integers(0, 2, (B, 1)).astype("float32"),
        "bin_prob": r.uniform(0, 1, (B, 1)).astype("float32"),
        "bin_logit": (r.normal(size=(B, 1)) * 3).astype("float32"),
        "multi_true": r.integers(0, 2, (B, 3)).astype("float32"),
        "multi_prob": r.uniform(0, 1, (B, 3)).astype("float32"),
        "reg_true": r.normal(size=(B, 3)).astype("float32"),
        "reg_pred": r.normal(size=(B, 3)).astype("float32"),
        "pos_true": r.uniform(0, 3, (B, 3)).astype("float32"),
        "pos_pred": r.uniform(0.1, 3, (B, 3)).astype("float32"),
        "dist_true": _softmax(r.normal(size=(B, K)).astype("float32")),
        "int_true": r.integers(0, 3, (B, 1)).astype("int32"),
        "int_pred": r.integers(0, 3, (B, 1)).astype("float32"),
        "sw": r.uniform(0, 2, B).astype("float32"),
    }


BATCHES = [_batch(s) for s in (10, 11, 12)]
WEIGHTINGS = ["none", "vector", "column"]


def _weights(batch, how):
    return {"none": None, "vector": batch["sw"], "column": batch["sw"][:, None]}[how]


# (class name, kwargs, y_true key, y_pred key)
METRIC_CASES = [
    ("Accuracy", {}, "int_true", "int_pred"),
    ("BinaryAccuracy", {}, "bin_true", "bin_prob"),
    ("BinaryAccuracy", {"threshold": 0.7}, "bin_true", "bin_prob"),
    ("BinaryAccuracy", {}, "multi_true", "multi_prob"),
    ("CategoricalAccuracy", {}, "onehot", "probs"),
    ("SparseCategoricalAccuracy", {}, "sparse", "probs"),
    ("SparseCategoricalAccuracy", {}, "sparse_col", "probs"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot", "probs"),
    ("TopKCategoricalAccuracy", {}, "onehot", "probs"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse", "probs"),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse_col", "logits"),
    ("MeanSquaredError", {}, "reg_true", "reg_pred"),
    ("MeanAbsoluteError", {}, "reg_true", "reg_pred"),
    ("MeanAbsolutePercentageError", {}, "reg_true", "reg_pred"),
    ("MeanSquaredLogarithmicError", {}, "pos_true", "pos_pred"),
    ("RootMeanSquaredError", {}, "reg_true", "reg_pred"),
    ("CosineSimilarity", {}, "reg_true", "reg_pred"),
    ("CosineSimilarity", {"axis": 0}, "reg_true", "reg_pred"),
    ("LogCoshError", {}, "reg_true", "reg_pred"),
    ("Hinge", {}, "bin_true", "bin_logit"),
    ("SquaredHinge", {}, "multi_true", "reg_pred"),
    ("CategoricalHinge", {}, "onehot", "logits"),
    ("KLDivergence", {}, "dist_true", "probs"),
    ("Poisson", {}, "pos_true", "pos_pred"),
    ("BinaryCrossentropy", {}, "bin_true", "bin_prob"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "bin_true", "bin_logit"),
    ("CategoricalCrossentropy", {}, "onehot", "probs"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot", "logits"),
    ("SparseCategoricalCrossentropy", {}, "sparse", "probs"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_col", "logits"),
    ("AUC", {}, "bin_true", "bin_prob"),
    ("AUC", {"num_thresholds": 7}, "bin_true", "bin_prob"),
    ("AUC", {"curve": "PR"}, "bin_true", "bin_prob"),
    ("AUC", {"curve": "PR", "summation_method": "minoring"}, "bin_true", "bin_prob"),
    ("AUC", {"summation_method": "majoring"}, "bin_true", "bin_prob"),
    ("AUC", {"curve": "PRGAIN"}, "bin_true", "bin_prob"),
    ("AUC", {"thresholds": [0.1, 0.25, 0.6, 0.8]}, "bin_true", "bin_prob"),
    ("AUC", {"from_logits": True}, "bin_true", "bin_logit"),
    ("AUC", {"multi_label": True}, "multi_true", "multi_prob"),
    ("AUC", {"multi_label": True, "label_weights": [0.2, 1.0, 0.5]}, "multi_true", "multi_prob"),
    ("AUC", {"label_weights": [0.2, 1.0, 0.5]}, "multi_true", "multi_prob"),
]


@pytest.mark.parametrize("how", WEIGHTINGS)
@pytest.mark.parametrize("cls,kw,t,p", METRIC_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(METRIC_CASES)])
def test_metric_matches_keras(keras, cls, kw, t, p, how):
    if kw.get("axis") == 0 and how != "none":
        pytest.skip("per-feature values (axis=0) cannot take per-sample weights")
    ours = getattr(metrics, cls)(**kw)
    theirs = getattr(keras.metrics, cls)(**kw)
    for batch in BATCHES:
        sw = _weights(batch, how)
        ours.update_state(batch[t], batch[p], sample_weight=sw)
        theirs.update_state(batch[t], batch[p], sample_weight=sw)
        result = ours.result()
        assert type(result) is float
        np.testing.assert_allclose(result, float(theirs.result()), rtol=1e-5, atol=1e-6)
    assert 0 < abs(ours.result()) or float(theirs.result()) == 0  # cases are non-trivial
    ours.reset_state()
    theirs.reset_state()
    assert ours.result() == float(theirs.result()) == 0.0
    ours.update_state(BATCHES[0][t], BATCHES[0][p])
    theirs.update_state(BATCHES[0][t], BATCHES[0][p])
    np.testing.assert_allclose(ours.result(), float(theirs.result()), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls,kw,t,p", METRIC_CASES[:12],
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(METRIC_CASES[:12])])
def test_metric_call_returns_running_result(keras, cls, kw, t, p):
    ours, theirs = getattr(metrics, cls)(**kw), getattr(keras.metrics, cls)(**kw)
    for batch in BATCHES:
        np.testing.assert_allclose(ours(batch[t], batch[p]), float(theirs(batch[t], batch[p])),
                                   rtol=1e-6, atol=1e-7)


VALUE_SHAPES = [((B,), "vector"), ((B,), "none"), ((B, 3), "vector"), ((B, 3), "column"),
                ((B, 3), "matrix"), ((B, 3, 2), "vector"), ((), "scalar")]


@pytest.mark.parametrize("cls", ["Mean", "Sum"])
@pytest.mark.parametrize("shape,how", VALUE_SHAPES)
def test_reduction_metrics_match_keras(keras, cls, shape, how):
    ours, theirs = getattr(metrics, cls)(), getattr(keras.metrics, cls)()
    for seed in range(3):
        r = np.random.default_rng(seed)
        values = r.normal(size=shape).astype("float32")
        sw = {"vector": r.uniform(0, 2, B), "none": None, "column": r.uniform(0, 2, (B, 1)),
              "matrix": r.uniform(0, 2, (B, 3)), "scalar": 3.0}[how]
        sw = None if sw is None else np.asarray(sw, "float32")
        ours.update_state(values, sample_weight=sw)
        theirs.update_state(values, sample_weight=sw)
    np.testing.assert_allclose(ours.result(), float(theirs.result()), rtol=1e-5, atol=1e-6)


def test_mean_as_loss_tracker():
    # how the trainer uses it: a scalar loss per batch weighted by the batch size
    m = metrics.Mean(name="loss")
    m.update_state(1.0, sample_weight=32)
    m.update_state(4.0, sample_weight=8)
    assert m.result() == pytest.approx((32 + 32) / 40)
    assert metrics.Mean().result() == 0.0


def test_metric_accepts_backend_tensors_and_lists():
    m = metrics.MeanSquaredError()
    m.update_state(ops.convert_to_tensor(np.zeros((2, 2), "float32")), [[1.0, 1.0], [3.0, 1.0]])
    assert m.result() == pytest.approx(3.0)


def test_mean_metric_wrapper_with_custom_ops_function(keras):
    def cube(y_true, y_pred):
        return ops.mean(ops.abs(ops.subtract(y_true, y_pred)) ** 3, axis=-1)

    def kcube(y_true, y_pred):
        return keras.ops.mean(keras.ops.abs(y_true - y_pred) ** 3, axis=-1)

    ours, theirs = metrics.MeanMetricWrapper(cube), keras.metrics.MeanMetricWrapper(kcube)
    for batch in BATCHES:
        ours.update_state(batch["reg_true"], batch["reg_pred"], sample_weight=batch["sw"])
        theirs.update_state(batch["reg_true"], batch["reg_pred"], sample_weight=batch["sw"])
    np.testing.assert_allclose(ours.result(), float(theirs.result()), rtol=1e-5)
    assert ours.name.startswith("mean_metric_wrapper")


def test_mean_metric_wrapper_with_loss_object(keras):
    ours = metrics.MeanMetricWrapper(losses.BinaryCrossentropy(from_logits=True))
    theirs = keras.metrics.BinaryCrossentropy(from_logits=True)
    for batch in BATCHES:
        ours.update_state(batch["bin_true"], batch["bin_logit"], sample_weight=batch["sw"])
        theirs.update_state(batch["bin_true"], batch["bin_logit"], sample_weight=batch["sw"])
    np.testing.assert_allclose(ours.result(), float(theirs.result()), rtol=1e-5)
    assert ours._direction == "down"


# ---------------------------------------------------------------------- metric functions
FUNCTION_CASES = [
    ("binary_accuracy", {}, "bin_true", "bin_prob"),
    ("binary_accuracy", {"threshold": 0.3}, "multi_true", "multi_prob"),
    ("categorical_accuracy", {}, "onehot", "probs"),
    ("sparse_categorical_accuracy", {}, "sparse", "probs"),
    ("sparse_categorical_accuracy", {}, "sparse_col", "probs"),
    ("top_k_categorical_accuracy", {"k": 2}, "onehot", "probs"),
    ("sparse_top_k_categorical_accuracy", {"k": 2}, "sparse", "probs"),
    ("sparse_top_k_categorical_accuracy", {"k": 1}, "sparse_col", "logits"),
    ("mean_squared_error", {}, "reg_true", "reg_pred"),
    ("binary_crossentropy", {}, "bin_true", "bin_prob"),
]


@pytest.mark.parametrize("name,kw,t,p", FUNCTION_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(FUNCTION_CASES)])
def test_metric_function_matches_keras(keras, name, kw, t, p):
    batch = BATCHES[1]
    ours = np.asarray(ops.convert_to_numpy(getattr(metrics, name)(batch[t], batch[p], **kw)))
    theirs = np.asarray(getattr(keras.metrics, name)(batch[t], batch[p], **kw))
    assert ours.shape == theirs.shape
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


def test_accuracy_function():
    out = ops.convert_to_numpy(metrics.accuracy([[1], [2], [3]], [[1.0], [0.0], [3.0]]))
    assert out.tolist() == [[1.0], [0.0], [1.0]]


def test_top_k_ties_count_as_in(keras):
    # TensorFlow's in_top_k: every class tied with the k-th value is "in"
    y_pred = np.array([[0.3, 0.3, 0.3, 0.1], [0.5, 0.2, 0.2, 0.1]], "float32")
    y_true = np.array([2, 2])
    ours = ops.convert_to_numpy(metrics.sparse_top_k_categorical_accuracy(y_true, y_pred, k=1))
    theirs = np.asarray(keras.metrics.sparse_top_k_categorical_accuracy(y_true, y_pred, k=1))
    assert ours.tolist() == theirs.tolist() == [1.0, 0.0]


# ------------------------------------------------------------------------- resolve("acc")
RESOLVE_CASES = [((32, 1), (32, 1)), ((32,), (32, 1)), ((32,), (32, 10)), ((32, 1), (32, 10)),
                 ((32, 10), (32, 10)), ((32, 5, 1), (32, 5, 7)), ((32, 3), (32, 3))]


@pytest.mark.parametrize("t_shape,p_shape", RESOLVE_CASES)
@pytest.mark.parametrize("name", ["accuracy", "acc", "ACC"])
def test_resolve_accuracy_matches_keras(keras, name, t_shape, p_shape):
    from keras.src.trainers.compile_utils import get_metric
    theirs = get_metric(name, np.zeros(t_shape), np.zeros(p_shape))
    for loss in (None, "binary_crossentropy", "categorical_crossentropy"):
        ours = metrics.resolve(name, t_shape, p_shape, loss)
        assert type(ours).__name__ == type(theirs).__name__
        assert ours.name == theirs.name == name


def test_resolve_three_cases():
    assert isinstance(metrics.resolve("acc", (32, 1), (32, 1), "binary_crossentropy"),
                      metrics.BinaryAccuracy)
    assert isinstance(metrics.resolve("acc", (32,), (32, 10), "sparse_categorical_crossentropy"),
                      metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.resolve("accuracy", (32, 10), (32, 10), "categorical_crossentropy"),
                      metrics.CategoricalAccuracy)


@pytest.mark.parametrize("name", ["mse", "mae", "MAE", "mape", "msle", "auc", "AUC",
                                  "mean_squared_error", "categorical_accuracy",
                                  "top_k_categorical_accuracy", "binary_crossentropy",
                                  "RootMeanSquaredError", "kl_divergence"])
def test_resolve_other_names_matches_keras(keras, name):
    from keras.src.trainers.compile_utils import get_metric
    theirs = get_metric(name, np.zeros((4, 3)), np.zeros((4, 3)))
    ours = metrics.resolve(name, (4, 3), (4, 3))
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.name == theirs.name == name


def test_resolve_functions_and_objects(keras):
    m = metrics.resolve(losses.mean_absolute_error, (4, 3), (4, 3))
    assert isinstance(m, metrics.MeanMetricWrapper) and m.name == "mean_absolute_error"
    inst = metrics.AUC(name="my_auc")
    assert metrics.resolve(inst, (4, 1), (4, 1)) is inst and inst.name == "my_auc"
    ce = metrics.resolve("crossentropy", (4,), (4, 3))
    assert isinstance(ce, metrics.SparseCategoricalCrossentropy) and ce.name == "crossentropy"
    assert isinstance(metrics.resolve("ce", (4, 1), (4, 1)), metrics.BinaryCrossentropy)
    with pytest.raises(ValueError):
        metrics.resolve(None, (4,), (4,))


# -------------------------------------------------------------------- get / config / errors
@pytest.mark.parametrize("name", ["accuracy", "mse", "MSE", "mae", "mape", "msle", "bce", "auc",
                                  "AUC", "Accuracy", "binary_accuracy", "categorical_accuracy",
                                  "sparse_categorical_accuracy", "root_mean_squared_error",
                                  "kl_divergence", "log_cosh_error", "mean", "sum",
                                  "sparse_top_k_categorical_accuracy", "cosine_similarity"])
def test_get_matches_keras(keras, name):
    ours, theirs = metrics.get(name), keras.metrics.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    # same base name; the uniquifying suffix (auc_3) depends on how many were made before
    assert re.sub(r"_\d+$", "", ours.name) == re.sub(r"_\d+$", "", theirs.name)


def test_get_other_identifiers():
    assert metrics.get(None) is None
    inst = metrics.Mean()
    assert metrics.get(inst) is inst
    assert isinstance(metrics.get(metrics.AUC), metrics.AUC)
    fn = metrics.binary_accuracy
    assert metrics.get(fn) is fn
    got = metrics.get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.8}})
    assert isinstance(got, metrics.BinaryAccuracy) and got.threshold == 0.8


def test_get_unknown_name():
    with pytest.raises(ValueError, match="nope") as e:
        metrics.get("nope")
    assert "categorical_accuracy" in str(e.value)


CONFIG_CASES = [("Mean", {}), ("Sum", {}), ("Accuracy", {}), ("BinaryAccuracy", {"threshold": 0.3}),
                ("CategoricalAccuracy", {}), ("SparseCategoricalAccuracy", {}),
                ("TopKCategoricalAccuracy", {"k": 3}), ("SparseTopKCategoricalAccuracy", {}),
                ("SparseTopKCategoricalAccuracy", {"from_sorted_ids": True}),
                ("MeanSquaredError", {}), ("MeanAbsoluteError", {}),
                ("MeanAbsolutePercentageError", {}), ("MeanSquaredLogarithmicError", {}),
                ("RootMeanSquaredError", {}), ("CosineSimilarity", {}), ("LogCoshError", {}),
                ("Hinge", {}), ("SquaredHinge", {}), ("CategoricalHinge", {}),
                ("KLDivergence", {}), ("Poisson", {}),
                ("BinaryCrossentropy", {"from_logits": True}),
                ("CategoricalCrossentropy", {"label_smoothing": 0.1}),
                ("SparseCategoricalCrossentropy", {}), ("AUC", {"curve": "PR", "name": "auc"}),
                ("AUC", {"thresholds": [0.2, 0.5], "name": "auc"})]


@pytest.mark.parametrize("cls,kw", CONFIG_CASES)
def test_get_config_matches_keras(keras, cls, kw):
    ours, theirs = getattr(metrics, cls)(**kw), getattr(keras.metrics, cls)(**kw)
    assert ours.get_config() == theirs.get_config()
    again = getattr(metrics, cls).from_config(ours.get_config())
    assert again.get_config() == ours.get_config()
    ours_sig = inspect.signature(getattr(metrics, cls))
    theirs_sig = inspect.signature(getattr(keras.metrics, cls))
    assert [(p.name, p.default) for p in ours_sig.parameters.values()] == \
        [(p.name, p.default) for p in theirs_sig.parameters.values()]


def test_serialize_round_trip(keras):
    m = metrics.MeanMetricWrapper(losses.mean_squared_error, name="w")
    cfg = metrics.serialize(m)
    assert cfg["config"] == keras.metrics.MeanMetricWrapper(
        keras.losses.mean_squared_error, name="w").get_config()
    again = metrics.deserialize(cfg)
    assert again._fn is losses.mean_squared_error and again.name == "w"
    assert metrics.serialize(metrics.BinaryAccuracy()) == keras.metrics.serialize(
        keras.metrics.BinaryAccuracy())
    wrapped = metrics.MeanMetricWrapper(losses.Huber(delta=2.0), name="hub")
    again = metrics.deserialize(metrics.serialize(wrapped))
    assert isinstance(again._fn, losses.Huber) and again._fn.get_config() == wrapped._fn.get_config()
    assert isinstance(metrics.deserialize(metrics.serialize(metrics.MeanSquaredError())),
                      metrics.MeanSquaredError)


def test_directions():
    assert metrics.CategoricalAccuracy()._direction == "up"
    assert metrics.AUC()._direction == "up"
    assert metrics.MeanSquaredError()._direction == "down"
    assert metrics.MeanMetricWrapper(losses.mean_absolute_error)._direction == "down"


def test_sample_weight_shape_error():
    with pytest.raises(ValueError, match="sample_weight"):
        metrics.Mean().update_state(np.ones((4, 3)), sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="ROCX")
