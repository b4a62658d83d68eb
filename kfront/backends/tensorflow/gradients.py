"""The shared gradient API on TensorFlow: GradientTape, value_and_grad, stop_gradient, no_grad.

kfront tapes wrap ``tf.GradientTape`` and are kept on a stack, so that ``no_grad`` pauses all
of them and ops can ask whether one records (``recording``, used by softmax/sigmoid to carry
their logits). Gradients come back dense (``tf.IndexedSlices`` from gathers are densified).
"""
from __future__ import annotations

import contextlib

import tensorflow as tf

from kfront.backends.common import tree
from kfront.backends.common.variables import KVariable
from kfront.backends.tensorflow.core import TF_TYPES, convert_to_tensor

_state = {"tapes": [], "paused": 0}


def recording() -> bool:
    """Whether a kfront tape records (outside ``no_grad``)."""
    return bool(_state["tapes"]) and not _state["paused"]


def _source(x, what: str):
    if isinstance(x, KVariable):
        return x.value
    if isinstance(x, TF_TYPES):
        return x
    raise TypeError(f"GradientTape.{what}() takes kfront Variables or tf tensors, got "
                    f"{type(x).__name__}; wrap arrays in kfront.Variable or use "
                    f"kfront.ops.value_and_grad")


class GradientTape:
    """Record ops to differentiate them: ``tf.GradientTape`` taking kfront Variables.

    Trainable variables read inside the ``with`` block are watched automatically.

    Example:
        >>> import kfront
        >>> w = kfront.Variable(3.0)
        >>> with kfront.GradientTape() as tape:
        ...     y = w * w
        >>> float(tape.gradient(y, w))
        6.0
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self._tape = tf.GradientTape(persistent=persistent,
                                     watch_accessed_variables=watch_accessed_variables)
        self._used = False

    def __enter__(self):
        self._tape.__enter__()
        _state["tapes"].append(self)
        return self

    def __exit__(self, *exc):
        _state["tapes"].remove(self)
        return self._tape.__exit__(*exc)

    def watch(self, x) -> None:
        """Watch Variables (also non-trainable ones) or tf tensors, in any nested structure."""
        if self not in _state["tapes"]:
            raise RuntimeError("GradientTape.watch() must be called inside the `with` block")
        for v in tree.flatten(x)[0]:
            self._tape.watch(_source(v, "watch"))

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stop recording (as ``no_grad``)."""
        with no_grad():
            yield

    def gradient(self, target, sources, output_gradients=None):
        """d(sum of target)/d(sources), in the structure of ``sources``; None where unconnected."""
        if self._used and not self.persistent:
            raise RuntimeError("A non-persistent GradientTape can only compute one gradient; "
                               "use GradientTape(persistent=True)")
        self._used = True
        flat, spec = tree.flatten(sources)
        srcs = [_source(s, "gradient") for s in flat]
        if not isinstance(target, TF_TYPES):
            return tree.unflatten(spec, [None] * len(flat))
        if output_gradients is not None:
            output_gradients = convert_to_tensor(output_gradients, target.dtype.name)
        grads = self._tape.gradient(target, srcs, output_gradients=output_gradients)
        return tree.unflatten(spec, [None if g is None else tf.convert_to_tensor(g)
                                     for g in grads])


@contextlib.contextmanager
def no_grad():
    """Context in which the kfront tapes do not record."""
    with contextlib.ExitStack() as stack:
        if not _state["paused"]:
            for t in _state["tapes"]:
                stack.enter_context(t._tape.stop_recording())
        _state["paused"] += 1
        try:
            yield
        finally:
            _state["paused"] -= 1


def stop_gradient(x):
    """``x`` as a constant: no gradient flows back through it."""
    from kfront.backends.tensorflow.numpy import _tensor
    return tf.stop_gradient(_tensor(x, "stop_gradient"))


def value_and_grad(fn, argnums=0, has_aux: bool = False):
    """Return ``g(*args) -> (value, grads)``: ``fn``'s value and its gradient w.r.t. ``args[argnums]``.

    JAX's spelling; each differentiated argument may be an array, a Variable or a nested
    list/tuple/dict of them, and its gradient has the same structure (zeros where unused).
    With ``has_aux``, ``fn`` returns ``(value, aux)`` and ``g`` returns ``((value, aux), grads)``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> cost = lambda w: ops.sum(ops.square(w))
        >>> value, g = ops.value_and_grad(cost)(np.array([1.0, 2.0]))
    """
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)

    def wrapped(*args, **kwargs):
        args = list(args)
        with GradientTape(watch_accessed_variables=False) as tape:
            wrt = []
            for i in nums:
                leaves, spec = tree.flatten(args[i])
                tracked = [v if isinstance(v, (KVariable, *TF_TYPES)) else convert_to_tensor(v)
                           for v in leaves]
                tape.watch(tracked)
                args[i] = tree.unflatten(spec, tracked)
                wrt.append((spec, tracked))
            out = fn(*args, **kwargs)
        value, aux = out if has_aux else (out, None)
        flat = [t for _, ts in wrt for t in ts]
        grads = _or_zeros(tape.gradient(value, flat), flat)
        it = iter(grads)
        nested = [tree.unflatten(spec, [next(it) for _ in ts]) for spec, ts in wrt]
        result = nested[0] if single else tuple(nested)
        return ((value, aux) if has_aux else value), result

    return wrapped


def variables_value_and_grad(fn, variables, has_aux: bool = False):
    """Trainer hook: ``fn()``'s value (and aux) and its gradients w.r.t. ``variables``, dense
    (an Embedding's ``tf.IndexedSlices`` summed per row), so that fit gives every backend's
    results. Keras-TF hands the slices to its optimizer instead, whose Adam/RMSprop then
    square each lookup's slice before repeated tokens are summed; Keras-JAX/torch and kfront's
    other backends square the summed row. ``apply_gradients`` of a user's own slices follows
    Keras-TF (``kfront/backends/tensorflow/numpy.py``)."""
    variables = list(variables)
    with GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(variables)
        out = fn()
    value, aux = out if has_aux else (out, None)
    grads = _or_zeros(tape.gradient(value, variables), variables)
    return ((value, aux) if has_aux else value), grads


def _or_zeros(grads, sources) -> list:
    return [tf.zeros_like(s.value if isinstance(s, KVariable) else s) if g is None else g
            for g, s in zip(grads, sources)]
