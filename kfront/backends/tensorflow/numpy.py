"""Array ops on TensorFlow, with the native engine's (numpy's) signatures and dtype rules.

TensorFlow does not promote dtypes, so every op first asks numpy which dtype its numpy
counterpart would compute in (``_plan``, cached per op and input dtypes: Python scalars are
weakly typed, as in numpy 2) and casts its inputs to it. Gradients are TensorFlow's.
"""
from __future__ import annotations

import builtins
import functools
import math

import numpy as np
import tensorflow as tf

from kfront.backends.common import padding
from kfront.backends.common.dtypes import standardize_dtype
from kfront.backends.tensorflow.core import SCALAR_TYPES, op_input

tnp = tf.experimental.numpy


# ------------------------------------------------------------------------ dtype promotion
def _key(x):
    t = type(x)
    return t if t in SCALAR_TYPES else x.dtype


@functools.lru_cache(maxsize=None)
def _plan(np_fn, keys: tuple) -> tuple:
    """(common input dtype, output dtype) of ``np_fn`` on inputs of dtypes ``keys``."""
    dummies = [k(1) if isinstance(k, type) else np.ones((), k.as_numpy_dtype) for k in keys]
    with np.errstate(all="ignore"):
        out = np.asarray(np_fn(*dummies)).dtype
    return tf.as_dtype(np.result_type(*dummies)), tf.as_dtype(out)


def _as(x, dtype):
    if type(x) in SCALAR_TYPES:
        return tf.convert_to_tensor(np.asarray(x, dtype.as_numpy_dtype))
    return x if x.dtype == dtype else tf.cast(x, dtype)


def _promote(np_fn, args, how: str = "out", what: str = "op") -> list:
    """``args`` (op inputs) cast to the dtype numpy computes ``np_fn`` in. ``how``: "out" (the
    output dtype, but the common input dtype for predicates), "common", or "bool"."""
    args = [op_input(a, what) for a in args]
    common, out = _plan(np_fn, tuple(_key(a) for a in args))
    if how == "bool":
        dtype = tf.bool
    elif how == "common" or out == tf.bool or common.is_complex:
        dtype = common
    else:
        dtype = out
    return [_as(a, dtype) for a in args]


def _named(name: str, fn, doc: str):
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _unary(name, tf_fn, np_fn, how="out"):
    def op(x):
        return tf_fn(*_promote(np_fn, (x,), how, name))
    return _named(name, op, f"Elementwise ``{name}`` (numpy's dtype rules).")


def _binary(name, tf_fn, np_fn, how="out"):
    def op(x1, x2):
        return tf_fn(*_promote(np_fn, (x1, x2), how, name))
    return _named(name, op, f"Broadcasting ``{name}`` (numpy's dtype rules).")


def _rows_of(x, slices: tf.IndexedSlices):
    """``x`` at the rows of ``slices``: a scalar as it is, slices on the same indices as their
    values, a tensor of the dense shape gathered; None for anything else."""
    if isinstance(x, tf.IndexedSlices):
        return x.values if x.indices is slices.indices else None
    shape = getattr(x, "shape", ())
    if len(shape) == 0:
        return x
    dense = tf.get_static_value(slices.dense_shape)
    if dense is None:  # traced: the variable's shape, known but for its rows (not 1 row,
        # which could broadcast)
        shape, dense = tuple(shape), (shape[0], *slices.values.shape[1:])
        if shape[0] in (None, 1):
            return None
    if tuple(shape) != tuple(dense):
        return None
    return tf.gather(op_input(x), slices.indices)


def _slicewise(op, sides: tuple = (0,)):
    """``op`` mapping a ``tf.IndexedSlices`` (a gathered variable's gradient, one slice per
    lookup) slice by slice, as Keras's TensorFlow backend does for the zero-preserving
    elementwise ops: ``square`` of an Embedding's gradient sums the squares of the slices of a
    repeated row, not the square of their sum, which is what Keras's optimizers' second
    moments see there. ``sides``: the argument positions that may be the slices; the other
    operand must be a scalar, slices on the same indices or a tensor of the full shape (its
    rows at the indices are taken), else the slices are densified (``op_input``)."""
    def wrapped(*args):
        for i in sides:
            x = args[i]
            if not isinstance(x, tf.IndexedSlices):
                continue
            rows = [x.values if a is x else _rows_of(a, x) for a in args]
            if not builtins.any(r is None for r in rows):
                return tf.IndexedSlices(op(*rows), x.indices, x.dense_shape)
        return op(*args)
    return _named(op.__name__, wrapped, op.__doc__ + " A ``tf.IndexedSlices`` stays one.")


def _no_grad_sign(x):
    return tf.stop_gradient(tf.sign(x))  # the native engine gives sign no gradient at all


_NARROW = (tf.bool, tf.int8, tf.uint8, tf.int16, tf.uint16)


def _wider(tf_fn, dtypes=_NARROW, wide=tf.int32):
    """``tf_fn`` for operands of ``dtypes`` (TensorFlow has no kernel for them: bool add,
    uint8 abs, int8 floormod...) computed in ``wide``; a non-bool result cast back to the
    operands' dtype (the same values, integers modulo 2**bits as numpy)."""
    def fn(*args):
        if args[0].dtype not in dtypes:
            return tf_fn(*args)
        out = tf_fn(*(tf.cast(a, wide) for a in args))
        return out if out.dtype == tf.bool else tf.cast(out, args[0].dtype)
    return fn


_INTS = _NARROW + (tf.int32, tf.int64, tf.uint32, tf.uint64)

# ---------------------------------------------------------------------------- elementwise
negative = _slicewise(_unary("negative", _wider(tf.negative, (tf.uint8, tf.uint16)), np.negative))
abs = _slicewise(_unary("abs", _wider(tf.abs, (tf.bool, tf.uint8, tf.uint16)), np.abs))
exp = _unary("exp", tf.exp, np.exp)
expm1 = _unary("expm1", tf.math.expm1, np.expm1)
log = _unary("log", tf.math.log, np.log)
log1p = _unary("log1p", tf.math.log1p, np.log1p)
sqrt = _slicewise(_unary("sqrt", tf.sqrt, np.sqrt))
square = _slicewise(_unary("square", tf.square, np.square))
sin = _unary("sin", tf.sin, np.sin)
cos = _unary("cos", tf.cos, np.cos)
tanh = _unary("tanh", tf.tanh, np.tanh)
reciprocal = _unary("reciprocal", tf.math.reciprocal, np.reciprocal)
sign = _slicewise(_unary("sign", _wider(_no_grad_sign, (tf.uint8, tf.uint16)), np.sign))
floor = _unary("floor", tf.floor, np.floor)
ceil = _unary("ceil", tf.math.ceil, np.ceil)
round = _unary("round", tf.round, np.round)
isnan = _unary("isnan", _wider(tf.math.is_nan, _INTS, tf.float32), np.isnan)
isfinite = _unary("isfinite", _wider(tf.math.is_finite, _INTS, tf.float32), np.isfinite)
logical_not = _unary("logical_not", tf.logical_not, np.logical_not, "bool")

add = _binary("add", _wider(tf.add, (tf.bool,)), np.add)
subtract = _binary("subtract", tf.subtract, np.subtract)
multiply = _slicewise(_binary("multiply", _wider(tf.multiply, (tf.bool,)), np.multiply), (0, 1))
divide = _slicewise(_binary("divide", tf.divide, np.true_divide))


def _pow(x1, x2):
    """tf.pow; the unsigned 8/16-bit integers its kernel lacks are raised in int32 (same result
    modulo 2**bits)."""
    if x1.dtype in (tf.uint8, tf.uint16):
        return tf.cast(tf.pow(tf.cast(x1, tf.int32), tf.cast(x2, tf.int32)), x1.dtype)
    return tf.pow(x1, x2)


power = _binary("power", _pow, np.power)
maximum = _binary("maximum", _wider(tf.maximum, (tf.bool,)), np.maximum)
minimum = _binary("minimum", _wider(tf.minimum, (tf.bool,)), np.minimum)
mod = _binary("mod", _wider(tf.math.floormod), np.mod)
floor_divide = _binary("floor_divide", _wider(tf.math.floordiv), np.floor_divide)
equal = _binary("equal", tf.equal, np.equal)
not_equal = _binary("not_equal", tf.not_equal, np.not_equal)
greater = _binary("greater", _wider(tf.greater, (tf.bool,)), np.greater)
greater_equal = _binary("greater_equal", _wider(tf.greater_equal, (tf.bool,)), np.greater_equal)
less = _binary("less", _wider(tf.less, (tf.bool,)), np.less)
less_equal = _binary("less_equal", _wider(tf.less_equal, (tf.bool,)), np.less_equal)
logical_and = _binary("logical_and", tf.logical_and, np.logical_and, "bool")
logical_or = _binary("logical_or", tf.logical_or, np.logical_or, "bool")
logical_xor = _binary("logical_xor", tf.math.logical_xor, np.logical_xor, "bool")


def clip(x, x_min, x_max):
    """``x`` limited to [x_min, x_max] (gradient 1 inside, boundaries included)."""
    x, lo, hi = _promote(np.clip, (x, x_min, x_max), what="clip")
    return tf.clip_by_value(x, lo, hi)


def where(condition, x1, x2):
    """``x1`` where ``condition`` (truthy) else ``x2``, broadcasting."""
    cond = op_input(condition, "where")
    a, b = _promote(np.result_type, (x1, x2), "common", "where")
    return tf.where(_as(cond, tf.bool), a, b)


# ----------------------------------------------------------------------- linear algebra
def matmul(a, b):
    """numpy.matmul semantics (1-D operands promoted to matrices, batch dims broadcast)."""
    a, b = _promote(np.multiply, (a, b), what="matmul")
    a2 = a[None, :] if a.shape.rank == 1 else a
    b2 = b[:, None] if b.shape.rank == 1 else b
    out = _in_int32(tf.linalg.matmul, a2, b2)
    if b.shape.rank == 1:
        out = out[..., 0]  # (..., n, 1) -> (..., n)
    if a.shape.rank == 1:
        out = out[..., 0] if b.shape.rank == 1 else out[..., 0, :]
    return out


def tensordot(a, b, axes=2):
    """numpy.tensordot semantics."""
    a, b = _promote(np.multiply, (a, b), what="tensordot")
    if not isinstance(axes, int):
        na, nb = a.shape.rank, b.shape.rank
        ax_a, ax_b = ([ax] if isinstance(ax, int) else list(ax) for ax in axes)
        axes = ([i % na for i in ax_a], [i % nb for i in ax_b])
    return _in_int32(lambda x, y: tf.tensordot(x, y, axes=axes), a, b)


def _in_int32(product, a, b):
    """``product(a, b)`` of same-dtype operands; the dtypes TensorFlow has no product kernel
    for (bool, 8- and 16-bit integers) computed in int32 and cast back, as Keras."""
    if a.dtype in (tf.bool, tf.int8, tf.uint8, tf.int16, tf.uint16):
        return tf.cast(product(tf.cast(a, tf.int32), tf.cast(b, tf.int32)), a.dtype)
    return product(a, b)


def dot(a, b):
    """numpy.dot semantics."""
    na, nb = len(_shape_of(a)), len(_shape_of(b))
    if na == 0 or nb == 0:
        return multiply(a, b)
    if na <= 2 and nb <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([na - 1], [builtins.max(nb - 2, 0)]))


def _shape_of(x) -> tuple:
    x = op_input(x)
    return tuple(x.shape) if hasattr(x, "shape") else ()


# --------------------------------------------------------------------------- reductions
def _reduction(name, tf_fn, np_fn, how="out"):
    def op(x, axis=None, keepdims=False):
        (x,) = _promote(np_fn, (x,), how, name)
        return tf_fn(x, axis=axis, keepdims=keepdims)
    return _named(name, op, f"``{name}`` over ``axis`` (all axes for None), numpy's dtypes.")


sum = _reduction("sum", tf.reduce_sum, np.sum)
mean = _reduction("mean", tf.reduce_mean, np.mean)
def _bool_as(tf_fn, bool_fn):
    """``tf_fn``, or ``bool_fn`` for bools (``tf.reduce_max`` / ``reduce_min`` refuse them)."""
    return lambda x, **kw: (bool_fn if x.dtype == tf.bool else tf_fn)(x, **kw)


max = _reduction("max", _bool_as(tf.reduce_max, tf.reduce_any), np.max, "common")
min = _reduction("min", _bool_as(tf.reduce_min, tf.reduce_all), np.min, "common")
var = _reduction("var", tf.math.reduce_variance, np.var)
logsumexp = _reduction("logsumexp", tf.reduce_logsumexp, np.exp)
any = _reduction("any", tf.reduce_any, np.any, "bool")
all = _reduction("all", tf.reduce_all, np.all, "bool")


def std(x, axis=None, keepdims=False):
    """Standard deviation: sqrt(var)."""
    return tf.sqrt(var(x, axis=axis, keepdims=keepdims))


def _arg_reduction(name, tf_fn):
    def op(x, axis=None, keepdims=False):
        x = op_input(x, name)
        x = tf.convert_to_tensor(x if type(x) not in SCALAR_TYPES else np.asarray(x))
        if x.dtype == tf.bool:
            x = tf.cast(x, tf.int8)
        if axis is None:
            out = tf_fn(tf.reshape(x, [-1]), axis=0)
            return tf.reshape(out, [1] * x.shape.rank) if keepdims else out
        out = tf_fn(x, axis=axis)
        return tf.expand_dims(out, axis) if keepdims else out
    return _named(name, op, f"Index of the {name[3:]} along ``axis`` (flat index for None), int64.")


argmax = _arg_reduction("argmax", tf.argmax)
argmin = _arg_reduction("argmin", tf.argmin)


def cumsum(x, axis=None):
    """Cumulative sum along ``axis`` (of the flattened ``x`` for None)."""
    (x,) = _promote(np.cumsum, (x,), what="cumsum")
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    return tf.cumsum(x, axis=axis)


# ------------------------------------------------------------------------------- shapes
def _tensor(x, what="op"):
    x = op_input(x, what)
    return tf.convert_to_tensor(np.asarray(x)) if type(x) in SCALAR_TYPES else x


def reshape(x, newshape):
    return tf.reshape(_tensor(x, "reshape"), newshape)


def transpose(x, axes=None):
    return tf.transpose(_tensor(x, "transpose"), axes)


def _tuple(a):
    return (a,) if isinstance(a, int) else tuple(a)


def moveaxis(x, source, destination):
    x = _tensor(x, "moveaxis")
    nd = x.shape.rank
    src = [a % nd for a in _tuple(source)]
    dst = [a % nd for a in _tuple(destination)]
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return tf.transpose(x, order)


def swapaxes(x, axis1, axis2):
    x = _tensor(x, "swapaxes")
    nd = x.shape.rank
    perm = list(range(nd))
    perm[axis1 % nd], perm[axis2 % nd] = perm[axis2 % nd], perm[axis1 % nd]
    return tf.transpose(x, perm)


def expand_dims(x, axis):
    x = _tensor(x, "expand_dims")
    nd = x.shape.rank + len(_tuple(axis))
    for a in sorted(a % nd for a in _tuple(axis)):
        x = tf.expand_dims(x, a)
    return x


def squeeze(x, axis=None):
    x = _tensor(x, "squeeze")
    shp = tuple(x.shape)
    if axis is None:
        return tf.squeeze(x)
    axes = [a % len(shp) for a in _tuple(axis)]
    for a in axes:
        if shp[a] not in (1, None):
            raise ValueError(f"squeeze: axis {a} of shape {shp} has size {shp[a]}, not 1")
    return tf.squeeze(x, axes)


def broadcast_to(x, shape):
    return tf.broadcast_to(_tensor(x, "broadcast_to"), shape)


def concatenate(xs, axis=0):
    return tf.concat(_promote(np.result_type, xs, "common", "concatenate"), axis=axis)


def stack(xs, axis=0):
    return tf.stack(_promote(np.result_type, xs, "common", "stack"), axis=axis)


def split(x, indices_or_sections, axis=0):
    """numpy.split: ``n`` equal sections, or split points."""
    x = _tensor(x, "split")
    if isinstance(indices_or_sections, int):
        n = x.shape[axis]
        if n is not None and n % indices_or_sections:
            raise ValueError(f"split: axis {axis} of size {n} does not split into "
                             f"{indices_or_sections} equal sections")
        return tf.split(x, indices_or_sections, axis=axis)
    n = x.shape[axis]
    bounds = [builtins.min(builtins.max(int(i), 0), n) for i in indices_or_sections]
    sizes = np.diff([0] + bounds + [n]).clip(0).tolist()
    return tf.split(x, sizes, axis=axis)


def unstack(x, num=None, axis=0):
    return tf.unstack(_tensor(x, "unstack"), num=num, axis=axis)


def tile(x, repeats):
    """numpy.tile (``repeats`` and ``x``'s rank padded with leading 1s)."""
    x = _tensor(x, "tile")
    reps = list(_tuple(repeats))
    nd = builtins.max(len(reps), x.shape.rank)
    for _ in range(nd - x.shape.rank):
        x = tf.expand_dims(x, 0)
    return tf.tile(x, [1] * (nd - len(reps)) + reps)


def repeat(x, repeats, axis=None):
    """numpy.repeat; ``repeats`` an int or one count per element along ``axis``."""
    return tf.repeat(_tensor(x, "repeat"), repeats, axis=axis)


def flip(x, axis=None):
    x = _tensor(x, "flip")
    return tf.reverse(x, list(range(x.shape.rank)) if axis is None else list(_tuple(axis)))


def pad(x, pad_width, mode="constant", constant_values=0):
    """numpy.pad in the native engine's modes: ``tf.pad`` for "constant", a ``tf.gather`` per
    padded axis for the index modes (any width, as numpy; ``tf.gather`` differentiates)."""
    x = _tensor(x, "pad")
    if mode == "constant" and builtins.any(isinstance(w, tf.Tensor)
                                           for w in tf.nest.flatten(pad_width)):
        return tf.pad(x, pad_width, constant_values=constant_values)  # widths known at run time
    widths = padding.pad_widths(pad_width, x.shape.rank)
    if mode == "constant":
        return tf.pad(x, widths, constant_values=constant_values)
    return padding.gather_pad(x, tuple(x.shape.as_list()), widths, mode,
                              lambda t, index, axis: tf.gather(t, index, axis=axis))


def _is_basic(idx) -> bool:
    items = idx if isinstance(idx, tuple) else (idx,)
    return builtins.all(isinstance(i, (int, slice, type(None), type(Ellipsis))) for i in items)


def _host_index(i):
    if isinstance(i, tf.Tensor):
        return i.numpy()  # an eager index; a symbolic one raises (numpy indexing needs values)
    return i


def getitem(x, idx):
    """``x[idx]`` with numpy semantics (basic and advanced indexing).

    Advanced indices are resolved on the host: numpy picks the flat positions, then
    ``tf.gather`` takes them (its gradient scatters back, as the native ``add.at``)."""
    x = _tensor(x, "getitem")
    if _is_basic(idx):
        return x[idx]
    idx = tuple(_host_index(i) for i in idx) if isinstance(idx, tuple) else _host_index(idx)
    if not x.shape.is_fully_defined():
        raise NotImplementedError(f"getitem: advanced indexing needs a fully known shape, got "
                                  f"{tuple(x.shape)}")
    flat = np.arange(math.prod(x.shape), dtype=np.int64).reshape(tuple(x.shape))[idx]
    return tf.gather(tf.reshape(x, [-1]), flat)


def _indices(indices, n, what):
    indices = _tensor(indices, what)
    if not indices.dtype.is_integer:
        raise TypeError(f"{what}: indices must be integers, got dtype {indices.dtype.name}")
    return tf.where(indices < 0, indices + tf.cast(n, indices.dtype), indices)


def take(x, indices, axis=None):
    """numpy.take (negative indices count from the end)."""
    x = _tensor(x, "take")
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    return tf.gather(x, _indices(indices, tf.shape(x)[axis], "take"), axis=axis)


def take_along_axis(x, indices, axis=None):
    """numpy.take_along_axis, as a batched ``tf.gather`` over ``axis`` moved last (static
    transposes only: ``tnp.take_along_axis`` builds a ``cond`` whose gradient XLA rejects)."""
    x = _tensor(x, "take_along_axis")
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    rank = x.shape.rank
    indices = _indices(indices, tf.shape(x)[axis], "take_along_axis")
    if indices.shape.rank != rank:
        raise ValueError(f"take_along_axis: indices must have the rank of x ({rank}), got "
                         f"indices of shape {tuple(indices.shape)}")
    axis %= rank
    perm = [*range(axis), *range(axis + 1, rank), axis]
    if axis != rank - 1:
        x, indices = tf.transpose(x, perm), tf.transpose(indices, perm)
    batch = tf.broadcast_dynamic_shape(tf.shape(x)[:-1], tf.shape(indices)[:-1])
    x = tf.broadcast_to(x, tf.concat([batch, tf.shape(x)[-1:]], 0))
    indices = tf.broadcast_to(indices, tf.concat([batch, tf.shape(indices)[-1:]], 0))
    out = tf.gather(x, indices, batch_dims=rank - 1)
    return out if axis == rank - 1 else tf.transpose(out, np.argsort(perm))


def one_hot(x, num_classes, axis=-1, dtype=None):
    """One-hot encoding of integer ``x`` (all zeros for labels outside [0, num_classes))."""
    x = _tensor(x, "one_hot")
    if not x.dtype.is_integer:
        x = tf.cast(x, tf.int64)
    return tf.one_hot(x, num_classes, axis=axis, dtype=standardize_dtype(dtype))


# --------------------------------------------------------------------------- creation
def zeros(shape, dtype=None):
    return tf.zeros(shape, standardize_dtype(dtype))


def ones(shape, dtype=None):
    return tf.ones(shape, standardize_dtype(dtype))


def full(shape, fill_value, dtype=None):
    dtype = standardize_dtype(dtype)
    return tf.fill(shape, _as(op_input(fill_value, "full"), tf.as_dtype(dtype)))


def zeros_like(x, dtype=None):
    x = _tensor(x, "zeros_like")
    return tf.zeros_like(x, dtype=dtype and standardize_dtype(dtype))


def ones_like(x, dtype=None):
    x = _tensor(x, "ones_like")
    return tf.ones_like(x, dtype=dtype and standardize_dtype(dtype))


def arange(start, stop=None, step=1, dtype=None):
    """numpy.arange (values computed by numpy, so they match the native engine exactly);
    ``tf.range`` where a bound is a tensor (a size known only when a traced graph runs)."""
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        kinds = [type(v) for v in (start, stop, step)]
        dtype = "float32" if float in kinds else "int32"
    dtype = standardize_dtype(dtype)
    if builtins.any(isinstance(v, tf.Tensor) for v in (start, stop, step)):
        return tf.cast(tf.range(*(tf.cast(v, "float64" if dtype.startswith("float") else
                                          "int64") for v in (start, stop, step))), dtype)
    return tf.constant(np.arange(start, stop, step, dtype=dtype))


def eye(n, m=None, dtype=None):
    return tf.eye(n, m, dtype=standardize_dtype(dtype))


def size(x):
    """The element count: an int, or a scalar tensor while a traced graph's shape is not
    known statically."""
    shape = _shape_of(x)
    return tf.size(op_input(x)) if None in shape else int(math.prod(shape))
