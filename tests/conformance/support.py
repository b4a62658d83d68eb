"""Fixtures of the cross-backend conformance suite: one parameter per backend.

A backend whose framework is not installed is skipped with the pip extra to install; where the
environment variable ``CI`` is set (the test environment installs all four), it fails instead.
"""
from __future__ import annotations

import importlib.util
import os

import pytest

import kfront
from kfront import backends

BACKENDS = list(backends.NAMES)


def require(name: str) -> None:
    """Skip (fail in CI) when backend ``name``'s framework is not installed."""
    framework = backends._FRAMEWORKS[name][0]
    if importlib.util.find_spec(framework) is None:
        reason = f"{framework} is not installed: pip install 'kfront[{name}]'"
        if os.environ.get("CI"):
            pytest.fail(f"backend {name!r} must run in CI: {reason}")
        pytest.skip(reason)


def activate(name: str) -> None:
    """Make ``name`` the active backend, or skip (fail in CI) when its framework is missing.

    Only a missing framework skips: an import error inside kfront's own backend code fails."""
    require(name)
    kfront.config.set_backend(name)


@pytest.fixture(params=BACKENDS)
def backend(request):
    """The name of an active backend; the native engine is restored afterwards."""
    activate(request.param)
    yield request.param
    kfront.config.set_backend("numpy")
