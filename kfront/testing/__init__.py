"""Tools for checking a model across backends (``python -m kfront.testing --help``).

Example:
    >>> import numpy as np, kfront
    >>> from kfront import layers
    >>> build = lambda: kfront.Sequential([layers.Input((4,)), layers.Dense(3)])
    >>> report = kfront.testing.check_backends(build, np.ones((2, 4), "float32"),
    ...                                        backends=["numpy"])
    >>> report.max_deviation()
    0.0
"""
from kfront.testing.check_backends import BackendReport, check_backends

__all__ = ["BackendReport", "check_backends"]
