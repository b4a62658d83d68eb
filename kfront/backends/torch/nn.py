"""Activations and losses of the torch backend (the native engine's ``nn.py`` on torch).

As on the native engine, a softmax / sigmoid output computed while a tape records carries its
logits (``_kfront_logits`` / ``_kfront_sigmoid_logits``), so that a crossentropy of those
probabilities is computed stably from the logits.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from kfront.backends.common.fused import check_activation, compose_matmul
from kfront.backends.common.nn import MASKED_LOGIT
from kfront.backends.torch import numpy as knp
from kfront.backends.torch.core import tape_state, to_tensor
from kfront.backends.torch.numpy import _floating, _operands, _unary

relu = _unary("relu", torch.relu)
relu6 = _unary("relu6", F.relu6)
tanh = knp.tanh
softplus = _unary("softplus", F.softplus, floating=True)
softsign = _unary("softsign", F.softsign, floating=True)
silu = _unary("silu", F.silu, floating=True)
swish = silu
log_sigmoid = _unary("log_sigmoid", F.logsigmoid, floating=True)
hard_sigmoid = _unary("hard_sigmoid", F.hardsigmoid, floating=True)
selu = _unary("selu", F.selu, floating=True)
exponential = knp.exp
_sigmoid = _unary("sigmoid", torch.sigmoid, floating=True)


def leaky_relu(x, negative_slope=0.2):
    x = _floating(to_tensor(x, "leaky_relu"))
    return torch.where(x >= 0, x, x * negative_slope)  # slope 1 at 0, as the native engine


def elu(x, alpha=1.0):
    return F.elu(_floating(to_tensor(x, "elu")), alpha)


def gelu(x, approximate=True):
    return F.gelu(_floating(to_tensor(x, "gelu")), approximate="tanh" if approximate else "none")


def _recording(out: torch.Tensor) -> bool:
    return out.requires_grad and bool(tape_state["tapes"])


def sigmoid(x):
    out = _sigmoid(x)
    if _recording(out):
        out._kfront_sigmoid_logits = x  # lets binary crossentropy on these use the logits
    return out


def softmax(x, axis=-1):
    x = _floating(to_tensor(x, "softmax"))
    out = torch.softmax(x, axis)
    if _recording(out):
        out._kfront_logits = (x, axis)  # lets crossentropy on these use the stable form
    return out


def log_softmax(x, axis=-1):
    return torch.log_softmax(_floating(to_tensor(x, "log_softmax")), axis)


def softmax_cross_entropy(labels, logits, axis=-1):
    """-sum(labels * log_softmax(logits)) over ``axis``, computed stably."""
    labels, logits = _operands(labels, logits)
    return -torch.sum(labels * torch.log_softmax(logits, axis), axis)


def sparse_softmax_cross_entropy(labels, logits, axis=-1):
    """-log_softmax(logits)[label] along ``axis`` for integer ``labels``, computed stably."""
    logits = _floating(to_tensor(logits, "sparse_softmax_cross_entropy"))
    labels = to_tensor(labels, "sparse_softmax_cross_entropy").detach().long()
    n = logits.shape[axis] if logits.ndim else 1
    if labels.numel() and (labels.min() < 0 or labels.max() >= n):
        raise ValueError(f"sparse_softmax_cross_entropy: labels must lie in [0, {n}), got "
                         f"values in [{int(labels.min())}, {int(labels.max())}]")
    logp = torch.log_softmax(logits, axis)
    return -torch.take_along_dim(logp, labels.unsqueeze(axis), axis).squeeze(axis)


def sigmoid_cross_entropy(labels, logits):
    """Elementwise binary crossentropy from logits, computed stably."""
    labels, logits = _operands(labels, logits, floating=True)
    labels, logits = torch.broadcast_tensors(labels, logits)
    return F.binary_cross_entropy_with_logits(logits, labels, reduction="none")


def _epsilon():
    from kfront import config
    return config.epsilon()


def _logits_of(output, attr):
    return getattr(output, attr, None) if isinstance(output, torch.Tensor) else None


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot/probability ``target`` and ``output`` along ``axis``."""
    logits = _logits_of(output, "_kfront_logits")
    if not from_logits and logits is not None and logits[1] == axis:
        output, from_logits = logits[0], True
    if from_logits:
        return softmax_cross_entropy(target, output, axis=axis)
    output = knp.divide(output, knp.sum(output, axis=axis, keepdims=True))
    eps = _epsilon()
    output = knp.clip(output, eps, 1.0 - eps)
    return knp.negative(knp.sum(knp.multiply(target, knp.log(output)), axis=axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between integer ``target`` and ``output`` along ``axis``."""
    target = to_tensor(target, "sparse_categorical_crossentropy").detach()
    if target.ndim == len(knp._shape_of(output)) and target.shape[-1] == 1:
        target = target.squeeze(-1)
    logits = _logits_of(output, "_kfront_logits")
    if not from_logits and logits is not None and logits[1] == axis:
        output, from_logits = logits[0], True
    if from_logits:
        return sparse_softmax_cross_entropy(target, output, axis=axis)
    output = knp.divide(output, knp.sum(output, axis=axis, keepdims=True))
    eps = _epsilon()
    logp = knp.log(knp.clip(output, eps, 1.0 - eps))
    idx = target.long().unsqueeze(axis)
    return knp.negative(knp.squeeze(knp.take_along_axis(logp, idx, axis=axis), axis))


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy (from probabilities, clipped as Keras does, or logits)."""
    logits = _logits_of(output, "_kfront_sigmoid_logits")
    if not from_logits and logits is not None:
        output, from_logits = logits, True
    if from_logits:
        return sigmoid_cross_entropy(target, output)
    eps = _epsilon()
    output = knp.clip(output, eps, 1.0 - eps)
    bce = knp.add(knp.multiply(target, knp.log(output)),
                  knp.multiply(knp.subtract(1.0, target), knp.log(knp.subtract(1.0, output))))
    return knp.negative(bce)


def dropout(x, rate, noise_shape=None, seed=None):
    """Zero elements with probability ``rate`` and scale the rest by ``1 / (1 - rate)`` (the
    mask is drawn on the host, so a seed gives the native engine's mask)."""
    from kfront.backends.torch import random as krandom
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate!r}")
    x = to_tensor(x, "dropout")
    keep = 1.0 - rate
    shape = noise_shape if noise_shape is not None else x.shape
    shape = tuple(s if s is not None else d for s, d in zip(shape, x.shape))
    mask = krandom.uniform(shape, dtype=x.dtype, seed=seed) < keep
    return knp.multiply(x, mask.to(x.dtype) / keep)


def dot_product_attention(query, key, value, bias=None, mask=None, scale=1.0):
    """Attention of (B, T, N, H) queries over (B, S, N, H) keys and values of one float dtype;
    ``mask``: boolean, True = attend. Without a mask,
    ``torch.nn.functional.scaled_dot_product_attention``; with one, Keras's computation (masked
    logits set to a large negative, so that a fully masked row attends uniformly, with no
    gradient to its logits, where torch's kernels give NaN or a gradient)."""
    q, k, v = (to_tensor(a, "dot_product_attention").transpose(1, 2)
               for a in (query, key, value))
    bias = None if bias is None else to_tensor(bias, "dot_product_attention")
    if mask is None:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=bias, scale=scale).transpose(1, 2)
    logits = torch.matmul(q, k.transpose(-1, -2)) * scale
    if bias is not None:
        logits = logits + bias
    logits = torch.where(to_tensor(mask, "dot_product_attention"), logits,
                         torch.tensor(MASKED_LOGIT, dtype=logits.dtype))
    return torch.matmul(torch.softmax(logits, -1), v).transpose(1, 2)


def layer_normalization(x, gamma=None, beta=None, axes=(-1,), epsilon=1e-3):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta`` with the statistics over ``axes``
    (non-negative, sorted); ``gamma`` / ``beta`` (or None) broadcast against ``x``. Over
    trailing axes, torch's fused ``layer_norm`` kernel (forward and backward one pass each,
    as Keras on torch); over others, the same formula in torch ops."""
    x = _floating(to_tensor(x, "layer_normalization"))
    gamma, beta = (None if v is None else to_tensor(v, "layer_normalization").to(x.dtype)
                   for v in (gamma, beta))
    axes = tuple(axes)
    if axes == tuple(range(x.ndim - len(axes), x.ndim)):
        tail = x.shape[x.ndim - len(axes):]
        return F.layer_norm(x, tail, None if gamma is None else gamma.reshape(tail),
                            None if beta is None else beta.reshape(tail), epsilon)
    mean = torch.mean(x, axes, keepdim=True)
    inv = torch.rsqrt(torch.var(x, axes, correction=0, keepdim=True) + epsilon)
    out = (x - mean) * (inv if gamma is None else inv * gamma)
    return out if beta is None else out + beta


def matmul_bias_activation(inputs, kernel, bias=None, activation=None):
    """``activation(inputs @ kernel + bias)`` (what ``Dense`` computes) for a 2-D ``kernel``:
    one ``torch.addmm`` (the bias added by the GEMM) over the rows of ``inputs``, a relu
    applied in place (the product's backward does not need its output). Other dtype mixes
    (integers, operands of different dtypes) run op by op."""
    op = "matmul_bias_activation"
    check_activation(activation, op)
    x, w = to_tensor(inputs, op), to_tensor(kernel, op)
    b = None if bias is None else to_tensor(bias, op)
    if (not x.is_floating_point() or x.dtype != w.dtype or x.ndim < 2 or w.ndim != 2
            or (b is not None and (b.dtype != x.dtype or b.shape != w.shape[1:]))):
        return _matmul_composed(inputs, kernel, bias, activation)
    rows = x.reshape(-1, x.shape[-1])
    y = torch.mm(rows, w) if b is None else torch.addmm(b, rows, w)
    if activation == "relu":
        y = torch.relu_(y)
    return y if x.ndim == 2 else y.view(*x.shape[:-1], w.shape[1])


_matmul_composed = compose_matmul(knp.matmul, knp.add, relu)
