"""Control-flow and core ops (cond, switch, while_loop, fori_loop, scan, associative_scan, map, vectorized_map, custom_gradient, slice, slice_update, scatter, ...) of the tensorflow backend.

``cond``, ``switch`` and ``while_loop`` are ``tf.cond`` / ``tf.switch_case`` / ``tf.while_loop``
(eager, they run the chosen branch or a Python loop; under ``tf.function`` they become graph
control flow, differentiable as TensorFlow's). ``scan`` and ``map`` are Python loops when eager
and one ``tf.while_loop`` over ``TensorArray``s under ``tf.function`` (as ``tf.scan``);
``fori_loop`` with int bounds is a Python loop (unrolled when traced).
"""
from __future__ import annotations

import numpy
import tensorflow as tf

from kfront.backends.common import tree
from kfront.backends.common.control_flow import associative_scan, vectorized_map
from kfront.backends.common.control_flow import fori_loop as _python_fori_loop
from kfront.backends.common.control_flow import scan as _python_scan
from kfront.backends.tensorflow.core import convert_to_tensor, op_input

__all__ = ["associative_scan", "cond", "custom_gradient", "eig", "fori_loop", "jvp", "map", "scan",
           "scatter", "scatter_update", "slice", "slice_update", "switch", "vectorized_map",
           "view_as_complex", "view_as_real", "while_loop"]


def _t(x, what):
    x = op_input(x, what)
    return tf.convert_to_tensor(numpy.asarray(x)) if not isinstance(x, (tf.Tensor, tf.Variable)) \
        else tf.convert_to_tensor(x)


def cond(pred, true_fn, false_fn):
    return tf.cond(tf.cast(_t(pred, "cond"), tf.bool), true_fn, false_fn)


def switch(index, branches, *operands):
    n = len(branches)
    index = tf.clip_by_value(tf.cast(_t(index, "switch"), tf.int32), 0, n - 1)
    return tf.switch_case(index, [lambda b=b: b(*operands) for b in branches])


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    is_tuple = isinstance(loop_vars, (tuple, list))
    loop_vars = tuple(loop_vars) if is_tuple else (loop_vars,)

    def _body(*args):
        out = body(*args)
        return tuple(out) if isinstance(out, (tuple, list)) else (out,)
    out = tf.while_loop(cond, _body, loop_vars, maximum_iterations=maximum_iterations)
    return tuple(out) if is_tuple else out[0]


def fori_loop(lower, upper, body_fun, init_val):
    if all(isinstance(b, (int, numpy.integer)) for b in (lower, upper)):
        return _python_fori_loop(lower, upper, body_fun, init_val)
    return while_loop(lambda i, v: i < upper, lambda i, v: (i + 1, body_fun(i, v)),
                      (lower, init_val))[1]


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    if tf.executing_eagerly():
        return _python_scan(f, init, xs=xs, length=length, reverse=reverse, unroll=unroll)
    xs_flat, xs_spec = ([], None) if xs is None else tree.flatten(xs)
    xs_flat = [convert_to_tensor(x) for x in xs_flat]
    n = int(length) if length is not None else xs_flat[0].shape[0]
    if n is None:
        n = tf.shape(xs_flat[0])[0]
    init_flat, init_spec = tree.flatten(init)
    init_flat = [convert_to_tensor(v) for v in init_flat]

    def x_at(i):
        return None if xs is None else tree.unflatten(xs_spec, [x[i] for x in xs_flat])

    def carry_of(values):
        return tree.unflatten(init_spec, list(values))

    # one traced call finds the structure and dtypes of y (not run: nothing reads it)
    _, y0 = f(carry_of(init_flat), x_at(n - 1 if reverse else 0))
    y_none = y0 is None
    y_flat, y_spec = tree.flatten(init if y_none else y0)
    arrays = [tf.TensorArray(convert_to_tensor(v).dtype, size=n, element_shape=
                             convert_to_tensor(v).shape) for v in y_flat]

    def body(i, carry, arrays):
        step = n - 1 - i if reverse else i
        new_carry, y = f(carry_of(carry), x_at(step))
        new_flat = [tf.cast(convert_to_tensor(c), o.dtype) for c, o in
                    zip(tree.flatten(new_carry)[0], init_flat)]
        ys = [tf.zeros_like(c) for c in carry] if y_none else tree.flatten(y)[0]
        return i + 1, new_flat, [a.write(step, convert_to_tensor(v)) for a, v in zip(arrays, ys)]
    # maximum_iterations: XLA needs the bound to differentiate the loop (its gradient's stacks)
    _, carry, arrays = tf.while_loop(lambda i, c, a: i < n, body, (0, init_flat, arrays),
                                     maximum_iterations=n)
    return carry_of(carry), tree.unflatten(y_spec, [a.stack() for a in arrays])


def map(f, xs):
    return scan(lambda _, x: ((), f(x)), (), xs)[1]


def slice(inputs, start_indices, shape):
    starts = tf.cast(tf.stack([tf.convert_to_tensor(s) for s in start_indices]), tf.int32)
    return tf.slice(_t(inputs, "slice"), starts, list(shape))


def slice_update(inputs, start_indices, updates):
    x, u = _t(inputs, "slice_update"), _t(updates, "slice_update")
    u = tf.cast(u, x.dtype)
    starts = [tf.cast(s, tf.int32) for s in start_indices]
    paddings = tf.stack([tf.stack([s, d - s - n]) for s, d, n in
                         zip(starts, tf.unstack(tf.shape(x)), tf.unstack(tf.shape(u)))])
    mask = tf.pad(tf.ones_like(u, dtype=tf.bool), paddings)
    return tf.where(mask, tf.pad(u, paddings), x)


def _indices(indices, what):
    idx = tf.cast(_t(indices, what), tf.int32)
    k = idx.shape[-1]
    return tf.reshape(idx, (-1, k)), k


def scatter(indices, values, shape):
    idx, k = _indices(indices, "scatter")
    values = _t(values, "scatter")
    values = tf.reshape(values, tf.concat([[-1], tf.constant(list(shape[k:]), tf.int32)], 0))
    return tf.scatter_nd(idx, values, list(shape))


_SEGMENT = {"max": (tf.math.unsorted_segment_max, tf.maximum),
            "min": (tf.math.unsorted_segment_min, tf.minimum),
            "mul": (tf.math.unsorted_segment_prod, tf.multiply)}


def scatter_update(inputs, indices, updates, reduction=None):
    x = _t(inputs, "scatter_update")
    idx, k = _indices(indices, "scatter_update")
    rest = x.shape[k:]
    u = tf.reshape(tf.cast(_t(updates, "scatter_update"), x.dtype), [-1] + list(rest))
    if reduction is None:
        return tf.tensor_scatter_nd_update(x, idx, u)
    if reduction == "add":
        return tf.tensor_scatter_nd_add(x, idx, u)
    segment, combine = _SEGMENT[reduction]
    lead = x.shape[:k]
    flat = tf.zeros_like(idx[:, 0])
    for j in range(k):
        flat = flat * lead[j] + idx[:, j]
    n = int(numpy.prod(lead))
    reduced = segment(u, flat, n)
    if reduction in ("max", "min"):  # empty segments: keep x
        hit = tf.math.unsorted_segment_sum(tf.ones_like(flat), flat, n) > 0
        hit = tf.reshape(hit, [n] + [1] * len(rest))
        x_flat = tf.reshape(x, [n] + list(rest))
        return tf.reshape(tf.where(hit, combine(x_flat, reduced), x_flat), x.shape)
    return tf.reshape(combine(tf.reshape(x, [n] + list(rest)), reduced), x.shape)


def custom_gradient(f):
    """``f(*args) -> (y, grad_fn)`` as an op whose gradient is ``grad_fn(upstream)``."""
    def wrapped(*args, **kwargs):
        @tf.custom_gradient
        def g(*tensors):
            y, grad_fn = f(*tensors, **kwargs)

            def grad(*upstream, variables=None):
                grads = grad_fn(*upstream)
                return list(grads) if isinstance(grads, (list, tuple)) else grads
            return y, grad
        return g(*[convert_to_tensor(a) for a in args])
    return wrapped


def jvp(fun, primals, tangents, has_aux=False):
    flat_p, spec = tree.flatten(tuple(primals))
    flat_p = [convert_to_tensor(p) for p in flat_p]
    flat_t = [tf.cast(_t(t, "jvp"), p.dtype)
              for t, p in zip(tree.flatten(tuple(tangents))[0], flat_p)]
    with tf.autodiff.ForwardAccumulator(flat_p, flat_t) as acc:
        out = fun(*tree.unflatten(spec, flat_p))
    out, aux = out if has_aux else (out, None)
    out_flat, out_spec = tree.flatten(out)
    tans = [acc.jvp(o, unconnected_gradients=tf.UnconnectedGradients.ZERO) for o in out_flat]
    result = (out, tree.unflatten(out_spec, tans))
    return result + (aux,) if has_aux else result


def view_as_complex(x):
    x = _t(x, "view_as_complex")
    return tf.complex(x[..., 0], x[..., 1])


def view_as_real(x):
    x = _t(x, "view_as_real")
    return tf.stack([tf.math.real(x), tf.math.imag(x)], axis=-1)


def eig(x):
    return tuple(tf.linalg.eig(_t(x, "eig")))
