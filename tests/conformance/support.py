"""Fixtures of the cross-backend conformance suite: one parameter per backend.

A backend whose framework is not installed is skipped with the pip extra to install; where the
environment variable ``CI`` is set (the test environment installs all four), it fails instead.
"""
from __future__ import annotations

import os

import pytest

import kfront
from kfront import backends

BACKENDS = list(backends.NAMES)


def activate(name: str) -> None:
    """Make ``name`` the active backend, or skip (fail in CI) with the reason."""
    try:
        kfront.config.set_backend(name)
    except (ImportError, NotImplementedError) as e:
        if os.environ.get("CI"):
            pytest.fail(f"backend {name!r} must run in CI: {e}")
        pytest.skip(str(e))


@pytest.fixture(params=BACKENDS)
def backend(request):
    """The name of an active backend; the native engine is restored afterwards."""
    activate(request.param)
    yield request.param
    kfront.config.set_backend("numpy")
