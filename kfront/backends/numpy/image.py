"""Image ops (``keras.ops.image``): resizing, affine and perspective transforms, colour spaces, patches, filters of the native engine, each with its gradient rule next to its forward."""
from __future__ import annotations

__all__: list[str] = []
