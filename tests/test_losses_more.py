"""CTC, Circle and CategoricalGeneralizedCrossEntropy against real Keras, on every backend."""
import numpy as np
import pytest

from conformance.support import backend  # noqa: F401  (pytest fixture)
from kfront import Input, Sequential, layers, losses, ops

R = np.random.default_rng(3)
B = 6
LABELS = np.array([0, 1, 0, 2, 1, 0], "int32")
EMB = R.normal(size=(B, 4)).astype("float32")
EMB /= np.linalg.norm(EMB, axis=1, keepdims=True)
REF_LABELS = np.array([0, 1, 2, 2], "int32")
REF_EMB = EMB[:4][::-1].copy()
PROBS = R.dirichlet(np.ones(5), size=B).astype("float32")
CLASSES = R.integers(0, 5, B).astype("int32")
CTC_TRUE = np.array([[1, 2, 0], [3, 3, 1], [2, 0, 0], [1, 0, 0], [3, 1, 2], [2, 2, 0]], "int32")
CTC_LOGITS = R.normal(size=(B, 7, 4)).astype("float32")
SW = R.uniform(0.5, 2, B).astype("float32")

# (class, kwargs, y_true, y_pred)
CASES = [
    ("CTC", {}, CTC_TRUE, CTC_LOGITS),
    ("Circle", {}, LABELS, EMB),
    ("Circle", {"gamma": 20.0, "margin": 0.25, "remove_diagonal": False}, LABELS, EMB),
    ("CategoricalGeneralizedCrossEntropy", {}, CLASSES, PROBS),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.2}, CLASSES, PROBS),
]
REDUCTIONS = ["sum_over_batch_size", "sum", "none"]


@pytest.fixture(scope="module")
def expected():
    keras = pytest.importorskip("keras")
    out = {}
    for i, (cls, kw, t, p) in enumerate(CASES):
        for reduction in REDUCTIONS:
            for sw in (None, SW):
                loss = getattr(keras.losses, cls)(reduction=reduction, **kw)
                out[i, reduction, sw is None] = np.asarray(loss(t, p, sample_weight=sw))
        out[i, "config"] = getattr(keras.losses, cls)(**kw).get_config()
    fns = {"ctc": keras.losses.ctc(CTC_TRUE, CTC_LOGITS),
           "circle": keras.losses.circle(LABELS, EMB),
           "circle_ref": keras.losses.circle(LABELS, EMB, ref_labels=REF_LABELS,
                                             ref_embeddings=REF_EMB, gamma=10, margin=0.3),
           "cgce": keras.losses.categorical_generalized_cross_entropy(CLASSES, PROBS, q=0.7)}
    out.update({k: np.asarray(v) for k, v in fns.items()})
    return out


def test_losses_match_keras(backend, expected):
    for i, (cls, kw, t, p) in enumerate(CASES):
        # CTC's forward algorithm is slow eagerly on JAX: one weighted reduction is enough,
        # the per-sample values are checked through losses.ctc below
        combos = ([("sum_over_batch_size", SW)] if cls == "CTC" else
                  [(reduction, sw) for reduction in REDUCTIONS for sw in (None, SW)])
        for reduction, sw in combos:
            loss = getattr(losses, cls)(reduction=reduction, **kw)
            got = ops.convert_to_numpy(loss(t, p, sample_weight=sw))
            np.testing.assert_allclose(got, expected[i, reduction, sw is None], rtol=2e-5,
                                       atol=1e-5, err_msg=f"{cls}{kw} {reduction}")
        loss = getattr(losses, cls)(**kw)
        assert loss.get_config() == expected[i, "config"]
        again = losses.deserialize(losses.serialize(loss))
        assert type(again) is type(loss) and again.get_config() == loss.get_config()
    got = {"ctc": losses.ctc(CTC_TRUE, CTC_LOGITS), "circle": losses.circle(LABELS, EMB),
           "circle_ref": losses.circle(LABELS, EMB, ref_labels=REF_LABELS,
                                       ref_embeddings=REF_EMB, gamma=10, margin=0.3),
           "cgce": losses.categorical_generalized_cross_entropy(CLASSES, PROBS, q=0.7)}
    for key, value in got.items():
        np.testing.assert_allclose(ops.convert_to_numpy(value), expected[key], rtol=2e-5,
                                   atol=1e-5, err_msg=key)
    assert np.any(expected["circle"] > 0) and np.any(expected["circle"] == 0)


def test_losses_train_in_fit(backend):
    model = Sequential([Input((3,)), layers.Dense(4), layers.UnitNormalization()])
    model.compile("sgd", losses.Circle(gamma=10.0))
    x = R.normal(size=(12, 3)).astype("float32")
    y = np.arange(12) % 3
    history = model.fit(x, y, epochs=2, batch_size=6, verbose=0).history["loss"]
    assert np.all(np.isfinite(history))
    model = Sequential([Input((3,)), layers.Dense(5, activation="softmax")])
    model.compile("sgd", losses.CategoricalGeneralizedCrossEntropy(q=0.3))
    history = model.fit(x, y, epochs=3, batch_size=12, verbose=0).history["loss"]
    assert history[-1] < history[0]
    model = Sequential([Input((7, 2)), layers.Dense(4)])
    model.compile("sgd", "ctc")
    xs = R.normal(size=(B, 7, 2)).astype("float32")
    history = model.fit(xs, CTC_TRUE, epochs=3, batch_size=B, verbose=0).history["loss"]
    assert history[-1] < history[0]


def test_bad_input_names_the_loss():
    with pytest.raises(ValueError, match="CategoricalGeneralizedCrossEntropy.*q"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.0)
    with pytest.raises(ValueError, match="ctc.*y_true"):
        losses.ctc(np.zeros((2,), "int32"), CTC_LOGITS)
    with pytest.raises(ValueError, match="ctc.*y_pred"):
        losses.ctc(CTC_TRUE, CTC_LOGITS[:, :, 0])
    with pytest.raises(ValueError, match="circle.*y_pred"):
        losses.circle(LABELS, EMB[:, :, None])
    assert type(losses.get("circle")) is not None and losses.get("ctc") is losses.ctc


def test_sparsemax_activation_matches_keras(backend):
    # kfront.activations.sparsemax (landed with this issue; lives here so that the activations
    # test module stays with its owner)
    from kfront import activations
    keras = pytest.importorskip("keras")
    x = R.normal(size=(3, 5)).astype("float32")
    for axis in (-1, 0):
        np.testing.assert_allclose(ops.convert_to_numpy(activations.sparsemax(x, axis=axis)),
                                   np.asarray(keras.activations.sparsemax(x, axis=axis)),
                                   rtol=1e-5, atol=1e-6)
    assert activations.get("sparsemax") is activations.sparsemax


def test_native_gradients_match_finite_differences():
    # on the native engine (the default backend here), in float64
    rng = np.random.default_rng(5)
    emb = rng.normal(size=(5, 3))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    probs = rng.dirichlet(np.ones(4), size=5)
    cases = [(losses.Circle(gamma=8.0, dtype="float64"), np.array([0, 1, 0, 1, 2]), emb),
             (losses.CategoricalGeneralizedCrossEntropy(q=0.3, dtype="float64"),
              np.array([0, 3, 1, 1, 2]), probs),
             (losses.CTC(dtype="float64"), CTC_TRUE[:2], rng.normal(size=(2, 5, 4)))]
    for loss, y_true, y_pred in cases:
        def value(p):
            return loss(y_true, p)

        grad = ops.convert_to_numpy(ops.value_and_grad(value)(y_pred)[1])
        num = np.zeros_like(y_pred)
        for j in range(y_pred.size):
            step = np.zeros(y_pred.size)
            step[j] = 1e-6
            step = step.reshape(y_pred.shape)
            num.flat[j] = (float(ops.convert_to_numpy(value(y_pred + step)))
                           - float(ops.convert_to_numpy(value(y_pred - step)))) / 2e-6
        err = np.linalg.norm(grad - num) / (np.linalg.norm(grad) + np.linalg.norm(num))
        assert err < 1e-6, f"{loss.name}: rel err {err:.3g}"
        assert np.linalg.norm(num) > 0
