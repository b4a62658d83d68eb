"""Image ops (``keras.ops.image``): resizing, affine and perspective transforms, colour spaces, patches, filters of the tensorflow backend."""
from __future__ import annotations

__all__: list[str] = []
