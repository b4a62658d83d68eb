"""Image ops (``keras.ops.image``): resizing, affine and perspective transforms, colour spaces, patches, filters of the tensorflow backend."""
from __future__ import annotations

import tensorflow as tf

__all__ = ["image_compiled", "resize_images"]


def image_compiled(fn):
    """``fn`` itself: image ops run op by op on this backend (JAX compiles them whole)."""
    return fn


def resize_images(images, size, interpolation, antialias):
    """Channels-last float32 ``images`` resized by ``tf.image.resize`` for bilinear, nearest
    and area (what ``kfront.ops.image.resize`` computes, faster); None otherwise (TensorFlow
    resizes other dtypes in float32, and tabulates its bicubic kernel)."""
    if interpolation not in ("bilinear", "nearest", "area") or images.dtype != tf.float32:
        return None
    return tf.image.resize(images, size, method=interpolation, antialias=antialias)
