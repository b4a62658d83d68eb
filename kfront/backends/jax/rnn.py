"""Recurrent scans of the JAX backend: LSTM, GRU and SimpleRNN over a whole sequence.

Each op projects the inputs of all timesteps with ONE matmul, then runs the recurrence with
``jax.lax.scan`` (one recurrent matmul per step; two for a GRU with ``reset_after=False``).
Backpropagation through time is a ``custom_vjp``: a reverse ``lax.scan`` over the steps (each
step's own derivative by ``jax.vjp``) and ONE matmul for the recurrent kernel's gradient over
all steps, as the native engine (JAX's scan autodiff would accumulate it step by step, ~15%
slower for Keras's IMDB-LSTM shape on CPU). Works under ``jax.jit``. Semantics (Keras gate order, masking that
carries the states over, ``go_backwards``, ``zero_output_for_mask``, the recurrent dropout mask
on the previous ``h``) are the native engine's (``kfront/backends/numpy/rnn.py``); see
``kfront/ops/rnn.py``.
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


# A step maps (z, states, rec, extras) -> new states (the first is the output h), where z is the
# step's input projection, rec = hp @ R the recurrent GEMM of the (dropped) previous h computed
# by the scan, and extras further differentiable weights. Steps are module-level functions of
# static settings only (they are custom_vjp nondiff arguments, compared by value).
@functools.lru_cache(maxsize=None)
def _lstm_step(act, ract):
    act, ract = _ACTIVATIONS[act], _ACTIVATIONS[ract]

    def step(z, states, rec, extras):
        c = states[1]
        a = z + rec
        i, f, g, o = jnp.split(a, 4, axis=-1)
        c_new = ract(f) * c + ract(i) * act(g)
        return [ract(o) * act(c_new), c_new]
    return step


@functools.lru_cache(maxsize=None)
def _gru_step(act, ract, reset_after, has_bias):
    act, ract = _ACTIVATIONS[act], _ACTIVATIONS[ract]

    def step(z, states, rec, extras):
        h = states[0]
        u = h.shape[-1]
        if reset_after:  # rec: hp @ R (3u); extras: (recurrent bias,) if any
            if has_bias:
                rec = rec + extras[0]
            zr = ract(z[:, :2 * u] + rec[:, :2 * u])
            hh = act(z[:, 2 * u:] + zr[:, u:] * rec[:, 2 * u:])
        else:  # rec: hp @ R[:, :2u]; extras: (R[:, 2u:], hp)
            zr = ract(z[:, :2 * u] + rec)
            hh = act(z[:, 2 * u:] + (zr[:, u:] * extras[1]) @ extras[0])
        zg = zr[:, :u]
        return [zg * h + (1 - zg) * hh]
    return step


@functools.lru_cache(maxsize=None)
def _simple_step(act):
    act = _ACTIVATIONS[act]

    def step(z, states, rec, extras):
        return [act(z + rec)]
    return step


def _cell(cfg, carry, z, mt, rec, extras):
    """One masked step: (previous output, states) -> (output, states), as Keras."""
    step, _, zero_output_for_mask, _ = cfg
    out, states = carry
    new = step(z, states, rec, extras)
    if mt is None:
        return new[0], new
    mt = mt != 0
    out = jnp.where(mt, new[0], jnp.zeros_like(out) if zero_output_for_mask else out)
    return out, [jnp.where(mt, n, s) for n, s in zip(new, states)]


def _dropped(h, rdrop):
    return h if rdrop is None else h * rdrop


def _step_extras(cfg, extras, hp):
    # GRU with reset_after=False reads the dropped h again (r * hp) @ R_h: pass it in
    return (*extras, hp) if cfg[3] else extras


def _core_fwd(cfg, Z, R, states, extras, m, rdrop):
    return_sequences = cfg[1]

    def body(carry, xs):
        z, mt = xs
        hp = _dropped(carry[1][0], rdrop)
        rec = hp @ R
        new = _cell(cfg, carry, z, mt, rec, _step_extras(cfg, extras, hp))
        return new, (new[0] if return_sequences else None, carry, rec)

    carry0 = (jnp.zeros_like(states[0]), list(states))
    (out, final), (outs, carries, recs) = jax.lax.scan(body, carry0, (Z, m))
    return ((outs if return_sequences else out), final), (Z, R, extras, m, rdrop, carries, recs)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
def _core(cfg, Z, R, states, extras, m, rdrop):
    """The time-major recurrence over projected inputs Z (T, B, G*u) -> (outputs, final states).

    Its VJP is backpropagation through time with ONE GEMM for the recurrent kernel's gradient
    over all steps (``HP^T @ dREC``, as the native engine), instead of one per step."""
    return _core_fwd(cfg, Z, R, states, extras, m, rdrop)[0]


def _core_bwd(cfg, res, g):
    return_sequences = cfg[1]
    Z, R, extras, m, rdrop, carries, recs = res
    g_out, g_states = g
    seq = g_out if return_sequences else None
    dout0 = jnp.zeros_like(carries[0][0]) if return_sequences else g_out

    def body(bc, xs):
        (dout, dstates), dext = bc
        z, mt, carry, rec, gy = xs
        if gy is not None:
            dout = dout + gy
        hp = _dropped(carry[1][0], rdrop)

        def f(carry, z, rec, ext, hp):
            return _cell(cfg, carry, z, mt, rec, _step_extras(cfg, ext, hp))

        _, pull = jax.vjp(f, carry, z, rec, extras, hp)
        (dout_prev, dst_prev), dz, drec, dex, dhp = pull((dout, list(dstates)))
        dhp = dhp + drec @ R.T
        dst_prev = [dst_prev[0] + _dropped(dhp, rdrop)] + list(dst_prev[1:])
        dext = jax.tree_util.tree_map(jnp.add, dext, dex)
        return ((dout_prev, dst_prev), dext), (dz, drec)

    dext0 = jax.tree_util.tree_map(jnp.zeros_like, extras)
    ((_, dstates0), dext), (dZ, drecs) = jax.lax.scan(
        body, ((dout0, list(g_states)), dext0), (Z, m, carries, recs, seq), reverse=True)
    hp_all = _dropped(carries[1][0], rdrop)
    u = R.shape[0]
    dR = hp_all.reshape(-1, u).T @ drecs.reshape(-1, drecs.shape[-1])
    zeros = jax.tree_util.tree_map(jnp.zeros_like, (m, rdrop))
    return (dZ, dR, dstates0, dext, *zeros)


_core.defvjp(_core_fwd, _core_bwd)


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
    x, states = arrays[0], list(arrays[1:1 + n_states])
    W, R = arrays[1 + n_states], arrays[2 + n_states]
    b = arrays[3 + n_states] if bias is not None else None
    units = R.shape[0]
    b_in, extras, split_gru = b, (), False
    if cell == "lstm":
        step = _lstm_step(activation, recurrent_activation)
    elif cell == "gru":
        step = _gru_step(activation, recurrent_activation, reset_after, b is not None)
        if reset_after:
            if b is not None:
                b_in, extras = b[0], (b[1],)
        else:
            R, extras, split_gru = R[:, :2 * units], (R[:, 2 * units:],), True
    else:
        step = _simple_step(activation)
    xt = jnp.swapaxes(x, 0, 1)
    if go_backwards:
        xt = jnp.flip(xt, 0)
    Z = xt @ W  # all timesteps in one matmul: (T, B, G*units)
    if b_in is not None:
        Z = Z + b_in
    m = None
    if mask is not None:
        m = jnp.swapaxes(jax.lax.stop_gradient(array(mask, cell)).astype(bool), 0, 1)[:, :, None]
        if go_backwards:
            m = jnp.flip(m, 0)
        m = m.astype(Z.dtype)  # (a float, so that it has a zero cotangent in the custom VJP)
    if rdrop is not None:
        rdrop = jax.lax.stop_gradient(array(rdrop, cell)).astype(R.dtype)
    cfg = (step, bool(return_sequences), bool(zero_output_for_mask), split_gru)
    out, final = _core(cfg, Z, R, states, extras, m, rdrop)
    result = jnp.swapaxes(out, 0, 1).astype(seq_dtype) if return_sequences else out
    return (result, *final)


lstm, gru, simple_rnn = recurrent_ops(_scan, __name__)
