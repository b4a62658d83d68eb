"""The ``backend`` fixture (one parameter per kfront backend), shared with the conformance suite."""
from conformance.support import backend  # noqa: F401  (pytest fixture)
