"""The shared gradient API on the native engine: GradientTape, value_and_grad, stop_gradient."""
from __future__ import annotations

import contextlib

from kfront.backends.common import tree
from kfront.backends.common.variables import KVariable
from kfront.backends.numpy import engine
from kfront.backends.numpy.engine import Node, Tensor, get_xp


class GradientTape:
    """Record ops to differentiate them, as ``tf.GradientTape`` does.

    Trainable variables read inside the ``with`` block are watched automatically.

    Example (the seed lecture's linear regression, one gradient-descent step):
        >>> import numpy as np, kfront
        >>> from kfront import ops
        >>> X = np.arange(20.0, dtype="float32"); Y = 2 * X + 1
        >>> W, b = kfront.Variable(0.5), kfront.Variable(0.0)
        >>> with kfront.GradientTape() as tape:
        ...     cost = ops.mean(ops.square(X * W + b - Y))
        >>> dW, db = tape.gradient(cost, [W, b])
        >>> W.assign_sub(0.001 * dW); b.assign_sub(0.001 * db)
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self._leaves = None
        self._used = False

    def __enter__(self):
        st = engine._state
        if st["leaves"] is None:
            st["leaves"] = {}
        self._leaves = st["leaves"]
        st["tapes"].append(self)
        return self

    def __exit__(self, *exc):
        st = engine._state
        st["tapes"].remove(self)
        if not st["tapes"]:
            st["leaves"] = None

    def watch(self, x) -> None:
        """Watch a Variable (also a non-trainable one). Tensors from ops are tracked already."""
        for v in tree.flatten(x)[0]:
            if isinstance(v, KVariable):
                if self not in engine._state["tapes"]:
                    raise RuntimeError("GradientTape.watch() must be called inside the `with` block")
                engine.leaf_for(v)
            elif type(v) is not Tensor:
                raise TypeError(f"GradientTape.watch() takes kfront Variables, got "
                                f"{type(v).__name__}; wrap arrays in kfront.Variable or use "
                                f"kfront.ops.value_and_grad")

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stop recording (ops inside return plain arrays)."""
        with no_grad():
            yield

    def gradient(self, target, sources, output_gradients=None):
        """d(sum of target)/d(sources), in the structure of ``sources``; None where unconnected."""
        if self._used and not self.persistent:
            raise RuntimeError("A non-persistent GradientTape can only compute one gradient; "
                               "use GradientTape(persistent=True)")
        self._used = True
        flat, spec = tree.flatten(sources)
        nodes = []
        for s in flat:
            if isinstance(s, KVariable):
                nodes.append(self._leaves.get(s))
            elif type(s) is Tensor:
                nodes.append(s)
            else:
                raise TypeError(f"GradientTape.gradient() sources must be Variables or tracked "
                                f"tensors, got {type(s).__name__}")
        if type(target) is not Tensor:
            grads = [None] * len(flat)
        else:
            seed = None if output_gradients is None else engine.raw(output_gradients)
            grads = engine.backward(target, nodes, seed)
        return tree.unflatten(spec, grads)


@contextlib.contextmanager
def no_grad():
    """Context in which ops are not recorded (results are plain arrays)."""
    engine._state["paused"] += 1
    try:
        yield
    finally:
        engine._state["paused"] -= 1


def stop_gradient(x):
    """``x`` as a constant: no gradient flows back through it."""
    return engine.raw(x)


def value_and_grad(fn, argnums=0, has_aux: bool = False):
    """Return ``g(*args) -> (value, grads)``: ``fn``'s value and its gradient w.r.t. ``args[argnums]``.

    JAX's spelling; each differentiated argument may be an array, a Variable or a nested
    list/tuple/dict of them, and its gradient has the same structure. With ``has_aux``,
    ``fn`` returns ``(value, aux)`` and ``g`` returns ``((value, aux), grads)``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> X = np.arange(20.0); Y = 2 * X + 1
        >>> cost = lambda W, b: ops.mean(ops.square(X * W + b - Y))
        >>> value, (dW, db) = ops.value_and_grad(cost, argnums=(0, 1))(0.5, 0.0)
    """
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)

    def wrapped(*args, **kwargs):
        args = list(args)
        with GradientTape() as tape:
            wrt = []
            for i in nums:
                leaves, spec = tree.flatten(args[i])
                tracked = [_track(v) for v in leaves]
                args[i] = tree.unflatten(spec, tracked)
                wrt.append((spec, tracked))
            out = fn(*args, **kwargs)
        value, aux = out if has_aux else (out, None)
        flat = [t for _, ts in wrt for t in ts]
        grads = tape.gradient(value, flat) if flat else []
        grads = [_zeros(t) if g is None else g for g, t in zip(grads, flat)]
        it = iter(grads)
        nested = [tree.unflatten(spec, [next(it) for _ in ts]) for spec, ts in wrt]
        value = engine.raw(value)
        result = nested[0] if single else tuple(nested)
        return ((value, engine.raw_tree(aux)) if has_aux else value), result

    return wrapped


def variables_value_and_grad(fn, variables, has_aux: bool = False):
    """Trainer hook: ``fn()``'s value (and aux) and its gradients w.r.t. ``variables``."""
    with GradientTape() as tape:
        out = fn()
    value, aux = out if has_aux else (out, None)
    grads = tape.gradient(value, list(variables))
    grads = [_zeros(v) if g is None else g for g, v in zip(grads, variables)]
    value = engine.raw(value)
    return ((value, engine.raw_tree(aux)) if has_aux else value), grads


def _track(v):
    if isinstance(v, KVariable):
        return engine.leaf_for(v)
    if type(v) is Tensor:
        return v
    from kfront.backends.numpy.core import convert_to_tensor
    return Tensor(convert_to_tensor(v), Node((), None, ()))


def _zeros(t):
    d = engine.raw(t) if not isinstance(t, KVariable) else t._value
    return get_xp(d).zeros_like(d)
