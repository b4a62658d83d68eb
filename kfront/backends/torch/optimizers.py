"""Fused optimizer updates for the torch backend (the ``optimizer_kernels`` backend hook).

Every kernel is batched (``kernel.batched``): one call per step updates all variables with
``torch._foreach_*`` operations, a dozen C++ calls per step however many variables the model
has. Each does what the optimizer's portable ``_update_step`` does, with the same operations in
the same order (so results are bit-identical), in place on the variables' own tensors under
``torch.no_grad()``. Adam in float32 or float64 is the exception: it runs torch's fused
one-pass kernel (ten times faster than a dozen passes over the weights), whose result equals
Keras's update up to float rounding.

``torch._fused_adam_`` is private and walks its tensors as flat memory: every weight, slot and
gradient must be contiguous (a convolution's kernel gradient arrives as a permuted view, and
fed as it is its elements were applied to the wrong weights). ``_adam`` hands it contiguous
gradients and keeps it to one device and contiguous weights and slots; anything else takes
the ``_foreach_*`` path, whose ops follow strides.
"""
from __future__ import annotations

import math

import torch

from kfront.backends.torch.core import to_tensor


def _sgd(gs, ws, bufs, hyper):
    lr = hyper["learning_rate"]
    if not bufs[0]:
        torch._foreach_sub_(ws, torch._foreach_mul(gs, lr))
        return
    ms, momentum = [b[0] for b in bufs], hyper["momentum"]
    torch._foreach_mul_(ms, momentum)
    step = torch._foreach_mul(gs, lr)
    torch._foreach_sub_(ms, step)
    if hyper["nesterov"]:
        ahead = torch._foreach_mul(ms, momentum)
        torch._foreach_sub_(ahead, step)
        torch._foreach_add_(ws, ahead)
    else:
        torch._foreach_add_(ws, ms)


_FUSED_ADAM = hasattr(torch, "_fused_adam_") and tuple(
    int(p) for p in torch.__version__.split(".")[:2]) >= (2, 4)  # CPU kernel since 2.4
_ONE: dict = {}  # device -> a scalar 1.0, the step count the fused kernel is given


def _adam(gs, ws, bufs, hyper):
    if _fused_adam_accepts(ws, bufs):
        _adam_fused([g.contiguous() for g in gs], ws, bufs, hyper)
    else:
        _adam_foreach(gs, ws, bufs, hyper)


def _fused_adam_accepts(ws, bufs) -> bool:
    """Whether the fused kernel's assumptions hold for these weights and slots: one float
    dtype, one device, contiguous memory (gradients are made contiguous by the caller)."""
    if not _FUSED_ADAM or len({(w.dtype, w.device) for w in ws}) != 1:
        return False
    return ws[0].dtype in (torch.float32, torch.float64) and all(
        t.is_contiguous() for w, bb in zip(ws, bufs) for t in (w, *bb))


def _adam_fused(gs, ws, bufs, hyper):
    """torch's one-pass Adam kernel, given step 1 and a rescaled rate and epsilon so that it
    computes Keras's update ``w -= alpha * m / (sqrt(v) + epsilon)`` (equal up to rounding:
    it forms ``v`` as ``beta_2 * v + (1 - beta_2) * g * g``)."""
    omb1, omb2 = hyper["one_minus_beta_1"], hyper["one_minus_beta_2"]
    root = math.sqrt(omb2)  # torch divides sqrt(v) by sqrt(1 - beta_2 ** step)
    device = ws[0].device
    one = _ONE.get(device)
    if one is None:
        one = _ONE[device] = torch.ones((), device=device)
    torch._fused_adam_(ws, gs, [b[0] for b in bufs], [b[1] for b in bufs],
                       [b[2] for b in bufs] if hyper["amsgrad"] else [], [one] * len(ws),
                       lr=hyper["alpha"] * omb1 / root, beta1=1 - omb1, beta2=1 - omb2,
                       weight_decay=0.0, eps=hyper["epsilon"] / root, amsgrad=hyper["amsgrad"],
                       maximize=False)


def _adam_foreach(gs, ws, bufs, hyper):
    ms, vs = [b[0] for b in bufs], [b[1] for b in bufs]
    step = torch._foreach_sub(gs, ms)
    torch._foreach_mul_(step, hyper["one_minus_beta_1"])
    torch._foreach_add_(ms, step)
    step = torch._foreach_mul(gs, gs)
    torch._foreach_sub_(step, vs)
    torch._foreach_mul_(step, hyper["one_minus_beta_2"])
    torch._foreach_add_(vs, step)
    if hyper["amsgrad"]:
        v_hats = [b[2] for b in bufs]
        torch._foreach_maximum_(v_hats, vs)
        vs = v_hats
    denominator = torch._foreach_sqrt(vs)
    torch._foreach_add_(denominator, hyper["epsilon"])
    step = torch._foreach_mul(ms, hyper["alpha"])
    torch._foreach_div_(step, denominator)
    torch._foreach_sub_(ws, step)


def _rmsprop(gs, ws, bufs, hyper):
    rho, one_minus_rho = hyper["rho"], hyper["one_minus_rho"]
    velocities = [b[0] for b in bufs]
    torch._foreach_mul_(velocities, rho)
    squares = torch._foreach_mul(gs, gs)
    torch._foreach_mul_(squares, one_minus_rho)
    torch._foreach_add_(velocities, squares)
    if hyper["centered"]:
        averages = [b[-1] for b in bufs]
        torch._foreach_mul_(averages, rho)
        torch._foreach_add_(averages, torch._foreach_mul(gs, one_minus_rho))
        denominator = torch._foreach_sub(velocities, torch._foreach_mul(averages, averages))
    else:
        denominator = [v.clone() for v in velocities]
    torch._foreach_add_(denominator, hyper["epsilon"])
    increment = torch._foreach_mul(gs, hyper["learning_rate"])
    torch._foreach_div_(increment, torch._foreach_sqrt(denominator))
    if hyper["momentum"] > 0:
        momentums = [b[1] for b in bufs]
        torch._foreach_mul_(momentums, hyper["momentum"])
        torch._foreach_add_(momentums, increment)
        increment = momentums
    torch._foreach_sub_(ws, increment)


def _adagrad(gs, ws, bufs, hyper):
    accumulators = [b[0] for b in bufs]
    torch._foreach_add_(accumulators, torch._foreach_mul(gs, gs))
    step = torch._foreach_mul(gs, hyper["learning_rate"])
    torch._foreach_div_(step, torch._foreach_sqrt(torch._foreach_add(accumulators,
                                                                     hyper["epsilon"])))
    torch._foreach_sub_(ws, step)


def _batched(update):
    """A batched kernel around ``update(grads, weights, slot_tensors, hyper)``; it declines
    (touching nothing) when a gradient or slot dtype differs from its variable's: the portable
    path handles the casts."""
    @torch.no_grad()
    def kernel(grads, variables, slots, hyper):
        gs = [to_tensor(g) for g in grads]
        ws = [v._value for v in variables]
        bufs = [[s._value for s in ss] for ss in slots]
        if any(g.dtype != w.dtype or any(b.dtype != w.dtype for b in bb)
               for g, w, bb in zip(gs, ws, bufs)):
            return NotImplemented
        update(gs, ws, bufs, hyper)
        return None

    kernel.batched = True
    kernel.__name__ = kernel.__qualname__ = update.__name__.lstrip("_")
    kernel.__doc__ = f"The {kernel.__name__} update of every variable (see the module doc)."
    return kernel


optimizer_kernels = {name: _batched(fn) for name, fn in
                     {"sgd": _sgd, "adam": _adam, "rmsprop": _rmsprop, "adagrad": _adagrad}.items()}
