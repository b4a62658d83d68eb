"""The ``backend`` fixture of the conformance suite (see ``support.py``)."""
from conformance.support import backend  # noqa: F401  (pytest fixture)
