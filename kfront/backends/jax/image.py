"""Image ops (``keras.ops.image``): resizing, affine and perspective transforms, colour spaces, patches, filters of the jax backend."""
from __future__ import annotations

import functools

import jax

from kfront.backends.jax.core import convert_to_tensor

__all__ = ["image_compiled", "resize_images"]


def _tensor(x):
    """An op's tensor argument as a jax array (a list of arrays: each one)."""
    if isinstance(x, (list, tuple)) and any(hasattr(e, "shape") for e in x):
        return type(x)(convert_to_tensor(e) for e in x)
    return convert_to_tensor(x)


@functools.lru_cache(maxsize=512)
def _jitted(fn, config: tuple):
    return jax.jit(functools.partial(fn, **dict(config)))


def image_compiled(fn):
    """``fn(*tensors, **config)`` compiled whole by ``jax.jit``, once per ``config`` (an image op
    is dozens of small ops, each compiled on its own when run eagerly); a config that cannot be
    hashed runs eagerly."""
    def call(*tensors, **config):
        key = tuple(sorted(config.items()))
        try:
            hash(key)
        except TypeError:
            return fn(*tensors, **config)
        return _jitted(fn, key)(*(_tensor(t) for t in tensors))
    return call


def resize_images(images, size, interpolation, antialias):
    """None: resizing runs through ``kfront.ops.image``'s resampling taps on this backend (the
    torch and tensorflow backends call their framework's resize where it computes the same)."""
    return None
