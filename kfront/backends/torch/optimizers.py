"""Fused optimizer updates for the torch backend (the ``optimizer_kernels`` backend hook).

Each kernel does what the optimizer's portable ``_update_step`` does, with the same torch
operations in the same order (so results are bit-identical), but in place on the variables'
own tensors under ``torch.no_grad()``: no kfront dispatch, no temporary Variables, one copy
less per slot.
"""
from __future__ import annotations

import torch

from kfront.backends.torch.core import to_tensor


def _tensors(grad, variable, slots):
    """The raw tensors, or None when dtypes differ (the portable path handles casts)."""
    g, w = to_tensor(grad), variable._value
    if g.dtype != w.dtype or any(s._value.dtype != w.dtype for s in slots):
        return None
    return g, w, [s._value for s in slots]


@torch.no_grad()
def sgd(grad, variable, slots, hyper):
    tensors = _tensors(grad, variable, slots)
    if tensors is None:
        return NotImplemented
    g, w, bufs = tensors
    lr = hyper["learning_rate"]
    if not bufs:
        w -= g * lr
        return None
    (m,), momentum = bufs, hyper["momentum"]
    m *= momentum
    m -= g * lr
    w += m * momentum - g * lr if hyper["nesterov"] else m
    return None


@torch.no_grad()
def adam(grad, variable, slots, hyper):
    tensors = _tensors(grad, variable, slots)
    if tensors is None:
        return NotImplemented
    g, w, bufs = tensors
    m, v = bufs[0], bufs[1]
    step = g - m
    step *= hyper["one_minus_beta_1"]
    m += step
    step = torch.square(g)
    step -= v
    step *= hyper["one_minus_beta_2"]
    v += step
    if hyper["amsgrad"]:
        torch.maximum(bufs[2], v, out=bufs[2])
        v = bufs[2]
    denominator = torch.sqrt(v)
    denominator += hyper["epsilon"]
    step = m * hyper["alpha"]
    step /= denominator
    w -= step
    return None


@torch.no_grad()
def rmsprop(grad, variable, slots, hyper):
    tensors = _tensors(grad, variable, slots)
    if tensors is None:
        return NotImplemented
    g, w, bufs = tensors
    rho, one_minus_rho = hyper["rho"], hyper["one_minus_rho"]
    velocity = bufs[0]
    velocity *= rho
    velocity += torch.square(g) * one_minus_rho
    if hyper["centered"]:
        average = bufs[-1]
        average *= rho
        average += g * one_minus_rho
        denominator = velocity - torch.square(average)
    else:
        denominator = velocity.clone()
    denominator += hyper["epsilon"]
    increment = g * hyper["learning_rate"]
    increment /= torch.sqrt(denominator)
    if hyper["momentum"] > 0:
        momentum = bufs[1]
        momentum *= hyper["momentum"]
        momentum += increment
        increment = momentum
    w -= increment
    return None


@torch.no_grad()
def adagrad(grad, variable, slots, hyper):
    tensors = _tensors(grad, variable, slots)
    if tensors is None:
        return NotImplemented
    g, w, (accumulator,) = tensors
    accumulator += torch.square(g)
    step = g * hyper["learning_rate"]
    step /= torch.sqrt(accumulator + hyper["epsilon"])
    w -= step
    return None


optimizer_kernels = {"sgd": sgd, "adam": adam, "rmsprop": rmsprop, "adagrad": adagrad}
