"""int8 GEMM of the TensorFlow backend (``quantized_matmul``: int8 x int8 -> int32)."""
from __future__ import annotations

import tensorflow as tf

from kfront.backends.tensorflow.core import convert_to_tensor

__all__ = ["quantized_matmul"]


def quantized_matmul(x, y, dtype="int32"):
    """``x @ y`` for int8 ``x`` (..., K) and ``y`` (K, N), exactly (int32), as ``dtype``
    (TensorFlow's MatMul has no int8 kernel; int32 operands give the same result)."""
    x, y = tf.cast(convert_to_tensor(x), tf.int32), tf.cast(convert_to_tensor(y), tf.int32)
    return tf.cast(tf.tensordot(x, y, axes=[[x.shape.rank - 1], [0]]), dtype)
