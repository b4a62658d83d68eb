"""Optional packages (OpenCV, matplotlib) imported on first use, so that ``import kfront``
does not load them; each module keeps its binding as a module attribute (``cv2``, ``plt``,
``patches``) that stays ``LAZY`` until then."""
from __future__ import annotations

import importlib

LAZY = object()


def resolve(namespace: dict, name: str, module: str):
    """``namespace[name]``, importing ``module`` into it on first use (``None`` if absent)."""
    if namespace[name] is LAZY:
        try:
            namespace[name] = importlib.import_module(module)
        except ImportError:
            namespace[name] = None
    return namespace[name]
