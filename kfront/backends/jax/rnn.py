"""Recurrent scans of the JAX backend: LSTM, GRU and SimpleRNN over a whole sequence.

As on the native engine, ONE matmul projects the inputs of every timestep (``X @ W + b``,
time-major), and the recurrence is one ``jax.lax.scan`` with one recurrent matmul per step (two
for a GRU with ``reset_after=False``); JAX's scan autodiff gives the backpropagation through
time, where the input-side gradients are again one matmul each. An unmasked LSTM with Keras's
default activations (tanh, sigmoid) has a hand-written backward instead (``_fused_lstm``): the
forward saves the gates, one reverse scan computes each step's pre-activation gradient with one
matmul (the previous h's), and the recurrent kernel's gradient is ONE matmul over all steps
(scan autodiff accumulates it per step): Embedding+LSTM ``fit`` ~1.15x faster. (This layout
pays only with the
large buffers kept by malloc, ``kfront/backends/common/memory.py``: with glibc's defaults their
pages are faulted in at every step, and projecting inside the scan, as Keras does, is faster.)
Works under ``jax.jit``. Semantics (Keras gate order, masking that carries the states over,
``go_backwards``, ``zero_output_for_mask``, the recurrent dropout mask on the previous ``h``)
are the native engine's (``kfront/backends/numpy/rnn.py``); see ``kfront/ops/rnn.py``.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from kfront.backends.common.rnn import recurrent_ops
from kfront.backends.jax.core import array, promote

__all__ = ["gru", "lstm", "simple_rnn"]


def _relu(x):
    return jnp.where(x > 0, x, jnp.zeros((), x.dtype))  # gradient 0 at 0, as native


# the native engine's formulas (and derivatives at the kinks)
_ACTIVATIONS = {
    "tanh": jnp.tanh,
    "sigmoid": jax.nn.sigmoid,  # (the native tanh form is ~1.7x slower in XLA's CPU scans)
    "hard_sigmoid": lambda x: jnp.clip(x / 6 + 0.5, 0, 1),
    "relu": _relu,
    "linear": lambda x: x,
    "softsign": lambda x: x / (1 + jnp.abs(x)),
    "softplus": lambda x: jnp.logaddexp(0, x),
    "elu": lambda x: jnp.where(x > 0, x, jnp.expm1(jnp.minimum(x, 0))),
    "exponential": jnp.exp,
}
SUPPORTED_ACTIVATIONS = tuple(_ACTIVATIONS)


def _activation(name: str, role: str):
    try:
        return _ACTIVATIONS[name]
    except KeyError:
        raise NotImplementedError(
            f"recurrent scan: {role}={name!r} is not supported by the fused recurrent kernels; "
            f"use one of {SUPPORTED_ACTIVATIONS}") from None


# A step maps (z, states, hp) -> new states (the first is the output h), where z is the step's
# input projection and hp the (dropped) previous output.
def _lstm_step(act, ract, R):
    def step(z, states, hp):
        i, f, g, o = jnp.split(z + hp @ R, 4, axis=-1)
        c = ract(f) * states[1] + ract(i) * act(g)
        return [ract(o) * act(c), c]
    return step


def _gru_step(act, ract, R, reset_after, recurrent_bias):
    def step(z, states, hp):
        h = states[0]
        u = h.shape[-1]
        if reset_after:
            rec = hp @ R if recurrent_bias is None else hp @ R + recurrent_bias
            zr = ract(z[:, :2 * u] + rec[:, :2 * u])
            hh = act(z[:, 2 * u:] + zr[:, u:] * rec[:, 2 * u:])
        else:
            zr = ract(z[:, :2 * u] + hp @ R[:, :2 * u])
            hh = act(z[:, 2 * u:] + (zr[:, u:] * hp) @ R[:, 2 * u:])
        zg = zr[:, :u]
        return [zg * h + (1 - zg) * hh]
    return step


def _simple_step(act, R):
    def step(z, states, hp):
        return [act(z + hp @ R)]
    return step


def _project(X, W, b):
    """Time-major inputs X (T, B, D) -> ``X @ W + b`` (T, B, n) in one matmul."""
    t, batch, d = X.shape
    Z = X.reshape(t * batch, d) @ W
    return (Z if b is None else Z + b).reshape(t, batch, W.shape[-1])


def _fused_lstm_forward(Z, h0, c0, R, rdrop):
    """The LSTM recurrence with Keras's default activations over time-major projected inputs
    ``Z`` (T, B, 4u) -> ((every h (T, B, u), final c), what the backward needs)."""
    def body(carry, z):
        h, c = carry
        i, f, g, o = jnp.split(z + (h if rdrop is None else h * rdrop) @ R, 4, axis=-1)
        i, f, g, o = jax.nn.sigmoid(i), jax.nn.sigmoid(f), jnp.tanh(g), jax.nn.sigmoid(o)
        c = f * c + i * g
        tc = jnp.tanh(c)
        h = o * tc
        return (h, c), (h, c, tc, jnp.concatenate([i, f, g, o], -1))
    (_, c), (H, C, TC, gates) = jax.lax.scan(body, (h0, c0), Z)
    return (H, c), (H, C, TC, gates, h0, c0, R, rdrop)


def _fused_lstm_backward(saved, cotangents):
    """Backpropagation through time from the saved gates: one reverse scan with one matmul per
    step (the previous h's gradient), then the recurrent kernel's gradient as ONE matmul over
    all steps (JAX's scan autodiff accumulates it step by step)."""
    H, C, TC, gates, h0, c0, R, rdrop = saved
    dH, dc_final = cotangents
    t, batch, u = H.shape
    c_prev = jnp.concatenate([c0[None], C[:-1]], 0)
    RT = R.T

    def body(carry, xs):
        dh, dc = carry
        dh_t, gate, tc, cp = xs
        i, f, g, o = jnp.split(gate, 4, axis=-1)
        dh = dh + dh_t
        dc = dc + dh * o * (1 - tc * tc)
        dz = jnp.concatenate([dc * g * i * (1 - i), dc * cp * f * (1 - f),
                              dc * i * (1 - g * g), dh * tc * o * (1 - o)], -1)
        dhp = dz @ RT
        return (dhp if rdrop is None else dhp * rdrop, dc * f), dz
    (dh0, dc0), dZ = jax.lax.scan(body, (jnp.zeros_like(h0), dc_final),
                                  (dH, gates, TC, c_prev), reverse=True)
    h_prev = jnp.concatenate([h0[None], H[:-1]], 0)
    if rdrop is not None:
        h_prev = h_prev * rdrop
    dR = h_prev.reshape(t * batch, u).T @ dZ.reshape(t * batch, 4 * u)
    return dZ, dh0, dc0, dR, None if rdrop is None else jnp.zeros_like(rdrop)


@jax.custom_vjp
def _fused_lstm(Z, h0, c0, R, rdrop):
    """Every h and the final c of an LSTM (tanh, sigmoid) over projected inputs ``Z``, with a
    hand-written backward (``_fused_lstm_backward``)."""
    return _fused_lstm_forward(Z, h0, c0, R, rdrop)[0]


_fused_lstm.defvjp(_fused_lstm_forward, _fused_lstm_backward)


def _recurrence(step, X, W, b, states, m, rdrop, return_sequences, zero_output_for_mask):
    """``step`` over time-major inputs X (T, B, D) -> (outputs, final states). Unmasked, the
    output is the first state; a masked-out step carries the states over and outputs zeros or
    the previous output (carried beside the states: it starts at zeros, not at h0), as Keras."""
    Z = _project(X, W, b)

    def new_states(z, states):
        return step(z, states, states[0] if rdrop is None else states[0] * rdrop)

    def body(states, z):
        new = new_states(z, states)
        return new, (new[0] if return_sequences else None)

    def masked_body(carry, zs):
        (out, states), (z, mt) = carry, zs
        new = new_states(z, states)
        out = jnp.where(mt, new[0], jnp.zeros_like(out) if zero_output_for_mask else out)
        new = [jnp.where(mt, n, s) for n, s in zip(new, states)]
        return (out, new), (out if return_sequences else None)

    if m is None:
        final, outs = jax.lax.scan(body, states, Z)
        out = final[0]
    else:
        (out, final), outs = jax.lax.scan(masked_body, (jnp.zeros_like(states[0]), states), (Z, m))
    return (outs if return_sequences else out), final


def _scan(cell, inputs, states, kernel, recurrent_kernel, bias, mask, rdrop, *, activation,
          recurrent_activation, return_sequences, go_backwards, zero_output_for_mask,
          reset_after=True):
    """Run ``cell`` over ``inputs`` (B, T, D) -> (outputs, *final_states)."""
    _activation(activation, "activation")
    _activation(recurrent_activation, "recurrent_activation")
    n_states = len(states)
    seq_dtype = array(states[0], cell).dtype  # native: the sequence buffer has h0's dtype
    arrays = [inputs, *states, kernel, recurrent_kernel] + ([bias] if bias is not None else [])
    arrays = promote(cell, *arrays)  # NumPy's result dtype over all float operands
    mask = None if mask is None else array(mask, cell)
    rdrop = None if rdrop is None else array(rdrop, cell)
    return _compiled_scan(arrays[0], arrays[1:1 + n_states], *arrays[1 + n_states:3 + n_states],
                          arrays[3 + n_states] if bias is not None else None, mask, rdrop,
                          cell=cell, activation=activation,
                          recurrent_activation=recurrent_activation,
                          return_sequences=bool(return_sequences), go_backwards=bool(go_backwards),
                          zero_output_for_mask=bool(zero_output_for_mask),
                          reset_after=bool(reset_after), seq_dtype=seq_dtype)


# jitted so that eager calls compile once per shape (a scan run eagerly would compile each
# call); inside a compiled step it is inlined
@functools.partial(jax.jit, static_argnames=(
    "cell", "activation", "recurrent_activation", "return_sequences", "go_backwards",
    "zero_output_for_mask", "reset_after", "seq_dtype"))
def _compiled_scan(x, states, W, R, b, mask, rdrop, *, cell, activation, recurrent_activation,
                   return_sequences, go_backwards, zero_output_for_mask, reset_after, seq_dtype):
    act = _ACTIVATIONS[activation]
    ract = _ACTIVATIONS[recurrent_activation]
    if cell == "lstm":
        step = _lstm_step(act, ract, R)
    elif cell == "gru":
        recurrent_bias = None
        if reset_after and b is not None:
            b, recurrent_bias = b[0], b[1]
        step = _gru_step(act, ract, R, reset_after, recurrent_bias)
    else:
        step = _simple_step(act, R)
    xt = jnp.swapaxes(x, 0, 1)
    if go_backwards:
        xt = jnp.flip(xt, 0)
    m = None
    if mask is not None:
        m = jnp.swapaxes(jax.lax.stop_gradient(mask).astype(bool), 0, 1)[:, :, None]
        if go_backwards:
            m = jnp.flip(m, 0)
    if rdrop is not None:
        rdrop = jax.lax.stop_gradient(rdrop).astype(R.dtype)
    if cell == "lstm" and m is None and (activation, recurrent_activation) == (
            "tanh", "sigmoid"):  # Keras's defaults: the hand-written backward
        H, c = _fused_lstm(_project(xt, W, b), states[0], states[1], R, rdrop)
        out, final = (H if return_sequences else H[-1]), [H[-1], c]
    else:
        out, final = _recurrence(step, xt, W, b, list(states), m, rdrop, return_sequences,
                                 zero_output_for_mask)
    result = jnp.swapaxes(out, 0, 1).astype(seq_dtype) if return_sequences else out
    return (result, *final)


lstm, gru, simple_rnn = recurrent_ops(_scan, __name__)
