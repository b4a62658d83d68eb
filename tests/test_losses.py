"""kfront.losses against real Keras 3 (``keras.losses``) on the same float32 numpy inputs."""
import inspect

import numpy as np
import pytest

from kfront import losses, ops


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _np(x):
    return np.asarray(ops.convert_to_numpy(x)) if not isinstance(x, np.ndarray) else x


def _knp(x):
    return np.asarray(x)


def close(a, b, atol=1e-6, rtol=1e-6):
    np.testing.assert_allclose(_np(a), _knp(b), atol=atol, rtol=rtol)


RNG = np.random.default_rng(0)
B, K = 6, 4


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype("float32")


def _data():
    """One dict of float32 inputs used by every case (seeded)."""
    logits = RNG.normal(size=(B, K)).astype("float32") * 3
    onehot = np.eye(K, dtype="float32")[RNG.integers(0, K, B)]
    return {
        "reg_true": RNG.normal(size=(B, K)).astype("float32"),
        "reg_pred": RNG.normal(size=(B, K)).astype("float32"),
        "pos_true": RNG.uniform(0, 3, (B, K)).astype("float32"),
        "pos_pred": RNG.uniform(0.1, 3, (B, K)).astype("float32"),
        "bin_true": RNG.integers(0, 2, (B, K)).astype("float32"),
        "bin_prob": RNG.uniform(0.01, 0.99, (B, K)).astype("float32"),
        "bin_logit": (RNG.normal(size=(B, K)) * 4).astype("float32"),
        "pm1_true": (RNG.integers(0, 2, (B, K)) * 2 - 1).astype("float32"),
        "onehot": onehot,
        "probs": _softmax(logits),
        "logits": logits,
        "sparse": RNG.integers(0, K, B).astype("int32"),
        "sparse_col": RNG.integers(0, K, (B, 1)).astype("int32"),
        "dist_true": _softmax(RNG.normal(size=(B, K)).astype("float32")),
        "seq_true": RNG.normal(size=(B, 3, K)).astype("float32"),
        "seq_pred": RNG.normal(size=(B, 3, K)).astype("float32"),
        "sw": RNG.uniform(0, 2, B).astype("float32"),
    }


D = _data()

# (function name, y_true key, y_pred key, kwargs)
FUNCTION_CASES = [
    ("mean_squared_error", "reg_true", "reg_pred", {}),
    ("mean_squared_error", "seq_true", "seq_pred", {}),
    ("mean_absolute_error", "reg_true", "reg_pred", {}),
    ("mean_absolute_percentage_error", "reg_true", "reg_pred", {}),
    ("mean_squared_logarithmic_error", "pos_true", "pos_pred", {}),
    ("cosine_similarity", "reg_true", "reg_pred", {}),
    ("cosine_similarity", "reg_true", "reg_pred", {"axis": 0}),
    ("huber", "reg_true", "reg_pred", {}),
    ("huber", "reg_true", "reg_pred", {"delta": 0.3}),
    ("log_cosh", "reg_true", "reg_pred", {}),
    ("hinge", "bin_true", "reg_pred", {}),
    ("hinge", "pm1_true", "reg_pred", {}),
    ("squared_hinge", "bin_true", "reg_pred", {}),
    ("squared_hinge", "pm1_true", "reg_pred", {}),
    ("categorical_hinge", "onehot", "reg_pred", {}),
    ("kl_divergence", "dist_true", "probs", {}),
    ("poisson", "pos_true", "pos_pred", {}),
    ("binary_crossentropy", "bin_true", "bin_prob", {}),
    ("binary_crossentropy", "bin_true", "bin_logit", {"from_logits": True}),
    ("binary_crossentropy", "bin_true", "bin_prob", {"label_smoothing": 0.2}),
    ("binary_crossentropy", "bin_true", "bin_logit", {"from_logits": True, "label_smoothing": 0.1}),
    ("binary_crossentropy", "bin_true", "bin_prob", {"axis": 0}),
    ("categorical_crossentropy", "onehot", "probs", {}),
    ("categorical_crossentropy", "onehot", "logits", {"from_logits": True}),
    ("categorical_crossentropy", "onehot", "probs", {"label_smoothing": 0.1}),
    ("categorical_crossentropy", "onehot", "logits", {"from_logits": True, "label_smoothing": 0.3}),
    ("categorical_crossentropy", "dist_true", "bin_prob", {}),  # unnormalised probabilities
    ("sparse_categorical_crossentropy", "sparse", "probs", {}),
    ("sparse_categorical_crossentropy", "sparse", "logits", {"from_logits": True}),
    ("sparse_categorical_crossentropy", "sparse_col", "logits", {"from_logits": True}),
    ("sparse_categorical_crossentropy", "sparse", "logits",
     {"from_logits": True, "ignore_class": 1}),
    ("binary_focal_crossentropy", "bin_true", "bin_prob", {}),
    ("binary_focal_crossentropy", "bin_true", "bin_logit",
     {"from_logits": True, "apply_class_balancing": True, "gamma": 1.5, "label_smoothing": 0.1}),
    ("categorical_focal_crossentropy", "onehot", "probs", {}),
    ("categorical_focal_crossentropy", "onehot", "logits", {"from_logits": True, "alpha": 0.5}),
    ("dice", "bin_true", "bin_prob", {}),
    ("dice", "bin_true", "bin_prob", {"axis": 1}),
    ("tversky", "bin_true", "bin_prob", {"alpha": 0.7, "beta": 0.3}),
]


@pytest.mark.parametrize("name,t,p,kw", FUNCTION_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(FUNCTION_CASES)])
def test_function_matches_keras(keras, name, t, p, kw):
    ours = getattr(losses, name)(D[t], D[p], **kw)
    theirs = getattr(keras.losses, name)(D[t], D[p], **kw)
    assert _np(ours).shape == _knp(theirs).shape
    close(ours, theirs)


def test_function_signatures_match_keras(keras):
    for name in ("binary_crossentropy", "categorical_crossentropy",
                 "sparse_categorical_crossentropy", "huber", "cosine_similarity",
                 "binary_focal_crossentropy", "categorical_focal_crossentropy", "dice",
                 "tversky", "mean_squared_error", "kl_divergence"):
        ours = inspect.signature(getattr(losses, name))
        theirs = inspect.signature(getattr(keras.losses, name))
        assert [(p.name, p.default) for p in ours.parameters.values()] == \
            [(p.name, p.default) for p in theirs.parameters.values()], name


def test_aliases():
    assert losses.mse is losses.mean_squared_error
    assert losses.mae is losses.mean_absolute_error
    assert losses.mape is losses.mean_absolute_percentage_error
    assert losses.msle is losses.mean_squared_logarithmic_error
    assert losses.kld is losses.kl_divergence
    assert losses.logcosh is losses.log_cosh


def test_rank_squeeze_and_expand(keras):
    y_true = RNG.normal(size=(B,)).astype("float32")
    y_pred = RNG.normal(size=(B, 1)).astype("float32")
    close(losses.mean_squared_error(y_true, y_pred),
          keras.losses.mean_squared_error(y_true, y_pred))
    close(losses.MeanAbsoluteError()(y_pred, y_true),
          keras.losses.MeanAbsoluteError()(y_pred, y_true))
    close(losses.BinaryCrossentropy()(D["bin_true"][:, 0], D["bin_prob"][:, :1]),
          keras.losses.BinaryCrossentropy()(D["bin_true"][:, 0], D["bin_prob"][:, :1]))


# (class name, ctor kwargs, y_true key, y_pred key)
CLASS_CASES = [
    ("MeanSquaredError", {}, "reg_true", "reg_pred"),
    ("MeanAbsoluteError", {}, "reg_true", "reg_pred"),
    ("MeanAbsolutePercentageError", {}, "reg_true", "reg_pred"),
    ("MeanSquaredLogarithmicError", {}, "pos_true", "pos_pred"),
    ("CosineSimilarity", {}, "reg_true", "reg_pred"),
    ("Huber", {"delta": 0.5}, "reg_true", "reg_pred"),
    ("LogCosh", {}, "reg_true", "reg_pred"),
    ("Hinge", {}, "bin_true", "reg_pred"),
    ("SquaredHinge", {}, "pm1_true", "reg_pred"),
    ("CategoricalHinge", {}, "onehot", "reg_pred"),
    ("KLDivergence", {}, "dist_true", "probs"),
    ("Poisson", {}, "pos_true", "pos_pred"),
    ("BinaryCrossentropy", {}, "bin_true", "bin_prob"),
    ("BinaryCrossentropy", {"from_logits": True}, "bin_true", "bin_logit"),
    ("BinaryCrossentropy", {"label_smoothing": 0.1}, "bin_true", "bin_prob"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "bin_true", "bin_logit"),
    ("CategoricalCrossentropy", {}, "onehot", "probs"),
    ("CategoricalCrossentropy", {"from_logits": True}, "onehot", "logits"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, "onehot", "probs"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot", "logits"),
    ("SparseCategoricalCrossentropy", {}, "sparse", "probs"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse", "logits"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_col", "logits"),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 2}, "sparse", "logits"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True}, "bin_true", "bin_prob"),
    ("CategoricalFocalCrossentropy", {"from_logits": True}, "onehot", "logits"),
]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "none", None, "mean_with_sample_weight"]
WEIGHTS = {"none": None, "vector": D["sw"], "column": D["sw"][:, None],
           "scalar": np.float32(0.7), "with_zero": np.where(np.arange(B) % 2, D["sw"], 0)}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("cls,kw,t,p", CLASS_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CLASS_CASES)])
def test_class_matches_keras(keras, cls, kw, t, p, reduction):
    ours = getattr(losses, cls)(reduction=reduction, **kw)
    theirs = getattr(keras.losses, cls)(reduction=reduction, **kw)
    for wname, sw in WEIGHTS.items():
        a = ours(D[t], D[p], sample_weight=sw)
        b = theirs(D[t], D[p], sample_weight=sw)
        assert _np(a).shape == _knp(b).shape, wname
        close(a, b, rtol=2e-6)


def test_class_results_are_float32_scalars():
    out = losses.CategoricalCrossentropy()(D["onehot"], D["probs"])
    assert ops.shape(out) == ()
    assert ops.dtype(out) == "float32"


def test_sequence_losses_with_2d_sample_weight(keras):
    sw = RNG.uniform(0, 1, (B, 3)).astype("float32")
    for reduction in ("sum_over_batch_size", "sum", "none"):
        close(losses.MeanSquaredError(reduction=reduction)(D["seq_true"], D["seq_pred"], sw),
              keras.losses.MeanSquaredError(reduction=reduction)(D["seq_true"], D["seq_pred"], sw))


def test_custom_loss_subclass(keras):
    class Cube(losses.Loss):
        def call(self, y_true, y_pred):
            return ops.mean(ops.abs(ops.subtract(y_true, y_pred)) ** 3, axis=-1)

    class KCube(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return keras.ops.mean(keras.ops.abs(y_true - y_pred) ** 3, axis=-1)

    close(Cube(reduction="sum")(D["reg_true"], D["reg_pred"], D["sw"]),
          KCube(reduction="sum")(D["reg_true"], D["reg_pred"], D["sw"]), rtol=2e-6)
    assert Cube().name.startswith("cube")


def test_loss_function_wrapper(keras):
    from keras.src.losses import LossFunctionWrapper as KWrapper
    ours = losses.LossFunctionWrapper(losses.binary_crossentropy, from_logits=True,
                                      reduction="sum")
    theirs = KWrapper(keras.losses.binary_crossentropy, from_logits=True, reduction="sum")
    close(ours(D["bin_true"], D["bin_logit"], D["sw"]),
          theirs(D["bin_true"], D["bin_logit"], D["sw"]), rtol=2e-6)
    cfg = ours.get_config()
    assert cfg["from_logits"] is True and cfg["reduction"] == "sum"
    assert cfg["fn"]["config"] == "binary_crossentropy"
    assert set(cfg) == set(theirs.get_config())
    again = losses.LossFunctionWrapper.from_config(cfg)
    assert again.fn is losses.binary_crossentropy
    close(again(D["bin_true"], D["bin_logit"], D["sw"]),
          ours(D["bin_true"], D["bin_logit"], D["sw"]))


# ------------------------------------------------------------------ config / get / serialize
CONFIG_CLASSES = ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
                  "MeanSquaredLogarithmicError", "CosineSimilarity", "Huber", "LogCosh", "Hinge",
                  "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson",
                  "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
                  "CategoricalFocalCrossentropy", "SparseCategoricalCrossentropy", "Dice",
                  "Tversky"]


@pytest.mark.parametrize("cls", CONFIG_CLASSES)
def test_get_config_matches_keras(keras, cls):
    assert getattr(losses, cls)().get_config() == getattr(keras.losses, cls)().get_config()
    ours_sig = inspect.signature(getattr(losses, cls))
    theirs_sig = inspect.signature(getattr(keras.losses, cls))
    assert [(p.name, p.default) for p in ours_sig.parameters.values()] == \
        [(p.name, p.default) for p in theirs_sig.parameters.values()]


def test_from_config_round_trip():
    loss = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2,
                                          reduction="sum", name="cce")
    again = losses.CategoricalCrossentropy.from_config(loss.get_config())
    assert again.get_config() == loss.get_config()
    close(again(D["onehot"], D["logits"]), loss(D["onehot"], D["logits"]))


def test_serialize_matches_keras(keras):
    assert losses.serialize(losses.Huber(delta=2.0)) == keras.losses.serialize(
        keras.losses.Huber(delta=2.0))
    assert losses.serialize(losses.mean_squared_error) == keras.losses.serialize(
        keras.losses.mean_squared_error)
    cfg = keras.losses.serialize(keras.losses.BinaryCrossentropy(from_logits=True))
    loss = losses.deserialize(cfg)
    assert isinstance(loss, losses.BinaryCrossentropy) and loss.from_logits
    assert losses.deserialize(keras.losses.serialize(keras.losses.mean_squared_error)) is \
        losses.mean_squared_error


@pytest.mark.parametrize("name", ["mse", "MSE", "mae", "mape", "msle", "kld", "bce",
                                  "mean_squared_error", "categorical_crossentropy",
                                  "sparse_categorical_crossentropy", "binary_crossentropy",
                                  "huber", "log_cosh", "hinge", "poisson", "kl_divergence",
                                  "cosine_similarity", "CategoricalCrossentropy",
                                  "MeanSquaredError", "Huber"])
def test_get_by_name_matches_keras(keras, name):
    ours, theirs = losses.get(name), keras.losses.get(name)
    if inspect.isfunction(theirs):
        assert inspect.isfunction(ours) and ours.__name__ == theirs.__name__
    else:
        assert type(ours).__name__ == type(theirs).__name__
        assert ours.get_config() == theirs.get_config()
    t, p = ("sparse", "probs") if "sparse" in name.lower() else ("dist_true", "probs")
    close(ours(D[t], D[p]), theirs(D[t], D[p]), rtol=2e-6)


def test_get_other_identifiers():
    assert losses.get(None) is None
    fn = lambda y_true, y_pred: y_pred  # noqa: E731
    assert losses.get(fn) is fn
    inst = losses.Huber()
    assert losses.get(inst) is inst
    assert isinstance(losses.get(losses.Poisson), losses.Poisson)
    got = losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert isinstance(got, losses.CategoricalCrossentropy) and got.from_logits


def test_get_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match="nope") as e:
        losses.get("nope")
    assert "categorical_crossentropy" in str(e.value) and "mse" in str(e.value)
    with pytest.raises(ValueError):
        losses.get(42)


def test_resolve():
    assert losses.resolve("ce", (8,), (8, 10)).fn is losses.sparse_categorical_crossentropy
    assert losses.resolve("crossentropy", (8, 1), (8, 10)).fn is \
        losses.sparse_categorical_crossentropy
    assert losses.resolve("crossentropy", (8, 1), (8, 1)).fn is losses.binary_crossentropy
    assert losses.resolve("CE", (8, 10), (8, 10)).fn is losses.categorical_crossentropy
    mse = losses.resolve("mse")
    assert isinstance(mse, losses.LossFunctionWrapper) and mse.name == "mse"
    assert losses.resolve(losses.mean_absolute_error).name == "mean_absolute_error"
    inst = losses.Huber()
    assert losses.resolve(inst) is inst
    assert float(mse(np.zeros((2, 1)), np.ones((2, 1)), sample_weight=np.array([1.0, 0.0]))) == 0.5


# ------------------------------------------------------------------------------ errors
def test_shape_mismatch_names_loss_and_shapes():
    yt, yp = np.zeros((32, 10), "float32"), np.zeros((32, 5), "float32")
    for fn in (losses.mean_squared_error, losses.categorical_crossentropy,
               losses.binary_crossentropy, losses.hinge, losses.poisson):
        with pytest.raises(ValueError, match=fn.__name__) as e:
            fn(yt, yp)
        assert "(32, 10)" in str(e.value) and "(32, 5)" in str(e.value)
    with pytest.raises(ValueError, match="my_loss") as e:
        losses.MeanSquaredError(name="my_loss")(yt, yp)
    assert "(32, 10)" in str(e.value) and "(32, 5)" in str(e.value)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.sparse_categorical_crossentropy(np.zeros(16), np.zeros((32, 5)))
    with pytest.raises(ValueError, match="categorical_crossentropy.*\\(32, 10\\)"):
        losses.CategoricalCrossentropy()(yt, yp)


def test_bad_reduction_and_sample_weight():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="avg")
    with pytest.raises(ValueError, match="sample_weight"):
        losses.MeanSquaredError()(np.zeros((4, 3)), np.ones((4, 3)), sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="axis"):
        losses.categorical_crossentropy(D["onehot"], D["probs"], axis=True)


# ------------------------------------------------------------------------ differentiability
def test_gradients_match_tensorflow(keras):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("gradient reference uses the TensorFlow backend")
    import tensorflow as tf
    cases = [
        (losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
         keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
         "onehot", "logits"),
        (losses.SparseCategoricalCrossentropy(from_logits=True),
         keras.losses.SparseCategoricalCrossentropy(from_logits=True), "sparse", "logits"),
        (losses.BinaryCrossentropy(), keras.losses.BinaryCrossentropy(), "bin_true", "bin_prob"),
        (losses.Huber(), keras.losses.Huber(), "reg_true", "reg_pred"),
        (losses.CosineSimilarity(), keras.losses.CosineSimilarity(), "reg_true", "reg_pred"),
        (losses.LogCosh(), keras.losses.LogCosh(), "reg_true", "reg_pred"),
    ]
    for ours, theirs, t, p in cases:
        value, grad = ops.value_and_grad(lambda yp: ours(D[t], yp, sample_weight=D["sw"]))(D[p])
        yp = tf.Variable(D[p])
        with tf.GradientTape() as tape:
            ref = theirs(D[t], yp, sample_weight=D["sw"])
        close(value, ref.numpy(), rtol=2e-6)
        close(grad, tape.gradient(ref, yp).numpy(), atol=1e-6, rtol=1e-5)


def test_softmax_output_uses_stable_form_under_tape():
    # probabilities from ops.softmax on the tape give the logits-form gradient, no NaN
    logits = np.array([[80.0, -80.0, 0.0]], "float32")
    y = np.array([[0.0, 1.0, 0.0]], "float32")
    value, grad = ops.value_and_grad(
        lambda z: losses.CategoricalCrossentropy()(y, ops.softmax(z)))(logits)
    assert np.isfinite(_np(grad)).all()
    # the clipped probability form would be capped at -log(1e-7) ~ 16.1; Keras's TF backend
    # also switches to logits for softmax outputs
    assert abs(float(_np(value)) - 160.0) < 1e-3
