"""Numpy-style array ops: creation, shape manipulation, stacking and splitting, sorting and
searching, indexing, and products (einsum, outer, kron, ...) of the tensorflow backend, gradients
by ``tf.GradientTape``. Arguments arrive checked and of Keras's dtypes
(``kfront/ops/arrays.py``)."""
from __future__ import annotations

import tensorflow as tf

from kfront.backends.tensorflow.core import op_input

__all__ = ["argsort", "einsum", "searchsorted", "sort", "view"]


def einsum(subscripts, *operands):
    """``tf.einsum`` with explicit subscripts (``"ij,jk->ik"``)."""
    return tf.einsum(subscripts, *[op_input(x, "einsum") for x in operands])


def sort(x, axis=-1):
    """``tf.sort`` along ``axis``; gradient by TensorFlow."""
    return tf.sort(op_input(x, "sort"), axis=axis)


def argsort(x, axis=-1):
    """Indices that sort ``x`` along ``axis`` (stable). No gradient."""
    return tf.argsort(tf.stop_gradient(op_input(x, "argsort")), axis=axis, stable=True)


def searchsorted(sorted_sequence, values, side="left"):
    """Insertion points of ``values`` in the 1-D ``sorted_sequence``. No gradient."""
    v = tf.stop_gradient(op_input(values, "searchsorted"))
    seq = tf.stop_gradient(op_input(sorted_sequence, "searchsorted"))
    return tf.reshape(tf.searchsorted(seq, tf.reshape(v, [-1]), side=side), tf.shape(v))


def view(x, dtype):
    """The bits of ``x`` read as ``dtype`` (the last axis rescaled by the item sizes, as
    ``numpy.ndarray.view``)."""
    x = tf.stop_gradient(op_input(x, "view"))
    dtype = tf.as_dtype(dtype)
    old, new = x.dtype.size, dtype.size
    if new > old:  # the last axis groups into elements of the wider type
        x = tf.reshape(x, tf.concat([tf.shape(x)[:-1], [-1, new // old]], 0))
    y = tf.bitcast(x, dtype)
    if new < old:  # each element became several
        y = tf.reshape(y, tf.concat([tf.shape(x)[:-1], [-1]], 0))
    return y
