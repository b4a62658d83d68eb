"""Recurrent ops of the kfront ops interface: whole-sequence LSTM, GRU and SimpleRNN scans.

Each op runs a recurrence over all timesteps of ``inputs`` (batch, timesteps, features) and is
differentiable with respect to the inputs, the initial states and the weights. Weights use
Keras 3's layouts: ``kernel`` (features, G*units), ``recurrent_kernel`` (units, G*units), ``bias``
(G*units,) with gate blocks in Keras's order (LSTM i, f, c, o; GRU z, r, h; G = 4, 3, 1).

Shared arguments:
    mask: optional (batch, timesteps) booleans; at a False step the states are carried over
        unchanged and the output is the previous step's output (zeros before the first step),
        or zeros with ``zero_output_for_mask=True`` (Keras's semantics).
    activation / recurrent_activation: names among ``"tanh"``, ``"sigmoid"``,
        ``"hard_sigmoid"``, ``"relu"``, ``"linear"``, ``"softsign"``, ``"softplus"``, ``"elu"``,
        ``"exponential"``; a backend may raise NotImplementedError for others.
    return_sequences: outputs are (batch, timesteps, units) if True, else the last output
        (batch, units).
    go_backwards: process the sequence (and mask) in reverse; the returned sequence is in
        processing order (reversed), as Keras.
    recurrent_dropout_mask: optional (batch, units) array multiplied into the previous ``h``
        wherever the recurrent kernel reads it (variational recurrent dropout; no gradient).

Example:
    >>> import numpy as np
    >>> from kfront import ops
    >>> x = np.ones((2, 5, 3), "float32")
    >>> h0 = c0 = np.zeros((2, 4), "float32")
    >>> W, R, b = np.full((3, 16), 0.1, "float32"), np.zeros((4, 16), "float32"), None
    >>> out, h, c = ops.lstm(x, h0, c0, W, R, b, return_sequences=True)
    >>> tuple(out.shape), tuple(h.shape)
    ((2, 5, 4), (2, 4))
"""
from __future__ import annotations

from kfront.backends import B

__all__ = ["gru", "lstm", "simple_rnn"]


def lstm(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias=None, mask=None, *,
         activation: str = "tanh", recurrent_activation: str = "sigmoid",
         return_sequences: bool = False, go_backwards: bool = False,
         zero_output_for_mask: bool = False, recurrent_dropout_mask=None):
    """LSTM scan -> ``(outputs, final_h, final_c)``.

    Per step: ``a = x @ kernel + h @ recurrent_kernel + bias`` split into i, f, c, o;
    ``c = ract(f) * c + ract(i) * act(c_bar)``, ``h = ract(o) * act(c)``.
    Shapes: inputs (B, T, D), states (B, u), kernel (D, 4u), recurrent_kernel (u, 4u),
    bias (4u,) or None.
    """
    return B.lstm(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, mask,
                  activation=activation, recurrent_activation=recurrent_activation,
                  return_sequences=return_sequences, go_backwards=go_backwards,
                  zero_output_for_mask=zero_output_for_mask,
                  recurrent_dropout_mask=recurrent_dropout_mask)


def gru(inputs, initial_h, kernel, recurrent_kernel, bias=None, mask=None, *,
        activation: str = "tanh", recurrent_activation: str = "sigmoid", reset_after: bool = True,
        return_sequences: bool = False, go_backwards: bool = False,
        zero_output_for_mask: bool = False, recurrent_dropout_mask=None):
    """GRU scan -> ``(outputs, final_h)``.

    Per step, gates z, r from ``ract(x @ W + h @ R + b)``; candidate
    ``hh = act(x @ W_h + r * (h @ R_h + b_rh))`` if ``reset_after`` (bias (2, 3u): input and
    recurrent rows) else ``act(x @ W_h + (r * h) @ R_h + b_h)`` (bias (3u,));
    ``h = z * h + (1 - z) * hh``. Shapes: kernel (D, 3u), recurrent_kernel (u, 3u).
    """
    return B.gru(inputs, initial_h, kernel, recurrent_kernel, bias, mask, activation=activation,
                 recurrent_activation=recurrent_activation, reset_after=reset_after,
                 return_sequences=return_sequences, go_backwards=go_backwards,
                 zero_output_for_mask=zero_output_for_mask,
                 recurrent_dropout_mask=recurrent_dropout_mask)


def simple_rnn(inputs, initial_h, kernel, recurrent_kernel, bias=None, mask=None, *,
               activation: str = "tanh", return_sequences: bool = False,
               go_backwards: bool = False, zero_output_for_mask: bool = False,
               recurrent_dropout_mask=None):
    """Fully connected RNN scan ``h = act(x @ kernel + h @ recurrent_kernel + bias)``
    -> ``(outputs, final_h)``. Shapes: kernel (D, u), recurrent_kernel (u, u), bias (u,)."""
    return B.simple_rnn(inputs, initial_h, kernel, recurrent_kernel, bias, mask,
                        activation=activation, return_sequences=return_sequences,
                        go_backwards=go_backwards, zero_output_for_mask=zero_output_for_mask,
                        recurrent_dropout_mask=recurrent_dropout_mask)
