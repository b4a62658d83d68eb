"""Nested structures (``keras.tree``): lists, tuples, namedtuples, deques and dicts of leaves.

Semantics are Keras 3's: ``None`` is a leaf, dict keys are visited in sorted order (an
``OrderedDict`` in its own order), rebuilt dicts keep the first structure's key order, and
namedtuples are nested structures whose paths are field indices. Pure Python.

Example:
    >>> import kfront
    >>> kfront.tree.flatten({"b": [1, 2], "a": (3, None)})
    [3, None, 1, 2]
    >>> kfront.tree.map_structure(lambda x: x * 10, {"a": 1, "b": [2, 3]})
    {'a': 10, 'b': [20, 30]}
"""
from __future__ import annotations

import collections
import warnings
from typing import Callable

__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten",
           "flatten_with_path", "is_nested", "lists_to_tuples", "map_shape_structure",
           "map_structure", "map_structure_up_to", "pack_sequence_as", "traverse"]


class MAP_TO_NONE:
    """Returned by ``traverse``'s ``func`` to put ``None`` in the result (``None`` itself means
    "recurse into this node").

    Example:
        >>> import kfront
        >>> kfront.tree.traverse(lambda x: kfront.tree.MAP_TO_NONE if x == 2 else None, [1, 2])
        [1, None]
    """


# ------------------------------------------------------------------------------- nodes
def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(structure) -> bool:
    """Whether ``structure`` is a list, tuple, namedtuple, deque or dict (not a leaf).

    Example:
        >>> import kfront
        >>> kfront.tree.is_nested({"a": 1}), kfront.tree.is_nested(None)
        (True, False)
    """
    return isinstance(structure, (list, tuple, dict, collections.deque))


def _keys(x) -> list:
    """The keys of a node in visiting order: sorted dict keys, indices otherwise."""
    if isinstance(x, dict):
        return list(x) if type(x) is collections.OrderedDict else sorted(x)
    return list(range(len(x)))


def _children(x) -> list:
    return [x[k] for k in _keys(x)] if isinstance(x, dict) else list(x)


def _rebuild(x, children: list):
    """A node like ``x`` holding ``children`` (given in ``_keys(x)`` order)."""
    if isinstance(x, dict):
        by_key = dict(zip(_keys(x), children))
        items = [(k, by_key[k]) for k in x]  # the node's own key order
        if isinstance(x, collections.defaultdict):
            return type(x)(x.default_factory, items)
        return type(x)(items)
    if _is_namedtuple(x):
        return type(x)(*children)
    if isinstance(x, collections.deque):
        return collections.deque(children, maxlen=x.maxlen)
    return type(x)(children)


def _same_node(a, b) -> str | None:
    """Why nodes ``a`` and ``b`` differ (type, keys or length), or None when they match."""
    if isinstance(a, dict):
        if not isinstance(b, dict):
            return f"expected a dict, got {type(b).__name__} {b!r}"
        if sorted(a) != sorted(b):
            return f"dict keys differ: expected {sorted(a)}, got {sorted(b)}"
        return None
    if type(a) is not type(b):
        return f"expected an instance of {type(a).__name__}, got {type(b).__name__} {b!r}"
    if len(a) != len(b):
        return f"expected {len(a)} items, got {len(b)}"
    return None


def _check_callable(func, where: str) -> None:
    if not callable(func):
        raise TypeError(f"tree.{where}: `func` must be callable, got {func!r} of type "
                        f"{type(func).__name__}")


# ---------------------------------------------------------------------------- flatten
def flatten(structure) -> list:
    """The leaves of ``structure``, depth first (dict keys sorted); a leaf gives ``[leaf]``.

    Example:
        >>> import kfront
        >>> kfront.tree.flatten([1, {"b": 2, "a": 3}, None])
        [1, 3, 2, None]
    """
    return [leaf for _, leaf in flatten_with_path(structure)]


def flatten_with_path(structure) -> list:
    """``(path, leaf)`` pairs in ``flatten`` order; a path is the tuple of keys/indices.

    Example:
        >>> import kfront
        >>> kfront.tree.flatten_with_path({"a": [5, 6]})
        [(('a', 0), 5), (('a', 1), 6)]
    """
    out: list = []

    def walk(path, x):
        if not is_nested(x):
            out.append((path, x))
            return
        for k in _keys(x):
            walk(path + (k,), x[k])

    walk((), structure)
    return out


def pack_sequence_as(structure, flat_sequence):
    """``structure`` with its leaves replaced, in order, by ``flat_sequence``.

    Example:
        >>> import kfront
        >>> kfront.tree.pack_sequence_as({"b": 0, "a": [0, 0]}, [1, 2, 3])
        {'b': 3, 'a': [1, 2]}
    """
    flat_sequence = list(flat_sequence)
    it = iter(flat_sequence)
    expected = len(flatten(structure))

    def build(x):
        if not is_nested(x):
            return next(it)
        return _rebuild(x, [build(c) for c in _children(x)])

    if len(flat_sequence) != expected:
        raise ValueError(f"tree.pack_sequence_as: `flat_sequence` must hold one item per leaf "
                         f"of `structure` ({expected}), got {len(flat_sequence)}")
    return build(structure)


# -------------------------------------------------------------------------------- map
def map_structure(func: Callable, *structures, none_is_leaf: bool = True):
    """``func`` applied to the leaves of ``structures`` (all of the same structure); the result
    has the first one's structure. With ``none_is_leaf=False``, ``None`` stays ``None``
    without calling ``func``.

    Example:
        >>> import kfront
        >>> kfront.tree.map_structure(lambda a, b: a + b, [1, (2, 3)], [10, (20, 30)])
        [11, (22, 33)]
    """
    _check_callable(func, "map_structure")
    if not structures:
        raise ValueError("tree.map_structure: give at least one structure")

    def walk(xs):
        head = xs[0]
        if not none_is_leaf and head is None:
            if any(x is not None for x in xs[1:]):
                raise ValueError("tree.map_structure: structures don't have the same nested "
                                 f"structure: expected None, got {xs[1:]!r}")
            return None
        if not is_nested(head):
            if any(is_nested(x) for x in xs[1:]):
                raise ValueError("tree.map_structure: structures don't have the same nested "
                                 f"structure: a leaf {head!r} against {xs[1:]!r}")
            return func(*xs)
        for x in xs[1:]:
            why = _same_node(head, x)
            if why:
                raise ValueError(f"tree.map_structure: structures don't have the same nested "
                                 f"structure: {why}")
        keys = _keys(head)
        columns = zip(*[[x[k] for k in keys] if isinstance(x, dict) else list(x) for x in xs])
        return _rebuild(head, [walk(list(c)) for c in columns])

    return walk(list(structures))


def map_structure_up_to(shallow_structure, func: Callable, *structures):
    """``func`` applied to the sub-structures of ``structures`` found at the leaves of
    ``shallow_structure`` (a prefix of each); the result has the shallow structure.

    Example:
        >>> import kfront
        >>> kfront.tree.map_structure_up_to([0, 0], len, [[1, 2], (3,)])
        [2, 1]
    """
    _check_callable(func, "map_structure_up_to")
    if not structures:
        raise ValueError("tree.map_structure_up_to: give at least one structure")

    def walk(shallow, xs):
        if not is_nested(shallow):
            return func(*xs)
        for x in xs:
            why = _same_node(shallow, x) if is_nested(x) else (
                f"expected {type(shallow).__name__}, got a leaf {x!r}")
            if why:
                raise ValueError(f"tree.map_structure_up_to: a structure does not match "
                                 f"`shallow_structure`: {why}")
        keys = _keys(shallow)
        columns = zip(*[[x[k] for k in keys] if isinstance(x, dict) else list(x) for x in xs])
        return _rebuild(shallow, [walk(s, list(c)) for s, c in zip(_children(shallow), columns)])

    return walk(shallow_structure, list(structures))


def map_shape_structure(func: Callable, structure):
    """``map_structure`` where a list or tuple of ints and Nones is a leaf (a shape).

    Example:
        >>> import kfront
        >>> kfront.tree.map_shape_structure(len, {"x": (None, 3), "y": [(2, 2, 2)]})
        {'x': 2, 'y': [3]}
    """
    _check_callable(func, "map_shape_structure")

    def walk(x):
        if not is_nested(x) or (isinstance(x, (list, tuple))
                                and all(isinstance(e, (int, type(None))) for e in x)):
            return func(x)
        return _rebuild(x, [walk(c) for c in _children(x)])

    return walk(structure)


def traverse(func: Callable, structure, top_down: bool = True):
    """Apply ``func`` to every node and leaf. Top down, a non-None return replaces the node
    (children not visited); bottom up, ``func`` sees the node rebuilt from its traversed
    children. Returning ``None`` keeps the node, ``MAP_TO_NONE`` puts ``None``.

    Example:
        >>> import kfront
        >>> kfront.tree.traverse(lambda x: "list" if isinstance(x, list) else None, (1, [2]))
        (1, 'list')
    """
    _check_callable(func, "traverse")

    def result(ret, default):
        if ret is None:
            return default
        return None if ret is MAP_TO_NONE else ret

    def walk(x):
        if top_down:
            ret = func(x)
            if ret is not None:
                return result(ret, x)
            return _rebuild(x, [walk(c) for c in _children(x)]) if is_nested(x) else x
        rebuilt = _rebuild(x, [walk(c) for c in _children(x)]) if is_nested(x) else x
        return result(func(rebuilt), rebuilt)

    return walk(structure)


def lists_to_tuples(structure):
    """``structure`` with every list turned into a tuple.

    Example:
        >>> import kfront
        >>> kfront.tree.lists_to_tuples([1, {"a": [2]}])
        (1, {'a': (2,)})
    """
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure,
                    top_down=False)


# ----------------------------------------------------------------------------- checks
def assert_same_structure(a, b, check_types=None) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` nest the same way: the same node types
    (dict, OrderedDict and defaultdict match when their keys do; namedtuple classes must be
    the same), lengths and keys. ``check_types`` is deprecated and has no effect, as in Keras.

    Example:
        >>> import kfront
        >>> kfront.tree.assert_same_structure([(0, 1)], [(2, 3)])
    """
    if check_types is not None:
        warnings.warn("The `check_types` argument is deprecated and no longer has any effect; "
                      "use `kfront.tree.assert_same_paths` for a looser check.",
                      DeprecationWarning, stacklevel=2)

    def walk(x, y, path):
        if not is_nested(x) or not is_nested(y):
            if is_nested(x) or is_nested(y):
                raise ValueError(f"tree.assert_same_structure: structures don't have the same "
                                 f"nested structure at path {path}: {x!r} against {y!r}")
            return
        why = _same_node(x, y)
        if why:
            raise ValueError(f"tree.assert_same_structure: structures don't have the same "
                             f"nested structure at path {path}: {why}")
        for k in _keys(x):
            walk(x[k], y[k], path + (k,))

    walk(a, b, ())


def assert_same_paths(a, b) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same leaf paths (a looser check
    than ``assert_same_structure``: a list matches a tuple of the same length).

    Example:
        >>> import kfront
        >>> kfront.tree.assert_same_paths([1, (2,)], (3, [4]))
    """
    a_paths = {p for p, _ in flatten_with_path(a)}
    b_paths = {p for p, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        msg = "tree.assert_same_paths: `a` and `b` don't have the same paths."
        if a_paths - b_paths:
            msg += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            msg += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(msg)

