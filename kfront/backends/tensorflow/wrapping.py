"""Support for ``kfront.layers.TFSMLayer``: loading a TensorFlow SavedModel's endpoint."""
from __future__ import annotations

import tensorflow as tf


def load_endpoint(filepath: str, endpoint: str):
    """``(callable, loaded object)`` for ``endpoint`` of the SavedModel at ``filepath``."""
    loaded = tf.saved_model.load(filepath)
    fn = getattr(loaded, endpoint, None)
    if fn is None:
        fn = loaded.signatures.get(endpoint) if hasattr(loaded, "signatures") else None
    if fn is None:
        names = sorted(getattr(loaded, "signatures", {}) or {})
        raise ValueError(f"TFSMLayer: the SavedModel at {filepath!r} has no endpoint "
                         f"{endpoint!r}; its signatures: {names}")
    return fn, loaded
