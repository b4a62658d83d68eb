"""Image ops (``keras.ops.image``): resizing, affine and perspective transforms, colour spaces, patches, filters of the native engine, each with its gradient rule next to its forward."""
from __future__ import annotations

__all__ = ["image_compiled", "resize_images"]


def image_compiled(fn):
    """``fn`` itself: image ops run op by op on this backend (JAX compiles them whole)."""
    return fn


def resize_images(images, size, interpolation, antialias):
    """None: resizing runs through ``kfront.ops.image``'s resampling taps on this backend (the
    torch and tensorflow backends call their framework's resize where it computes the same)."""
    return None
