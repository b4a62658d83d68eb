"""Recurrent scans of the JAX backend: LSTM, GRU and SimpleRNN over a whole sequence.

As on the native engine, ONE matmul projects the inputs of every timestep (``X @ W + b``,
time-major), and the recurrence is one ``jax.lax.scan`` with one recurrent matmul per step (two
for a GRU with ``reset_after=False``). The backpropagation through time is written out
(``_scan_rec``, a ``jax.custom_vjp``): a reverse scan with one matmul per step, then the
recurrent kernel's gradient and the input-side gradients as one matmul each. (This layout pays only with the
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


# A cell maps (z, rec, states, hp, extras) -> new states (the first is the output h): z is the
# step's input projection, rec = hp @ R the recurrent projection of the (dropped) previous
# output hp, extras the cell's other differentiable parameters (the GRU's recurrent bias, or
# its candidate kernel when the reset gate comes before the matmul).
def _lstm_cell(act, ract):
    def cell(z, rec, states, hp, extras):
        i, f, g, o = jnp.split(z + rec, 4, axis=-1)
        c = ract(f) * states[1] + ract(i) * act(g)
        return [ract(o) * act(c), c]
    return cell


def _gru_cell(act, ract, reset_after):
    def cell(z, rec, states, hp, extras):
        h = states[0]
        u = h.shape[-1]
        if reset_after:
            rec = rec + extras[0] if extras else rec
            zr = ract(z[:, :2 * u] + rec[:, :2 * u])
            hh = act(z[:, 2 * u:] + zr[:, u:] * rec[:, 2 * u:])
        else:
            zr = ract(z[:, :2 * u] + rec)
            hh = act(z[:, 2 * u:] + (zr[:, u:] * hp) @ extras[0])
        zg = zr[:, :u]
        return [zg * h + (1 - zg) * hh]
    return cell


def _simple_cell(act):
    def cell(z, rec, states, hp, extras):
        return [act(z + rec)]
    return cell


def _recurrence(cell, additive, X, W, b, R, extras, states, m, rdrop, return_sequences,
                zero_output_for_mask):
    """``cell`` over time-major inputs X (T, B, D) -> (outputs, final states). Unmasked, the
    output is the first state; a masked-out step carries the states over and outputs zeros or
    the previous output (carried beside the states: it starts at zeros, not at h0), as Keras.
    ``additive``: the cell reads ``z`` and ``rec`` only as ``z + rec`` (LSTM, SimpleRNN)."""
    t, batch, d = X.shape
    Z = X.reshape(t * batch, d) @ W
    Z = (Z if b is None else Z + b).reshape(t, batch, W.shape[-1])
    carry = list(states) if m is None else [jnp.zeros_like(states[0]), *states]
    out, final = _scan_rec(Z, R, tuple(extras), carry, m, rdrop, cell=cell, additive=additive,
                           return_sequences=return_sequences,
                           zero_output_for_mask=zero_output_for_mask)
    return out, (final if m is None else final[1:])


def _step(cell, zero_output_for_mask, z, rec, carry, mt, rdrop, extras):
    """One step after the recurrent matmul: the new carry, whose first entry is the step's
    output (the states; masked: the output, then the states)."""
    states = carry if mt is None else carry[1:]
    hp = states[0] if rdrop is None else states[0] * rdrop
    new = cell(z, rec, states, hp, extras)
    if mt is None:
        return new
    out = jnp.where(mt, new[0], jnp.zeros_like(carry[0]) if zero_output_for_mask else carry[0])
    return [out, *(jnp.where(mt, n, s) for n, s in zip(new, states))]


def _hp(carry, masked, rdrop):
    """The (dropped) previous output the recurrent matmul reads."""
    h = carry[1] if masked else carry[0]
    return h if rdrop is None else h * rdrop


def _forward(Z, R, extras, carry, m, rdrop, cell, return_sequences, zero_output_for_mask,
             save):
    """The scan; with ``save`` also each step's incoming carry and recurrent projection (what
    the backward pass reads)."""
    masked = m is not None

    def body(carry, xs):
        z, mt = xs
        rec = _hp(carry, masked, rdrop) @ R
        new = _step(cell, zero_output_for_mask, z, rec, carry, mt, rdrop, extras)
        return new, (new[0] if return_sequences else None, (carry, rec) if save else None)

    final, (outs, saved) = jax.lax.scan(body, carry, (Z, m))
    return (outs if return_sequences else final[0]), final, saved


# The backpropagation through time is written out (custom_vjp) rather than left to JAX's
# autodiff of the scan, which saved every gate's intermediate value at every step (a dozen
# per-step writes for an LSTM) and accumulated the recurrent kernel's gradient by a small
# matmul per step. Here each step saves its incoming carry and recurrent projection, the
# backward scan recomputes the cell's elementwise part (``jax.vjp`` of ``_step``) and
# propagates the states through ``R``, and the gradient of ``R`` is ONE matmul over all steps
# afterwards. Forward-mode differentiation (jvp) of these scans is not supported.
@functools.partial(jax.custom_vjp, nondiff_argnums=(6, 7, 8, 9))
def _scan_rec(Z, R, extras, carry, m, rdrop, cell, additive, return_sequences,
              zero_output_for_mask):
    out, final, _ = _forward(Z, R, extras, carry, m, rdrop, cell, return_sequences,
                             zero_output_for_mask, save=False)
    return out, final


def _scan_rec_fwd(Z, R, extras, carry, m, rdrop, cell, additive, return_sequences,
                  zero_output_for_mask):
    out, final, saved = _forward(Z, R, extras, carry, m, rdrop, cell, return_sequences,
                                 zero_output_for_mask, save=True)
    return (out, final), (Z, R, extras, m, rdrop, saved)


def _scan_rec_bwd(cell, additive, return_sequences, zero_output_for_mask, residuals, cts):
    Z, R, extras, m, rdrop, (carries, recs) = residuals
    d_out, d_final = cts
    masked = m is not None
    d_carry = list(d_final)
    if not return_sequences:  # the output is the final carry's first entry
        d_carry[0] = d_carry[0] + d_out

    def body(acc, xs):
        d_carry, d_extras = acc
        z, rec, carry, mt, dy = xs
        if dy is not None:
            d_carry = [d_carry[0] + dy, *d_carry[1:]]
        _, vjp = jax.vjp(
            lambda z, rec, carry, extras: _step(cell, zero_output_for_mask, z, rec, carry, mt,
                                                rdrop, extras), z, rec, carry, extras)
        dz, drec, d_prev, dx = vjp(d_carry)
        dhp = drec @ R.T
        i = 1 if masked else 0
        d_prev = list(d_prev)
        d_prev[i] = d_prev[i] + (dhp if rdrop is None else dhp * rdrop)
        d_extras = tuple(a + b for a, b in zip(d_extras, dx))
        return (d_prev, d_extras), (drec if additive else (dz, drec))

    zeros = tuple(jnp.zeros_like(e) for e in extras)
    dys = d_out if return_sequences else None
    (d_carry0, d_extras), d_seq = jax.lax.scan(body, (d_carry, zeros),
                                               (Z, recs, carries, m, dys), reverse=True)
    dZ, dREC = (d_seq, d_seq) if additive else d_seq
    HP = _hp(carries, masked, rdrop)  # (T, B, U): each step's matmul input
    dR = HP.reshape(-1, HP.shape[-1]).T @ dREC.reshape(-1, dREC.shape[-1])
    return dZ, dR, d_extras, d_carry0, None, None


_scan_rec.defvjp(_scan_rec_fwd, _scan_rec_bwd)


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
    extras = []
    if cell == "lstm":
        cell_fn = _lstm_cell(act, ract)
    elif cell == "gru":
        if reset_after and b is not None:
            b, extras = b[0], [b[1]]
        elif not reset_after:  # the candidate's kernel multiplies the reset previous output
            u = R.shape[0]
            R, extras = R[:, :2 * u], [R[:, 2 * u:]]
        cell_fn = _gru_cell(act, ract, reset_after)
    else:
        cell_fn = _simple_cell(act)
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
    out, final = _recurrence(cell_fn, cell != "gru", xt, W, b, R, extras, states, m, rdrop,
                             return_sequences, zero_output_for_mask)
    result = jnp.swapaxes(out, 0, 1).astype(seq_dtype) if return_sequences else out
    return (result, *final)


lstm, gru, simple_rnn = recurrent_ops(_scan, __name__)
