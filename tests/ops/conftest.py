"""The ``backend`` fixture (one parameter per kfront backend), shared with the conformance suite,
and ``native_backend`` for the native engine's own kernel tests."""
import pytest

import kfront
from conformance.support import backend  # noqa: F401  (pytest fixture)


@pytest.fixture
def native_backend():
    """The native NumPy engine active for one test (the backend before it restored)."""
    before = kfront.config.backend()
    kfront.config.set_backend("numpy")
    yield
    kfront.config.set_backend(before)
