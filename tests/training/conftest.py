"""Fixtures of the training tests: the ``backend`` fixture (one parameter per kfront backend),
shared with the conformance suite; Keras on TensorFlow as an oracle, and kfront on TensorFlow."""
import pytest

import kfront
from conformance.support import backend  # noqa: F401  (pytest fixture)


@pytest.fixture
def keras_tf(keras):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the oracle is Keras on TensorFlow")
    return keras


@pytest.fixture
def on_tensorflow():
    kfront.config.set_backend("tensorflow")
    yield
    kfront.config.set_backend("numpy")
