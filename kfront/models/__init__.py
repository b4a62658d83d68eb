"""Models (``keras.models``): Model, Sequential and functional models."""
from kfront.models.functional import Functional
from kfront.models.model import Model
from kfront.models.sequential import Sequential

__all__ = ["Functional", "Model", "Sequential"]
