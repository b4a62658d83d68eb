"""Image ops (``keras.ops.image``): resizing, affine and perspective transforms, colour spaces, patches, filters of the torch backend."""
from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["image_compiled", "resize_images"]


def image_compiled(fn):
    """``fn`` itself: image ops run op by op on this backend (JAX compiles them whole)."""
    return fn


def resize_images(images, size, interpolation, antialias):
    """Channels-last float ``images`` resized by ``torch.nn.functional.interpolate`` for
    bilinear (half-pixel centres, antialias widening the kernel when downsampling: what
    ``kfront.ops.image.resize`` computes, faster); None for the other interpolations and
    dtypes (torch computes the sampling positions of float64 images in float32)."""
    if interpolation != "bilinear" or images.dtype != torch.float32:
        return None
    out = F.interpolate(images.permute(0, 3, 1, 2), size=tuple(size), mode="bilinear",
                        align_corners=False, antialias=antialias)
    return out.permute(0, 2, 3, 1)
