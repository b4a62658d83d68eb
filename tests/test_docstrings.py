"""Every docstring example in kfront runs and prints what it shows (doctest)."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import kfront

_OPTIONAL = ("kfront.backends.torch", "kfront.backends.tensorflow", "kfront.backends.jax")


def _modules():
    for info in pkgutil.walk_packages(kfront.__path__, "kfront."):
        if not info.name.startswith(_OPTIONAL):
            yield info.name


@pytest.fixture
def settings_restored():
    """Examples of setters (``set_dtype_policy``, ``set_epsilon``...) change process-wide
    settings: each module's examples get them back as they were."""
    saved = dict(kfront.config._settings)
    yield
    kfront.config._settings.clear()
    kfront.config._settings.update(saved)


@pytest.mark.parametrize("name", sorted(_modules()))
def test_docstring_examples_run(name, settings_restored):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
