"""Recurrent scans of the JAX backend: LSTM, GRU and SimpleRNN over a whole sequence.

As on the native engine, ONE matmul projects the inputs of every timestep (``X @ W + b``,
time-major), and the recurrence is one ``jax.lax.scan`` with one recurrent matmul per step (two
for a GRU with ``reset_after=False``); JAX's scan autodiff gives the backpropagation through
time, where the input-side gradients are again one matmul each. (This layout pays only with the
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


def _recurrence(step, X, W, b, states, m, rdrop, return_sequences, zero_output_for_mask):
    """``step`` over time-major inputs X (T, B, D) -> (outputs, final states). Unmasked, the
    output is the first state; a masked-out step carries the states over and outputs zeros or
    the previous output (carried beside the states: it starts at zeros, not at h0), as Keras."""
    t, batch, d = X.shape
    Z = X.reshape(t * batch, d) @ W
    Z = (Z if b is None else Z + b).reshape(t, batch, W.shape[-1])

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
    out, final = _recurrence(step, xt, W, b, list(states), m, rdrop, return_sequences,
                             zero_output_for_mask)
    result = jnp.swapaxes(out, 0, 1).astype(seq_dtype) if return_sequences else out
    return (result, *final)


lstm, gru, simple_rnn = recurrent_ops(_scan, __name__)
