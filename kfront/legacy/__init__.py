"""``keras.legacy``: tf.keras 2 compatibility (``kfront.legacy.saving``)."""
from kfront.legacy import saving

__all__ = ["saving"]
