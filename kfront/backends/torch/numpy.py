"""Array ops of the torch backend: the native engine's ``numpy.py`` on torch, gradients by autograd.

Ops take numpy arrays, Python scalars, Variables or torch tensors and return torch tensors, with
numpy's dtype rules (so results match the native engine): binary ops promote their operands as
``numpy.result_type`` does (Python scalars stay weak), float-valued ops of integers give
numpy's float type, and ops without a gradient (comparisons, rounding...) return tensors cut
from the graph. Where torch's gradient at a tie or kink differs from the native engine's
(``maximum``, ``leaky_relu``...) the op is written so that autograd gives the native value.
"""
from __future__ import annotations

import builtins
import functools
import math

import numpy
import torch

from kfront.backends.common import padding
from kfront.backends.common.dtypes import standardize_dtype
from kfront.backends.torch.core import _NAMES, cast, from_numpy, to_tensor, torch_dtype

_SCALARS = (float, int, bool)


# ------------------------------------------------------------------------------ dtype rules
def _np_dtype(d: torch.dtype) -> numpy.dtype:
    return numpy.dtype(_NAMES[d]) if d is not torch.bfloat16 else numpy.dtype("float32")


def _cached(fn):
    """``fn`` memoized in a plain dict (cheap, and read as a constant by torch.compile)."""
    cache: dict = {}

    def lookup(*key):
        d = cache.get(key)
        if d is None:
            d = cache[key] = fn(*key)
        return d
    return functools.wraps(fn)(lookup)


@_cached
def _common_dtype(ka, kb, floating: bool) -> torch.dtype:
    """numpy's result dtype for operands of kinds ``ka``/``kb`` (torch dtype or Python type)."""
    def sample(k):
        return k(0) if k in _SCALARS else _np_dtype(k)
    if torch.bfloat16 in (ka, kb):  # numpy has no bfloat16: torch's own rule
        return torch.promote_types(*[k if isinstance(k, torch.dtype) else torch.float32
                                     for k in (ka, kb)])
    d = numpy.result_type(sample(ka), sample(kb))
    if floating and d.kind not in "fc":
        d = numpy.true_divide(numpy.ones(1, d), numpy.ones(1, d)).dtype
    return torch_dtype(d.name)


@_cached
def _float_dtype(d: torch.dtype) -> torch.dtype:
    """The float dtype numpy's float ufuncs (exp, sqrt...) give for inputs of dtype ``d``."""
    return torch_dtype(numpy.result_type(_np_dtype(d), numpy.float16).name)


def _floating(t: torch.Tensor) -> torch.Tensor:
    return t if t.is_floating_point() else t.to(_float_dtype(t.dtype))


def _operands(a, b, floating: bool = False):
    """``a, b`` for a broadcasting torch op: tensors cast to numpy's common dtype, Python
    scalars kept (weak) unless both are scalars."""
    sa, sb = type(a) in _SCALARS, type(b) in _SCALARS
    if not (sa or sb) and type(a) is type(b) is torch.Tensor and a.dtype == b.dtype and (
            not floating or a.is_floating_point()):
        return a, b  # the common case
    if not sa:
        a = to_tensor(a)
    if not sb:
        b = to_tensor(b)
    if sa and sb:
        a, sa = to_tensor(a), False
    d = _common_dtype(type(a) if sa else a.dtype, type(b) if sb else b.dtype, floating)
    if not sa and a.dtype != d:
        a = a.to(d)
    if not sb and b.dtype != d:
        b = b.to(d)
    return a, b


def _both_tensors(a, b):
    """Promoted operands, Python scalars turned into 0-d tensors of the common dtype."""
    a, b = _operands(a, b)
    d = b.dtype if isinstance(b, torch.Tensor) else a.dtype
    if not isinstance(a, torch.Tensor):
        a = torch.tensor(a, dtype=d)
    if not isinstance(b, torch.Tensor):
        b = torch.tensor(b, dtype=d)
    return a, b


def _constant(fn):
    """``fn`` without a gradient: its result is cut from the autograd graph."""
    @functools.wraps(fn)
    def op(*args, **kwargs):
        return fn(*args, **kwargs).detach()
    return op


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    for a in axis:  # (this module's any / max are ops)
        if not -ndim <= a < (ndim or 1):
            raise ValueError(f"axis {axis} is out of range for a tensor of rank {ndim}")
    return tuple(a % ndim for a in axis) if ndim else ()


# ---------------------------------------------------------------------------- elementwise
def _unary(name, f, floating=False):
    """A unary op ``f(tensor)``; ``floating``: integer inputs become numpy's float type first."""
    if floating:
        def op(x):
            return f(_floating(to_tensor(x, name)))
    else:
        def op(x):
            return f(to_tensor(x, name))
    op.__name__ = op.__qualname__ = name
    return op


negative = _unary("negative", torch.neg)
abs = _unary("abs", lambda t: t if t.dtype == torch.bool else torch.abs(t))  # no bool kernel
square = _unary("square", torch.square)
exp = _unary("exp", torch.exp, floating=True)
expm1 = _unary("expm1", torch.expm1, floating=True)
log = _unary("log", torch.log, floating=True)
log1p = _unary("log1p", torch.log1p, floating=True)
sqrt = _unary("sqrt", torch.sqrt, floating=True)
sin = _unary("sin", torch.sin, floating=True)
cos = _unary("cos", torch.cos, floating=True)
tanh = _unary("tanh", torch.tanh, floating=True)
reciprocal = _unary("reciprocal", torch.reciprocal, floating=True)

sign = _constant(_unary("sign", lambda x: torch.where(torch.isnan(x), x, torch.sign(x))))
floor = _constant(_unary("floor", torch.floor))
ceil = _constant(_unary("ceil", torch.ceil))
round = _constant(_unary("round", torch.round))
logical_not = _constant(_unary("logical_not", torch.logical_not))
isnan = _constant(_unary("isnan", torch.isnan))
isfinite = _constant(_unary("isfinite", torch.isfinite))


# --------------------------------------------------------------------------------- binary
def _binary(name, f, floating=False, differentiable=True):
    """A broadcasting binary op ``f(a, b)`` with numpy's promotion (``floating``: integer
    operands become float, as numpy's true division does)."""
    def op(a, b):
        return f(*_operands(a, b, floating))
    op.__name__ = op.__qualname__ = name
    return op if differentiable else _constant(op)


def _maximum(a, b):
    a, b = _both_tensors(a, b)
    # numpy's value (NaN wins) with the native gradient: all of it to ``a`` on ties
    return torch.where((a < b) | torch.isnan(b), b, a)


def _minimum(a, b):
    a, b = _both_tensors(a, b)
    return torch.where((a > b) | torch.isnan(b), b, a)


add = _binary("add", torch.add)
subtract = _binary("subtract", torch.sub)
multiply = _binary("multiply", torch.mul)
divide = _binary("divide", torch.true_divide, floating=True)
power = _binary("power", torch.pow)
mod = _binary("mod", torch.remainder)
maximum = _maximum
minimum = _minimum
floor_divide = _binary("floor_divide", torch.floor_divide, differentiable=False)
equal = _binary("equal", torch.eq, differentiable=False)
not_equal = _binary("not_equal", torch.ne, differentiable=False)
greater = _binary("greater", torch.gt, differentiable=False)
greater_equal = _binary("greater_equal", torch.ge, differentiable=False)
less = _binary("less", torch.lt, differentiable=False)
less_equal = _binary("less_equal", torch.le, differentiable=False)
logical_and = _binary("logical_and", torch.logical_and, differentiable=False)
logical_or = _binary("logical_or", torch.logical_or, differentiable=False)
logical_xor = _binary("logical_xor", torch.logical_xor, differentiable=False)


def clip(x, x_min, x_max):
    x = to_tensor(x, "clip")
    if isinstance(x_min, _SCALARS) and isinstance(x_max, _SCALARS):
        lo, hi = x_min, x_max
    else:
        lo, hi = (cast(v, x.dtype) for v in (x_min, x_max))
    return torch.clamp(x, lo, hi)


def where(condition, x1, x2):
    c = to_tensor(condition, "where")
    if c.dtype != torch.bool:
        c = c != 0
    return torch.where(c, *_operands(x1, x2))


# ------------------------------------------------------------------------- linear algebra
def matmul(a, b):
    return _bools_in_int32(torch.matmul, *_operands(a, b))


def _bools_in_int32(product, a, b):
    """``product(a, b)`` of same-dtype operands; bools (no torch kernel) in int32, cast back
    (logical or of ands, as Keras's bool products)."""
    if a.dtype == torch.bool:
        return product(a.to(torch.int32), b.to(torch.int32)).to(torch.bool)
    return product(a, b)


def tensordot(a, b, axes=2):
    a, b = _operands(a, b)
    if not isinstance(axes, int):
        axes = tuple([x] if isinstance(x, int) else list(x) for x in axes)
    return _bools_in_int32(lambda x, y: torch.tensordot(x, y, dims=axes), a, b)


def dot(a, b):
    """numpy.dot semantics."""
    na, nb = len(_shape_of(a)), len(_shape_of(b))
    if na == 0 or nb == 0:
        return multiply(a, b)
    if na <= 2 and nb <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([na - 1], [builtins.max(nb - 2, 0)]))


def _shape_of(x):
    return tuple(x.shape) if hasattr(x, "shape") else numpy.shape(x)


# ------------------------------------------------------------------------------ reductions
def _reduction(name, f, floating=False):
    """``f(tensor, dims, keepdim)`` over ``axis`` (None: all axes)."""
    def op(x, axis=None, keepdims=False):
        x = to_tensor(x, name)
        if floating:
            x = _floating(x)
        return f(x, _axes(axis, x.ndim), keepdims)
    op.__name__ = op.__qualname__ = name
    return op


sum = _reduction("sum", lambda x, d, k: torch.sum(x, d, k) if d else x + 0)
mean = _reduction("mean", lambda x, d, k: torch.mean(x, d, k) if d else x + 0, floating=True)
max = _reduction("max", lambda x, d, k: torch.amax(x, d, k))
min = _reduction("min", lambda x, d, k: torch.amin(x, d, k))
var = _reduction("var", lambda x, d, k: torch.var(x, d, correction=0, keepdim=k), floating=True)
std = _reduction("std", lambda x, d, k: torch.std(x, d, correction=0, keepdim=k), floating=True)
logsumexp = _reduction("logsumexp", lambda x, d, k: torch.logsumexp(x, d, k), floating=True)
# (torch.any / torch.all of uint8 give uint8)
any = _constant(_reduction("any", lambda x, d, k: torch.any(x, d, k).bool() if d else x != 0))
all = _constant(_reduction("all", lambda x, d, k: torch.all(x, d, k).bool() if d else x != 0))


def _arg_reduction(name, f):
    def op(x, axis=None, keepdims=False):
        x = to_tensor(x, name)
        if x.dtype == torch.bool:  # (torch's argmax / argmin refuse bools)
            x = x.to(torch.uint8)
        return f(x, axis, keepdims).detach()
    op.__name__ = op.__qualname__ = name
    return op


argmax = _arg_reduction("argmax", torch.argmax)
argmin = _arg_reduction("argmin", torch.argmin)


def cumsum(x, axis=None):
    x = to_tensor(x, "cumsum")
    return torch.cumsum(x.reshape(-1) if axis is None else x, 0 if axis is None else axis)


# ---------------------------------------------------------------------------------- shapes
def reshape(x, newshape):
    return torch.reshape(to_tensor(x, "reshape"),
                         (newshape,) if isinstance(newshape, int) else tuple(newshape))


def transpose(x, axes=None):
    x = to_tensor(x, "transpose")
    return x.permute(tuple(reversed(range(x.ndim))) if axes is None else tuple(axes))


def moveaxis(x, source, destination):
    return torch.movedim(to_tensor(x, "moveaxis"), source, destination)


def swapaxes(x, axis1, axis2):
    return torch.swapaxes(to_tensor(x, "swapaxes"), axis1, axis2)


def expand_dims(x, axis):
    x = to_tensor(x, "expand_dims")
    shp = list(x.shape)
    axes = [axis] if isinstance(axis, int) else list(axis)
    nd = len(shp) + len(axes)
    for a in sorted(a % nd for a in axes):
        shp.insert(a, 1)
    return x.reshape(shp)


def squeeze(x, axis=None):
    x = to_tensor(x, "squeeze")
    shp = tuple(x.shape)
    axes = _axes(axis, len(shp)) if axis is not None else tuple(
        i for i, s in enumerate(shp) if s == 1)
    for a in axes:
        if shp[a] != 1:
            raise ValueError(f"squeeze: axis {a} of shape {shp} has size {shp[a]}, not 1")
    return x.reshape(tuple(s for i, s in enumerate(shp) if i not in axes))


def broadcast_to(x, shape):
    return torch.broadcast_to(to_tensor(x, "broadcast_to"), tuple(shape))


def _tensors(xs, what):
    ts = [to_tensor(x, what) for x in xs]
    d = functools.reduce(lambda d, t: _common_dtype(d, t.dtype, False), ts[1:], ts[0].dtype)
    return [t if t.dtype == d else t.to(d) for t in ts]


def concatenate(xs, axis=0):
    return torch.cat(_tensors(xs, "concatenate"), axis)


def stack(xs, axis=0):
    return torch.stack(_tensors(xs, "stack"), axis)


def split(x, indices_or_sections, axis=0):
    x = to_tensor(x, "split")
    if numpy.ndim(indices_or_sections) == 0:
        indices_or_sections = int(indices_or_sections)
        n = x.shape[axis]
        if n % indices_or_sections:
            raise ValueError(f"split: axis {axis} of size {n} does not divide into "
                             f"{indices_or_sections} equal sections")
        return list(torch.split(x, n // indices_or_sections, axis))
    return list(torch.tensor_split(x, [int(i) for i in indices_or_sections], axis))


def unstack(x, num=None, axis=0):
    return list(torch.unbind(to_tensor(x, "unstack"), axis))


def tile(x, repeats):
    reps = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    return torch.tile(to_tensor(x, "tile"), reps)


def repeat(x, repeats, axis=None):
    """numpy.repeat; ``repeats`` an int or one count per element along ``axis``."""
    x = to_tensor(x, "repeat")
    if numpy.ndim(repeats) != 0:
        repeats = torch.as_tensor(numpy.asarray(repeats, dtype="int64"))
    else:
        repeats = int(repeats)
    return torch.repeat_interleave(x.reshape(-1) if axis is None else x, repeats,
                                   0 if axis is None else axis)


def flip(x, axis=None):
    x = to_tensor(x, "flip")
    return torch.flip(x, _axes(axis, x.ndim))


def pad(x, pad_width, mode="constant", constant_values=0):
    """numpy.pad in the native engine's modes: ``F.pad`` for "constant", an ``index_select``
    per padded axis for the index modes (any rank, dtype and width, as numpy)."""
    x = to_tensor(x, "pad")
    widths = padding.pad_widths(pad_width, x.ndim)
    if mode == "constant":
        flat = [v for before_after in widths[::-1] for v in before_after]
        return torch.nn.functional.pad(x, flat, value=constant_values)
    return padding.gather_pad(
        x, tuple(x.shape), widths, mode,
        lambda t, index, axis: torch.index_select(t, axis, torch.tensor(index, device=t.device)))


def _index_item(i):
    if isinstance(i, (int, slice, type(None), type(Ellipsis), torch.Tensor)):
        return i
    return to_tensor(i, "getitem")


def _dims_used(i) -> int:
    if i is None or i is Ellipsis:
        return 0
    return i.ndim if isinstance(i, torch.Tensor) and i.dtype == torch.bool else 1


def getitem(x, idx):
    """``x[idx]`` with numpy's semantics (basic and advanced indexing, negative steps)."""
    x = to_tensor(x, "getitem")
    items = [_index_item(i) for i in (idx if isinstance(idx, tuple) else (idx,))]
    # torch has no negative slice steps: flip those axes and index with a positive step
    dim, flips = 0, []
    for k, i in enumerate(items):
        if i is Ellipsis:
            dim += x.ndim - builtins.sum(_dims_used(j) for j in items)
            continue
        if isinstance(i, slice) and i.step is not None and i.step < 0:
            n = x.shape[dim]
            r = range(*i.indices(n))
            items[k] = slice(n - 1 - r[0], n - r[-1], -i.step) if r else slice(0, 0)
            flips.append(dim)
        dim += _dims_used(i)
    if flips:
        x = torch.flip(x, flips)
    return x[tuple(items)] if isinstance(idx, tuple) else x[items[0]]


def _int_indices(indices, what):
    t = to_tensor(indices, what)
    if t.is_floating_point() or t.dtype == torch.bool or t.is_complex():
        raise TypeError(f"{what}: indices must be integers, got dtype {_NAMES[t.dtype]}")
    return t


def take(x, indices, axis=None):
    x = to_tensor(x, "take")
    idx = indices if isinstance(indices, int) else _int_indices(indices, "take")
    if axis is None:
        return x.reshape(-1)[idx]
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis {axis} is out of range for a tensor of rank {x.ndim}")
    if x.ndim == 2 and axis % 2 == 0 and isinstance(idx, torch.Tensor) and x.is_floating_point():
        return _lookup(x, idx)
    return x[(slice(None),) * (axis % x.ndim) + (idx,)]


def _lookup(table: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """``table[idx]`` for a 2-D float ``table`` (an embedding lookup) through
    ``F.embedding``, as Keras on torch: its backward sums the rows' gradients in one pass
    (``embedding_dense_backward``: 0.3-0.5 ms against 0.8-1.0 ms for indexing's
    ``index_put`` with accumulation on a (4096, 128) gradient here). Negative ids count
    from the end."""
    n = table.shape[0]
    if idx.dtype not in (torch.int32, torch.int64):
        idx = idx.long()
    try:
        return torch.nn.functional.embedding(torch.where(idx < 0, idx + n, idx), table)
    except IndexError:
        raise IndexError(f"take: indices must lie in [-{n}, {n}) for axis 0 of size {n}, got "
                         f"indices in [{int(idx.min())}, {int(idx.max())}]") from None


def take_along_axis(x, indices, axis=None):
    x = to_tensor(x, "take_along_axis")
    idx = _int_indices(indices, "take_along_axis").long()
    n = x.numel() if axis is None else x.shape[axis]
    idx = torch.where(idx < 0, idx + n, idx)
    if axis is None:
        return x.reshape(-1)[idx]
    return torch.take_along_dim(x, idx, axis)


def one_hot(x, num_classes, axis=-1, dtype=None):
    x = to_tensor(x, "one_hot").detach()
    out = (x.unsqueeze(-1) == torch.arange(num_classes)).to(torch_dtype(dtype))
    return out if axis == -1 else torch.movedim(out, -1, axis)


# -------------------------------------------------------------------------------- creation
def zeros(shape, dtype=None):
    return torch.zeros(shape, dtype=torch_dtype(dtype))


def ones(shape, dtype=None):
    return torch.ones(shape, dtype=torch_dtype(dtype))


def full(shape, fill_value, dtype=None):
    return torch.full(tuple(shape) if not isinstance(shape, int) else (shape,), fill_value,
                      dtype=torch_dtype(dtype))


def zeros_like(x, dtype=None):
    x = to_tensor(x, "zeros_like")
    return torch.zeros(x.shape, dtype=x.dtype if dtype is None else torch_dtype(dtype))


def ones_like(x, dtype=None):
    x = to_tensor(x, "ones_like")
    return torch.ones(x.shape, dtype=x.dtype if dtype is None else torch_dtype(dtype))


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        kinds = [type(v) for v in (start, stop, step)]
        dtype = "float32" if float in kinds else "int32"
    # numpy's values (computed in float64 for float ranges), as the native engine
    return from_numpy(numpy.arange(start, stop, step, dtype=standardize_dtype(dtype)))


def eye(n, m=None, dtype=None):
    return torch.eye(n, n if m is None else m, dtype=torch_dtype(dtype))


def size(x) -> int:
    return int(math.prod(_shape_of(x)))
