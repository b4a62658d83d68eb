"""Variables, conversion and dtypes on TensorFlow."""
from __future__ import annotations

import re

import numpy
import tensorflow as tf

from kfront.backends.common.dtypes import foreign_framework, foreign_to_numpy, standardize_dtype
from kfront.backends.common.variables import KVariable

NAME = "tensorflow"
TF_TYPES = (tf.Tensor, tf.Variable)  # a tf.Variable is not a tf.Tensor
SCALAR_TYPES = (bool, int, float, complex)


def op_input(x, what: str = "op"):
    """An op argument as TensorFlow sees it: tf tensors and Variables as they are, Python
    scalars kept (weakly typed, as numpy treats them), anything else through ``numpy.asarray``
    (so lists follow numpy's dtypes, as on the native engine); a ``tf.IndexedSlices`` dense."""
    if isinstance(x, TF_TYPES) or type(x) in SCALAR_TYPES:
        return x
    if isinstance(x, tf.IndexedSlices):
        return tf.convert_to_tensor(x)
    if isinstance(x, KVariable):
        return x.value
    if foreign_framework(x) not in (None, "tensorflow"):
        x = foreign_to_numpy(x, "tensorflow", what)
    return tf.convert_to_tensor(numpy.asarray(x))


def _np_dtype(dtype: str):
    return tf.as_dtype(dtype).as_numpy_dtype  # knows bfloat16 (ml_dtypes)


class Variable(KVariable):
    """A kfront Variable stored in a ``tf.Variable`` (trainable as the kfront flag).

    ``tf.function`` captures it natively, and ``tf.GradientTape`` watches it when trainable.
    ``numpy()`` returns a copy.
    """

    def _convert(self, value, dtype):
        what = f"Variable {self.name!r}"
        return tf.Variable(convert_to_tensor(value, dtype, what=what), trainable=self.trainable,
                           name=re.sub(r"[^A-Za-z0-9_.\-/]", "_", self.name))

    def _assign(self, value):
        var = self._value
        value = convert_to_tensor(value, var.dtype.name, what=f"Variable {self.path!r}")
        if not var.shape.is_compatible_with(value.shape):
            raise ValueError(f"Cannot assign a value of shape {tuple(value.shape)} to Variable "
                             f"{self.path!r} of shape {tuple(var.shape)}")
        var.assign(value)

    def numpy(self) -> numpy.ndarray:
        return numpy.array(self._value.numpy())

    # TensorFlow's own APIs take it where they take a tf.Variable (as Keras 3's variables):
    # ``tf.GradientTape.gradient(loss, model.trainable_weights)`` differentiates w.r.t. the
    # tf.Variable's handle, inside ``tf.function`` too
    _should_act_as_resource_variable = True

    @property
    def handle(self):
        """The underlying ``tf.Variable``'s resource handle."""
        return self._value.handle


tf.register_tensor_conversion_function(
    Variable, lambda v, dtype=None, name=None, as_ref=False: tf.convert_to_tensor(
        v.value, dtype=dtype, name=name))


def convert_to_tensor(x, dtype=None, sparse=None, what: str = "convert_to_tensor"):
    """``x`` as a ``tf.Tensor``: Python floats -> floatx, Python ints -> int32, numpy arrays
    keep their dtype, a Variable gives its current value; ``dtype`` casts."""
    if dtype is not None:
        dtype = standardize_dtype(dtype)
    if isinstance(x, KVariable):
        x = x.value
    if isinstance(x, tf.IndexedSlices):
        x = tf.convert_to_tensor(x)
    if isinstance(x, TF_TYPES):
        if dtype is None or x.dtype.name == dtype:
            return tf.convert_to_tensor(x)
        return tf.cast(x, dtype)
    if foreign_framework(x) is not None:
        x = foreign_to_numpy(x, "tensorflow", what)
    if dtype is None and not hasattr(x, "dtype"):
        a = numpy.asarray(x)
        if a.dtype == numpy.float64:
            from kfront import config
            dtype = config.floatx()
        elif a.dtype == numpy.int64:
            dtype = "int32"
        else:
            return tf.convert_to_tensor(a)
    return tf.convert_to_tensor(numpy.asarray(x, dtype=None if dtype is None else _np_dtype(dtype)))


def convert_to_numpy(x) -> numpy.ndarray:
    """``x`` (tf tensor, Variable, array) as a numpy array."""
    if isinstance(x, KVariable):
        return x.numpy()
    if isinstance(x, TF_TYPES):
        return x.numpy()
    if foreign_framework(x) not in (None, "tensorflow"):
        return foreign_to_numpy(x, "tensorflow", "convert_to_numpy")
    return numpy.asarray(x)


def is_tensor(x) -> bool:
    return tf.is_tensor(x)


def cast(x, dtype):
    """``x`` converted to ``dtype`` (differentiable between float dtypes); a
    ``tf.IndexedSlices`` stays one."""
    if isinstance(x, tf.IndexedSlices):
        return tf.IndexedSlices(cast(x.values, dtype), x.indices, x.dense_shape)
    x = op_input(x, "cast")
    dtype = standardize_dtype(dtype)
    if type(x) in SCALAR_TYPES:
        return tf.convert_to_tensor(numpy.asarray(x).astype(_np_dtype(dtype)))
    return x if isinstance(x, tf.Tensor) and x.dtype.name == dtype else tf.cast(x, dtype)


def shape(x) -> tuple:
    """The shape as a tuple of ints; in a traced graph, a size not known statically (a
    ``tf.data`` batch, a ``tf.function`` signature's ``None``) is a scalar int32 tensor, as
    in Keras's TensorFlow backend, so that shape arithmetic follows the actual size."""
    if isinstance(x, KVariable):
        x = x._value
    if not hasattr(x, "shape"):
        return numpy.shape(x)
    static = tuple(x.shape)
    if None not in static or not isinstance(x, tf.Tensor):
        return static
    dynamic = tf.shape(x)
    return tuple(dynamic[i] if s is None else s for i, s in enumerate(static))


def dtype(x) -> str:
    if isinstance(x, KVariable):
        return x.dtype  # an AutocastScope's dtype inside one
    return standardize_dtype(x.dtype if hasattr(x, "dtype") else numpy.asarray(x).dtype)


def device_module(x):
    """The array module of ``x``: TensorFlow's NumPy API (``tf.experimental.numpy``)."""
    return tf.experimental.numpy


def _read(v: Variable, dtype=None, name=None, as_ref=False):
    return tf.convert_to_tensor(v.value, dtype=dtype, name=name)


# tf ops (e.g. ``tf_tensor * kfront_variable``) read kfront Variables instead of copying them
# through ``__array__``, so that the read is recorded by tapes and traced by tf.function
tf.register_tensor_conversion_function(Variable, _read)


def device_scope(kind: str, index: int | None, name: str):
    """TensorFlow's device scope (``kfront.device``): ``tf.device``, with TensorFlow's soft
    placement (ops run on the CPU when the device is absent), as in Keras."""
    return tf.device(f"/{kind.upper()}:{index or 0}")


def remat(f):
    """``f`` recomputed in the backward: ``tf.recompute_grad``."""
    return tf.recompute_grad(f)
