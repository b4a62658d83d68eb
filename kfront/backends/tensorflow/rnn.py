"""Recurrent scans on TensorFlow: LSTM, GRU and SimpleRNN over a whole sequence.

The native engine's ``rnn`` module on TensorFlow: the scan runs time-major with ONE GEMM
projecting the inputs of all timesteps (input bias included), then a ``tf.while_loop`` with one
recurrent GEMM per step (two for a GRU with ``reset_after=False``); the steps read their input
projections (and mask) through TensorArrays. The gradient is written out (``_Loop``, a
``tf.custom_gradient``): a reverse loop with one matmul per step, then the recurrent kernel's
gradient as one matmul; ``fit`` XLA-compiles the steps of recurrent models,
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
from tensorflow.python.eager import record  # is a gradient tape recording?

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
# A cell maps (z, rec, states, hp, extras) -> new states (the first is the output h): z is the
# step's input projection (input bias included), rec = hp @ R the recurrent projection of the
# (dropped) previous output hp, extras the cell's other differentiable tensors (the GRU's
# recurrent bias, or its candidate kernel when the reset gate comes before the matmul).
def _lstm_cell(act, ract):
    def cell(z, rec, states, hp, extras):
        i, f, g, o = tf.split(z + rec, 4, axis=-1)
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
            hh = act(z[:, 2 * u:] + tf.matmul(zr[:, u:] * hp, extras[0]))
        zg = zr[:, :u]
        return [zg * h + (1 - zg) * hh]
    return cell


def _simple_cell(act):
    def cell(z, rec, states, hp, extras):
        return [act(z + rec)]
    return cell


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
    in_bias, extras = b, []
    if op == "lstm":
        cell = _lstm_cell(act, ract)
    elif op == "gru":
        if reset_after and b is not None:
            in_bias, extras = b[0], [b[1]]
        elif not reset_after:  # the candidate's kernel multiplies the reset previous output
            u = R.shape[0]
            R, extras = R[:, :2 * u], [R[:, 2 * u:]]
        cell = _gru_cell(act, ract, reset_after)
    else:
        cell = _simple_cell(act)

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
    carry = list(states) if m is None else [tf.zeros_like(states[0]), *states]
    loop = _Loop(cell, op != "gru", m, rdrop, steps, return_sequences, zero_output_for_mask)
    out, final = loop(Z, R, extras, carry)
    if return_sequences:
        out = tf.transpose(out, (1, 0, 2))
    return (out, *(final if m is None else final[1:]))


class _Loop:
    """The recurrence over time-major projections ``Z`` (T, B, G): ``tf.while_loop`` with one
    recurrent matmul per step, each step's inputs read through TensorArrays. Its gradient is
    written out (``tf.custom_gradient``) rather than left to TensorFlow's autodiff of the loop,
    which pushed every intermediate of every step to a stack and accumulated the recurrent
    kernel's gradient by a small matmul per step: each step saves its incoming carry and
    recurrent projection, the reverse loop recomputes the cell's elementwise part under a
    ``tf.GradientTape`` and propagates through ``R``, and ``R``'s gradient is ONE matmul over
    all steps. The carry holds the states (masked: the output first, then the states); a
    masked-out step carries the states over and outputs zeros or the previous output."""

    def __init__(self, cell, additive, m, rdrop, steps, return_sequences,
                 zero_output_for_mask):
        self.cell, self.additive, self.m, self.rdrop = cell, additive, m, rdrop
        self.steps, self.return_sequences = steps, return_sequences
        self.zero_output_for_mask = zero_output_for_mask
        self.h = 0 if m is None else 1  # the carry's entry the recurrent matmul reads

    def dropped(self, h):
        """``h`` with the recurrent dropout mask applied."""
        return h if self.rdrop is None else h * self.rdrop

    def hp(self, carry):
        """The (dropped) previous output the recurrent matmul reads."""
        return self.dropped(carry[self.h])

    def step(self, z, rec, carry, mt, extras):
        """One step after the recurrent matmul -> the new carry (its first entry: the step's
        output)."""
        states = carry if mt is None else carry[1:]
        new = self.cell(z, rec, states, self.hp(carry), extras)
        if mt is None:
            return new
        out = tf.where(mt, new[0], tf.zeros_like(carry[0]) if self.zero_output_for_mask
                       else carry[0])
        return [out, *(tf.where(mt, n, s) for n, s in zip(new, states))]

    def _array(self, element_shape, dtype) -> tf.TensorArray:
        # (each step's values are read by both passes)
        return tf.TensorArray(dtype, size=self.steps, element_shape=element_shape,
                              clear_after_read=False)

    def _unstack(self, x):
        return None if x is None else self._array(x.shape[1:], x.dtype).unstack(x)

    def __call__(self, Z, R, extras, carry):
        if not record.could_possibly_record():  # no tape: nothing to save for a backward pass
            out, final, _ = self.forward(Z, R, extras, carry, save=False)
            return out, final
        n_extras = len(extras)

        @tf.custom_gradient
        def run(Z, R, *rest):
            extras, carry = list(rest[:n_extras]), list(rest[n_extras:])
            out, final, saved = self.forward(Z, R, extras, carry)

            def grad(d_out, *d_final):
                return self.backward(Z, R, extras, carry, saved, d_out, d_final)
            return (out, *final), grad

        result = run(Z, R, *extras, *carry)
        return result[0], list(result[1:])

    def forward(self, Z, R, extras, carry, save=True):
        """The loop -> (output(s), final carry, what the backward pass reads if ``save``)."""
        Zs, ms = self._unstack(Z), self._unstack(self.m)
        shape, dtype = carry[0].shape, carry[0].dtype
        # without return_sequences a scalar stands in for the TensorArray of outputs
        outs = self._array(shape, dtype) if self.return_sequences else tf.zeros(())
        saved_carry = [self._array(c.shape, c.dtype) if save else tf.zeros(()) for c in carry]
        saved_rec = self._array((Z.shape[1], R.shape[-1]), Z.dtype) if save else tf.zeros(())

        def body(t, outs, saved_carry, saved_rec, *carry):
            carry = list(carry)
            rec = tf.matmul(self.hp(carry), R)
            new = self.step(Zs.read(t), rec, carry, None if ms is None else ms.read(t), extras)
            if self.return_sequences:
                outs = outs.write(t, new[0])
            if save:
                saved_carry = [a.write(t, c) for a, c in zip(saved_carry, carry)]
                saved_rec = saved_rec.write(t, rec)
            return (t + 1, outs, saved_carry, saved_rec, *new)

        _, outs, saved_carry, saved_rec, *final = tf.while_loop(
            lambda t, *_: t < self.steps, body,
            (tf.constant(0), outs, saved_carry, saved_rec, *carry), parallel_iterations=32,
            maximum_iterations=self.steps)
        out = outs.stack() if self.return_sequences else final[0]
        return out, final, (Zs, ms, saved_carry, saved_rec)

    def backward(self, Z, R, extras, carry, saved, d_out, d_final):
        """The reverse loop: gradients of Z, R, the extras and the initial carry."""
        Zs, ms, saved_carry, saved_rec = saved
        d_carry = [tf.zeros_like(c) if d is None else d for d, c in zip(d_final, carry)]
        if d_out is not None and not self.return_sequences:  # the output is carry[0]
            d_carry[0] = d_carry[0] + d_out
        d_outs = self._unstack(d_out) if self.return_sequences else None
        d_recs = self._array(saved_rec.element_shape, Z.dtype)
        # (a scalar stands in for the TensorArray of dz where the cell reads only z + rec)
        d_zs = tf.zeros(()) if self.additive else self._array(Zs.element_shape, Z.dtype)

        def body(t, d_recs, d_zs, d_extras, *d_carry):
            d_carry = list(d_carry)
            if d_outs is not None:
                d_carry[0] = d_carry[0] + d_outs.read(t)
            z, rec = Zs.read(t), saved_rec.read(t)
            prev = [a.read(t) for a in saved_carry]
            sources = [z, rec, *prev, *extras]
            with tf.GradientTape() as tape:
                tape.watch(sources)
                new = self.step(z, rec, prev, None if ms is None else ms.read(t), extras)
            grads = tape.gradient(new, sources, output_gradients=d_carry,
                                  unconnected_gradients=tf.UnconnectedGradients.ZERO)
            dz, drec, d_prev = grads[0], grads[1], grads[2:2 + len(prev)]
            dhp = tf.matmul(drec, R, transpose_b=True)
            d_prev[self.h] += self.dropped(dhp)
            d_extras = [a + b for a, b in zip(d_extras, grads[2 + len(prev):])]
            d_zs = d_zs if self.additive else d_zs.write(t, dz)
            return (t - 1, d_recs.write(t, drec), d_zs, d_extras, *d_prev)

        _, d_recs, d_zs, d_extras, *d_carry0 = tf.while_loop(
            lambda t, *_: t >= 0, body,
            (self.steps - 1, d_recs, d_zs, [tf.zeros_like(e) for e in extras], *d_carry),
            parallel_iterations=32, maximum_iterations=self.steps)
        dREC = d_recs.stack()
        dZ = dREC if self.additive else d_zs.stack()
        HP = self.dropped(saved_carry[self.h].stack())  # each step's matmul input (T, B, u)
        dR = tf.matmul(tf.reshape(HP, (-1, HP.shape[-1])),
                       tf.reshape(dREC, (-1, dREC.shape[-1])), transpose_a=True)
        return [dZ, dR, *d_extras, *d_carry0]


lstm, gru, simple_rnn = recurrent_ops(_scan, __name__)
