"""Flatten and rebuild nested lists / tuples / dicts of leaves (a tiny pytree)."""
from __future__ import annotations


def flatten(x) -> tuple[list, object]:
    """-> (leaves, spec) with ``unflatten(spec, leaves) == x``."""
    leaves: list = []
    return leaves, _flatten(x, leaves)


def _flatten(x, leaves):
    if isinstance(x, (list, tuple)):
        return (type(x), [_flatten(v, leaves) for v in x])
    if isinstance(x, dict):
        return (dict, [(k, _flatten(x[k], leaves)) for k in x])
    leaves.append(x)
    return None


def unflatten(spec, leaves):
    """Rebuild the structure described by ``spec`` from ``leaves``."""
    return _unflatten(spec, iter(leaves))


def _unflatten(spec, it):
    if spec is None:
        return next(it)
    kind, children = spec
    if kind is dict:
        return {k: _unflatten(c, it) for k, c in children}
    values = [_unflatten(c, it) for c in children]
    return kind(*values) if hasattr(kind, "_fields") else kind(values)  # namedtuples: by field
