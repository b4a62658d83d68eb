"""Recurrent scans on TensorFlow: LSTM, GRU and SimpleRNN over a whole sequence.

The native engine's ``rnn`` module on TensorFlow: the scan runs time-major with ONE GEMM
projecting the inputs of all timesteps (input bias included), then a ``tf.while_loop`` with one
recurrent GEMM per step (two for a GRU with ``reset_after=False``); the steps read their input
projections (and mask) through TensorArrays, so that the backward pass writes one (batch, G*u)
gradient per step instead of accumulating a dense (T, batch, G*u) one. Gradients are
TensorFlow's autodiff through the loop; ``fit`` XLA-compiles the steps of recurrent models,
which runs the loop ~1.35x faster on CPU (see ``Trainer._use_jit``); the scan also runs under
XLA.
Semantics (Keras gate order, masks carrying the states, ``go_backwards``,
``zero_output_for_mask``, the recurrent dropout mask) are the native engine's; see
``kfront/ops/rnn.py``. Traces under ``tf.function`` (no autograph needed).

Example:
    >>> import numpy as np
    >>> from kfront.backends.tensorflow import rnn
    >>> x = np.ones((2, 5, 3), "float32")
    >>> h0 = c0 = np.zeros((2, 4), "float32")
    >>> W, R = np.full((3, 16), 0.1, "float32"), np.zeros((4, 16), "float32")
    >>> out, h, c = rnn.lstm(x, h0, c0, W, R, return_sequences=True)
    >>> tuple(out.shape), tuple(h.shape)
    ((2, 5, 4), (2, 4))
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from kfront.backends.common.rnn import recurrent_ops
from kfront.backends.tensorflow.core import op_input

__all__ = ["gru", "lstm", "simple_rnn"]


def _hard_sigmoid(x):
    return tf.clip_by_value(x / 6 + 0.5, 0.0, 1.0)


_ACTIVATIONS = {
    "tanh": tf.tanh,
    "sigmoid": tf.sigmoid,
    "hard_sigmoid": _hard_sigmoid,
    "relu": tf.nn.relu,
    "linear": lambda x: x,
    "softsign": tf.nn.softsign,
    "softplus": tf.math.softplus,
    "elu": tf.nn.elu,
    "exponential": tf.exp,
}
SUPPORTED_ACTIVATIONS = tuple(_ACTIVATIONS)


def _activation(name: str, role: str):
    try:
        return _ACTIVATIONS[name]
    except KeyError:
        raise NotImplementedError(
            f"recurrent scan: {role}={name!r} is not supported by the fused recurrent kernels; "
            f"use one of {SUPPORTED_ACTIVATIONS}") from None


def _tensors(op: str, *args):
    """``args`` (None kept) as tensors of one float dtype: numpy's result dtype of them all
    (float64 where that is an integer dtype)."""
    ts = [None if a is None else tf.convert_to_tensor(op_input(a, op)) for a in args]
    dtype = np.result_type(*[t.dtype.as_numpy_dtype for t in ts if t is not None])
    dtype = tf.as_dtype(dtype if np.issubdtype(dtype, np.floating) else np.float64)
    return [t if t is None or t.dtype == dtype else tf.cast(t, dtype) for t in ts]


# --------------------------------------------------------------------------------- cells
# each step(z_t, hp, states) -> new states (the output is new[0]); z_t is the step's input
# projection (input bias included), hp the previous h with the recurrent dropout applied
def _simple_step(R, act):
    def step(z, hp, states):
        return [act(z + tf.matmul(hp, R))]
    return step


def _lstm_step(R, act, ract):
    def step(z, hp, states):
        c = states[1]
        a = z + tf.matmul(hp, R)
        i, f, g, o = tf.split(a, 4, axis=-1)
        c_new = ract(f) * c + ract(i) * act(g)
        return [ract(o) * act(c_new), c_new]
    return step


def _gru_step(R, rbias, act, ract, u, reset_after):
    if reset_after:
        def step(z, hp, states):
            rec = tf.matmul(hp, R)
            if rbias is not None:
                rec = rec + rbias
            zr = ract(z[:, :2 * u] + rec[:, :2 * u])
            zg, r = zr[:, :u], zr[:, u:]
            hh = act(z[:, 2 * u:] + r * rec[:, 2 * u:])
            h = states[0]
            return [zg * h + (1 - zg) * hh]
        return step
    R_zr, R_h = R[:, :2 * u], R[:, 2 * u:]

    def step(z, hp, states):
        zr = ract(z[:, :2 * u] + tf.matmul(hp, R_zr))
        zg, r = zr[:, :u], zr[:, u:]
        hh = act(z[:, 2 * u:] + tf.matmul(r * hp, R_h))
        h = states[0]
        return [zg * h + (1 - zg) * hh]
    return step


# ---------------------------------------------------------------------------------- scan
def _scan(op, inputs, states, kernel, recurrent_kernel, bias, mask, recurrent_dropout_mask, *,
          activation, recurrent_activation, return_sequences, go_backwards, zero_output_for_mask,
          reset_after=True):
    """Run the ``op`` recurrence over ``inputs`` (B, T, D) -> ``(outputs, *final_states)``."""
    _activation(activation, "activation")
    _activation(recurrent_activation, "recurrent_activation")
    x, W, R, b, rdrop, *states = _tensors(op, inputs, kernel, recurrent_kernel, bias,
                                          recurrent_dropout_mask, *states)
    if x.shape.rank != 3:
        raise ValueError(f"{op}: expected inputs of shape (batch, timesteps, features), got "
                         f"shape {tuple(x.shape)}")
    if rdrop is not None:
        rdrop = tf.stop_gradient(rdrop)
    if mask is not None:
        mask = tf.convert_to_tensor(op_input(mask, op))
        mask = mask if mask.dtype == tf.bool else tf.cast(mask, tf.bool)
    return _core(x, W, R, b, mask, rdrop, states, op=op, activation=activation,
                 recurrent_activation=recurrent_activation,
                 return_sequences=bool(return_sequences), go_backwards=bool(go_backwards),
                 zero_output_for_mask=bool(zero_output_for_mask), reset_after=bool(reset_after))


def _core(x, W, R, b, mask, rdrop, states, *, op, activation, recurrent_activation,
          return_sequences, go_backwards, zero_output_for_mask, reset_after):
    """The scan on converted tensors (``mask`` bool or None)."""
    act = _activation(activation, "activation")
    ract = _activation(recurrent_activation, "recurrent_activation")
    states = list(states)
    u = R.shape[0]
    if op == "gru" and reset_after and b is not None:
        in_bias, rec_bias = b[0], b[1]
    else:
        in_bias, rec_bias = b, None
    if op == "lstm":
        step = _lstm_step(R, act, ract)
    elif op == "gru":
        step = _gru_step(R, rec_bias, act, ract, u, reset_after)
    else:
        step = _simple_step(R, act)

    # one GEMM projects every timestep, time-major
    d, g = x.shape[-1], W.shape[-1]
    xt = tf.transpose(x, (1, 0, 2))
    if go_backwards:
        xt = tf.reverse(xt, [0])
    dyn = tf.shape(xt)
    Z = tf.matmul(tf.reshape(xt, (-1, d)), W)
    if in_bias is not None:
        Z = Z + in_bias
    Z = tf.reshape(Z, tf.stack([dyn[0], dyn[1], g]))
    m = None
    if mask is not None:
        m = tf.transpose(mask)[:, :, None]
        if go_backwards:
            m = tf.reverse(m, [0])

    steps = x.shape[1] if x.shape[1] is not None else dyn[0]
    # per-step reads through TensorArrays: slicing a tensor captured by the loop would make its
    # gradient one dense (T, B, G) tensor per step
    Zs = tf.TensorArray(Z.dtype, size=steps, element_shape=(x.shape[0], g)).unstack(Z)
    ms = (None if m is None else
          tf.TensorArray(tf.bool, size=steps, element_shape=(x.shape[0], 1)).unstack(m))
    out0 = tf.zeros_like(states[0])
    outs = (tf.TensorArray(x.dtype, size=steps, element_shape=states[0].shape)
            if return_sequences else None)

    def body(t, out, outs, *st):
        st = list(st)
        hp = st[0] if rdrop is None else st[0] * rdrop
        new = step(Zs.read(t), hp, st)
        if m is None:
            out, st = new[0], new
        else:
            mt = ms.read(t)
            out = tf.where(mt, new[0], tf.zeros_like(out) if zero_output_for_mask else out)
            st = [tf.where(mt, n, s) for n, s in zip(new, st)]
        if return_sequences:
            outs = outs.write(t, out)
        return (t + 1, out, outs, *st)

    # without return_sequences a scalar stands in for the TensorArray of outputs
    carry = (tf.constant(0), out0, outs if return_sequences else tf.zeros(()), *states)
    result = tf.while_loop(lambda t, *_: t < steps, body, carry, parallel_iterations=32,
                           maximum_iterations=steps)
    _, out, outs, *states = result
    if return_sequences:
        out = tf.transpose(outs.stack(), (1, 0, 2))
    return (out, *states)


lstm, gru, simple_rnn = recurrent_ops(_scan, __name__)
