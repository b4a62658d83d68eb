"""Variables, conversion and dtypes on the torch backend.

Every op turns its inputs into torch tensors with ``to_tensor``: torch tensors pass through,
numpy arrays are wrapped without a copy, Python scalars and lists go through numpy (so they get
numpy's default dtypes, as on the native engine), and a Variable gives its storage (or, while a
tape watches it, the leaf tensor standing for it). Tensors of other frameworks are refused.
"""
from __future__ import annotations

import functools

import numpy
import torch

from kfront.backends.common.device_scope import missing as missing_device
from kfront.backends.common.dtypes import (ALLOWED, foreign_framework, foreign_to_numpy,
                                           standardize_dtype)
from kfront.backends.common.variables import AUTOCAST, KVariable, autocast_dtype

NAME = "torch"
Tensor = torch.Tensor

# standard name <-> torch dtype (unsigned types beyond uint8 exist only in recent torch)
_TORCH = {n: getattr(torch, n) for n in ALLOWED if isinstance(getattr(torch, n, None), torch.dtype)}
_NAMES = {d: n for n, d in _TORCH.items()}
# torch has kernels for few uint16 / uint32 ops (no add, max, argmax, clip, floor_divide...): as
# Keras's torch backend, uint16 is held as int32 and uint32 as int64 (same values), and so are ops'
# results (Keras's uint32 sums of uint8 are int64 here, as on Keras's torch backend). uint64,
# which Keras's torch backend refuses, stays torch's.
_TORCH["uint16"] = torch.int32
_TORCH["uint32"] = torch.int64
_torch_dtype_cache: dict = {}

# gradient-tape state shared with gradients.py: the active tapes, and the leaf tensors standing
# for watched Variables whose storage does not require grad (non-trainable ones)
tape_state: dict = {"tapes": [], "leaves": {}}


def torch_dtype(dtype) -> torch.dtype:
    """The torch dtype for any dtype spelling (cached)."""
    if isinstance(dtype, torch.dtype):
        return dtype
    try:
        return _torch_dtype_cache[dtype]
    except (KeyError, TypeError):
        pass
    name = standardize_dtype(dtype)
    if name not in _TORCH:
        raise TypeError(f"dtype {name!r} is not supported by the torch backend (torch "
                        f"{torch.__version__}); expected one of {', '.join(_TORCH)}")
    try:
        _torch_dtype_cache[dtype] = _TORCH[name]
    except TypeError:  # unhashable spelling
        pass
    return _TORCH[name]


def from_numpy(a: numpy.ndarray) -> torch.Tensor:
    """A numpy array as a torch tensor (shared memory when torch can use the buffer; uint16
    as int32 and uint32 as int64, copied)."""
    if a.dtype == numpy.uint16 or a.dtype == numpy.uint32:
        a = a.astype(numpy.int32 if a.dtype == numpy.uint16 else numpy.int64)
    elif not a.flags.writeable or any(s < 0 for s in a.strides):
        a = a.copy()
    return torch.from_numpy(a)


def to_tensor(x, what: str = "convert_to_tensor") -> torch.Tensor:
    """``x`` as a torch tensor, keeping its dtype (Python scalars get numpy's default dtypes)."""
    t = type(x)
    if t is torch.Tensor:
        return x
    if t is numpy.ndarray:
        return from_numpy(x)
    if t is Variable:
        leaves = tape_state["leaves"]
        value = leaves.get(x, x._value) if leaves else x._value
        if AUTOCAST[0] is not None:  # inside a mixed-precision layer: read as its compute dtype
            dtype = autocast_dtype(x)
            if dtype is not None:
                return value.to(torch_dtype(dtype))
        return value
    if isinstance(x, torch.Tensor):  # Parameter and other subclasses
        return x
    if isinstance(x, KVariable):
        x._check_backend()  # a Variable of another backend: raises
    if foreign_framework(x) is not None:
        x = foreign_to_numpy(x, "torch", what)
    return from_numpy(numpy.asarray(x))


class Variable(KVariable):
    """A kfront Variable stored as a torch tensor it alone owns.

    Float variables are ``torch.nn.Parameter`` with ``requires_grad=trainable``; ``assign``
    writes in place (so optimizers and compiled functions see one buffer) and ``numpy()``
    returns a copy.
    """

    def _convert(self, value, dtype):
        t = convert_to_tensor(value, dtype).detach().to(torch.get_default_device())  # kfront.device
        t = t.clone(memory_format=torch.contiguous_format)
        if t.is_floating_point():
            return torch.nn.Parameter(t, requires_grad=self.trainable)
        return t

    def _assign(self, value):
        v = self._value
        t = to_tensor(value, f"Variable {self.name!r}")
        if t.shape != v.shape:
            raise ValueError(f"Cannot assign a value of shape {tuple(t.shape)} to Variable "
                             f"{self.path!r} of shape {tuple(v.shape)}")
        with torch.no_grad():
            v.copy_(t)

    def _host_buffer(self):
        v = self._value
        if v.device.type != "cpu" or not v.is_contiguous() or v.dtype == torch.bfloat16:
            return None  # numpy has no bfloat16
        return v.detach().numpy()

    def numpy(self) -> numpy.ndarray:
        return convert_to_numpy(self._value).copy()


def convert_to_tensor(x, dtype=None, sparse=None) -> torch.Tensor:
    """``x`` as a torch tensor: Python floats -> floatx, Python ints -> int32, arrays keep their
    dtype; a torch tensor (or Variable) of the requested dtype is returned as is."""
    if isinstance(x, (torch.Tensor, KVariable)):
        t = to_tensor(x)
        return t if dtype is None else cast(t, dtype)
    if dtype is None and not hasattr(x, "dtype"):
        a = numpy.asarray(x)
        if a.dtype == numpy.float64:
            from kfront import config
            dtype = config.floatx()
        elif a.dtype == numpy.int64:
            dtype = "int32"
        x = a
    t = to_tensor(x)
    return t if dtype is None else cast(t, dtype)


def convert_to_numpy(x) -> numpy.ndarray:
    """``x`` as a numpy array (a Variable's value is copied; bfloat16 becomes float32)."""
    if isinstance(x, KVariable):
        return convert_to_numpy(x.value).copy()
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.cpu().numpy()
    if foreign_framework(x) is not None:
        return foreign_to_numpy(x, "torch", "convert_to_numpy")
    return numpy.asarray(x)


def is_tensor(x) -> bool:
    return isinstance(x, torch.Tensor)


def cast(x, dtype) -> torch.Tensor:
    """``x`` as ``dtype`` (differentiable between float dtypes)."""
    t = to_tensor(x, "cast")
    d = torch_dtype(dtype)
    return t if t.dtype == d else t.to(d)


def shape(x) -> tuple:
    if hasattr(x, "shape"):  # tensors, arrays, Variables and symbolic KerasTensors
        return tuple(x.shape)
    return tuple(to_tensor(x, "shape").shape)


def dtype(x) -> str:
    d = x.dtype if isinstance(x, (torch.Tensor, KVariable)) else to_tensor(x, "dtype").dtype
    return _NAMES[d] if isinstance(d, torch.dtype) else d  # a KVariable's dtype is a name


def device_module(x):
    """The array module of ``x``: ``torch``."""
    return torch


def device_scope(kind: str, index: int | None, name: str) -> torch.device:
    """torch's device scope (``kfront.device``): ``torch.device``, the default device of the
    tensors torch creates and of new kfront variables."""
    if kind == "gpu":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (index or 0) >= count:
            raise missing_device(name, f"torch sees {count} CUDA device(s)")
        return torch.device("cuda", index or 0)
    if kind != "cpu":
        raise missing_device(name, f"torch has no {kind} device (only cpu and cuda)")
    return torch.device("cpu" if index is None else f"cpu:{index}")


def remat(f):
    """``f`` recomputed in the backward (``torch.utils.checkpoint``, non-reentrant); torch's
    random state is restored for the recomputation, kfront's host-side samples are not: keep
    random draws out of ``f``."""
    import torch.utils.checkpoint  # noqa: PLC0415

    @functools.wraps(f)
    def rematerialized(*args, **kwargs):
        return torch.utils.checkpoint.checkpoint(f, *args, use_reentrant=False, **kwargs)
    return rematerialized
