"""Fast optimizer updates for TensorFlow (the ``optimizer_kernels`` backend hook).

Each kernel does what the optimizer's portable ``_update_step`` does, one variable at a time:

- SGD (plain, momentum, Nesterov) and Adam run TensorFlow's fused training ops
  (``ResourceApplyGradientDescent`` / ``ResourceApplyKerasMomentum`` / ``ResourceApplyAdam``,
  one pass over the data). SGD's are the portable formulas exactly; Adam's too, except that the
  op forms ``1 - beta`` in float32 itself: ``1 - float32(0.999)`` is 1.3e-5 (relative) away
  from the portable ``float32(1 - 0.999)``, so the velocity decays that much differently.
- RMSprop, Adagrad and AMSGrad-Adam have no fused op with Keras's formulas: each runs as one
  compiled graph per variable (a ``tf.function`` concrete function capturing the variable and
  its slots, taking the gradient and the per-step scalar as tensors, settings baked in), with
  the portable operations in the same order, so its results are identical.
"""
from __future__ import annotations

import weakref

import tensorflow as tf


def _div_sqrt(x, y):
    """x / sqrt(y), rounded as eagerly: Grappler rewrites ``x / sqrt(y)`` into
    ``x * rsqrt(y)`` (1 ulp off) but leaves ``divide_no_nan`` alone. The two differ only where
    sqrt(y) == 0 (0 instead of inf/nan), a zero denominator that epsilon keeps away."""
    return tf.math.divide_no_nan(x, tf.sqrt(y))


def _adam(g, w, slots, alpha, one_minus_beta_1, one_minus_beta_2, epsilon, amsgrad):
    m, v = slots[0], slots[1]
    m.assign_add((g - m) * one_minus_beta_1)
    v.assign_add((tf.square(g) - v) * one_minus_beta_2)
    if amsgrad:
        slots[2].assign(tf.maximum(slots[2], v))
        v = slots[2]
    w.assign_sub(m * alpha / (tf.sqrt(v) + epsilon))


def _rmsprop(g, w, slots, learning_rate, rho, one_minus_rho, momentum, epsilon, centered):
    velocity = slots[0]
    velocity.assign(velocity * rho + tf.square(g) * one_minus_rho)
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
    accumulator.assign_add(tf.square(g))
    w.assign_sub(_div_sqrt(g * learning_rate, accumulator + epsilon))


def _fused_sgd(g, w, bufs, hyper):
    lr = _scalar(hyper["learning_rate"], w.dtype)
    if not bufs:
        tf.raw_ops.ResourceApplyGradientDescent(var=w.handle, alpha=lr, delta=g)
        return
    tf.raw_ops.ResourceApplyKerasMomentum(var=w.handle, accum=bufs[0].handle, lr=lr, grad=g,
                                          momentum=_scalar(hyper["momentum"], w.dtype),
                                          use_nesterov=hyper["nesterov"])


def _fused_adam(g, w, bufs, hyper):
    if hyper["amsgrad"]:
        return NotImplemented
    zero = _scalar(0.0, w.dtype)  # beta powers 0: the op's bias correction is then exactly 1
    tf.raw_ops.ResourceApplyAdam(
        var=w.handle, m=bufs[0].handle, v=bufs[1].handle, beta1_power=zero, beta2_power=zero,
        lr=_scalar(hyper["alpha"], w.dtype),
        beta1=_scalar(1 - hyper["one_minus_beta_1"], w.dtype),
        beta2=_scalar(1 - hyper["one_minus_beta_2"], w.dtype),
        epsilon=_scalar(hyper["epsilon"], w.dtype), grad=g)


# kernel name -> (fused op or None, graph update, per-step scalars passed to the graph as
# tensors, settings baked into the graph)
_SPECS = {
    "sgd": (_fused_sgd, None, (), ()),
    "adam": (_fused_adam, _adam, ("alpha",),
             ("one_minus_beta_1", "one_minus_beta_2", "epsilon", "amsgrad")),
    "rmsprop": (None, _rmsprop, ("learning_rate",),
                ("rho", "one_minus_rho", "momentum", "epsilon", "centered")),
    "adagrad": (None, _adagrad, ("learning_rate",), ("epsilon",)),
}

# kfront Variable -> {(kernel, settings, slot ids): concrete function}
_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
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


def _graph(name, update, dynamic, static, g, variable, w, bufs, hyper) -> None:
    """Run ``update`` as a compiled graph for this variable (traced on first use)."""
    settings = tuple(hyper[k] for k in static)
    key = (name, settings, tuple(id(b) for b in bufs))
    fns = _compiled.setdefault(variable, {})
    fn = fns.get(key)
    if fn is None:
        def step(g, *scalars):
            update(g, w, bufs, *scalars, *settings)
        spec = [tf.TensorSpec(w.shape, w.dtype)] + [tf.TensorSpec((), w.dtype)] * len(dynamic)
        fn = fns[key] = tf.function(step, autograph=False).get_concrete_function(*spec)
    fn(g, *[_scalar(hyper[k], w.dtype) for k in dynamic])


def _kernel(name: str):
    fused, update, dynamic, static = _SPECS[name]

    def kernel(grad, variable, slots, hyper):
        w = variable._value
        bufs = [s._value for s in slots]
        g = grad if isinstance(grad, tf.Tensor) else tf.convert_to_tensor(grad)
        if g.dtype != w.dtype or any(b.dtype != w.dtype for b in bufs):
            return NotImplemented  # the portable path handles the casts
        if fused is None or fused(g, w, bufs, hyper) is NotImplemented:
            _graph(name, update, dynamic, static, g, variable, w, bufs, hyper)
        return None

    kernel.__name__ = kernel.__qualname__ = name
    kernel.__doc__ = f"The {name} update of one variable (see the module docstring)."
    return kernel


optimizer_kernels = {name: _kernel(name) for name in _SPECS}
