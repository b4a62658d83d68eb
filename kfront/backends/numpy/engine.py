"""Reverse-mode autodiff of the native engine.

Outside a recording ``GradientTape`` every op takes and returns plain ``xp`` arrays (numpy, or
cupy for cupy data) and nothing is recorded. While a tape records, an op whose inputs include a
tracked ``Tensor`` (or a trainable ``Variable``, which the tape watches on first read) returns a
``Tensor``: the array plus the ``Node`` that made it. A node keeps only its inputs and the
backward closure of its op, which holds just what the op's gradient needs.

``backward`` walks the graph iteratively: nodes are numbered in creation order, so popping the
highest number from a heap visits every node after all of its consumers. Each output gradient is
popped (freed) as soon as its node has used it, and broadcasting is undone by ``sum_to``.

Ops are defined with ``@primitive`` as ``f(*arrays, **params) -> (out, vjp)`` where
``vjp(g, needs)`` returns one gradient (or None) per positional input; ``needs[i]`` says whether
input ``i`` is tracked, so unneeded gradients are never computed.
"""
from __future__ import annotations

import builtins
import functools
import heapq
import itertools
import sys

import numpy

from kfront.backends.common.dtypes import foreign_framework, foreign_to_numpy
from kfront.backends.common.variables import AUTOCAST, KVariable, autocast_dtype, operator_ufunc
from kfront.backends.numpy import rows

_seq = itertools.count()
_state = {"tapes": [], "paused": 0, "leaves": None}


def get_xp(a):
    """The array module of ``a``: cupy for cupy arrays, else numpy."""
    cp = sys.modules.get("cupy")
    if cp is not None and isinstance(a, cp.ndarray):
        return cp
    return numpy


def recording() -> bool:
    return bool(_state["tapes"]) and not _state["paused"]


class Node:
    """One recorded op application (or a leaf, with ``vjp=None``)."""

    __slots__ = ("inputs", "vjp", "needs", "seq", "n_out", "out_meta")

    def __init__(self, inputs, vjp, needs, n_out=1):
        self.inputs = inputs
        self.vjp = vjp
        self.needs = needs
        self.n_out = n_out
        self.seq = next(_seq)

    def __lt__(self, other):  # heap tie-break never needed (seq is unique), but be total
        return self.seq < other.seq


class Tensor:
    """A tracked array: ``data`` (xp array) produced by output ``index`` of ``node``."""

    # ``logits`` / ``sigmoid_logits`` are set on softmax / sigmoid outputs only (see nn.py)
    __slots__ = ("data", "node", "index", "logits", "sigmoid_logits")

    def __init__(self, data, node, index=0):
        self.data = data
        self.node = node
        self.index = index

    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)

    def numpy(self):
        d = self.data
        return d if get_xp(d) is numpy else d.get()

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype, copy=False)

    def __len__(self):
        return len(self.data)

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __bool__(self):
        return bool(self.data)

    def __repr__(self):
        return f"kfront.Tensor({self.data!r})"

    def __iter__(self):
        from kfront import ops
        return (ops.getitem(self, i) for i in range(len(self)))

    __hash__ = object.__hash__


def _install_operators(cls, ops) -> None:
    """Give ``cls`` Python's arithmetic operators, routed through ``ops`` (numpy backend)."""
    pairs = {"add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide",
             "matmul": "matmul", "pow": "power", "mod": "mod", "floordiv": "floor_divide"}
    for short, name in pairs.items():
        f = getattr(ops, name)
        setattr(cls, f"__{short}__", lambda self, o, f=f: f(self, o))
        setattr(cls, f"__r{short}__", lambda self, o, f=f: f(o, self))
    for short, name in {"lt": "less", "gt": "greater", "le": "less_equal",
                        "ge": "greater_equal"}.items():
        f = getattr(ops, name)
        setattr(cls, f"__{short}__", lambda self, o, f=f: f(self, o))
    cls.__array_ufunc__ = lambda self, ufunc, method, *args, **kw: operator_ufunc(
        ops, ufunc, method, args, kw)
    cls.__neg__ = lambda self: ops.negative(self)
    cls.__abs__ = lambda self: ops.abs(self)
    cls.__getitem__ = lambda self, idx: ops.getitem(self, idx)
    cls.T = property(lambda self: ops.transpose(self))


def leaf_for(var: KVariable) -> Tensor:
    """The tracked leaf standing for ``var`` in the active tapes (made on first read)."""
    leaves = _state["leaves"]
    t = leaves.get(var)
    if t is None:
        var._check_backend()
        t = Tensor(var._value, Node((), None, ()))
        leaves[var] = t
    return t


def _watching(var) -> bool:
    """Whether the active tapes track ``var``: watched, or trainable and auto-watched."""
    return var in _state["leaves"] or (
        var.trainable and builtins.any(t.watch_accessed_variables for t in _state["tapes"]))


def _lift(a, tape_on):
    """-> (array or scalar, tracked Tensor or None)."""
    if type(a) is Tensor:
        return a.data, (a if tape_on else None)
    if isinstance(a, KVariable):
        if AUTOCAST[0] is not None and autocast_dtype(a) is not None:
            return _autocast(a, tape_on)
        if tape_on and _watching(a):
            t = leaf_for(a)
            return t.data, t
        return a._value, None
    return a, None


def _autocast(var: KVariable, tape_on):
    """``_lift`` of a float Variable read inside an AutocastScope: cast (differentiably)."""
    from kfront.backends.numpy.core import cast
    src = leaf_for(var) if tape_on and _watching(var) else var._value
    out = cast(src, autocast_dtype(var))
    return (out.data, out) if type(out) is Tensor else (out, None)


def raw(a):
    """The plain array behind a Tensor or Variable (or ``a`` itself)."""
    if type(a) is Tensor:
        return a.data
    if isinstance(a, KVariable):
        if AUTOCAST[0] is not None:
            dtype = autocast_dtype(a)
            if dtype is not None:
                return a._value.astype(dtype)
        return a._value
    return a


_arg_ok = {numpy.ndarray: True, Tensor: True, float: True, int: True, bool: True}


def _is_foreign(a) -> bool:
    ok = _arg_ok.get(type(a))
    if ok is None:
        ok = _arg_ok[type(a)] = foreign_framework(a) in (None, "cupy")
    return not ok


def _host_arg(a, name):
    """``a`` as the engine reads it: a torch/tf/jax tensor becomes numpy data, as Keras reads
    another framework's tensors on every backend (symbolic ones raise, naming the op)."""
    return foreign_to_numpy(a, "numpy", name) if _is_foreign(a) else a


def primitive(fn):
    """Turn ``fn(*arrays, **params) -> (out, vjp)`` into a recorded op (see module doc)."""
    name = fn.__name__.lstrip("_")

    @functools.wraps(fn)
    def op(*args, **params):
        for a in args:
            if _is_foreign(a):
                args = tuple(_host_arg(b, name) for b in args)
                break
        if not recording():
            return fn(*[raw(a) for a in args], **params)[0]
        arrays, tracked = [], []
        for a in args:
            d, t = _lift(a, True)
            arrays.append(d)
            tracked.append(t)
        out, vjp = fn(*arrays, **params)
        needs = tuple(t is not None for t in tracked)
        if not any(needs):
            return out
        if type(out) is tuple:
            node = Node(tuple(tracked), vjp, needs, len(out))
            node.out_meta = [(o.shape, o.dtype, get_xp(o)) for o in out]
            return tuple(Tensor(o, node, i) for i, o in enumerate(out))
        return Tensor(out, Node(tuple(tracked), vjp, needs))

    op.raw_fn = fn
    return op


def sum_to(g, shape):
    """Sum ``g`` down to ``shape`` (undo numpy broadcasting)."""
    shape = tuple(shape)
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def backward(target: Tensor, sources: list, seed=None) -> list:
    """Gradients of ``target`` w.r.t. each tracked Tensor in ``sources`` (None if unconnected)."""
    if seed is None:
        seed = get_xp(target.data).ones_like(target.data)
    wanted = {s.node for s in sources if s is not None}
    grads = {target.node: _slots(target.node)}
    grads[target.node][target.index] = seed
    heap = [(-target.node.seq, target.node)]
    found = {}
    while heap:
        node = heapq.heappop(heap)[1]
        gs = grads.pop(node)
        if node in wanted:
            found[node] = gs
        if node.vjp is None:
            continue
        if node.n_out > 1:
            gs = [g if g is not None else _zeros_like(o) for g, o in zip(gs, node.out_meta)]
            in_grads = node.vjp(gs, node.needs)
        else:
            in_grads = node.vjp(gs[0], node.needs)
        for inp, g in zip(node.inputs, in_grads):
            if inp is None or g is None:
                continue
            if g.shape != inp.data.shape:
                g = sum_to(g, inp.data.shape)
            n = inp.node
            slot = grads.get(n)
            if slot is None:
                slot = grads[n] = _slots(n)
                heapq.heappush(heap, (-n.seq, n))
            cur = slot[inp.index]
            slot[inp.index] = g if cur is None else cur + g
    return [None if s is None or s.node not in found else found[s.node][s.index]
            for s in sources]


def _slots(node):
    return [None] * node.n_out


def _zeros_like(meta):
    shape, dtype, xp = meta
    return xp.zeros(shape, dtype)


def raw_tree(x):
    """``raw`` over a nested structure."""
    from kfront.backends.common import tree
    leaves, spec = tree.flatten(x)
    return tree.unflatten(spec, [raw(v) for v in leaves])


def elementwise(name: str, forward, grad, saves: str):
    """A unary op from a forward ``f(xp, x)`` and a gradient rule ``grad(xp, s, g)``.

    ``saves`` is ``"x"`` or ``"y"``: the one array the gradient rule needs (``s``). Large
    float arrays run both by rows on the worker threads (``rows.apply``: the same bits); a rule
    with an ``out=None`` parameter writes the pieces in place.
    """
    if saves == "x":
        def fn(x, **kw):
            xp = get_xp(x)
            return rows.apply(xp, forward, x, **kw), lambda g, needs: (
                rows.apply(xp, grad, x, g, **kw),)
    else:
        def fn(x, **kw):
            xp = get_xp(x)
            y = rows.apply(xp, forward, x, **kw)
            return y, lambda g, needs: (rows.apply(xp, grad, y, g, **kw),)
    fn.__name__ = fn.__qualname__ = name
    return primitive(fn)
