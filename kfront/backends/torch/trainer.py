"""Train-step compilation hook of the torch backend: ``torch.compile`` when asked to jit."""
from __future__ import annotations

import types
from typing import Callable, Sequence

import torch


# specializations dynamo keeps per code object while a compiled step runs (its default is 8)
RECOMPILE_LIMIT = 64


def compile_stateful(fn: Callable, variables: Sequence, jit: bool | str) -> Callable:
    """``fn`` itself, or with ``jit`` ``torch.compile`` of a copy of ``fn`` with code objects
    of its own: the variables are torch tensors that ``fn`` reads and assigns in place, which
    torch.compile captures natively (see notes/CONTRACTS.md for the hook).

    Dynamo keeps its compiled graphs per code object, at most ``recompile_limit`` (8) of
    them, and runs a code object eagerly once it has that many. The trainer's step functions
    are closures made from one code object for every model, so the ninth model would run
    eagerly: each compiled step gets its own code (``_own_code``). After a graph break (at
    the gradient call, inside layers) dynamo compiles the library functions the step calls
    (``Layer.__call__``, ops, optimizer updates) as frames of their own, shared by every layer
    and model: while a compiled step runs, their limit is ``RECOMPILE_LIMIT`` (restored
    after the call, so that the process's other torch.compile uses keep theirs).

    Shapes stay static (``dynamic=False``): with a shared code object, after two models with
    different shapes dynamo would trace the next one with symbolic sizes, which inductor's
    convolution lowering cannot always order (an InductorError). A new shape is a
    recompile, as with Keras's jit on TensorFlow and JAX."""
    if not jit:
        return fn
    compiled = torch.compile(_own_code(fn), dynamic=False)
    config = torch._dynamo.config

    def step(*args):
        saved = config.recompile_limit
        config.recompile_limit = max(saved, RECOMPILE_LIMIT)
        try:
            return compiled(*args)
        finally:
            config.recompile_limit = saved
    step.compiled = compiled  # the torch.compile wrapper (tests read dynamo's cache of it)
    return step


def _own_code(fn: Callable, copies: dict | None = None) -> Callable:
    """A copy of ``fn`` made from fresh code objects, also for the functions it defines
    (nested code constants) and for the nested functions it calls through its closure (the
    step's helpers, which dynamo compiles as frames of their own after a graph break, e.g. at
    the gradient call). Module-level functions and other objects in the closure are shared;
    a closure cell holding a nested function is copied, so a later rebinding of that name
    in the enclosing scope is not seen (the trainer never rebinds its step helpers)."""
    if not isinstance(fn, types.FunctionType):
        return fn
    copies = {} if copies is None else copies  # by id: each nested function copied once
    if id(fn) in copies:
        return copies[id(fn)]
    cells = fn.__closure__ or ()
    nested = [_is_nested_function(cell) for cell in cells]
    closure = tuple(types.CellType() if n else cell for cell, n in zip(cells, nested))
    copy = types.FunctionType(_fresh_code(fn.__code__), fn.__globals__, fn.__name__,
                              fn.__defaults__, closure if fn.__closure__ else None)
    copy.__kwdefaults__ = fn.__kwdefaults__
    copy.__dict__.update(fn.__dict__)
    copy.__qualname__, copy.__module__ = fn.__qualname__, fn.__module__
    copies[id(fn)] = copy
    for new, old, n in zip(closure, cells, nested):
        if n:  # filled after registering the copy: a recursive helper refers to its copy
            new.cell_contents = _own_code(old.cell_contents, copies)
    return copy


def _fresh_code(code: types.CodeType) -> types.CodeType:
    return code.replace(co_consts=tuple(_fresh_code(c) if isinstance(c, types.CodeType) else c
                                        for c in code.co_consts))


def _is_nested_function(cell) -> bool:
    try:
        value = cell.cell_contents
    except ValueError:  # an empty cell (a name assigned later in the enclosing scope)
        return False
    return isinstance(value, types.FunctionType) and "<locals>" in value.__qualname__
