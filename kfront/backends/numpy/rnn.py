"""Recurrent scans of the native engine: LSTM, GRU and SimpleRNN over a whole sequence, each ONE op.

The scan runs time-major: one GEMM projects the inputs of all timesteps, then one recurrent GEMM
(two for a GRU with ``reset_after=False``) per step. The backward pass is hand-written
backpropagation through time over the saved gate activations, again with the weight gradients as
one GEMM each over all timesteps, so a recurrent layer is a single node of the autodiff graph.
Semantics (gate order, masking, ``go_backwards``) are Keras 3's; see ``kfront/ops/rnn.py``.
"""
from __future__ import annotations

from kfront.backends.common.rnn import recurrent_ops
from kfront.backends.numpy import blas
from kfront.backends.numpy.engine import get_xp, primitive


def _mask_grad(y, cond):
    return cond.astype(y.dtype)


# activation name -> (forward(xp, x), derivative from the output y(xp, y))
_ACTIVATIONS = {
    "tanh": (lambda xp, x: xp.tanh(x), lambda xp, y: 1 - y * y),
    "sigmoid": (lambda xp, x: 0.5 * (xp.tanh(0.5 * x) + 1), lambda xp, y: y * (1 - y)),
    "hard_sigmoid": (lambda xp, x: xp.clip(x / 6 + 0.5, 0, 1),
                     lambda xp, y: _mask_grad(y, (y > 0) & (y < 1)) / 6),
    "relu": (lambda xp, x: xp.maximum(x, 0), lambda xp, y: _mask_grad(y, y > 0)),
    "linear": (lambda xp, x: x, lambda xp, y: xp.ones_like(y)),
    "softsign": (lambda xp, x: x / (1 + xp.abs(x)), lambda xp, y: (1 - xp.abs(y)) ** 2),
    "softplus": (lambda xp, x: xp.logaddexp(0, x), lambda xp, y: -xp.expm1(-y)),
    "elu": (lambda xp, x: xp.where(x > 0, x, xp.expm1(xp.minimum(x, 0))),
            lambda xp, y: xp.where(y > 0, 1, y + 1).astype(y.dtype)),
    "exponential": (lambda xp, x: xp.exp(x), lambda xp, y: y),
}
SUPPORTED_ACTIVATIONS = tuple(_ACTIVATIONS)


def _activation(name: str, role: str):
    try:
        return _ACTIVATIONS[name]
    except KeyError:
        raise NotImplementedError(
            f"recurrent scan: {role}={name!r} is not supported by the fused recurrent kernels; "
            f"use one of {SUPPORTED_ACTIVATIONS}") from None


class _Cell:
    """One recurrence: ``project`` all inputs, ``step`` forward saving what BPTT needs, ``back``
    one step, and ``weight_grads`` over all steps. ``rdrop`` is a (batch, units) recurrent dropout
    mask applied to the previous ``h`` wherever the recurrent kernel reads it."""

    def __init__(self, xp, kernel, recurrent_kernel, bias, rdrop, steps, batch, activation,
                 recurrent_activation):
        self.xp, self.W, self.R, self.b, self.rdrop = xp, kernel, recurrent_kernel, bias, rdrop
        self.units = recurrent_kernel.shape[0]
        self.act, self.act_grad = _activation(activation, "activation")
        self.ract, self.ract_grad = _activation(recurrent_activation, "recurrent_activation")
        self.HP = xp.empty((steps, batch, self.units), recurrent_kernel.dtype)  # dropped h_{t-1}

    def input_bias(self):
        return self.b

    def project(self, X):
        Z = blas.gemm(X, self.W)
        b = self.input_bias()
        if b is not None:
            Z += b
        return Z

    def read_h(self, t, h):
        hp = h if self.rdrop is None else h * self.rdrop
        self.HP[t] = hp
        return hp

    def back_h(self, dhp):
        return dhp if self.rdrop is None else dhp * self.rdrop

    def weight_grads(self, X, dZ, needs):
        """(dkernel, drecurrent_kernel, dbias) from the inputs X (T*B, D) and the input-side
        pre-activation gradients dZ (T, B, G)."""
        dZ2 = dZ.reshape(-1, dZ.shape[-1])
        HP = self.HP.reshape(-1, self.units)
        return (blas.gemm(X.T, dZ2) if needs[0] else None,
                blas.gemm(HP.T, dZ2) if needs[1] else None, dZ2.sum(0) if needs[2] else None)


class _SimpleRNN(_Cell):
    def __init__(self, xp, *args, **kw):
        super().__init__(xp, *args, **kw)
        self.H = xp.empty_like(self.HP)

    def step(self, t, z, states):
        h = self.act(self.xp, z + self.read_h(t, states[0]) @ self.R)
        self.H[t] = h
        return [h]

    def back(self, t, dstates):
        da = dstates[0] * self.act_grad(self.xp, self.H[t])
        return da, [self.back_h(da @ self.R.T)]


class _LSTM(_Cell):
    def __init__(self, xp, *args, **kw):
        super().__init__(xp, *args, **kw)
        T, B, u = self.HP.shape
        self.G = xp.empty((T, B, 4 * u), self.HP.dtype)  # activated gates i, f, c, o
        self.C = xp.empty((T, B, u), self.HP.dtype)      # c_{t-1}
        self.TC = xp.empty((T, B, u), self.HP.dtype)     # activation(c_t)

    def step(self, t, z, states):
        xp, u = self.xp, self.units
        h, c = states
        a = z + self.read_h(t, h) @ self.R
        g = self.G[t]
        g[:, :2 * u] = self.ract(xp, a[:, :2 * u])
        g[:, 2 * u:3 * u] = self.act(xp, a[:, 2 * u:3 * u])
        g[:, 3 * u:] = self.ract(xp, a[:, 3 * u:])
        self.C[t] = c
        c_new = g[:, u:2 * u] * c + g[:, :u] * g[:, 2 * u:3 * u]
        tc = self.TC[t] = self.act(xp, c_new)
        return [g[:, 3 * u:] * tc, c_new]

    def back(self, t, dstates):
        xp, u = self.xp, self.units
        dh, dc = dstates
        g, tc = self.G[t], self.TC[t]
        i, f, gg, o = g[:, :u], g[:, u:2 * u], g[:, 2 * u:3 * u], g[:, 3 * u:]
        dc = dc + dh * o * self.act_grad(xp, tc)
        da = xp.empty_like(g)
        da[:, :u] = dc * gg * self.ract_grad(xp, i)
        da[:, u:2 * u] = dc * self.C[t] * self.ract_grad(xp, f)
        da[:, 2 * u:3 * u] = dc * i * self.act_grad(xp, gg)
        da[:, 3 * u:] = dh * tc * self.ract_grad(xp, o)
        return da, [self.back_h(da @ self.R.T), dc * f]


class _GRU(_Cell):
    def __init__(self, xp, *args, reset_after, **kw):
        super().__init__(xp, *args, **kw)
        T, B, u = self.HP.shape
        self.reset_after = reset_after
        self.G = xp.empty((T, B, 3 * u), self.HP.dtype)  # activated z, r, candidate hh
        self.H = xp.empty((T, B, u), self.HP.dtype)      # h_{t-1} (undropped)
        # reset_after: the recurrent candidate term hp @ R_h + b_h; else r * hp (its GEMM input)
        self.X2 = xp.empty((T, B, u), self.HP.dtype)
        self.DR = xp.empty((T, B, 3 * u if reset_after else 2 * u), self.HP.dtype)

    def input_bias(self):
        return self.b if self.b is None or not self.reset_after else self.b[0]

    def step(self, t, z, states):
        xp, u = self.xp, self.units
        h = states[0]
        self.H[t] = h
        hp = self.read_h(t, h)
        g = self.G[t]
        if self.reset_after:
            rec = hp @ self.R
            if self.b is not None:
                rec += self.b[1]
            g[:, :2 * u] = self.ract(xp, z[:, :2 * u] + rec[:, :2 * u])
            self.X2[t] = rec[:, 2 * u:]
            g[:, 2 * u:] = self.act(xp, z[:, 2 * u:] + g[:, u:2 * u] * rec[:, 2 * u:])
        else:
            g[:, :2 * u] = self.ract(xp, z[:, :2 * u] + hp @ self.R[:, :2 * u])
            rh = self.X2[t] = g[:, u:2 * u] * hp
            g[:, 2 * u:] = self.act(xp, z[:, 2 * u:] + rh @ self.R[:, 2 * u:])
        zg, hh = g[:, :u], g[:, 2 * u:]
        return [zg * h + (1 - zg) * hh]

    def back(self, t, dstates):
        xp, u = self.xp, self.units
        dh = dstates[0]
        g, h, x2 = self.G[t], self.H[t], self.X2[t]
        zg, r, hh = g[:, :u], g[:, u:2 * u], g[:, 2 * u:]
        da = xp.empty_like(g)
        dr_pre = self.DR[t]
        da[:, :u] = dh * (h - hh) * self.ract_grad(xp, zg)
        dah = da[:, 2 * u:] = dh * (1 - zg) * self.act_grad(xp, hh)
        if self.reset_after:
            dr_pre[:, 2 * u:] = dah * r
            da[:, u:2 * u] = dah * x2 * self.ract_grad(xp, r)
            dr_pre[:, :2 * u] = da[:, :2 * u]
            dhp = dr_pre @ self.R.T
        else:
            drh = dah @ self.R[:, 2 * u:].T
            hp = self.HP[t]
            da[:, u:2 * u] = drh * hp * self.ract_grad(xp, r)
            dr_pre[:] = da[:, :2 * u]
            dhp = drh * r + dr_pre @ self.R[:, :2 * u].T
        return da, [dh * zg + self.back_h(dhp)]

    def weight_grads(self, X, dZ, needs):
        xp, u = self.xp, self.units
        dZ2 = dZ.reshape(-1, 3 * u)
        DR = self.DR.reshape(-1, self.DR.shape[-1])
        HP = self.HP.reshape(-1, u)
        dW = blas.gemm(X.T, dZ2) if needs[0] else None
        dR = db = None
        if needs[1]:
            dR = blas.gemm(HP.T, DR) if self.reset_after else xp.concatenate(
                [blas.gemm(HP.T, DR), blas.gemm(self.X2.reshape(-1, u).T, dZ2[:, 2 * u:])],
                axis=1)
        if needs[2]:
            db = xp.stack([dZ2.sum(0), DR.sum(0)]) if self.reset_after else dZ2.sum(0)
        return dW, dR, db


_CELLS = {"lstm": _LSTM, "gru": _GRU, "simple_rnn": _SimpleRNN}


@primitive
def _scan(x, kernel, recurrent_kernel, bias, mask, rdrop, *states, cell, activation,
          recurrent_activation, return_sequences, go_backwards, zero_output_for_mask, **cell_kw):
    """Run ``cell`` over ``x`` (B, T, D) -> (outputs, *final_states); see ``kfront.ops.rnn``."""
    xp = get_xp(x)
    B, T, D = x.shape
    xt = x.transpose(1, 0, 2)
    if go_backwards:
        xt = xt[::-1]
    X = xp.ascontiguousarray(xt).reshape(T * B, D)
    c = _CELLS[cell](xp, kernel, recurrent_kernel, bias, rdrop, T, B, activation=activation,
                     recurrent_activation=recurrent_activation, **cell_kw)
    Z = c.project(X).reshape(T, B, -1)
    m = None
    if mask is not None:
        m = xp.asarray(mask).astype(bool).T[:, :, None]
        if go_backwards:
            m = m[::-1]
    states = list(states)
    out = xp.zeros_like(states[0])
    outs = xp.empty((T,) + out.shape, out.dtype) if return_sequences else None
    for t in range(T):
        new = c.step(t, Z[t], states)
        if m is None:
            out, states = new[0], new
        else:
            out = xp.where(m[t], new[0], 0 if zero_output_for_mask else out)
            states = [xp.where(m[t], n, s) for n, s in zip(new, states)]
        if return_sequences:
            outs[t] = out
    result = (outs.transpose(1, 0, 2) if return_sequences else out,) + tuple(states)

    def vjp(gs, needs):
        g_out, dstates = gs[0], list(gs[1:])
        if return_sequences:
            g_out = g_out.transpose(1, 0, 2)
        dZ = xp.empty_like(Z)
        dout_carry = None
        for t in range(T - 1, -1, -1):
            dout = g_out[t] if return_sequences else (g_out if t == T - 1 else None)
            if dout_carry is not None:
                dout = dout_carry if dout is None else dout + dout_carry
            if m is None:
                dcand = dstates
                passed = None
            else:
                mt = m[t]
                dcand = [xp.where(mt, d, 0) for d in dstates]
                passed = [xp.where(mt, 0, d) for d in dstates]
                if dout is not None and not zero_output_for_mask:
                    dout_carry = xp.where(mt, 0, dout)
                if dout is not None:
                    dout = xp.where(mt, dout, 0)
            if dout is not None:
                dcand = [dcand[0] + dout] + dcand[1:]
            dZ[t], dstates = c.back(t, dcand)
            if passed is not None:
                dstates = [a + b for a, b in zip(dstates, passed)]
        dx = None
        if needs[0]:
            dxt = blas.gemm(dZ.reshape(T * B, -1), kernel.T).reshape(T, B, D)
            if go_backwards:
                dxt = dxt[::-1]
            dx = dxt.transpose(1, 0, 2)
        dW, dR, db = c.weight_grads(X, dZ, needs[1:4])
        return (dx, dW, dR, db, None, None) + tuple(d if n else None
                                                   for d, n in zip(dstates, needs[6:]))

    return result, vjp


def _run(cell, inputs, states, kernel, recurrent_kernel, bias, mask, recurrent_dropout_mask,
         **params):
    return _scan(inputs, kernel, recurrent_kernel, bias, mask, recurrent_dropout_mask, *states,
                 cell=cell, **params)


lstm, gru, simple_rnn = recurrent_ops(_run, __name__)
