"""Models (``keras.models``): Model, Sequential and functional models."""
from kfront.models.functional import Functional
from kfront.models.model import Model
from kfront.models.sequential import Sequential
from kfront.models.cloning import clone_model, model_from_json  # noqa: E402

_SAVING_API = ("load_model", "save_model")

__all__ = ["Functional", "Model", "Sequential", "clone_model", "model_from_json", *_SAVING_API]


def __getattr__(name: str):
    if name in _SAVING_API:  # kfront.saving's, imported on first use
        from kfront.saving import saving_api
        return getattr(saving_api, name)
    raise AttributeError(f"module 'kfront.models' has no attribute {name!r}")
