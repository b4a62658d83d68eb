"""Recurrent layers ``SimpleRNN``, ``LSTM``, ``GRU`` and their cells (Keras 3 signatures).

A cell holds the weights (Keras's layout: ``kernel`` (features, G*units), ``recurrent_kernel``
(units, G*units), ``bias``) and the recurrence; the layer runs it over whole sequences with ONE
fused scan op (``kfront.ops.lstm`` / ``gru`` / ``simple_rnn``), so training costs one input GEMM
for all timesteps and one recurrent GEMM per step. Activations the fused kernels lack (``gelu``,
``silu``, a user function...) run the same recurrence step by step through ``ops.scan``.
Dropout is variational, as Keras: one input mask and one recurrent mask per sequence, shared by
all timesteps.
"""
from __future__ import annotations

from kfront import activations, constraints, initializers, ops, regularizers
from kfront.backends import B
from kfront.backends.common.random import SeedGenerator
from kfront.layers.convolutional import _explicit_arguments
from kfront.layers.layer import InputSpec, Layer, _check_spec

# the activations every backend's fused scan ops accept (see kfront/ops/rnn.py); others run
# through the generic ``ops.scan`` path
_SCAN_ACTIVATIONS = ("tanh", "sigmoid", "hard_sigmoid", "relu", "linear", "softsign", "softplus",
                     "elu", "exponential")
_CELL_ATTRS = ("units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
               "reset_after", "kernel_initializer", "recurrent_initializer", "bias_initializer",
               "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
               "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
               "recurrent_dropout", "seed")
_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
             "zero_output_for_mask")


class _RNNCell(Layer):
    """Weights, initializers, regularizers, constraints and dropout shared by the cells.

    ``gates`` is G, the number of ``units``-wide blocks in the kernels; subclasses implement
    ``_scan(x, states, mask, recurrent_dropout_mask, **flags)`` with their fused op and
    ``_step(z, states, recurrent_dropout_mask)`` (one timestep from the input projection ``z``)
    for the generic path.
    """

    gates = 1
    state_count = 1

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed: int | None = None,
                 **kwargs):
        kwargs.pop("implementation", None)  # Keras's kernel choice; the fused scan has one
        super().__init__(**kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f'{type(self).__name__} "{self.name}": units must be a positive '
                             f"int, got {units!r}")
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)

    @property
    def _fused_activations(self) -> tuple | None:
        """``(activation, recurrent_activation)`` names for the fused kernels, or None when
        one of them is not a built-in the kernels have (the generic path runs instead)."""
        names = tuple(next((n for n in _SCAN_ACTIVATIONS if fn is activations.get(n)), None)
                      for fn in (self.activation, self.recurrent_activation))
        return None if None in names else names

    @property
    def state_size(self) -> list:
        return [self.units] * self.state_count

    output_size = property(lambda self: self.units)

    def _bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape) -> None:
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f'{type(self).__name__} "{self.name}": the feature axis of the input '
                             f"must be known, got input shape {tuple(input_shape)}")
        width = self.gates * self.units
        self.kernel = self.add_weight(shape=(in_dim, width), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, width), name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = (self.add_weight(shape=self._bias_shape(), name="bias",
                                     initializer=self._bias_initializer(),
                                     regularizer=self.bias_regularizer,
                                     constraint=self.bias_constraint)
                     if self.use_bias else None)
        self.built = True  # a direct build() call too, as Keras

    def dropout_masks(self, x, training) -> tuple:
        """(input mask (B, 1, D) or None, recurrent mask (B, units) or None) for this call."""
        if not training:
            return None, None
        batch, dim = ops.shape(x)[0], ops.shape(x)[-1]
        drop = (ops.dropout(ops.ones((batch, 1, dim), self._dtype), self.dropout,
                            seed=self.seed_generator) if 0 < self.dropout < 1 else None)
        rdrop = (ops.dropout(ops.ones((batch, self.units), self._dtype), self.recurrent_dropout,
                             seed=self.seed_generator) if 0 < self.recurrent_dropout < 1 else None)
        return drop, rdrop

    def run(self, sequences, states, mask=None, training=None, **flags):
        """The whole-sequence scan with dropout -> ``[outputs, *final_states]``."""
        drop, rdrop = self.dropout_masks(sequences, training)
        if drop is not None:
            sequences = ops.multiply(sequences, drop)
        fused = self._fused_activations
        if fused is None:
            return self._generic_scan(sequences, list(states), mask, rdrop, **flags)
        return list(self._scan(sequences, list(states), mask, rdrop, *fused, **flags))

    def _biases(self) -> tuple:
        """(input-side bias, recurrent-side bias); either may be None."""
        return self.bias, None

    def _generic_scan(self, x, states, mask, rdrop, return_sequences=False, go_backwards=False,
                      zero_output_for_mask=False) -> list:
        """The fused ops' recurrence with any activations: the input projection of every
        timestep in one GEMM, then ``_step`` per timestep through ``ops.scan`` (time-major);
        the same mask, ``go_backwards`` and dropout semantics as ``kfront.ops.lstm``."""
        if go_backwards:
            x = ops.flip(x, axis=1)
            mask = None if mask is None else ops.flip(mask, axis=1)
        z = ops.matmul(x, self.kernel)
        bias = self._biases()[0]
        z = ops.transpose(z if bias is None else ops.add(z, bias), (1, 0, 2))
        states = [ops.convert_to_tensor(s) for s in states]

        def step(carry, inputs):
            if mask is None:
                new = self._step(inputs, carry, rdrop)
                return new, new[0] if return_sequences else None
            (old, prev), (zt, mt) = carry, inputs
            new = self._step(zt, old, rdrop)
            out = ops.where(mt, new[0], ops.zeros_like(prev) if zero_output_for_mask else prev)
            return ([ops.where(mt, n, s) for n, s in zip(new, old)], out), (
                out if return_sequences else None)

        if mask is None:
            states, ys = ops.scan(step, states, z)
            last = states[0]
        else:
            mask = ops.expand_dims(ops.transpose(ops.cast(mask, "bool")), -1)
            (states, last), ys = ops.scan(step, (states, ops.zeros_like(states[0])), (z, mask))
        return [ops.transpose(ys, (1, 0, 2)) if return_sequences else last, *states]

    def _read_h(self, h, rdrop):
        """The previous ``h`` as the recurrent kernel reads it (recurrent dropout applied)."""
        return h if rdrop is None else ops.multiply(h, rdrop)

    def call(self, inputs, states, training=False):
        """One step: ``(output, new_states)`` from inputs (B, D) and a list of states (B, u)."""
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        out, *new = self.run(ops.expand_dims(inputs, 1), states, training=training)
        return out, new

    def get_initial_state(self, batch_size=None) -> list:
        return [ops.zeros((batch_size, self.units), self._dtype) for _ in range(self.state_count)]

    def get_config(self) -> dict:
        config = {**super().get_config(), "units": self.units,
                  "activation": activations.serialize(self.activation),
                  "recurrent_activation": activations.serialize(self.recurrent_activation),
                  "use_bias": self.use_bias}
        for kind in ("kernel", "recurrent", "bias"):
            config[f"{kind}_initializer"] = initializers.serialize(
                getattr(self, f"{kind}_initializer"))
            config[f"{kind}_regularizer"] = regularizers.serialize(
                getattr(self, f"{kind}_regularizer"))
            config[f"{kind}_constraint"] = constraints.serialize(
                getattr(self, f"{kind}_constraint"))
        return {**config, "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed}


class SimpleRNNCell(_RNNCell):
    """Cell of ``SimpleRNN``: ``h = activation(x @ kernel + h @ recurrent_kernel + bias)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> cell = layers.SimpleRNNCell(4)
        >>> out, states = cell(np.ones((2, 3), "float32"), [np.zeros((2, 4), "float32")])
        >>> tuple(out.shape), len(states)
        ((2, 4), 1)
    """

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None,
                 **kwargs):
        super().__init__(recurrent_activation="linear", **_explicit_arguments(locals()))

    def _scan(self, x, states, mask, rdrop, act, ract, **flags):
        return ops.simple_rnn(x, states[0], self.kernel, self.recurrent_kernel, self.bias, mask,
                              activation=act, recurrent_dropout_mask=rdrop, **flags)

    def _step(self, z, states, rdrop) -> list:
        h = self._read_h(states[0], rdrop)
        return [self.activation(ops.add(z, ops.matmul(h, self.recurrent_kernel)))]

    def get_config(self) -> dict:
        config = super().get_config()
        del config["recurrent_activation"]
        return config


class LSTMCell(_RNNCell):
    """Cell of ``LSTM`` (gates i, f, c, o); ``unit_forget_bias`` starts the forget bias at 1.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> cell = layers.LSTMCell(4)
        >>> zeros = np.zeros((2, 4), "float32")
        >>> out, (h, c) = cell(np.ones((2, 3), "float32"), [zeros, zeros])
        >>> tuple(out.shape), tuple(c.shape)
        ((2, 4), (2, 4))
    """

    gates = 4
    state_count = 2

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None,
                 **kwargs):
        args = _explicit_arguments(locals())
        del args["unit_forget_bias"]
        super().__init__(**args)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, u = self.bias_initializer, self.units

        def init(shape, dtype=None):
            return ops.concatenate([base((u,), dtype=dtype), ops.ones((u,), dtype),
                                    base((2 * u,), dtype=dtype)], axis=0)
        return init

    def _scan(self, x, states, mask, rdrop, act, ract, **flags):
        return ops.lstm(x, states[0], states[1], self.kernel, self.recurrent_kernel, self.bias,
                        mask, activation=act, recurrent_activation=ract,
                        recurrent_dropout_mask=rdrop, **flags)

    def _step(self, z, states, rdrop) -> list:
        h, c = states
        a = ops.add(z, ops.matmul(self._read_h(h, rdrop), self.recurrent_kernel))
        i, f, g, o = ops.split(a, 4, axis=-1)
        ract = self.recurrent_activation
        c = ops.add(ops.multiply(ract(f), c), ops.multiply(ract(i), self.activation(g)))
        return [ops.multiply(ract(o), self.activation(c)), c]

    def get_config(self) -> dict:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_RNNCell):
    """Cell of ``GRU`` (gates z, r, h); ``reset_after=True`` (Keras's default) applies the reset
    gate after the recurrent GEMM and has a (2, 3*units) bias (input and recurrent rows).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> cell = layers.GRUCell(4)
        >>> out, states = cell(np.ones((2, 3), "float32"), [np.zeros((2, 4), "float32")])
        >>> cell.bias.shape
        (2, 12)
    """

    gates = 3

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 reset_after: bool = True, seed: int | None = None, **kwargs):
        args = _explicit_arguments(locals())
        del args["reset_after"]
        super().__init__(**args)
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _scan(self, x, states, mask, rdrop, act, ract, **flags):
        return ops.gru(x, states[0], self.kernel, self.recurrent_kernel, self.bias, mask,
                       activation=act, recurrent_activation=ract,
                       reset_after=self.reset_after, recurrent_dropout_mask=rdrop, **flags)

    def _biases(self) -> tuple:
        if self.bias is None or not self.reset_after:
            return self.bias, None
        return tuple(ops.unstack(self.bias, axis=0))

    def _step(self, z, states, rdrop) -> list:
        h = states[0]
        hp = self._read_h(h, rdrop)
        xz, xr, xh = ops.split(z, 3, axis=-1)
        ract = self.recurrent_activation
        if self.reset_after:
            rec = ops.matmul(hp, self.recurrent_kernel)
            bias = self._biases()[1]
            rz, rr, rh = ops.split(rec if bias is None else ops.add(rec, bias), 3, axis=-1)
            zg, r = ract(ops.add(xz, rz)), ract(ops.add(xr, rr))
            hh = self.activation(ops.add(xh, ops.multiply(r, rh)))
        else:
            kz, kr, kh = ops.split(self.recurrent_kernel, 3, axis=-1)
            zg = ract(ops.add(xz, ops.matmul(hp, kz)))
            r = ract(ops.add(xr, ops.matmul(hp, kr)))
            hh = self.activation(ops.add(xh, ops.matmul(ops.multiply(r, hp), kh)))
        return [ops.add(ops.multiply(zg, h), ops.multiply(ops.subtract(1.0, zg), hh))]

    def get_config(self) -> dict:
        return {**super().get_config(), "reset_after": self.reset_after}


class _RNN(Layer):
    """Runs a cell over sequences (B, T, D): ``return_sequences``, ``return_state``,
    ``go_backwards``, ``stateful``, masks and ``initial_state``, as Keras's ``RNN``."""

    #: a stateful layer's state Variables are not weights (Keras creates them untracked)
    _untracked_attributes = Layer._untracked_attributes | {"states"}

    def __init__(self, cell: _RNNCell, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, zero_output_for_mask: bool = False,
                 activity_regularizer=None, use_cudnn="auto", **kwargs):
        super().__init__(**kwargs)
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f'{type(self).__name__} "{self.name}": use_cudnn must be "auto", '
                             f"True or False, got {use_cudnn!r}")
        self.cell = cell
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful = bool(go_backwards), bool(stateful)
        self.unroll = bool(unroll)  # accepted; the fused scan is already the fast path
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.use_cudnn = use_cudnn
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)
        self.states = None

    def __getattr__(self, name):
        # Keras exposes the cell's settings (units, activation, dropout...) on the layer
        cell = self.__dict__.get("cell")
        if cell is not None and name in _CELL_ATTRS and name in cell.__dict__:
            return cell.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def state_size(self) -> list:
        return self.cell.state_size

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        _check_spec(self, self.input_spec, input_shape)
        self.cell._maybe_build((input_shape[0], input_shape[-1]))
        self.input_spec = InputSpec(ndim=3, axes={-1: input_shape[-1]})
        if self.stateful:
            if input_shape[0] is None:
                raise ValueError(f'{type(self).__name__} "{self.name}": stateful=True needs a '
                                 f"fixed batch size (pass batch_size to Input or "
                                 f"batch_input_shape), got input shape {input_shape}")
            self.states = [B.Variable(s, trainable=False, name="rnn_state")
                           for s in self.cell.get_initial_state(input_shape[0])]
        self.built = True  # a direct build() call too, as Keras

    def reset_state(self) -> None:
        """Zero the states of a stateful layer."""
        for v in self.states or []:
            v.assign(ops.zeros(v.shape, v.dtype))

    reset_states = reset_state

    def get_initial_state(self, batch_size) -> list:
        return self.cell.get_initial_state(batch_size)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if initial_state is None:
            initial_state = (self.states if self.stateful
                             else self.get_initial_state(ops.shape(sequences)[0]))
        elif not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        if len(initial_state) != self.cell.state_count:
            raise ValueError(f'{type(self).__name__} "{self.name}": expects '
                             f"{self.cell.state_count} initial state(s), got {len(initial_state)}")
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out, *states = self.cell.run(sequences, initial_state, mask=mask, training=training,
                                     return_sequences=self.return_sequences,
                                     go_backwards=self.go_backwards,
                                     zero_output_for_mask=self.zero_output_for_mask)
        if self.stateful:
            for var, value in zip(self.states, states):
                var.assign(ops.stop_gradient(value))
        return [out, *states] if self.return_state else out

    def compute_output_shape(self, input_shape, initial_state_shape=None):
        batch, steps = input_shape[0], input_shape[1]
        out = (batch, steps, self.cell.units) if self.return_sequences else (batch, self.cell.units)
        if self.return_state:
            return [out] + [(batch, self.cell.units)] * self.cell.state_count
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        return [out] + [None] * self.cell.state_count if self.return_state else out

    def get_config(self) -> dict:
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        return {**super().get_config(), **{k: getattr(self, k) for k in _RNN_ARGS},
                **cell_config,
                "activity_regularizer": regularizers.serialize(self.activity_regularizer)}


def _split(args: dict, cell_cls, layer_kwargs: dict):
    """Split a layer's arguments into its cell (built with Keras's cell name) and RNN ones."""
    args = {k: v for k, v in args.items() if k not in ("self", "kwargs", "__class__")}
    rnn = {k: args.pop(k) for k in (*_RNN_ARGS, "activity_regularizer", "use_cudnn")
           if k in args}
    rnn.update(layer_kwargs)
    name = {SimpleRNNCell: "simple_rnn_cell", LSTMCell: "lstm_cell", GRUCell: "gru_cell"}[cell_cls]
    cell = cell_cls(**args, name=name, dtype=layer_kwargs.get("dtype"),
                    trainable=layer_kwargs.get("trainable", True))
    return cell, rnn


class SimpleRNN(_RNN):
    """Fully connected RNN: ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + b)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.SimpleRNN(4, return_sequences=True)(np.ones((2, 5, 3), "float32")).shape
        (2, 5, 4)
    """

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, seed: int | None = None, **kwargs):
        cell, rnn = _split(locals(), SimpleRNNCell, kwargs)
        super().__init__(cell, **rnn)


class LSTM(_RNN):
    """Long short-term memory layer (Hochreiter 1997), Keras 3's gate order i, f, c, o.

    Weights: ``kernel`` (features, 4*units), ``recurrent_kernel`` (units, 4*units), ``bias``
    (4*units,). Returns the last output, or the sequence with ``return_sequences=True``,
    followed by the final ``h`` and ``c`` with ``return_state=True``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> out, h, c = layers.LSTM(4, return_state=True)(np.ones((2, 5, 3), "float32"))
        >>> tuple(out.shape), tuple(c.shape)
        ((2, 4), (2, 4))
    """

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed: int | None = None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 use_cudnn="auto", **kwargs):
        cell, rnn = _split(locals(), LSTMCell, kwargs)
        super().__init__(cell, **rnn)


class GRU(_RNN):
    """Gated recurrent unit (Cho 2014), Keras 3's gate order z, r, h and ``reset_after=True``.

    Weights: ``kernel`` (features, 3*units), ``recurrent_kernel`` (units, 3*units), ``bias``
    (2, 3*units) (or (3*units,) with ``reset_after=False``).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.GRU(4)(np.ones((2, 5, 3), "float32")).shape
        (2, 4)
    """

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, reset_after: bool = True, use_cudnn="auto", **kwargs):
        cell, rnn = _split(locals(), GRUCell, kwargs)
        super().__init__(cell, **rnn)
