"""Recurrent scans of the torch backend: LSTM, GRU and SimpleRNN over a whole sequence, each ONE
autograd node.

The native engine's ``rnn`` module on torch: the scan runs time-major, one GEMM projects the
inputs of all timesteps (input bias included), then one recurrent GEMM per step (two for a GRU
with ``reset_after=False``), as a Python loop of a few torch ops per step run under no_grad in a
``torch.autograd.Function``. Its backward is the native engine's hand-written backpropagation
through time: the gate derivatives are computed for all timesteps at once, so a step costs a
handful of ops (one of them the recurrent GEMM), and the weight gradients are one GEMM each over
all timesteps. Semantics (Keras gate order, masks carrying the states, ``go_backwards``,
``zero_output_for_mask``, the recurrent dropout mask on the previous ``h``) and the gradients at
activation kinks are the native engine's; see ``kfront/ops/rnn.py``.

Example:
    >>> import numpy as np
    >>> from kfront.backends.torch import rnn
    >>> x = np.ones((2, 5, 3), "float32")
    >>> h0 = c0 = np.zeros((2, 4), "float32")
    >>> W, R = np.full((3, 16), 0.1, "float32"), np.zeros((4, 16), "float32")
    >>> out, h, c = rnn.lstm(x, h0, c0, W, R, return_sequences=True)
    >>> tuple(out.shape), tuple(h.shape)
    ((2, 5, 4), (2, 4))
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from kfront.backends.torch.core import to_tensor
from kfront.backends.common.rnn import recurrent_ops
from kfront.backends.torch.numpy import _common_dtype

__all__ = ["gru", "lstm", "simple_rnn"]


def _mask_grad(y, cond):
    return cond.to(y.dtype)


# activation name -> (forward(x), derivative from the output y) -- the native engine's formulas
_ACTIVATIONS = {
    "tanh": (torch.tanh, lambda y: 1 - y * y),
    "sigmoid": (torch.sigmoid, lambda y: y * (1 - y)),
    "hard_sigmoid": (lambda x: torch.clamp(x / 6 + 0.5, 0, 1),
                     lambda y: _mask_grad(y, (y > 0) & (y < 1)) / 6),
    "relu": (torch.relu, lambda y: _mask_grad(y, y > 0)),
    "linear": (lambda x: x, torch.ones_like),
    "softsign": (F.softsign, lambda y: (1 - torch.abs(y)) ** 2),
    "softplus": (lambda x: torch.logaddexp(x, torch.zeros((), dtype=x.dtype)),
                 lambda y: -torch.expm1(-y)),
    "elu": (lambda x: torch.where(x > 0, x, torch.expm1(torch.clamp(x, max=0))),
            lambda y: torch.where(y > 0, torch.ones((), dtype=y.dtype), y + 1)),
    "exponential": (torch.exp, lambda y: y),
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
    """One recurrence: ``project`` all inputs, ``step`` forward keeping what BPTT needs in lists,
    ``prepare`` (stack those and precompute every step's gate derivatives at once), ``back`` one
    step, and ``weight_grads`` over all steps. ``rdrop`` is a (batch, units) recurrent dropout
    mask applied to the previous ``h`` wherever the recurrent kernel reads it."""

    def __init__(self, kernel, recurrent_kernel, bias, rdrop, activation, recurrent_activation):
        self.W, self.R, self.b, self.rdrop = kernel, recurrent_kernel, bias, rdrop
        self.units = recurrent_kernel.shape[0]
        self.act, self.act_grad = _activation(activation, "activation")
        self.ract, self.ract_grad = _activation(recurrent_activation, "recurrent_activation")
        self.HP = []  # the (dropped) h_{t-1} of each step

    def input_bias(self):
        return self.b

    def project(self, X):
        b = self.input_bias()
        return X @ self.W if b is None else torch.addmm(b, X, self.W)

    def read_h(self, h):
        hp = h if self.rdrop is None else h * self.rdrop
        self.HP.append(hp)
        return hp

    def back_h(self, dhp):
        return dhp if self.rdrop is None else dhp * self.rdrop

    def prepare(self):
        self.RT = self.R.t().contiguous()  # (a contiguous copy multiplies faster)
        self.HP = torch.stack(self.HP)

    def weight_grads(self, X, dZ, needs):
        """(dkernel, drecurrent_kernel, dbias) from the inputs X (T*B, D) and the input-side
        pre-activation gradients dZ (T, B, G)."""
        dZ2 = dZ.reshape(-1, dZ.shape[-1])
        HP = self.HP.reshape(-1, self.units)
        return (X.t() @ dZ2 if needs[0] else None, HP.t() @ dZ2 if needs[1] else None,
                dZ2.sum(0) if needs[2] else None)


class _SimpleRNN(_Cell):
    def __init__(self, *args):
        super().__init__(*args)
        self.H = []

    def step(self, z, states):
        h = self.act(torch.addmm(z, self.read_h(states[0]), self.R))
        self.H.append(h)
        return [h]

    def prepare(self):
        super().prepare()
        self.AG = self.act_grad(torch.stack(self.H))
        del self.H

    def back(self, t, dstates):
        da = dstates[0] * self.AG[t]
        return da, [self.back_h(torch.mm(da, self.RT))]


class _LSTM(_Cell):
    def __init__(self, *args):
        super().__init__(*args)
        self.S, self.GG, self.C, self.TC = [], [], [], []

    def step(self, z, states):
        u = self.units
        h, c = states
        a = torch.addmm(z, self.read_h(h), self.R)
        s = self.ract(a)  # i, f, o (the c block is recomputed below)
        gg = self.act(a[:, 2 * u:3 * u])
        c_new = torch.addcmul(s[:, u:2 * u] * c, s[:, :u], gg)
        tc = self.act(c_new)
        self.S.append(s)
        self.GG.append(gg)
        self.C.append(c)
        self.TC.append(tc)
        return [s[:, 3 * u:] * tc, c_new]

    def prepare(self):
        super().prepare()
        u = self.units
        S, GG, C, TC = (torch.stack(v) for v in (self.S, self.GG, self.C, self.TC))
        del self.S, self.GG, self.C, self.TC
        dS = self.ract_grad(S)
        i, o = S[..., :u], S[..., 3 * u:]
        # da = [dc, dc, dc, dh] * K: the pre-activation gradients of i, f, c, o
        self.K = torch.cat([GG * dS[..., :u], C * dS[..., u:2 * u], i * self.act_grad(GG),
                            TC * dS[..., 3 * u:]], -1)
        self.OTC = o * self.act_grad(TC)  # dc += dh * OTC
        self.Fg = S[..., u:2 * u]

    def back(self, t, dstates):
        dh, dc = dstates
        dc = torch.addcmul(dc, dh, self.OTC[t])
        da = torch.cat([dc, dc, dc, dh], 1).mul_(self.K[t])
        return da, [self.back_h(torch.mm(da, self.RT)), dc * self.Fg[t]]


class _GRU(_Cell):
    def __init__(self, *args, reset_after):
        super().__init__(*args)
        self.reset_after = reset_after
        self.H, self.ZR, self.HH, self.X2 = [], [], [], []
        u = self.units
        if reset_after:
            self.b_rec = None if self.b is None else self.b[1]
        else:
            self.R_zr, self.R_h = self.R[:, :2 * u], self.R[:, 2 * u:]

    def input_bias(self):
        return self.b if self.b is None or not self.reset_after else self.b[0]

    def step(self, z, states):
        u = self.units
        h = states[0]
        hp = self.read_h(h)
        if self.reset_after:
            rec = hp @ self.R if self.b_rec is None else torch.addmm(self.b_rec, hp, self.R)
            zr = self.ract(z[:, :2 * u] + rec[:, :2 * u])
            x2 = rec[:, 2 * u:]
            hh = self.act(torch.addcmul(z[:, 2 * u:], zr[:, u:], x2))
        else:
            zr = self.ract(torch.addmm(z[:, :2 * u], hp, self.R_zr))
            x2 = zr[:, u:] * hp
            hh = self.act(torch.addmm(z[:, 2 * u:], x2, self.R_h))
        self.H.append(h)
        self.ZR.append(zr)
        self.HH.append(hh)
        self.X2.append(x2)
        zg = zr[:, :u]
        return [torch.addcmul((1 - zg) * hh, zg, h)]  # z * h + (1 - z) * hh

    def prepare(self):
        super().prepare()
        u = self.units
        H, ZR, HH, X2 = (torch.stack(v) for v in (self.H, self.ZR, self.HH, self.X2))
        del self.H, self.ZR, self.HH, self.X2
        dZR = self.ract_grad(ZR)
        zg, r = ZR[..., :u], ZR[..., u:]
        P1 = (H - HH) * dZR[..., :u]            # da_z = dh * P1
        P2 = (1 - zg) * self.act_grad(HH)       # da_h = dh * P2
        self.Zg, self.X2 = zg, X2
        if self.reset_after:
            # da = [dh, dh, dh] * Q; the recurrent GEMM's gradient is da * [1, 1, r]
            self.Q = torch.cat([P1, P2 * X2 * dZR[..., u:], P2], -1)
            self.Mr = torch.cat([torch.ones_like(zg), torch.ones_like(zg), r], -1)
            self.DR = []
        else:
            self.Q = torch.cat([P1, P2], -1)
            self.P4 = self.HP * dZR[..., u:]     # da_r = (da_h @ R_h^T) * P4
            self.r = r
            self.R_zrT, self.R_hT = self.R_zr.t().contiguous(), self.R_h.t().contiguous()

    def back(self, t, dstates):
        u = self.units
        dh = dstates[0]
        if self.reset_after:
            da = torch.cat([dh, dh, dh], 1).mul_(self.Q[t])
            drp = da * self.Mr[t]
            self.DR.append(drp)
            dhp = torch.mm(drp, self.RT)
        else:
            dzh = torch.cat([dh, dh], 1).mul_(self.Q[t])
            dah = dzh[:, u:]
            drh = torch.mm(dah, self.R_hT)
            da = torch.cat([dzh[:, :u], drh * self.P4[t], dah], 1)
            dhp = torch.addmm(drh * self.r[t], da[:, :2 * u], self.R_zrT)
        return da, [dh * self.Zg[t] + self.back_h(dhp)]

    def weight_grads(self, X, dZ, needs):
        u = self.units
        dZ2 = dZ.reshape(-1, 3 * u)
        HP = self.HP.reshape(-1, u)
        dW = X.t() @ dZ2 if needs[0] else None
        dR = db = None
        if self.reset_after:
            DR = torch.stack(self.DR[::-1]).reshape(-1, 3 * u)
            if needs[1]:
                dR = HP.t() @ DR
            if needs[2]:
                db = torch.stack([dZ2.sum(0), DR.sum(0)])
        else:
            if needs[1]:
                dR = torch.cat([HP.t() @ dZ2[:, :2 * u],
                                self.X2.reshape(-1, u).t() @ dZ2[:, 2 * u:]], 1)
            if needs[2]:
                db = dZ2.sum(0)
        return dW, dR, db


_CELLS = {"lstm": _LSTM, "gru": _GRU, "simple_rnn": _SimpleRNN}


class _Scan(torch.autograd.Function):
    """``(cfg, x, kernel, recurrent_kernel, bias, mask, rdrop, *states)`` ->
    ``(outputs, *final_states)``; ``cfg`` holds the static settings."""

    @staticmethod
    def forward(ctx, cfg, x, kernel, recurrent_kernel, bias, mask, rdrop, *states):
        cell_name, activation, ract, return_sequences, go_backwards, zero_out, cell_kw = cfg
        B, T, D = x.shape
        xt = x.transpose(0, 1)
        if go_backwards:
            xt = xt.flip(0)
        X = xt.reshape(T * B, D)
        c = _CELLS[cell_name](kernel, recurrent_kernel, bias, rdrop, activation, ract,
                              **dict(cell_kw))
        Z = c.project(X).view(T, B, -1)
        m = None
        if mask is not None:
            m = mask.t().unsqueeze(-1)
            if go_backwards:
                m = m.flip(0)
        states = list(states)
        out = torch.zeros_like(states[0])
        outs = []
        for t in range(T):
            new = c.step(Z[t], states)
            if m is None:
                out, states = new[0], new
            else:
                mt = m[t]
                out = torch.where(mt, new[0], 0.0 if zero_out else out)
                states = [torch.where(mt, n, s) for n, s in zip(new, states)]
            if return_sequences:
                outs.append(out)
        result = (torch.stack(outs, 1) if return_sequences else out, *states)
        if any(ctx.needs_input_grad):
            c.prepare()  # stacks what BPTT needs (no reference to the outputs is kept)
            ctx.cell, ctx.X, ctx.m, ctx.cfg, ctx.shape = c, X, m, cfg, (B, T, D)
        # an output may be returned twice (the last output is the final h): distinct tensors
        seen, unique = set(), []
        for r in result:
            unique.append(r.clone() if id(r) in seen else r)
            seen.add(id(r))
        return tuple(unique)

    @staticmethod
    def backward(ctx, g_out, *dstates):
        c, X, m = ctx.cell, ctx.X, ctx.m
        _, _, _, return_sequences, go_backwards, zero_out, _ = ctx.cfg
        B, T, D = ctx.shape
        needs = ctx.needs_input_grad
        dstates = list(dstates)
        if return_sequences:
            g_out = g_out.transpose(0, 1)
        dZ = []
        dout_carry = None
        for t in range(T - 1, -1, -1):
            dout = g_out[t] if return_sequences else (g_out if t == T - 1 else None)
            if dout_carry is not None:
                dout = dout_carry if dout is None else dout + dout_carry
            if m is None:
                dcand, passed = dstates, None
            else:
                mt = m[t]
                dcand = [torch.where(mt, d, 0.0) for d in dstates]
                passed = [torch.where(mt, 0.0, d) for d in dstates]
                if dout is not None and not zero_out:
                    dout_carry = torch.where(mt, 0.0, dout)
                if dout is not None:
                    dout = torch.where(mt, dout, 0.0)
            if dout is not None:
                dcand = [dcand[0] + dout] + dcand[1:]
            da, dstates = c.back(t, dcand)
            dZ.append(da)
            if passed is not None:
                dstates = [a + b for a, b in zip(dstates, passed)]
        dZ = torch.stack(dZ[::-1])
        dx = None
        if needs[1]:
            dxt = torch.mm(dZ.view(T * B, -1), c.W.t()).view(T, B, D)
            if go_backwards:
                dxt = dxt.flip(0)
            dx = dxt.transpose(0, 1)
        dW, dR, db = c.weight_grads(X, dZ, needs[2:5])
        del ctx.cell, ctx.X, ctx.m
        return (None, dx, dW, dR, db, None, None) + tuple(
            d if n else None for d, n in zip(dstates, needs[7:]))


def _run(cell, inputs, states, kernel, recurrent_kernel, bias, mask, recurrent_dropout_mask, *,
         activation, recurrent_activation, return_sequences, go_backwards,
         zero_output_for_mask, **cell_kw):
    x = to_tensor(inputs, cell)
    weights = [to_tensor(w, cell) for w in (kernel, recurrent_kernel)]
    bias = None if bias is None else to_tensor(bias, cell)
    states = [to_tensor(s, cell) for s in states]
    d = x.dtype
    for t in weights + states + ([] if bias is None else [bias]):
        if t.dtype != d:
            d = _common_dtype(d, t.dtype, False)
    if not d.is_floating_point:
        d = _common_dtype(d, d, True)
    x, bias = x.to(d), None if bias is None else bias.to(d)
    weights, states = [w.to(d) for w in weights], [s.to(d) for s in states]
    if mask is not None:
        mask = to_tensor(mask, cell).detach().to(torch.bool)
    rdrop = recurrent_dropout_mask
    if rdrop is not None:
        rdrop = to_tensor(rdrop, cell).detach().to(d)
    _activation(activation, "activation")
    _activation(recurrent_activation, "recurrent_activation")
    cfg = (cell, activation, recurrent_activation, bool(return_sequences), bool(go_backwards),
           bool(zero_output_for_mask), tuple(sorted(cell_kw.items())))
    return _Scan.apply(cfg, x, *weights, bias, mask, rdrop, *states)


lstm, gru, simple_rnn = recurrent_ops(_run, __name__)
