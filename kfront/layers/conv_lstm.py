"""``ConvLSTM1D/2D/3D``: LSTMs whose input and recurrent transformations are convolutions
(Keras 3's weights: ``kernel`` (*kernel_size, in, 4*filters), ``recurrent_kernel``
(*kernel_size, filters, 4*filters), ``bias`` (4*filters); gates i, f, c, o)."""
from __future__ import annotations

from kfront import activations, constraints, initializers, ops, regularizers
from kfront.backends.common.random import SeedGenerator
from kfront.layers.convolutional import (_explicit_arguments, normalize_data_format,
                                         normalize_padding, normalize_tuple,
                                         window_output_shape)
from kfront.layers.layer import Layer
from kfront.layers.rnn_generic import RNN

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]

_CELL_ARGS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
              "activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias",
              "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
              "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
              "recurrent_dropout", "seed")


class ConvLSTMCell(Layer):
    """One step of a ConvLSTM over (batch, *spatial, channels) inputs; states ``[h, c]``."""

    def __init__(self, rank: int, filters: int, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias: bool = True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        who = f'ConvLSTM{rank}D "{self.name}"'
        self.rank, self.filters = rank, filters
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", who)
        self.strides = normalize_tuple(strides, rank, "strides", who)
        self.padding = normalize_padding(padding, ("valid", "same"), who)
        self.data_format = normalize_data_format(data_format, who)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", who)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{who}: strides > 1 and dilation_rate > 1 cannot be combined, "
                             f"got strides={self.strides}, dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias, self.unit_forget_bias = use_bias, unit_forget_bias
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
        self.seed, self.seed_generator = seed, SeedGenerator(seed)
        self._masks = None  # (input masks, recurrent masks) drawn for the running sequence
        self.state_size = -1  # states are feature maps; see get_initial_state

    def build(self, input_shape):
        first = self.data_format == "channels_first"
        self.spatial_dims = tuple(input_shape[2:] if first else input_shape[1:-1])
        channels = input_shape[1 if first else -1]
        if None in self.spatial_dims or channels is None:
            raise ValueError(f'ConvLSTM{self.rank}D "{self.name}": the spatial and channel axes '
                             f"must be known, got input shape {tuple(input_shape)}")
        self.input_dim = channels
        width = 4 * self.filters
        self.kernel = self.add_weight(shape=self.kernel_size + (channels, width), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, width), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            base, f = self.bias_initializer, self.filters

            def forget_one(shape, dtype=None):
                return ops.concatenate([base((f,), dtype=dtype), ops.ones((f,), dtype),
                                        base((2 * f,), dtype=dtype)], axis=0)
            self.bias = self.add_weight(shape=(width,), name="bias",
                                        initializer=forget_one if self.unit_forget_bias
                                        else base, regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def _state_shape(self, batch_size) -> tuple:
        first = self.data_format == "channels_first"
        shape = ((batch_size, self.input_dim, *self.spatial_dims) if first
                 else (batch_size, *self.spatial_dims, self.input_dim))
        out = window_output_shape(self, shape, self.kernel_size, self.strides, self.padding,
                                  self.dilation_rate)
        return ((batch_size, self.filters, *out[2:]) if first
                else (batch_size, *out[1:-1], self.filters))

    def get_initial_state(self, batch_size=None) -> list:
        shape = self._state_shape(batch_size)
        return [ops.zeros(shape, self._dtype), ops.zeros(shape, self._dtype)]

    def dropout_masks(self, input_shape, state_shape, training) -> tuple:
        """(input mask or None, recurrent mask or None) as Keras's ``DropoutRNNCell``: four
        ``dropout(ones)`` masks, one per gate (i, f, c, o), of a step input's and of ``h``'s
        shape, here side by side on the channel axis; drawn only in training with a rate
        strictly between 0 and 1 (one draw of the four side by side)."""
        def draw(shape, rate):
            if not training or not 0.0 < rate < 1.0:
                return None
            shape = list(shape)
            shape[self._channel_axis] *= 4
            return ops.dropout(ops.ones(tuple(shape), self._dtype), rate,
                               seed=self.seed_generator)
        return draw(input_shape, self.dropout), draw(state_shape, self.recurrent_dropout)

    @property
    def _channel_axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    def _gate_inputs(self, x, mask):
        """``x`` unchanged, or 4 copies side by side on the channel axis times the 4 gates'
        masks: a convolution with 4 groups then gives each gate its own masked input (Keras's 4
        convolutions)."""
        if mask is None:
            return x
        return ops.multiply(ops.concatenate([x] * 4, axis=self._channel_axis), mask)

    def call(self, inputs, states, training=False):
        h, c = states[0], states[1]
        # masks drawn once per sequence by ConvLSTM.call; a lone step draws its own
        drop, rdrop = self._masks or self.dropout_masks(ops.shape(inputs), ops.shape(h),
                                                        training)
        z = ops.conv(self._gate_inputs(inputs, drop), self.kernel, strides=self.strides,
                     padding=self.padding, data_format=self.data_format,
                     dilation_rate=self.dilation_rate)
        if self.bias is not None:
            shape = ((1, 4 * self.filters) + (1,) * self.rank
                     if self.data_format == "channels_first"
                     else (1,) * (self.rank + 1) + (4 * self.filters,))
            z = ops.add(z, ops.reshape(self.bias, shape))
        z = ops.add(z, ops.conv(self._gate_inputs(h, rdrop), self.recurrent_kernel, strides=1,
                                padding="same", data_format=self.data_format))
        zi, zf, zc, zo = ops.split(z, 4, axis=self._channel_axis)
        i, f = self.recurrent_activation(zi), self.recurrent_activation(zf)
        c = ops.add(ops.multiply(f, c), ops.multiply(i, self.activation(zc)))
        h = ops.multiply(self.recurrent_activation(zo), self.activation(c))
        return h, [h, c]

    def get_config(self) -> dict:
        config = {k: getattr(self, k) for k in _CELL_ARGS}
        for key in ("activation", "recurrent_activation"):
            config[key] = activations.serialize(config[key])
        for kind in ("kernel", "recurrent", "bias"):
            config[f"{kind}_initializer"] = initializers.serialize(config[f"{kind}_initializer"])
            config[f"{kind}_regularizer"] = regularizers.serialize(config[f"{kind}_regularizer"])
            config[f"{kind}_constraint"] = constraints.serialize(config[f"{kind}_constraint"])
        return {**super().get_config(), **config}


class ConvLSTM(RNN):
    """Runs a ``ConvLSTMCell`` over (batch, time, *spatial, channels) inputs.

    ``dropout`` / ``recurrent_dropout`` act in training only, as Keras's: for each sequence
    four masks (one per gate i, f, c, o) on the step inputs and four on ``h``, drawn once and
    kept for every step. The masks come from kfront's seeded stream (``seed``; the same masks
    on every backend when eager), not Keras's, so only their distribution matches Keras."""

    def __init__(self, rank: int, filters: int, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias: bool = True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed=None, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, **kwargs):
        cell = ConvLSTMCell(rank, filters, kernel_size, strides=strides, padding=padding,
                            data_format=data_format, dilation_rate=dilation_rate,
                            activation=activation, recurrent_activation=recurrent_activation,
                            use_bias=use_bias, kernel_initializer=kernel_initializer,
                            recurrent_initializer=recurrent_initializer,
                            bias_initializer=bias_initializer,
                            unit_forget_bias=unit_forget_bias,
                            kernel_regularizer=kernel_regularizer,
                            recurrent_regularizer=recurrent_regularizer,
                            bias_regularizer=bias_regularizer,
                            kernel_constraint=kernel_constraint,
                            recurrent_constraint=recurrent_constraint,
                            bias_constraint=bias_constraint, dropout=dropout,
                            recurrent_dropout=recurrent_dropout, seed=seed,
                            name="conv_lstm_cell", dtype=kwargs.get("dtype"))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=activity_regularizer, **kwargs)

    def __getattr__(self, name):
        cell = self.__dict__.get("cell")
        if cell is not None and name in _CELL_ARGS and name in cell.__dict__:
            return cell.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def call(self, sequences, initial_state=None, mask=None, training=False):
        """As ``RNN.call``; in training the dropout masks are drawn once for the whole sequence
        (from its first step and the state's shape), as Keras does."""
        cell = self.cell
        if training and (0.0 < cell.dropout < 1.0 or 0.0 < cell.recurrent_dropout < 1.0):
            shape = ops.shape(sequences)
            cell._masks = cell.dropout_masks((shape[0], *shape[2:]),
                                             cell._state_shape(shape[0]), training)
        try:
            return super().call(sequences, initial_state=initial_state, mask=mask,
                                training=training)
        finally:
            cell._masks = None

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        if not self.cell.built:
            self.build(sequences_shape)
        state = self.cell._state_shape(batch)
        out = (batch, steps, *state[1:]) if self.return_sequences else state
        return [out, state, state] if self.return_state else out

    def get_config(self) -> dict:
        config = Layer.get_config(self)
        cell = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell.pop(key, None)
        return {**config, **cell, "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask,
                "activity_regularizer": regularizers.serialize(self.activity_regularizer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        return cls(**config)


class ConvLSTM1D(ConvLSTM):
    """1D convolutional LSTM over (batch, time, steps, channels).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.ConvLSTM1D(4, 3, return_sequences=True)(np.ones((2, 5, 8, 3), "float32")).shape
        (2, 5, 6, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        super().__init__(1, **_explicit_arguments(locals()))


class ConvLSTM2D(ConvLSTM):
    """2D convolutional LSTM over (batch, time, rows, cols, channels).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.ConvLSTM2D(4, 3, padding="same")(np.ones((2, 3, 6, 6, 2), "float32")).shape
        (2, 6, 6, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        super().__init__(2, **_explicit_arguments(locals()))


class ConvLSTM3D(ConvLSTM):
    """3D convolutional LSTM over (batch, time, d1, d2, d3, channels).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.ConvLSTM3D(2, 2)(np.ones((1, 2, 3, 3, 3, 1), "float32")).shape
        (1, 2, 2, 2, 2)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        super().__init__(3, **_explicit_arguments(locals()))
