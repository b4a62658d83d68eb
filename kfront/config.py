"""Global settings: the active backend, float precision, epsilon.

The backend is resolved once, at ``import kfront``, from (first found):
``KFRONT_BACKEND``, then ``$KFRONT_HOME/kfront.json`` (default ``~/.kfront/kfront.json``),
then ``"numpy"``.

Example:
    >>> import kfront
    >>> kfront.config.backend() in kfront.config.BACKENDS
    True
"""
from __future__ import annotations

import json
import os

from kfront import backends as _backends

BACKENDS = _backends.NAMES

_settings = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}


def kfront_home() -> str:
    """The folder of ``kfront.json``: ``$KFRONT_HOME`` or ``~/.kfront``."""
    return os.environ.get("KFRONT_HOME") or os.path.join(os.path.expanduser("~"), ".kfront")


def _read_json() -> dict:
    path = os.path.join(kfront_home(), "kfront.json")
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"kfront config file {path} is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise ValueError(f"kfront config file {path} must hold a JSON object, got {type(data).__name__}")
    return data


def _initial_backend() -> str:
    data = _read_json()
    for key in ("floatx", "epsilon", "image_data_format"):
        if key in data:
            _settings[key] = data[key]
    return os.environ.get("KFRONT_BACKEND") or data.get("backend") or "numpy"


def backend() -> str:
    """Name of the active backend: ``"numpy"``, ``"torch"``, ``"tensorflow"`` or ``"jax"``."""
    return _backends.active_name()


def set_backend(name: str) -> None:
    """Switch the active backend at run time.

    Objects built before the switch (layers, models, variables) are not converted: using
    them afterwards raises a ``RuntimeError``. Rebuild them after switching.

    Example:
        >>> import kfront
        >>> kfront.config.set_backend("numpy")
    """
    _backends.activate(name)


def floatx() -> str:
    """Default float dtype name (``"float32"``)."""
    return _settings["floatx"]


def set_floatx(value: str) -> None:
    """Set the default float dtype: ``"float16"``, ``"float32"`` or ``"float64"``."""
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(f"Unknown floatx {value!r}: expected float16, bfloat16, float32 or float64")
    _settings["floatx"] = value


def epsilon() -> float:
    """Fuzz factor used in numeric expressions (``1e-7``)."""
    return _settings["epsilon"]


def set_epsilon(value: float) -> None:
    """Set the fuzz factor."""
    _settings["epsilon"] = float(value)


def enable_unsafe_deserialization() -> None:
    """Let loading unmarshal the Python bytecode of ``Lambda`` layers, for the whole process
    (as ``safe_mode=False`` does for one call). Classes and functions are still resolved only
    from kfront's allowlist, the registry and ``custom_objects``.

    Example:
        >>> import kfront
        >>> kfront.config.enable_unsafe_deserialization()  # doctest: +SKIP
    """
    from kfront.saving import safety
    safety.enable_unsafe_deserialization()


def image_data_format() -> str:
    """``"channels_last"`` (the only layout kfront implements)."""
    return _settings["image_data_format"]
