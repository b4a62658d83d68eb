"""``keras.wrappers``: scikit-learn estimators around kfront models (needs scikit-learn,
imported on first use of a wrapper so that ``import kfront`` does not load it).

Example:
    >>> from kfront import wrappers
    >>> wrappers.SKLearnRegressor.__name__
    'SKLearnRegressor'
"""
__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


def __getattr__(name: str):
    if name in __all__:
        from kfront.wrappers import sklearn_wrapper  # noqa: PLC0415 (scikit-learn is slow)
        return getattr(sklearn_wrapper, name)
    raise AttributeError(f"module 'kfront.wrappers' has no attribute {name!r}")


def __dir__() -> list:
    return sorted(list(globals()) + __all__)
