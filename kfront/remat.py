"""Rematerialization (gradient checkpointing): ``kfront.remat`` and ``kfront.RematScope``.

A rematerialized function keeps only its inputs for the backward and recomputes its
intermediates there, trading computation for memory; its results and gradients are those of the
plain call. JAX: ``jax.checkpoint``; torch: ``torch.utils.checkpoint`` (non-reentrant);
TensorFlow: ``tf.recompute_grad``; the native engine runs ``f`` plainly (it keeps the
intermediates, with the same results).
"""
from __future__ import annotations

import math
from collections import namedtuple
from typing import Callable

from kfront.backends import B

_MODES = ("full", "activations", "larger_than", "list_of_layers", None)
_stack: list[RematScope] = []

RematMode = namedtuple("RematMode", ["mode", "output_size_threshold", "layer_names"])


def remat(f: Callable) -> Callable:
    """``f`` rematerialized: its intermediates are recomputed in the backward instead of kept
    (``keras.remat``).

    Example:
        >>> import numpy as np, kfront
        >>> from kfront import ops
        >>> g = kfront.remat(lambda x: ops.sin(x) * 2.0)
        >>> float(ops.value_and_grad(lambda x: ops.sum(g(x)))(np.float32(0.0))[1])
        2.0
    """
    if not callable(f):
        raise TypeError(f"remat: expected a callable, got {type(f).__name__}")
    return B.remat(f)


class RematScope:
    """Rematerializes the layers created inside it when they are called (``keras.RematScope``).

    Args:
        mode: ``"full"`` (every layer), ``"activations"`` (the activation of layers that have
            one), ``"larger_than"`` (layers whose output has more than
            ``output_size_threshold`` elements per call), ``"list_of_layers"`` (the layers
            named in ``layer_names``) or None (none).
        output_size_threshold: the size for ``"larger_than"``.
        layer_names: the names for ``"list_of_layers"``.

    Example:
        >>> import numpy as np, kfront
        >>> with kfront.RematScope(mode="full"):
        ...     layer = kfront.layers.Dense(2, kernel_initializer="ones")
        >>> kfront.ops.convert_to_numpy(layer(np.ones((1, 3), "float32"))).tolist()
        [[3.0, 3.0]]
    """

    def __init__(self, mode: str | None = "full", output_size_threshold: int = 1024,
                 layer_names: list[str] | None = None):
        if mode not in _MODES:
            raise ValueError(f"RematScope: invalid mode {mode!r}; expected one of 'full', "
                             f"'activations', 'larger_than', 'list_of_layers' or None")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = layer_names or []
        self._pop_on_exit = False

    def __enter__(self) -> RematScope:
        _stack.append(self)
        self._pop_on_exit = True
        return self

    def __exit__(self, *exc) -> None:
        if self._pop_on_exit:
            _stack.pop()
            self._pop_on_exit = False


def current_remat_mode() -> RematMode | None:
    """The innermost open RematScope's settings, or None outside any."""
    if not _stack:
        return None
    s = _stack[-1]
    return RematMode(s.mode, s.output_size_threshold, s.layer_names)


def call_rematerialized(layer, mode: RematMode, inputs, args: tuple, kwargs: dict,
                        input_shapes):
    """``layer.call(inputs, *args, **kwargs)`` rematerialized as ``mode`` says for this layer
    (Keras's ``Layer.rematerialized_call``); only ``inputs`` pass through the framework's
    checkpoint, the other arguments are bound as they are (flags stay Python values).
    ``input_shapes`` size the outputs for ``"larger_than"``."""
    def call(x):
        return layer.call(x, *args, **kwargs)
    if mode.mode == "full" or (mode.mode == "list_of_layers"
                               and layer.name in mode.layer_names):
        return remat(call)(inputs)
    if mode.mode == "larger_than":
        try:
            shapes = layer.compute_output_shape(input_shapes)
        except (NotImplementedError, AttributeError, TypeError, ValueError):
            return call(inputs)  # no output size known without running it: as Keras, plainly
        return (remat(call) if _size(shapes) > mode.output_size_threshold else call)(inputs)
    activation = getattr(layer, "activation", None)
    if mode.mode == "activations" and callable(activation):
        layer.activation = remat(activation)
        try:
            return call(inputs)
        finally:
            layer.activation = activation
    return call(inputs)


def _size(shapes) -> int:
    """The number of elements of the outputs of these shapes (unknown sizes count 1)."""
    if isinstance(shapes, dict):
        return sum(_size(s) for s in shapes.values())
    if isinstance(shapes, (tuple, list)) and all(d is None or isinstance(d, int) for d in shapes):
        return math.prod(d or 1 for d in shapes)
    return sum(_size(s) for s in shapes)
