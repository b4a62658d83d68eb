"""Image ops (``keras.ops.image``): resizing, affine and perspective transforms, colour spaces, patches, filters of the native engine, each with its gradient rule next to its forward."""
from __future__ import annotations

__all__ = ["image_compiled"]


def image_compiled(fn):
    """``fn`` itself: image ops run op by op on this backend (JAX compiles them whole)."""
    return fn
