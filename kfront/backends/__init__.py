"""Backend registry.

Each backend is a sub-package ``kfront.backends.<name>`` exporting the same names (the ops
interface, ``Variable``, ``GradientTape``, ``value_and_grad``...). The active one's names are
copied into the namespace ``B``, which ``kfront.ops`` and the layers call through, so that
switching backends rebinds every op at once. Adding a backend is adding a sub-package and a
line in ``_FRAMEWORKS``.
"""
from __future__ import annotations

import importlib
import importlib.util
import types

from kfront.backends.common import memory

NAMES = ("numpy", "torch", "tensorflow", "jax")
# backend name -> (module it needs, pip extra that installs it)
_FRAMEWORKS = {"numpy": ("numpy", None), "torch": ("torch", "torch"),
               "tensorflow": ("tensorflow", "tensorflow"), "jax": ("jax", "jax")}

B = types.SimpleNamespace()
_state = {"name": None, "generation": 0}


def load(name: str) -> types.ModuleType:
    """Import backend ``name`` with clear errors for unknown names and missing frameworks."""
    if name not in NAMES:
        raise ValueError(f"Unknown kfront backend {name!r}: expected one of {', '.join(NAMES)}")
    framework, extra = _FRAMEWORKS[name]
    if importlib.util.find_spec(framework) is None:
        raise ImportError(f"kfront backend {name!r} needs the {framework} package, which is not "
                          f"installed: pip install 'kfront[{extra}]'")
    try:
        return importlib.import_module(f"kfront.backends.{name}")
    except ModuleNotFoundError as e:
        if e.name == f"kfront.backends.{name}":
            raise NotImplementedError(f"kfront backend {name!r} is not implemented yet") from None
        raise


def activate(name: str) -> None:
    """Make ``name`` the active backend (rebinds ``B``)."""
    module = load(name)
    if _state["name"] == name:
        return
    B.__dict__.clear()
    B.__dict__.update({k: getattr(module, k) for k in module.__all__})
    _state["name"] = name
    _state["generation"] += 1
    memory.keep_freed_memory()  # every backend allocates the same large buffers each step
    hook = getattr(module, "on_activate", None)  # e.g. the native engine pins OpenBLAS
    if hook is not None:
        hook()


def active_name() -> str:
    return _state["name"]


def generation() -> int:
    """Counter bumped by every backend switch; objects record it to detect stale use."""
    return _state["generation"]
