"""The shared gradient API on torch: GradientTape, value_and_grad, stop_gradient over autograd.

Trainable Variables are Parameters that require grad, so every op on them is recorded by
autograd; a tape enables grad mode, decides which sources it answers for (auto-watched
trainable Variables, watched ones, tensors in the graph) and calls ``torch.autograd.grad``.
A watched Variable whose storage does not require grad (non-trainable) is read, while tapes
record, as a leaf tensor sharing its storage.
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Sequence

import torch

from kfront.backends.common import tree
from kfront.backends.common.variables import KVariable
from kfront.backends.torch.core import convert_to_tensor, tape_state, to_tensor


class GradientTape:
    """Record ops to differentiate them, as ``tf.GradientTape`` does.

    Trainable variables read inside the ``with`` block are watched automatically.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront import ops
        >>> X = np.arange(20.0, dtype="float32"); Y = 2 * X + 1
        >>> W, b = kfront.Variable(0.5), kfront.Variable(0.0)
        >>> with kfront.GradientTape() as tape:
        ...     cost = ops.mean(ops.square(ops.subtract(X * W + b, Y)))
        >>> dW, db = tape.gradient(cost, [W, b])
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self._watched: dict = {}  # Variable -> the tensor standing for it
        self._used = False
        self._grad_mode = None

    def __enter__(self) -> "GradientTape":
        self._grad_mode = torch.enable_grad()
        self._grad_mode.__enter__()
        tape_state["tapes"].append(self)
        return self

    def __exit__(self, *exc) -> None:
        tapes = tape_state["tapes"]
        tapes.remove(self)
        if not tapes:
            tape_state["leaves"] = {}
        self._grad_mode.__exit__(*exc)

    def watch(self, x) -> None:
        """Watch Variables (also non-trainable ones). Tensors from ops are tracked already."""
        for v in tree.flatten(x)[0]:
            if isinstance(v, KVariable):
                if self not in tape_state["tapes"]:
                    raise RuntimeError("GradientTape.watch() must be called inside the `with` "
                                       "block")
                self._watched[v] = _leaf(v)
            elif not isinstance(v, torch.Tensor):
                raise TypeError(f"GradientTape.watch() takes kfront Variables, got "
                                f"{type(v).__name__}; wrap arrays in kfront.Variable or use "
                                f"kfront.ops.value_and_grad")

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stop recording."""
        with torch.no_grad():
            yield

    def _source(self, s):
        if isinstance(s, KVariable):
            t = self._watched.get(s)
            if t is None and s.trainable and self.watch_accessed_variables:
                t = s._value
        elif isinstance(s, torch.Tensor):
            t = s
        else:
            raise TypeError(f"GradientTape.gradient() sources must be Variables or tensors, got "
                            f"{type(s).__name__}")
        return t if t is not None and t.requires_grad else None

    def gradient(self, target, sources, output_gradients=None):
        """d(sum of target)/d(sources), in the structure of ``sources``; None where unconnected."""
        if self._used and not self.persistent:
            raise RuntimeError("A non-persistent GradientTape can only compute one gradient; "
                               "use GradientTape(persistent=True)")
        self._used = True
        flat, spec = tree.flatten(sources)
        inputs = [self._source(s) for s in flat]
        seed = None if output_gradients is None else to_tensor(output_gradients)
        retain = self.persistent or bool(tape_state["tapes"])
        return tree.unflatten(spec, _grad(target, inputs, seed, retain))


def _leaf(v: KVariable) -> torch.Tensor:
    """The tensor standing for ``v`` under the active tapes: its Parameter when that requires
    grad, else a leaf sharing its storage (made on first watch, read by ops instead of ``v``)."""
    v._check_backend()
    value = v._value  # the storage, not an autocast read
    if value.requires_grad or not value.is_floating_point():
        return value
    leaves = tape_state["leaves"]
    if v not in leaves:
        leaves[v] = value.detach().requires_grad_(True)
    return leaves[v]


def _grad(target, inputs: list, seed=None, retain: bool = False) -> list:
    """``torch.autograd.grad`` of sum(target) (or of target . seed) w.r.t. the non-None
    ``inputs``; None where an input is None or unconnected."""
    if not isinstance(target, torch.Tensor) or not target.requires_grad:
        return [None] * len(inputs)
    wanted = [t for t in inputs if t is not None]
    if not wanted:
        return [None] * len(inputs)
    if seed is None and target.ndim:
        seed = torch.ones_like(target)
    got = iter(torch.autograd.grad(target, wanted, seed, retain_graph=retain,
                                   allow_unused=True))
    return [None if t is None else next(got) for t in inputs]


def no_grad():
    """Context in which ops are not recorded (``torch.no_grad()``)."""
    return torch.no_grad()


def stop_gradient(x) -> torch.Tensor:
    """``x`` as a constant: no gradient flows back through it."""
    return to_tensor(x, "stop_gradient").detach()


def _detach_tree(x):
    leaves, spec = tree.flatten(x)
    return tree.unflatten(spec, [v.detach() if isinstance(v, torch.Tensor) else v
                                 for v in leaves])


def _own(v) -> bool:
    """Whether ``v`` is a Variable whose own tensor records gradients."""
    return isinstance(v, KVariable) and bool(getattr(v._value, "requires_grad", False))


def _track(v) -> torch.Tensor:
    """A differentiable stand-in for the argument leaf ``v``."""
    t = to_tensor(v, "value_and_grad") if isinstance(v, KVariable) else convert_to_tensor(v)
    if not t.is_floating_point():
        return t
    return t.view_as(t) if t.requires_grad else t.detach().requires_grad_(True)


def value_and_grad(fn: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """Return ``g(*args) -> (value, grads)``: ``fn``'s value and gradient w.r.t. ``args[argnums]``.

    JAX's spelling; each differentiated argument may be an array, a Variable or a nested
    list/tuple/dict of them, and its gradient has the same structure (zeros where unused).
    With ``has_aux``, ``fn`` returns ``(value, aux)`` and ``g`` returns ``((value, aux), grads)``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> X = np.arange(20.0); Y = 2 * X + 1
        >>> def cost(W, b):
        ...     return ops.mean(ops.square(ops.subtract(ops.add(ops.multiply(X, W), b), Y)))
        >>> value, (dW, db) = ops.value_and_grad(cost, argnums=(0, 1))(0.5, 0.0)

    (``W`` and ``b`` arrive as torch tensors, whose operators refuse numpy arrays: combine
    tensors with arrays through ``ops``.)
    """
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)

    def wrapped(*args, **kwargs):
        args = list(args)
        with GradientTape():
            wrt = []
            for i in nums:
                leaves, spec = tree.flatten(args[i])
                tracked = [_track(v) for v in leaves]
                # a trainable Variable stays itself, differentiated through its own tensor, so
                # that reads of it elsewhere (a layer's weights) count too, as on every backend
                args[i] = tree.unflatten(spec, [v if _own(v) else t
                                                for v, t in zip(leaves, tracked)])
                wrt.append((spec, [v._value if _own(v) else t
                                   for v, t in zip(leaves, tracked)]))
            out = fn(*args, **kwargs)
        value, aux = out if has_aux else (out, None)
        flat = [t for _, ts in wrt for t in ts]
        grads = _grad(value, [t if t.requires_grad else None for t in flat],
                      retain=bool(tape_state["tapes"]))
        grads = [torch.zeros_like(t) if g is None else g for g, t in zip(grads, flat)]
        it = iter(grads)
        nested = [tree.unflatten(spec, [next(it) for _ in ts]) for spec, ts in wrt]
        value = to_tensor(value, "value_and_grad").detach()
        result = nested[0] if single else tuple(nested)
        return ((value, _detach_tree(aux)) if has_aux else value), result

    return wrapped


def variables_value_and_grad(fn: Callable[[], Any], variables: Sequence,
                             has_aux: bool = False):
    """Trainer hook: ``fn()``'s value (and aux) and its gradients w.r.t. ``variables`` (zeros
    where a variable is unused)."""
    with GradientTape():
        out = fn()
    value, aux = out if has_aux else (out, None)
    params = [v._value for v in variables]
    grads = _grad(value, [p if p.requires_grad else None for p in params],
                  retain=bool(tape_state["tapes"]))
    grads = [torch.zeros_like(p) if g is None else g for g, p in zip(grads, params)]
    value = value.detach()
    return ((value, _detach_tree(aux)) if has_aux else value), grads
