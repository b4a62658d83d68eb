"""Control-flow and core ops (cond, switch, while_loop, fori_loop, scan, associative_scan, map, vectorized_map, custom_gradient, slice, slice_update, scatter, ...). Re-exported by ``kfront.ops``.

Each checks its arguments once and forwards to the active backend: Python loops of recorded ops
on the native engine and torch, ``tf.cond`` / ``tf.while_loop`` on TensorFlow, ``jax.lax`` on
JAX. Loops differentiate through their steps (``while_loop`` not on JAX, as in Keras).

Example:
    >>> import numpy as np
    >>> from kfront import ops
    >>> carry, ys = ops.scan(lambda c, x: (c + x, c * x), 0.0, np.arange(4.0))
    >>> float(carry), ops.convert_to_numpy(ys).tolist()
    (6.0, [0.0, 0.0, 2.0, 9.0])
"""
from __future__ import annotations

import builtins
from typing import Any, Callable

import numpy

from kfront.backends import B
from kfront.backends.common import tree
from kfront.backends.common.dtypes import standardize_dtype

__all__ = ["associative_scan", "cond", "custom_gradient", "eig", "fori_loop", "jvp", "map",
           "saturate_cast", "scan", "scatter", "scatter_update", "slice", "slice_update", "switch",
           "vectorized_map", "view_as_complex", "view_as_real", "while_loop"]


def _callable(op: str, arg: str, f) -> None:
    if not callable(f):
        raise TypeError(f"{op}: `{arg}` must be a callable; got {type(f).__name__} {f!r:.80}")


def cond(pred, true_fn: Callable, false_fn: Callable):
    """``true_fn()`` if ``pred`` else ``false_fn()``; both must return the same structure.

    Example:
        >>> from kfront import ops
        >>> float(ops.cond(ops.convert_to_tensor(2.0) > 1, lambda: 10.0, lambda: 20.0))
        10.0
    """
    _callable("cond", "true_fn", true_fn)
    _callable("cond", "false_fn", false_fn)
    return B.cond(pred, true_fn, false_fn)


def switch(index, branches, *operands):
    """``branches[index](*operands)``, ``index`` clamped to ``[0, len(branches) - 1]``.

    Example:
        >>> from kfront import ops
        >>> float(ops.switch(1, [lambda x: x + 1, lambda x: x * 10], 2.0))
        20.0
    """
    if not isinstance(branches, (list, tuple)) or not branches:
        raise ValueError(f"switch: `branches` must be a non-empty list of callables; got "
                         f"{branches!r:.80}")
    for i, b in enumerate(branches):
        _callable("switch", f"branches[{i}]", b)
    return B.switch(index, branches, *operands)


def while_loop(cond: Callable, body: Callable, loop_vars, maximum_iterations: int | None = None):
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (at most
    ``maximum_iterations`` times); ``loop_vars`` is a tuple/list (or a single value). Gradients
    flow through the steps, except on JAX (``lax.while_loop``; use ``fori_loop`` or ``scan``).

    Example:
        >>> from kfront import ops
        >>> i, x = ops.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, x * 2), (0, 1.0))
        >>> int(i), float(x)
        (3, 8.0)
    """
    _callable("while_loop", "cond", cond)
    _callable("while_loop", "body", body)
    if maximum_iterations is not None and (not isinstance(maximum_iterations, (int, numpy.integer))
                                           or maximum_iterations < 0):
        raise ValueError(f"while_loop: `maximum_iterations` must be None or an int >= 0; got "
                         f"{maximum_iterations!r}")
    return B.while_loop(cond, body, loop_vars, maximum_iterations=maximum_iterations)


def fori_loop(lower, upper, body_fun: Callable, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``; returns ``val``.
    Differentiable on every backend when the bounds are ints.

    Example:
        >>> from kfront import ops
        >>> float(ops.fori_loop(0, 4, lambda i, v: v + i, 0.0))
        6.0
    """
    _callable("fori_loop", "body_fun", body_fun)
    return B.fori_loop(lower, upper, body_fun, init_val)


def scan(f: Callable, init, xs=None, length: int | None = None, reverse: bool = False,
         unroll: int | bool = 1):
    """Scan ``f(carry, x) -> (carry, y)`` over the leading axis of ``xs`` (``jax.lax.scan``):
    returns ``(final carry, ys stacked)``. ``xs=None`` runs ``length`` steps with ``x=None``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> total, sums = ops.scan(lambda c, x: (c + x, c + x), 0.0, np.array([1.0, 2.0, 3.0]))
        >>> ops.convert_to_numpy(sums).tolist()
        [1.0, 3.0, 6.0]
    """
    _callable("scan", "f", f)
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"scan: `unroll` must be a positive int or a bool; got {unroll!r}")
    if xs is None and length is None:
        raise ValueError("scan: got no `xs` to scan over and no `length`")
    if xs is not None:
        sizes = {B.shape(B.convert_to_tensor(v))[0] if B.shape(B.convert_to_tensor(v)) else None
                 for v in tree.flatten(xs)[0]}
        if None in sizes or len(sizes) > 1 or (length is not None and sizes != {length}):
            raise ValueError(f"scan: every array in `xs` must have the same leading size "
                             f"(and equal `length`={length}); got leading sizes "
                             f"{sorted(sizes, key=str)}")
    return B.scan(f, init, xs=xs, length=length, reverse=reverse, unroll=unroll)


def associative_scan(f: Callable, elems, reverse: bool = False, axis: int = 0):
    """The inclusive scan of ``elems`` along ``axis`` by the associative ``f(a, b)``
    (``jax.lax.associative_scan``); ``elems`` may be nested.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.associative_scan(ops.add, np.array([1, 2, 3, 4]))).tolist()
        [1, 3, 6, 10]
    """
    _callable("associative_scan", "f", f)
    shapes = [B.shape(B.convert_to_tensor(e)) for e in tree.flatten(elems)[0]]
    ranks = {len(s) for s in shapes}
    rank = builtins.min(ranks) if shapes else 0
    if rank < 1 or not -rank <= axis < rank:
        raise ValueError(f"associative_scan: `axis`={axis} is out of range for `elems` of shapes "
                         f"{shapes}")
    if len({s[axis] for s in shapes}) > 1:
        raise ValueError(f"associative_scan: every array in `elems` must have the same size "
                         f"along axis {axis}; got shapes {shapes}")
    return B.associative_scan(f, elems, reverse=reverse, axis=axis)


def map(f: Callable, xs):
    """``f`` applied to each slice of ``xs`` along its leading axis, results stacked.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.map(lambda x: x.sum(), np.ones((3, 2)))).tolist()
        [2.0, 2.0, 2.0]
    """
    _callable("map", "f", f)
    return B.map(f, xs)


def vectorized_map(function: Callable, elements):
    """``function`` applied to each slice of ``elements`` along the leading axis, results
    stacked (``jax.vmap`` on JAX, a loop elsewhere).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.vectorized_map(lambda x: x * 2, np.ones((2, 2)))).tolist()
        [[2.0, 2.0], [2.0, 2.0]]
    """
    _callable("vectorized_map", "function", function)
    return B.vectorized_map(function, elements)


def custom_gradient(f: Callable) -> Callable:
    """Decorator: ``f(*args)`` returns ``(y, grad_fn)`` and the result's gradient is
    ``grad_fn(upstream)`` (one gradient per positional argument), on every backend.

    Example:
        >>> from kfront import ops
        >>> @ops.custom_gradient
        ... def clipped_identity(x):
        ...     return x, lambda upstream: ops.clip(upstream, -1.0, 1.0)
        >>> float(ops.value_and_grad(lambda x: ops.sum(clipped_identity(x) * 5.0))(1.0)[1])
        1.0
    """
    _callable("custom_gradient", "f", f)
    return B.custom_gradient(f)


def _starts(op: str, start_indices, rank: int) -> list:
    if hasattr(start_indices, "shape") and not isinstance(start_indices, (list, tuple)):
        start_indices = [start_indices[i] for i in range(B.shape(start_indices)[0])]
    starts = list(start_indices)
    if len(starts) != rank:
        raise ValueError(f"{op}: `start_indices` must have one entry per axis of `inputs` "
                         f"(rank {rank}); got {len(starts)}")
    return starts


def _check_region(op: str, starts, sizes, shape) -> None:
    for axis, (s, n, d) in enumerate(zip(starts, sizes, shape)):
        if isinstance(s, (int, numpy.integer)) and not 0 <= s <= d - n:
            raise ValueError(f"{op}: the region starting at {list(starts)} of size "
                             f"{list(sizes)} does not fit in `inputs` of shape {tuple(shape)} "
                             f"(axis {axis})")


def slice(inputs, start_indices, shape):
    """The block of ``inputs`` of ``shape`` starting at ``start_indices`` (one per axis).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.slice(np.arange(12).reshape(3, 4), (1, 1), (2, 2))).tolist()
        [[5, 6], [9, 10]]
    """
    inputs = B.convert_to_tensor(inputs)
    full = B.shape(inputs)
    starts = _starts("slice", start_indices, len(full))
    shape = tuple(int(n) for n in shape)
    if len(shape) != len(full) or builtins.any(n < 0 for n in shape):
        raise ValueError(f"slice: `shape` must have {len(full)} non-negative sizes (the rank of "
                         f"`inputs`); got {shape}")
    _check_region("slice", starts, shape, full)
    return B.slice(inputs, starts, shape)


def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block at ``start_indices`` replaced by ``updates``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.slice_update(np.zeros(4), (1,), np.ones(2))).tolist()
        [0.0, 1.0, 1.0, 0.0]
    """
    inputs, updates = B.convert_to_tensor(inputs), B.convert_to_tensor(updates)
    full, sizes = B.shape(inputs), B.shape(updates)
    starts = _starts("slice_update", start_indices, len(full))
    if len(sizes) != len(full):
        raise ValueError(f"slice_update: `updates` must have the rank of `inputs` "
                         f"({len(full)}); got shape {sizes}")
    _check_region("slice_update", starts, sizes, full)
    return B.slice_update(inputs, starts, updates)


def _index_width(op: str, indices, shape) -> int:
    dtype = B.dtype(indices)
    if not dtype.startswith(("int", "uint")):
        raise TypeError(f"{op}: `indices` must be an integer tensor; got dtype {dtype}")
    ishape = B.shape(indices)
    if not ishape or not 1 <= ishape[-1] <= len(shape):
        raise ValueError(f"{op}: `indices` must have shape (..., k) with 1 <= k <= "
                         f"{len(shape)} (the rank of the target); got shape {ishape}")
    return ishape[-1]


def scatter(indices, values, shape):
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` (shape (N, k): the first
    ``k`` coordinates; duplicates add up). ``values``: (N,) + shape[k:].

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.scatter(np.array([[0], [2], [0]]), np.ones(3), (3,))).tolist()
        [2.0, 0.0, 1.0]
    """
    indices, values = B.convert_to_tensor(indices), B.convert_to_tensor(values)
    shape = tuple(int(s) for s in shape)
    k = _index_width("scatter", indices, shape)
    n = int(numpy.prod(B.shape(indices)[:-1]))
    if int(numpy.prod(B.shape(values))) != n * int(numpy.prod(shape[k:])):
        raise ValueError(f"scatter: `values` must have shape {B.shape(indices)[:-1] + shape[k:]} "
                         f"for `indices` of shape {B.shape(indices)} and `shape`={shape}; got "
                         f"{B.shape(values)}")
    return B.scatter(indices, values, shape)


_REDUCTIONS = (None, "add", "max", "min", "mul")


def scatter_update(inputs, indices, updates, reduction: str | None = None):
    """``inputs`` with ``inputs[indices] = updates`` (``indices`` (N, k): the first ``k``
    coordinates), or combined with ``reduction`` ``"add"``, ``"max"``, ``"min"``, ``"mul"``.
    Gradients for ``None`` and ``"add"``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> out = ops.scatter_update(np.zeros((2, 2)), np.array([[1, 0]]), np.array([5.0]))
        >>> ops.convert_to_numpy(out).tolist()
        [[0.0, 0.0], [5.0, 0.0]]
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"scatter_update: `reduction` must be one of {_REDUCTIONS}; got "
                         f"{reduction!r}")
    inputs = B.convert_to_tensor(inputs)
    indices, updates = B.convert_to_tensor(indices), B.convert_to_tensor(updates)
    shape = B.shape(inputs)
    k = _index_width("scatter_update", indices, shape)
    n = int(numpy.prod(B.shape(indices)[:-1]))
    if int(numpy.prod(B.shape(updates))) != n * int(numpy.prod(shape[k:])):
        raise ValueError(f"scatter_update: `updates` must have shape "
                         f"{B.shape(indices)[:-1] + tuple(shape[k:])} for `indices` of shape "
                         f"{B.shape(indices)} and `inputs` of shape {shape}; got "
                         f"{B.shape(updates)}")
    if B.dtype(updates) != B.dtype(inputs):
        updates = B.cast(updates, B.dtype(inputs))
    return B.scatter_update(inputs, indices, updates, reduction=reduction)


def _limits(dtype: str):
    if dtype == "bool":
        return 0, 1
    if dtype.startswith(("int", "uint")):
        info = numpy.iinfo(dtype)
    else:
        import ml_dtypes
        info = ml_dtypes.finfo(dtype)
    return info.min, info.max


def saturate_cast(x, dtype):
    """``x`` cast to ``dtype`` with values clipped to its range first (no overflow wrap).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.saturate_cast(np.array([-5.0, 300.0]), "uint8")).tolist()
        [0, 255]
    """
    x = B.convert_to_tensor(x)
    dtype, in_dtype = standardize_dtype(dtype), B.dtype(x)
    np_in = numpy.dtype(in_dtype) if in_dtype != "bfloat16" else numpy.dtype("float32")
    (in_min, in_max), (out_min, out_max) = _limits(in_dtype), _limits(dtype)
    low = numpy.asarray(numpy.maximum(in_min, out_min)).astype(np_in)
    if low < out_min:
        low = numpy.nextafter(low, 0, dtype=np_in)
    high = numpy.asarray(numpy.minimum(in_max, out_max)).astype(np_in)
    if high > out_max:
        high = numpy.nextafter(high, 0, dtype=np_in)
    return B.cast(B.clip(x, low, high), dtype)


def view_as_complex(x):
    """A (..., 2) float tensor of (real, imaginary) pairs as a complex tensor (...). No
    gradient on the native engine.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> complex(ops.convert_to_numpy(ops.view_as_complex(np.array([1.0, 2.0], "float32"))))
        (1+2j)
    """
    x = B.convert_to_tensor(x)
    if not B.shape(x) or B.shape(x)[-1] != 2 or B.dtype(x) not in ("float32", "float64"):
        raise ValueError(f"view_as_complex: `x` must be a float32/float64 tensor whose last "
                         f"axis has size 2 (real, imaginary); got shape {B.shape(x)} and dtype "
                         f"{B.dtype(x)}")
    return B.view_as_complex(x)


def view_as_real(x):
    """A complex tensor (...) as a float tensor (..., 2) of (real, imaginary) pairs. No
    gradient on the native engine.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.view_as_real(np.array([1 + 2j], "complex64"))).tolist()
        [[1.0, 2.0]]
    """
    x = B.convert_to_tensor(x)
    if not B.dtype(x).startswith("complex"):
        raise ValueError(f"view_as_real: `x` must be a complex tensor; got dtype {B.dtype(x)}")
    return B.view_as_real(x)


def jvp(fun: Callable, primals, tangents, has_aux: bool = False) -> tuple[Any, ...]:
    """Forward-mode derivative: ``(fun(*primals), J · tangents)`` (and ``aux`` with
    ``has_aux``). The native engine computes it by reverse mode, one pass per output entry.

    Example:
        >>> from kfront import ops
        >>> y, dy = ops.jvp(lambda x: x * x, (3.0,), (1.0,))
        >>> float(y), float(dy)
        (9.0, 6.0)
    """
    _callable("jvp", "fun", fun)
    if not isinstance(primals, (list, tuple)) or not isinstance(tangents, (list, tuple)) or \
            len(primals) != len(tangents):
        raise ValueError(f"jvp: `primals` and `tangents` must be tuples/lists of the same "
                         f"length; got {type(primals).__name__} and {type(tangents).__name__}")
    return B.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)


def eig(x):
    """Eigenvalues (..., N) and right eigenvectors (..., N, N) of square matrices (..., N, N),
    complex (complex64 for float32 input) as in Keras; eigenvectors have unit norm. No
    gradient.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> w, v = ops.eig(np.array([[2.0, 1.0], [0.0, 3.0]], "float32"))
        >>> ops.convert_to_numpy(w).tolist()
        [(2+0j), (3+0j)]
    """
    x = B.convert_to_tensor(x)
    shape, dtype = B.shape(x), B.dtype(x)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"eig: `x` must be a batch of square matrices (..., N, N); got shape "
                         f"{shape}")
    if dtype not in ("float32", "float64"):
        x = B.cast(x, "float32")
    return tuple(B.eig(x))
