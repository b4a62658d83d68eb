"""Math ops of the torch backend (``kfront.ops.math``): the native engine's ``math.py`` on torch,
gradients by autograd. Arguments arrive checked and of a float dtype (``kfront/ops/math.py``).
"""
from __future__ import annotations

import torch

from kfront.backends.torch.core import to_tensor


def _unary(name, f):
    def op(x):
        return f(to_tensor(x, name))
    op.__name__ = op.__qualname__ = name
    return op


erf = _unary("erf", torch.special.erf)
erfc = _unary("erfc", torch.special.erfc)
erfinv = _unary("erfinv", torch.special.erfinv)
rsqrt = _unary("rsqrt", torch.rsqrt)


def _descending(v: torch.Tensor) -> torch.Tensor:
    """Indices that sort ``v`` along its last axis largest first, stably (equal values keep
    their order), NaN last; no negation of unsigned or bool values (it would wrap)."""
    if v.is_floating_point():
        return torch.argsort(-v.detach(), dim=-1, stable=True)
    v = v.detach().to(torch.uint8) if v.dtype == torch.bool else v.detach()
    return torch.argsort(v, dim=-1, descending=True, stable=True)


def top_k(x, k, sorted=True):
    """torch.topk, with Keras's (TensorFlow's) order of ties: lower index first, NaN last. One
    extra value tells whether a tie at the k-th value reaches past the k taken; only then (or
    with NaNs) are the rows sorted whole; without ties torch's order stands. The values are
    torch.topk's (their gradient flows to the chosen entries); no second gather from ``x``."""
    x = to_tensor(x, "top_k")
    if k == 0 or k >= x.shape[-1] or x.dtype == torch.bool:
        idx = _descending(x)[..., :k]
        return torch.take_along_dim(x, idx, dim=-1), idx.to(torch.int32)
    values, idx = torch.topk(x, k + 1, dim=-1)
    tied = values[..., 1:] == values[..., :-1]
    redo = tied[..., k - 1]  # a tie at the k-th value may reach past k
    if x.is_floating_point():  # torch.topk ranks NaN first: such rows are sorted whole
        redo = redo | torch.isnan(values).any(dim=-1)
    values, idx = values[..., :k], idx[..., :k]
    if not bool((redo | tied.any(dim=-1)).any()):  # distinct values: torch's order is Keras's
        return values, idx.to(torch.int32)
    order = torch.argsort(idx, dim=-1)  # equal values: lower index first
    idx, values = idx.gather(-1, order), values.gather(-1, order)
    order = _descending(values)
    idx, values = idx.gather(-1, order), values.gather(-1, order)
    if bool(redo.any()):
        idx = torch.where(redo[..., None], _descending(x)[..., :k], idx)
        values = torch.take_along_dim(x, idx, dim=-1)
    return values, idx.to(torch.int32)


def in_top_k(targets, predictions, k):
    predictions = to_tensor(predictions, "in_top_k").detach()
    targets = to_tensor(targets, "in_top_k").long()
    t = torch.take_along_dim(predictions, targets[:, None], dim=-1)
    above = torch.sum(predictions > t, dim=-1)
    return (above < k) & torch.isfinite(t[:, 0]) & torch.all(torch.isfinite(predictions), -1)


def _segment(name, reduce):
    def op(data, segment_ids, num_segments):
        data, ids = to_tensor(data, name), to_tensor(segment_ids, name).long()
        keep = (ids >= 0) & (ids < num_segments)
        data, ids = data[keep], ids[keep]
        index = ids.reshape((-1,) + (1,) * (data.ndim - 1)).expand(data.shape)
        out = torch.zeros((num_segments,) + tuple(data.shape[1:]), dtype=data.dtype)
        if reduce == "sum":
            return out.index_add(0, ids, data)
        if reduce == "prod":
            return out.fill_(1).scatter_reduce(0, index, data, "prod", include_self=True)
        info = torch.finfo(data.dtype) if data.is_floating_point() else torch.iinfo(data.dtype)
        out = out.fill_(info.min if reduce == "amax" else info.max)
        # include_self=False: empty segments keep the fill, ties share the gradient
        return out.scatter_reduce(0, index, data, reduce, include_self=False)
    op.__name__ = op.__qualname__ = name
    return op


segment_sum = _segment("segment_sum", "sum")
segment_max = _segment("segment_max", "amax")
segment_min = _segment("segment_min", "amin")
segment_prod = _segment("segment_prod", "prod")


def _fft_op(name, f):
    def op(real, imag):
        c = f(torch.complex(to_tensor(real, name), to_tensor(imag, name)))
        return c.real, c.imag
    op.__name__ = op.__qualname__ = name
    return op


fft = _fft_op("fft", torch.fft.fft)
fft2 = _fft_op("fft2", torch.fft.fft2)
ifft2 = _fft_op("ifft2", torch.fft.ifft2)


def rfft(x, fft_length=None):
    c = torch.fft.rfft(to_tensor(x, "rfft"), n=fft_length)
    return c.real, c.imag


def irfft(real, imag, fft_length=None):
    real, imag = to_tensor(real, "irfft"), to_tensor(imag, "irfft")
    n = 2 * (real.shape[-1] - 1) if fft_length is None else fft_length
    return torch.fft.irfft(torch.complex(real, imag), n=n)


def extract_sequences(x, sequence_length, sequence_stride):
    x = to_tensor(x, "extract_sequences")
    count = max(0, 1 + (x.shape[-1] - sequence_length) // sequence_stride)
    idx = torch.arange(count)[:, None] * sequence_stride + torch.arange(sequence_length)
    return x[..., idx]
