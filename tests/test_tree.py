"""kfront.tree gives the same results and raises on the same inputs as keras.tree."""
from __future__ import annotations

import collections
import warnings

import pytest

from kfront import tree

P = collections.namedtuple("P", ["b", "a"])
Q = collections.namedtuple("P", ["b", "a"])  # same name and fields, another class

STRUCTURES = [
    3, None, "leaf", [], (), {}, [1, None, 2],
    {"b": [1, (2, None)], "a": P(3, 4), "c": collections.OrderedDict([("z", 5), ("y", 6)])},
    collections.defaultdict(list, {"y": 1, "x": [2, 3]}),
    collections.deque([1, [2, 3]]), ((1,), [[2]], {"k": {"j": None}}),
    {"shape": (None, 3), "shapes": [(1, 2), [4]]},
]


def _keras_result(fn):
    try:
        return ("ok", fn())
    except (ValueError, TypeError) as e:
        return ("error", type(e))


@pytest.mark.parametrize("s", STRUCTURES, ids=range(len(STRUCTURES)))
def test_single_structure_functions_match_keras(keras, s):
    kt = keras.tree
    plus = (lambda x: x + 1 if isinstance(x, int) else x)
    for name, args in [("flatten", (s,)), ("flatten_with_path", (s,)), ("is_nested", (s,)),
                       ("lists_to_tuples", (s,)), ("map_structure", (plus, s)),
                       ("map_structure", (lambda x: None, s)),
                       ("map_shape_structure", (repr, s)),
                       ("traverse", (lambda x: None, s)),
                       ("traverse", (lambda x: tree.MAP_TO_NONE if x is None else None, s)),
                       ("pack_sequence_as", (s, list(range(len(kt.flatten(s))))))]:
        ours = getattr(tree, name)(*args)
        theirs = getattr(kt, name)(*[keras.tree.MAP_TO_NONE if a is tree.MAP_TO_NONE else a
                                     for a in args])
        assert repr(ours) == repr(theirs), (name, s)
        assert type(ours) is type(theirs), (name, s)
    up = kt.traverse(lambda x: kt.MAP_TO_NONE if x is None else None, s, top_down=False)
    assert repr(tree.traverse(lambda x: tree.MAP_TO_NONE if x is None else None, s,
                              top_down=False)) == repr(up)
    assert tree.map_structure(lambda x: x, s, none_is_leaf=False) == kt.map_structure(
        lambda x: x, s, none_is_leaf=False)


PAIRS = [([1, 2], [3, 4]), ([1, 2], (3, 4)), ([1, 2], [1, [3]]),
         ({"a": 1, "b": 2}, {"b": 3, "a": 4}),
         ({"a": 1}, {"b": 1}), ({"a": 1}, collections.OrderedDict(a=2)), (P(1, 2), Q(1, 2)),
         (P(1, 2), P(3, 4)), ([1, None], [2, None]), (1, [1]), ([1, 2], [1, 2, 3]),
         ((1, [2]), ([3], [4]))]


@pytest.mark.parametrize("a,b", PAIRS, ids=range(len(PAIRS)))
def test_two_structure_functions_match_keras(keras, a, b):
    kt = keras.tree
    for name, args in [("assert_same_structure", (a, b)), ("assert_same_paths", (a, b)),
                       ("map_structure", (lambda x, y: (x, y), a, b)),
                       ("map_structure_up_to", (a, lambda x, y: (x, y), a, b))]:
        if name == "map_structure_up_to" and None in tree.flatten(a):
            continue  # Keras's optree check rejects a None shallow leaf; kfront maps it
        ours, theirs = (_keras_result(lambda: getattr(m, name)(*args)) for m in (tree, kt))
        assert ours[0] == theirs[0], (name, a, b, ours, theirs)
        if ours[0] == "ok":
            assert repr(ours[1]) == repr(theirs[1]), (name, a, b)


def test_map_structure_up_to_passes_substructures(keras):
    args = ([1, {"a": 2}], lambda x, y: (x, y), [[1, 2], {"a": 3}], [5, {"a": (6, 7)}])
    assert tree.map_structure_up_to(*args) == keras.tree.map_structure_up_to(*args)
    assert tree.map_structure_up_to([0, 0], len, [[1, 2], (3,)]) == [2, 1]


def test_errors_name_the_function_and_what_differs():
    with pytest.raises(ValueError, match=r"pack_sequence_as.*\(2\), got 1"):
        tree.pack_sequence_as([1, 2], [1])
    with pytest.raises(ValueError, match="assert_same_structure.*path \\(1,\\).*expected an "
                                         "instance of int|assert_same_structure.*path \\(1,\\)"):
        tree.assert_same_structure([1, 2], [1, [3]])
    with pytest.raises(ValueError, match="dict keys differ"):
        tree.map_structure(lambda x, y: x, {"a": 1}, {"b": 1})
    with pytest.raises(TypeError, match="traverse: `func` must be callable"):
        tree.traverse(3, [1])
    with pytest.raises(ValueError, match="expected None"):
        tree.map_structure(lambda x, y: x, [None], [1], none_is_leaf=False)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        tree.assert_same_structure([1], [2], check_types=True)
    assert any(issubclass(x.category, DeprecationWarning) for x in w)


def test_internal_flatten_round_trips_namedtuples():
    # kfront.backends.common.tree (value_and_grad's argument trees) keeps insertion order
    from kfront.backends.common import tree as internal
    s = [P(1, (2, 3)), {"y": [4], "x": None}]
    leaves, spec = internal.flatten(s)
    assert leaves == [1, 2, 3, 4, None] and internal.unflatten(spec, leaves) == s
