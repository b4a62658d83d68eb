"""``keras.wrappers``: scikit-learn estimators (classifier, regressor, transformer) around a
compiled kfront model. scikit-learn is optional: the classes exist without it and raise
ImportError when built, as in Keras."""
from __future__ import annotations

import copy

import numpy as np

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:  # optional: pip install scikit-learn
    sklearn = None

    class BaseEstimator:  # noqa: D101  (stand-ins, so the classes can be defined)
        pass

    class ClassifierMixin:  # noqa: D101
        pass

    class RegressorMixin:  # noqa: D101
        pass

    class TransformerMixin:  # noqa: D101
        pass

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


def _validate_data(estimator, *args, **kwargs):
    """``sklearn.utils.validation.validate_data`` (scikit-learn >= 1.6), else the estimator's
    own ``_validate_data``."""
    try:
        from sklearn.utils.validation import validate_data  # noqa: PLC0415
    except ImportError:
        return estimator._validate_data(*args, **kwargs)
    return validate_data(estimator, *args, **kwargs)


def _type_of_target(y) -> str:
    from sklearn.utils.multiclass import type_of_target  # noqa: PLC0415
    target_type = type_of_target(y)
    if target_type == "unknown":
        raise ValueError(f"Unknown label type for data: {y!r}")
    return target_type


def _check_fitted(estimator) -> None:
    from sklearn.utils.validation import check_is_fitted  # noqa: PLC0415
    check_is_fitted(estimator)


class TargetReshaper(TransformerMixin, BaseEstimator):
    """Makes 1-D targets 2-D (a column) and back, for encoders that want 2-D input."""

    def fit(self, y):
        self.ndim_ = y.ndim
        return self

    def transform(self, y):
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y):
        _check_fitted(self)
        return np.squeeze(y, axis=1) if self.ndim_ == 1 and y.ndim == 2 else y


class SKLBase(BaseEstimator):
    """The shared base of the wrappers: ``model`` is a compiled kfront ``Model`` (cloned at
    each fit) or a callable ``model(X=X, y=y, **model_kwargs)`` returning a compiled model;
    ``fit_kwargs`` go to ``Model.fit``. After ``fit``: ``model_``, ``history_``."""

    def __init__(self, model, warm_start: bool = False, model_kwargs: dict | None = None,
                 fit_kwargs: dict | None = None):
        if sklearn is None:
            raise ImportError(f"{type(self).__name__} requires `scikit-learn` to be installed. "
                              "Run `pip install scikit-learn` to install it.")
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def _more_tags(self):  # scikit-learn < 1.6
        return {"non_deterministic": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    def __sklearn_clone__(self):
        """A new unfitted wrapper with the same model (deep-copied unless a callable) and
        ``warm_start`` / ``model_kwargs`` (``fit_kwargs`` are not kept, as in Keras)."""
        model = self.model if callable(self.model) else copy.deepcopy(self.model)
        return type(self)(model=model, warm_start=self.warm_start,
                          model_kwargs=self.model_kwargs)

    @property
    def epoch_(self) -> int:
        """The number of epochs the model was trained for (0 before ``fit``). (Keras's
        property raises AttributeError once fitted: it reads the History as a dict.)"""
        history = getattr(self, "history_", None)
        return 0 if history is None else len(history.epoch)

    def set_fit_request(self, **kwargs):
        """Requests metadata (such as ``sample_weight``) for ``fit`` through scikit-learn's
        metadata routing, which must be enabled."""
        config = sklearn.get_config()
        if not config.get("enable_metadata_routing", False):
            raise RuntimeError("This method is only available when metadata routing is enabled."
                               " You can enable it using "
                               "sklearn.set_config(enable_metadata_routing=True).")
        from sklearn.utils.metadata_routing import MetadataRequest  # noqa: PLC0415
        self._metadata_request = MetadataRequest(owner=type(self).__name__)
        for param, alias in kwargs.items():
            self._metadata_request.score.add_request(param=param, alias=alias)
        return self

    def _get_model(self, X, y):
        from kfront.models import Model, clone_model  # noqa: PLC0415 (models import utils)
        if isinstance(self.model, Model):
            return clone_model(self.model)
        return self.model(X=X, y=y, **(self.model_kwargs or {}))

    def fit(self, X, y, **kwargs):
        """Validates ``X`` / ``y``, builds the model and trains it (``fit_kwargs`` updated
        with ``kwargs``); returns the estimator."""
        X, y = _validate_data(self, X, y)
        y = self._process_target(y, reset=True)
        model = self._get_model(X, y)
        if not model.compiled or not model.loss or not model.optimizer:
            raise RuntimeError("Given model needs to be compiled, and have a loss and an "
                               "optimizer.")
        fit_kwargs = self.fit_kwargs or {}
        fit_kwargs.update(kwargs)
        self.history_ = model.fit(X, y, **fit_kwargs)
        self.model_ = model
        return self

    def predict(self, X):
        """The model's predictions for ``X``, as targets like those ``fit`` was given."""
        _check_fitted(self)
        X = _validate_data(self, X, reset=False)
        return self._reverse_process_target(self.model_.predict(X))

    def _process_target(self, y, reset: bool = False):
        _type_of_target(y)
        if reset:
            self._target_encoder = TargetReshaper().fit(y)
        return self._target_encoder.transform(y)

    def _reverse_process_target(self, y):
        return self._target_encoder.inverse_transform(y)


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A scikit-learn classifier around a kfront model: targets (binary or multiclass labels)
    are one-hot encoded for training and decoded from the predictions; ``classes_`` holds the
    labels; ``decision_function`` returns the raw model outputs.

    Example:
        >>> import numpy as np
        >>> import kfront
        >>> from kfront import layers
        >>> from kfront.wrappers import SKLearnClassifier
        >>> kfront.config.disable_interactive_logging()  # predict's progress bars: to the log
        >>> def make_model(X, y):
        ...     model = kfront.Sequential([kfront.Input((X.shape[1],)),
        ...                                layers.Dense(y.shape[1], activation="softmax")])
        ...     model.compile(loss="categorical_crossentropy", optimizer="adam")
        ...     return model
        >>> X, y = np.random.rand(20, 3), np.arange(20) % 3
        >>> clf = SKLearnClassifier(make_model, fit_kwargs={"epochs": 1, "verbose": 0})
        >>> clf.fit(X, y).predict(X[:4]).shape, clf.classes_.tolist()
        ((4,), [0, 1, 2])
    """

    def decision_function(self, X):
        """The model's raw outputs (probabilities or logits) for ``X``."""
        _check_fitted(self)
        X = _validate_data(self, X, reset=False)
        return self.model_.predict(X)

    def _process_target(self, y, reset: bool = False):
        target_type = _type_of_target(y)
        if target_type not in ("binary", "multiclass"):
            raise ValueError("Only binary and multiclass target types are supported. Target "
                             f"type: {target_type}")
        if reset:
            from sklearn.pipeline import make_pipeline  # noqa: PLC0415
            from sklearn.preprocessing import OneHotEncoder  # noqa: PLC0415
            self._target_encoder = make_pipeline(
                TargetReshaper(), OneHotEncoder(sparse_output=False)).fit(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError("Classifier can't train when only one class is present.")
        return self._target_encoder.transform(y)

    def _more_tags(self):  # scikit-learn < 1.6
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A scikit-learn regressor around a kfront model (1-D targets are trained as a column
    and predicted 1-D).

    Example:
        >>> import numpy as np
        >>> import kfront
        >>> from kfront import layers
        >>> from kfront.wrappers import SKLearnRegressor
        >>> kfront.config.disable_interactive_logging()  # predict's progress bars: to the log
        >>> def make_model(X, y):
        ...     model = kfront.Sequential([kfront.Input((X.shape[1],)), layers.Dense(1)])
        ...     model.compile(loss="mse", optimizer="sgd")
        ...     return model
        >>> X = np.random.rand(16, 2)
        >>> reg = SKLearnRegressor(make_model, fit_kwargs={"epochs": 1, "verbose": 0})
        >>> reg.fit(X, X.sum(axis=1)).predict(X).shape
        (16,)
    """

    def _more_tags(self):  # scikit-learn < 1.6
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A scikit-learn transformer around a kfront model: ``fit`` trains it on ``(X, y)``,
    ``transform`` returns its outputs.

    Example:
        >>> import numpy as np
        >>> import kfront
        >>> from kfront import layers
        >>> from kfront.wrappers import SKLearnTransformer
        >>> kfront.config.disable_interactive_logging()  # predict's progress bars: to the log
        >>> def make_model(X, y):
        ...     model = kfront.Sequential([kfront.Input((X.shape[1],)), layers.Dense(1)])
        ...     model.compile(loss="mse", optimizer="sgd")
        ...     return model
        >>> X = np.random.rand(8, 3)
        >>> SKLearnTransformer(make_model, fit_kwargs={"epochs": 1, "verbose": 0}).fit(
        ...     X, X[:, 0]).transform(X).shape
        (8, 1)
    """

    def transform(self, X):
        """The model's outputs for ``X``."""
        _check_fitted(self)
        X = _validate_data(self, X, reset=False)
        return self.model_.predict(X)

    def _more_tags(self):  # scikit-learn < 1.6
        return {"preserves_dtype": []}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags
