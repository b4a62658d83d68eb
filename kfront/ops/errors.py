"""Clear errors for ``kfront.ops``: a backend's own complaint about an op's arguments (NumPy's
"operands could not be broadcast", torch's size mismatches, TensorFlow's InvalidArgumentError)
re-raised naming the op, the argument, what was expected and what came, with the backend's error
as its cause. Ops that check their arguments themselves already say all that and pass through.

It costs nothing when the op succeeds: ``kfront.ops.symbolic`` calls ``clear_error`` only from
the ``except`` of each op's wrapper.

Example:
    >>> import numpy as np
    >>> from kfront import ops
    >>> try:
    ...     ops.add(np.ones(3), np.ones(4))
    ... except ValueError as e:
    ...     print(e)
    add: `x1` and `x2` must have broadcastable shapes; got (3,) and (4,)
"""
from __future__ import annotations

import inspect

import numpy

# ops whose tensor arguments broadcast against one another
_BROADCASTING = {"add", "subtract", "multiply", "divide", "true_divide", "power", "maximum",
                 "minimum", "mod", "floor_divide", "equal", "not_equal", "greater",
                 "greater_equal", "less", "less_equal", "logical_and", "logical_or",
                 "logical_xor", "where", "clip"}
_AXIS_OF_RESULT = {"expand_dims", "stack"}  # their axis counts the output's axes
_SHAPE_WORDS = ("size", "shape", "dimension", "Dimension", "rank", "broadcast")


def _is_argument_error(error: BaseException) -> bool:
    name, module = type(error).__name__, type(error).__module__
    if name == "InvalidArgumentError":
        return True
    if module.startswith(("jax", "tensorflow")):  # tracing errors (concretization...) pass
        return False
    return isinstance(error, (ValueError, TypeError, IndexError)) or (
        isinstance(error, RuntimeError) and any(w in str(error) for w in _SHAPE_WORDS))


def _shape(value):
    shape = getattr(value, "shape", None)
    if shape is None and isinstance(value, (list, tuple)) and value and \
            all(isinstance(v, (int, float, bool)) for v in value):
        shape = numpy.shape(value)
    try:
        return None if shape is None else tuple(None if d is None else int(d) for d in shape)
    except TypeError:
        return None


def _describe(name: str, value) -> str:
    if isinstance(value, (list, tuple)) and len(value) <= 8 and \
            all(isinstance(v, (int, float, bool)) for v in value):
        return f"{name}={value!r}"
    shape = _shape(value)
    if shape is None and isinstance(value, (list, tuple)) and value and \
            all(_shape(v) is not None for v in value):
        return f"{name}: {type(value).__name__} of shapes {[_shape(v) for v in value]}"
    if shape is None:
        text = repr(value)
        return f"{name}={text if len(text) <= 40 else text[:37] + '...'}"
    dtype = getattr(value, "dtype", None)
    return f"{name}: shape {shape}" + ("" if dtype is None else f" {getattr(dtype, 'name', dtype)}")


def _axis_problem(op: str, arguments: dict, tensors: dict) -> str | None:
    axis = arguments.get("axis")
    if axis is None or not tensors or op in _AXIS_OF_RESULT:
        return None
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if not all(isinstance(a, (int, numpy.integer)) for a in axes):
        return None
    name, shape = next(iter(tensors.items()))
    rank = len(shape)
    for a in axes:
        if not -rank <= a < rank:
            return (f"`axis`={axis} is out of range for `{name}` of rank {rank}; expected "
                    f"integers in [{-rank}, {rank})")
    return None


def _broadcast_problem(op: str, tensors: dict) -> str | None:
    if op not in _BROADCASTING or len(tensors) < 2:
        return None
    try:
        numpy.broadcast_shapes(*tensors.values())
    except ValueError:
        names = " and ".join(f"`{n}`" for n in tensors)
        got = " and ".join(str(s) for s in tensors.values())
        return f"{names} must have broadcastable shapes; got {got}"
    return None


def _matmul_problem(op: str, tensors: dict) -> str | None:
    if op not in ("matmul", "dot") or len(tensors) != 2:
        return None
    (n1, s1), (n2, s2) = tensors.items()
    if len(s1) == 0 or len(s2) == 0:
        return None
    inner2 = s2[0] if len(s2) == 1 else s2[-2]
    if s1[-1] != inner2 and None not in (s1[-1], inner2):
        where = "first" if len(s2) == 1 else "second-to-last"
        return (f"the last axis of `{n1}` ({s1[-1]}) must equal the {where} axis of `{n2}` "
                f"({inner2}); got shapes {s1} and {s2}")
    return None


def clear_error(op: str, signature: inspect.Signature, args, kwargs,
                error: BaseException) -> BaseException | None:
    """The error to raise instead of ``error`` (raised by op ``op`` called with ``args`` and
    ``kwargs``), or None to let ``error`` through unchanged (it names the op already, or is not
    about the arguments)."""
    message = str(error)
    if not _is_argument_error(error) or (message.startswith(f"{op}:") and "`" in message):
        return None  # kfront's own checks name the op and quote the argument already
    try:
        arguments = signature.bind(*args, **kwargs).arguments
    except TypeError:
        return None
    tensors = {n: _shape(v) for n, v in arguments.items()
               if n != "axis" and _shape(v) is not None}
    problem = (_axis_problem(op, arguments, tensors) or _broadcast_problem(op, tensors)
               or _matmul_problem(op, tensors))
    if problem is not None:  # a shape or axis problem, whatever the backend called it
        return ValueError(f"{op}: {problem}")
    if message.startswith((f"{op}:", f"ops.{op}")):  # the op's own message names it
        return None
    got = ", ".join(_describe(n, v) for n, v in arguments.items())
    about_shapes = any(w in message for w in _SHAPE_WORDS)  # JAX calls those TypeErrors
    kind = TypeError if isinstance(error, TypeError) and not about_shapes else (
        IndexError if isinstance(error, IndexError) and not isinstance(error, ValueError)
        else ValueError)
    return kind(f"{op}: invalid arguments ({got}): {_first_line(message, error)}")


def _first_line(message: str, error: BaseException) -> str:
    """The backend's message without TensorFlow's ``{{function_node ...}}`` prefix."""
    message = message.strip()
    if message.startswith("{{") and "}} " in message:
        message = message.split("}} ", 1)[1]
    return message.splitlines()[0] if message else type(error).__name__
