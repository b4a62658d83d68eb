"""``kfront.wrappers`` (scikit-learn estimators): scikit-learn's estimator checks that Keras's
own tests use, and fit/predict equal to the wrapped kfront model used directly."""
import numpy as np
import pytest

import kfront
from kfront import layers, wrappers
from kfront.wrappers import sklearn_wrapper

sklearn = pytest.importorskip("sklearn", reason="scikit-learn is not installed: pip install "
                                                "scikit-learn")
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402


class _DynamicModel:
    """The MLP of Keras's wrapper tests (outputs from the target's width): a callable whose repr
    holds no address, so that the check ids are the same in every pytest-xdist worker."""

    def __repr__(self) -> str:
        return "dynamic_model"

    def __call__(self, X, y, loss, out_activation_function="softmax", layers_=(10,), seed=None):
        init = "glorot_uniform" if seed is None else kfront.initializers.GlorotUniform(seed)
        inputs = kfront.Input((X.shape[1],))
        hidden = inputs
        for size in layers_:
            hidden = layers.Dense(size, activation="relu", kernel_initializer=init)(hidden)
        outputs = layers.Dense(y.shape[1] if y.ndim > 1 else 1, activation=out_activation_function,
                               kernel_initializer=init)(hidden)
        model = kfront.Model(inputs, outputs)
        model.compile(loss=loss, optimizer="rmsprop")
        return model


dynamic_model = _DynamicModel()


# Keras's own list (keras/src/wrappers/sklearn_test.py), same reasons
EXPECTED_FAILED_CHECKS = {
    "SKLearnClassifier": {
        "check_classifiers_regression_target": "not an issue in sklearn>=1.6",
        "check_parameters_default_constructible": "not an issue in sklearn>=1.6",
        "check_classifiers_one_label_sample_weights": "0 sample weight is not ignored",
        "check_classifiers_classes": "with small test cases the estimator returns not all "
                                     "classes sometimes",
        "check_classifier_data_not_an_array": "This test assumes reproducibility in fit.",
        "check_supervised_y_2d": "This test assumes reproducibility in fit.",
        "check_fit_idempotent": "This test assumes reproducibility in fit.",
        "check_classifiers_train": "decision_function can return both probabilities and "
                                   "logits",
    },
    "SKLearnRegressor": {
        "check_parameters_default_constructible": "not an issue in sklearn>=1.6"},
    "SKLearnTransformer": {
        "check_parameters_default_constructible": "not an issue in sklearn>=1.6"},
}
ESTIMATORS = [
    wrappers.SKLearnClassifier(model=dynamic_model, model_kwargs={
        "loss": "categorical_crossentropy", "layers_": (20, 20, 20)},
        fit_kwargs={"epochs": 5, "verbose": 0}),
    wrappers.SKLearnRegressor(model=dynamic_model, model_kwargs={"loss": "mse"},
                              fit_kwargs={"verbose": 0}),
    wrappers.SKLearnTransformer(model=dynamic_model, model_kwargs={"loss": "mse"},
                                fit_kwargs={"verbose": 0}),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda estimator:
                         EXPECTED_FAILED_CHECKS[type(estimator).__name__])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _fit_kwargs():
    return {"epochs": 2, "batch_size": 8, "shuffle": False, "verbose": 0}


def test_wrappers_fit_and_predict_as_the_model(backend):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 3)).astype("float32")
    labels = np.array(["b", "a", "c"])[np.arange(24) % 3]
    onehot = (labels[:, None] == np.array(["a", "b", "c"])).astype("float32")
    target = X @ np.array([1.0, -2.0, 0.5], "float32")
    kwargs = {"loss": "categorical_crossentropy", "seed": 3}
    clf = wrappers.SKLearnClassifier(dynamic_model, model_kwargs=kwargs,
                                     fit_kwargs=_fit_kwargs()).fit(X, labels)
    direct = dynamic_model(X, onehot, **kwargs)
    direct.fit(X, onehot, **_fit_kwargs())
    probs = direct.predict(X, verbose=0)
    np.testing.assert_allclose(clf.decision_function(X), probs, rtol=1e-5, atol=1e-6)
    assert clf.classes_.tolist() == ["a", "b", "c"]
    assert clf.predict(X).tolist() == np.array(["a", "b", "c"])[probs.argmax(1)].tolist()
    assert clf.epoch_ == 2 and clf.history_.epoch == [0, 1]
    for cls in (wrappers.SKLearnRegressor, wrappers.SKLearnTransformer):
        kwargs = {"loss": "mse", "out_activation_function": None, "seed": 4}
        est = cls(dynamic_model, model_kwargs=kwargs, fit_kwargs=_fit_kwargs()).fit(X, target)
        direct = dynamic_model(X, target, **kwargs)
        direct.fit(X, target[:, None], **_fit_kwargs())
        out = est.predict(X) if cls is wrappers.SKLearnRegressor else est.transform(X)
        want = direct.predict(X, verbose=0)
        np.testing.assert_allclose(out, want[:, 0] if out.ndim == 1 else want, rtol=1e-5,
                                   atol=1e-6)


def test_wrapper_errors(monkeypatch):
    X, y = np.ones((6, 2), "float32"), np.arange(6) % 2

    def uncompiled(X, y):
        return kfront.Sequential([kfront.Input((2,)), layers.Dense(2)])

    with pytest.raises(RuntimeError, match="needs to be compiled"):
        wrappers.SKLearnClassifier(uncompiled).fit(X, y)
    with pytest.raises(ValueError, match="only one class"):
        wrappers.SKLearnClassifier(dynamic_model, model_kwargs={"loss": "mse"}).fit(X, y * 0)
    with pytest.raises(ValueError, match="binary and multiclass"):
        wrappers.SKLearnClassifier(dynamic_model, model_kwargs={"loss": "mse"}).fit(
            X, np.linspace(0, 1, 6))
    with pytest.raises(RuntimeError, match="metadata routing"):
        wrappers.SKLearnRegressor(dynamic_model).set_fit_request(sample_weight=True)
    monkeypatch.setattr(sklearn_wrapper, "sklearn", None)
    with pytest.raises(ImportError, match="SKLearnRegressor requires `scikit-learn`"):
        wrappers.SKLearnRegressor(dynamic_model)
