"""Image ops (``keras.ops.image``): resizing, affine and perspective transforms, colour spaces, patches, filters, reachable as ``kfront.ops.image``."""
from __future__ import annotations

__all__: list[str] = []
