"""Control flow as Python loops over the active backend's ops, shared by the backends that run
eagerly (the native engine, torch) and used by the others where a loop's length is known when it
is traced. Each recorded op differentiates, so the loops do too (a loop's gradient is the
gradient of its unrolled ops)."""
from __future__ import annotations

import builtins

from kfront.backends import B
from kfront.backends.common import tree


def cond(pred, true_fn, false_fn):
    return true_fn() if bool(pred) else false_fn()


def switch(index, branches, *operands):
    index = builtins.min(builtins.max(int(index), 0), len(branches) - 1)
    return branches[index](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    is_tuple = isinstance(loop_vars, (tuple, list))
    loop_vars = tuple(loop_vars) if is_tuple else (loop_vars,)
    count = 0
    while (maximum_iterations is None or count < maximum_iterations) and bool(cond(*loop_vars)):
        loop_vars = body(*loop_vars)
        loop_vars = tuple(loop_vars) if isinstance(loop_vars, (tuple, list)) else (loop_vars,)
        count += 1
    return loop_vars if is_tuple else loop_vars[0]


def fori_loop(lower, upper, body_fun, init_val):
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def _is_nested(x) -> bool:
    return isinstance(x, (list, tuple, dict))


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """jax.lax.scan's semantics: ``f(carry, x) -> (carry, y)``; returns (carry, stacked ys)."""
    xs_flat, xs_spec = ([], None) if xs is None else tree.flatten(xs)
    xs_flat = [B.convert_to_tensor(x) for x in xs_flat]
    n = int(length) if length is not None else B.shape(xs_flat[0])[0]
    init_flat, init_spec = tree.flatten(init)
    init_flat = [B.convert_to_tensor(v) for v in init_flat]
    dummy_y = tree.unflatten(init_spec, [B.zeros_like(v) for v in init_flat])
    carry, ys = tree.unflatten(init_spec, init_flat), []
    steps = range(n - 1, -1, -1) if reverse else range(n)
    for i in steps:
        x = None if xs is None else tree.unflatten(xs_spec, [v[i] for v in xs_flat])
        carry, y = f(carry, x)
        ys.append(dummy_y if y is None else y)
    if reverse:
        ys.reverse()
    return carry, stack_structures(ys, init if not ys else ys[0])


def stack_structures(ys, like):
    """The leaves of a list of equally nested structures, stacked along a new first axis."""
    if not ys:
        flat, spec = tree.flatten(like)
        return tree.unflatten(spec, [B.zeros((0,) + tuple(B.shape(B.convert_to_tensor(v))))
                                     for v in flat])
    flats = [tree.flatten(y)[0] for y in ys]
    spec = tree.flatten(ys[0])[1]
    return tree.unflatten(spec, [B.stack(list(leaves), axis=0) for leaves in zip(*flats)])


def associative_scan(f, elems, reverse=False, axis=0):
    """The inclusive scan of ``elems`` by the associative ``f``, one combination per step."""
    flat, spec = tree.flatten(elems)
    flat = [B.convert_to_tensor(e) for e in flat]
    if reverse:
        flat = [B.flip(e, axis=axis) for e in flat]
    n = B.shape(flat[0])[axis]

    def part(e, i):
        index = [builtins.slice(None)] * len(B.shape(e))
        index[axis] = builtins.slice(i, i + 1)
        return B.getitem(e, tuple(index))

    acc = [part(e, 0) for e in flat]
    out = [[a] for a in acc]
    for i in range(1, n):
        acc = tree.flatten(f(tree.unflatten(spec, acc),
                             tree.unflatten(spec, [part(e, i) for e in flat])))[0]
        for column, a in zip(out, acc):
            column.append(a)
    result = [B.concatenate(column, axis=axis) for column in out]
    if reverse:
        result = [B.flip(r, axis=axis) for r in result]
    return tree.unflatten(spec, result)


def map(f, xs):
    return scan(lambda _, x: ((), f(x)), (), xs)[1]


def vectorized_map(function, elements):
    flat, spec = tree.flatten(elements)
    flat = [B.convert_to_tensor(e) for e in flat]
    n = B.shape(flat[0])[0]
    outs = [function(tree.unflatten(spec, [e[i] for e in flat])) for i in range(n)]
    return stack_structures(outs, None)

