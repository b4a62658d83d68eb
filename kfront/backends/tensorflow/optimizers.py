"""Fast optimizer updates for TensorFlow (the ``optimizer_kernels`` backend hook).

Each kernel does what the optimizer's portable ``_update_step`` does, with identical results:

- SGD (plain, momentum, Nesterov) runs TensorFlow's fused training ops
  (``ResourceApplyGradientDescent`` / ``ResourceApplyKerasMomentum``), one variable at a time.
- Adam, RMSprop and Adagrad are batched kernels (``kernel.batched``): ONE compiled graph per
  step updates every variable (a ``tf.function`` concrete function capturing the variables and
  their slots, taking the gradients and the per-step scalar as tensors, settings baked in),
  with the portable operations in the same order. (TensorFlow's fused ``ResourceApplyAdam`` is
  not used: it forms ``1 - beta`` in float32 itself, 1.3e-5 relative away from Keras's
  ``float32(1 - 0.999)``, which moves weights visibly within 20 steps.)

A gradient may be a ``tf.IndexedSlices`` (an Embedding's, one slice per lookup): its square is
taken slice by slice before repeated rows are summed, as Keras's TensorFlow backend computes it
(``kfront/backends/tensorflow/numpy.py``'s ``_slicewise``); SGD, linear in it, densifies it.
"""
from __future__ import annotations

import tensorflow as tf


def _div_sqrt(x, y):
    """x / sqrt(y), rounded as eagerly: Grappler rewrites ``x / sqrt(y)`` into
    ``x * rsqrt(y)`` (1 ulp off) but leaves ``divide_no_nan`` alone. The two differ only where
    sqrt(y) == 0 (0 instead of inf/nan), a zero denominator that epsilon keeps away."""
    return tf.math.divide_no_nan(x, tf.sqrt(y))


def _with_square(g):
    """``(g, g**2)`` dense, a ``tf.IndexedSlices`` squared slice by slice (module doc)."""
    if isinstance(g, tf.IndexedSlices):
        square = tf.IndexedSlices(tf.square(g.values), g.indices, g.dense_shape)
        return tf.convert_to_tensor(g), tf.convert_to_tensor(square)
    return g, tf.square(g)


def _adam(g, w, slots, alpha, one_minus_beta_1, one_minus_beta_2, epsilon, amsgrad):
    m, v = slots[0], slots[1]
    g, g2 = _with_square(g)
    m.assign_add((g - m) * one_minus_beta_1)
    v.assign_add((g2 - v) * one_minus_beta_2)
    if amsgrad:
        slots[2].assign(tf.maximum(slots[2], v))
        v = slots[2]
    w.assign_sub(m * alpha / (tf.sqrt(v) + epsilon))


def _rmsprop(g, w, slots, learning_rate, rho, one_minus_rho, momentum, epsilon, centered):
    velocity = slots[0]
    g, g2 = _with_square(g)
    velocity.assign(velocity * rho + g2 * one_minus_rho)
    if centered:
        average = slots[-1]
        average.assign(average * rho + g * one_minus_rho)
        denominator = velocity - tf.square(average) + epsilon
    else:
        denominator = velocity + epsilon
    increment = _div_sqrt(g * learning_rate, denominator)
    if momentum > 0:
        slots[1].assign(slots[1] * momentum + increment)
        increment = slots[1].read_value()
    w.assign_sub(increment)


def _adagrad(g, w, slots, learning_rate, epsilon):
    (accumulator,) = slots
    g, g2 = _with_square(g)
    accumulator.assign_add(g2)
    w.assign_sub(_div_sqrt(g * learning_rate, accumulator + epsilon))


def _fused_sgd(g, w, bufs, hyper):
    lr = _scalar(hyper["learning_rate"], w.dtype)
    if not bufs:
        tf.raw_ops.ResourceApplyGradientDescent(var=w.handle, alpha=lr, delta=g)
        return
    tf.raw_ops.ResourceApplyKerasMomentum(var=w.handle, accum=bufs[0].handle, lr=lr, grad=g,
                                          momentum=_scalar(hyper["momentum"], w.dtype),
                                          use_nesterov=hyper["nesterov"])


# kernel name -> (fused op or None, graph update, per-step scalars passed to the graph as
# tensors, settings baked into the graph)
_SPECS = {
    "sgd": (_fused_sgd, None, (), ()),
    "adam": (None, _adam, ("alpha",),
             ("one_minus_beta_1", "one_minus_beta_2", "epsilon", "amsgrad")),
    "rmsprop": (None, _rmsprop, ("learning_rate",),
                ("rho", "one_minus_rho", "momentum", "epsilon", "centered")),
    "adagrad": (None, _adagrad, ("learning_rate",), ("epsilon",)),
}

_scalars: dict = {}


def _scalar(value: float, dtype) -> tf.Tensor:
    """``value`` as a scalar tensor, reused while it does not change (lr is mostly constant)."""
    key = (value, dtype)
    t = _scalars.get(key)
    if t is None:
        if len(_scalars) > 64:
            _scalars.clear()
        t = _scalars[key] = tf.constant(value, dtype)
    return t


def _spec(g, shape, dtype):
    """The concrete function's input spec of gradient ``g`` (any number of slices)."""
    if isinstance(g, tf.IndexedSlices):
        return tf.IndexedSlicesSpec(shape, dtype, g.indices.dtype,
                                    None if g.dense_shape is None else g.dense_shape.dtype)
    return tf.TensorSpec(shape, dtype)


def _batched_graph(name: str):
    """ONE compiled graph updating every variable of the step (traced once per variable set)."""
    _, update, dynamic, static = _SPECS[name]
    compiled: dict = {}

    def kernel(grads, variables, slots, hyper):
        ws = [v._value for v in variables]
        bufs = [[s._value for s in ss] for ss in slots]
        gs = [g if isinstance(g, (tf.Tensor, tf.IndexedSlices)) else tf.convert_to_tensor(g)
              for g in grads]
        dtypes = {w.dtype for w in ws}
        if len(dtypes) != 1 or any(g.dtype != w.dtype or any(b.dtype != w.dtype for b in bb)
                                   for g, w, bb in zip(gs, ws, bufs)):
            return NotImplemented  # the portable path handles casts and mixed dtypes
        dtype = dtypes.pop()
        settings = tuple(hyper[k] for k in static)
        sparse = tuple(isinstance(g, tf.IndexedSlices) for g in gs)
        key = (settings, sparse, tuple(id(w) for w in ws), tuple(id(b) for bb in bufs for b in bb))
        fn = compiled.get(key)
        if fn is None:
            if len(compiled) > 8:
                compiled.clear()

            def step(gs, *scalars):
                for g, w, bb in zip(gs, ws, bufs):
                    update(g, w, bb, *scalars, *settings)
            spec = ([_spec(g, w.shape, dtype) for g, w in zip(gs, ws)],
                    *[tf.TensorSpec((), dtype)] * len(dynamic))
            fn = compiled[key] = tf.function(step, autograph=False).get_concrete_function(*spec)
        fn(gs, *[_scalar(hyper[k], dtype) for k in dynamic])
        return None

    kernel.batched = True
    kernel.__name__ = kernel.__qualname__ = name
    kernel.__doc__ = f"The {name} update of every variable in one graph (see the module doc)."
    return kernel


def _fused_kernel(name: str):
    fused = _SPECS[name][0]

    def kernel(grad, variable, slots, hyper):
        w = variable._value
        bufs = [s._value for s in slots]
        g = grad if isinstance(grad, tf.Tensor) else tf.convert_to_tensor(grad)
        if g.dtype != w.dtype or any(b.dtype != w.dtype for b in bufs):
            return NotImplemented  # the portable path handles the casts
        if isinstance(w, tf.distribute.DistributedValues):
            return NotImplemented  # a strategy's variable has no one handle: assigned by parts
        fused(g, w, bufs, hyper)
        return None

    kernel.__name__ = kernel.__qualname__ = name
    kernel.__doc__ = f"The fused {name} update of one variable (see the module docstring)."
    return kernel


optimizer_kernels = {name: _fused_kernel(name) if spec[0] is not None else _batched_graph(name)
                     for name, spec in _SPECS.items()}
