"""Numpy-style array ops: creation, shape manipulation, stacking and splitting, sorting and
searching, indexing, and products (einsum, outer, kron, ...) of the tensorflow backend, gradients
by ``tf.GradientTape``. Arguments arrive checked and of Keras's dtypes
(``kfront/ops/arrays.py``)."""
from __future__ import annotations

import tensorflow as tf

from kfront.backends.tensorflow.core import op_input

__all__ = ["einsum"]


def einsum(subscripts, *operands):
    """``tf.einsum`` with explicit subscripts (``"ij,jk->ik"``)."""
    return tf.einsum(subscripts, *[op_input(x, "einsum") for x in operands])
