"""The public recurrent ops, shared by every backend around the backend's own ``scan``.

Each backend implements ``scan(cell, inputs, states, kernel, recurrent_kernel, bias, mask,
recurrent_dropout_mask, *, activation, recurrent_activation, return_sequences, go_backwards,
zero_output_for_mask[, reset_after])`` for ``cell`` in ``"lstm"``, ``"gru"``, ``"simple_rnn"``
and gets ``lstm``, ``gru`` and ``simple_rnn`` (Keras's arguments and defaults) from
``recurrent_ops(scan, __name__)``.

Example:
    >>> from kfront.backends.common.rnn import recurrent_ops
    >>> lstm, gru, simple_rnn = recurrent_ops(lambda cell, *args, **kw: cell, "demo")
    >>> gru(None, None, None, None), gru.__module__
    ('gru', 'demo')
"""
from __future__ import annotations

from typing import Callable


def recurrent_ops(scan: Callable, module: str) -> tuple[Callable, Callable, Callable]:
    """``(lstm, gru, simple_rnn)`` running on ``scan``, presented as functions of ``module``."""

    def lstm(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias=None, mask=None, *,
             activation="tanh", recurrent_activation="sigmoid", return_sequences=False,
             go_backwards=False, zero_output_for_mask=False, recurrent_dropout_mask=None):
        """Keras-order (i, f, c, o) LSTM over a whole sequence -> (outputs, h, c)."""
        return scan("lstm", inputs, (initial_h, initial_c), kernel, recurrent_kernel, bias, mask,
                    recurrent_dropout_mask, activation=activation,
                    recurrent_activation=recurrent_activation, return_sequences=return_sequences,
                    go_backwards=go_backwards, zero_output_for_mask=zero_output_for_mask)

    def gru(inputs, initial_h, kernel, recurrent_kernel, bias=None, mask=None, *,
            activation="tanh", recurrent_activation="sigmoid", reset_after=True,
            return_sequences=False, go_backwards=False, zero_output_for_mask=False,
            recurrent_dropout_mask=None):
        """Keras-order (z, r, h) GRU over a whole sequence -> (outputs, h)."""
        return scan("gru", inputs, (initial_h,), kernel, recurrent_kernel, bias, mask,
                    recurrent_dropout_mask, activation=activation,
                    recurrent_activation=recurrent_activation, return_sequences=return_sequences,
                    go_backwards=go_backwards, zero_output_for_mask=zero_output_for_mask,
                    reset_after=bool(reset_after))

    def simple_rnn(inputs, initial_h, kernel, recurrent_kernel, bias=None, mask=None, *,
                   activation="tanh", return_sequences=False, go_backwards=False,
                   zero_output_for_mask=False, recurrent_dropout_mask=None):
        """Fully connected RNN ``h = activation(x @ W + h @ R + b)`` over a whole sequence
        -> (outputs, h)."""
        return scan("simple_rnn", inputs, (initial_h,), kernel, recurrent_kernel, bias, mask,
                    recurrent_dropout_mask, activation=activation, recurrent_activation="linear",
                    return_sequences=return_sequences, go_backwards=go_backwards,
                    zero_output_for_mask=zero_output_for_mask)

    for fn in (lstm, gru, simple_rnn):
        fn.__module__ = module
        fn.__qualname__ = fn.__name__
    return lstm, gru, simple_rnn
