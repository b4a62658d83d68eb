"""The generic ``RNN(cell)`` layer (user-written cells, lists of cells) and
``StackedRNNCells``, as Keras 3's."""
from __future__ import annotations

from kfront import ops
from kfront.backends import B
from kfront.backends.common import tree
from kfront.layers.layer import Layer, _call_params
from kfront.layers.recurrent import _RNN, _RNNCell

__all__ = ["RNN", "StackedRNNCells"]


def _check_cell(cell, who: str) -> None:
    if "call" not in dir(cell):
        raise ValueError(f"{who}: the cell must have a `call` method, got {cell!r}")
    if "state_size" not in dir(cell) or getattr(cell, "state_size", None) is None:
        raise ValueError(f"{who}: the cell must have a `state_size` attribute (an int, or a "
                         f"list of ints, one per state), got {type(cell).__name__} without one")


def _zeros_for(state_size, batch_size, dtype):
    if isinstance(state_size, int):
        return ops.zeros((batch_size, state_size), dtype)
    return [_zeros_for(s, batch_size, dtype) for s in state_size]


def _cell_initial_state(cell, batch_size, dtype):
    fn = getattr(cell, "get_initial_state", None)
    return fn(batch_size=batch_size) if fn else _zeros_for(cell.state_size, batch_size, dtype)


def _takes_training(cell) -> bool:
    return isinstance(cell, Layer) and "training" in _call_params(type(cell))


def _keep(mask, new, old):
    """``new`` where the (batch,) step ``mask`` is True, else ``old``."""
    rank = len(ops.shape(new))
    return ops.where(ops.reshape(mask, (-1,) + (1,) * (rank - 1)), new, old)


def _first_size(size) -> int:
    return size[0] if isinstance(size, (list, tuple)) else size


class StackedRNNCells(Layer):
    """Cells run one after another at each step: each cell's output is the next one's input;
    the states are the cells' states, in order.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> cells = layers.StackedRNNCells([layers.SimpleRNNCell(4), layers.LSTMCell(3)])
        >>> layers.RNN(cells)(np.ones((2, 5, 6), "float32")).shape
        (2, 3)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            _check_cell(cell, f'StackedRNNCells "{self.name}"')
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> int:
        last = self.cells[-1]
        size = getattr(last, "output_size", None)
        return _first_size(last.state_size) if size is None else size

    def get_initial_state(self, batch_size=None) -> list:
        return [_cell_initial_state(c, batch_size, self._dtype) for c in self.cells]

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._maybe_build(input_shape)
            size = getattr(cell, "output_size", None)
            input_shape = (input_shape[0], _first_size(cell.state_size) if size is None
                           else size)
        self.built = True  # a direct build() call too, as Keras

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, state in zip(self.cells, states):
            nested = isinstance(state, (list, tuple))
            state = list(state) if nested else [state]
            kwargs = {"training": training} if _takes_training(cell) else {}
            inputs, state = cell(inputs, state, **kwargs)
            state = list(state) if isinstance(state, (list, tuple)) else [state]
            new_states.append(state if nested or len(state) != 1 else state[0])
        return inputs, new_states

    def get_config(self) -> dict:
        from kfront.saving.serialization_lib import serialize_keras_object
        return {**super().get_config(), "cells": [serialize_keras_object(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from kfront.saving.serialization_lib import deserialize_keras_object
        config = dict(config)
        cells = [deserialize_keras_object(c, custom_objects=custom_objects)
                 for c in config.pop("cells")]
        return cls(cells, **config)


class RNN(_RNN):
    """Runs ``cell`` over the steps of (batch, timesteps, ...) inputs, as Keras's ``RNN``.

    ``cell`` is any object with ``call(inputs, states) -> (output, new_states)`` and a
    ``state_size`` (an int or a list of ints; optional ``output_size`` and
    ``get_initial_state(batch_size)``), or a list of such cells (a ``StackedRNNCells``).
    Masked steps keep the previous states and output (zeros with ``zero_output_for_mask``);
    with ``go_backwards`` the steps run in reverse and the sequence output is in that order.
    kfront's own ``SimpleRNNCell``/``LSTMCell``/``GRUCell`` run as one fused scan.

    Example:
        >>> import numpy as np
        >>> from kfront import layers, ops
        >>> class MinimalRNNCell(layers.Layer):
        ...     def __init__(self, units, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.units = self.state_size = units
        ...     def build(self, input_shape):
        ...         self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
        ...         self.recurrent = self.add_weight(shape=(self.units, self.units))
        ...     def call(self, inputs, states):
        ...         h = ops.matmul(inputs, self.kernel) + ops.matmul(states[0], self.recurrent)
        ...         return h, [h]
        >>> layers.RNN(MinimalRNNCell(3), return_sequences=True)(np.ones((2, 4, 5))).shape
        (2, 4, 3)
    """

    def __init__(self, cell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        _check_cell(cell, "RNN")
        state_size = cell.state_size
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError(f"RNN: the cell's state_size must be an int or a list of ints "
                             f"(one per state), got {state_size!r}")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         zero_output_for_mask=zero_output_for_mask, **kwargs)
        if not isinstance(cell, _RNNCell):
            self.input_spec = None

    @property
    def state_size(self) -> list:
        """The cell's state sizes as a list (one entry per state)."""
        size = self.cell.state_size
        return [size] if isinstance(size, int) else list(size)

    def build(self, sequences_shape, initial_state_shape=None):
        if isinstance(self.cell, _RNNCell):
            return super().build(sequences_shape)
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._maybe_build((sequences_shape[0],) + tuple(sequences_shape[2:]))
        if self.stateful:
            if sequences_shape[0] is None:
                raise ValueError(f'RNN "{self.name}": stateful=True needs a fixed batch size, '
                                 f"got input shape {tuple(sequences_shape)}")
            leaves, spec = tree.flatten(self.get_initial_state(sequences_shape[0]))
            self.states = tree.unflatten(spec, [B.Variable(s, trainable=False, name="rnn_state")
                                                for s in leaves])
        self.built = True  # a direct build() call too, as Keras

    def get_initial_state(self, batch_size) -> list:
        if isinstance(self.cell, _RNNCell):
            return super().get_initial_state(batch_size)
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is None:
            return [_zeros_for(s, batch_size, self._dtype) for s in self.state_size]
        state = fn(batch_size=batch_size)
        return list(state) if isinstance(state, (list, tuple)) else [state]

    def reset_state(self) -> None:
        for v in tree.flatten(self.states)[0] if self.states is not None else []:
            v.assign(ops.zeros(v.shape, v.dtype))

    reset_states = reset_state

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if isinstance(self.cell, _RNNCell):
            return super().call(sequences, initial_state, mask, training)
        if initial_state is None:
            initial_state = (tree.unflatten(tree.flatten(self.states)[1], [
                v.value for v in tree.flatten(self.states)[0]]) if self.stateful
                else self.get_initial_state(ops.shape(sequences)[0]))
        elif not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        states = list(initial_state)
        kwargs = {"training": training} if _takes_training(self.cell) else {}
        steps = ops.unstack(sequences, axis=1)
        masks = ops.unstack(ops.cast(mask, "bool"), axis=1) if mask is not None else None
        order = range(len(steps) - 1, -1, -1) if self.go_backwards else range(len(steps))
        outputs, prev = [], None
        for t in order:
            out, new = self.cell(steps[t], states, **kwargs)
            new = list(new) if isinstance(new, (list, tuple)) else [new]
            if masks is not None:
                prev = ops.zeros_like(out) if prev is None or self.zero_output_for_mask else prev
                out = _keep(masks[t], out, prev)
                new_leaves, spec = tree.flatten(new)
                new = tree.unflatten(spec, [_keep(masks[t], n, s) for n, s in
                                            zip(new_leaves, tree.flatten(states)[0])])
            states, prev = new, out
            outputs.append(out)
        if self.stateful:
            for var, value in zip(tree.flatten(self.states)[0], tree.flatten(states)[0]):
                var.assign(ops.stop_gradient(value))
        output = ops.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return [output, *states] if self.return_state else output

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, length = sequences_shape[0], sequences_shape[1]
        size = getattr(self.cell, "output_size", None)
        size = _first_size(self.state_size[0]) if size is None else size
        out = (batch, length, size) if self.return_sequences else (batch, size)
        if not self.return_state:
            return out
        states = [(batch, s) if isinstance(s, int) else [(batch, d) for d in s]
                  for s in self.state_size]
        return [out, *states]

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        return [out] + [None] * len(self.state_size) if self.return_state else out

    def get_config(self) -> dict:
        from kfront.saving.serialization_lib import serialize_keras_object
        config = Layer.get_config(self)
        config.update({k: getattr(self, k) for k in (
            "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
            "zero_output_for_mask")})
        return {**config, "cell": serialize_keras_object(self.cell)}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from kfront.saving.serialization_lib import deserialize_keras_object
        config = dict(config)
        config["cell"] = deserialize_keras_object(config["cell"], custom_objects=custom_objects)
        return cls(**config)
