"""``kfront.ops`` array ops (``kfront/ops/arrays.py``): results equal real Keras's ``keras.ops``
(TensorFlow backend, in-process) on every kfront backend, dtypes included; the native engine's
gradients equal central finite differences in float64; every adapter's gradients equal the
native ones; bad input is a clear error.
"""
from __future__ import annotations

import numpy as np
import pytest

from kfront import ops
from ops import case_suite

rng = np.random.default_rng(14)


def _u(*shape):
    return rng.uniform(-1, 1, shape).astype("float32")


def _i(*shape, hi=5):
    return rng.integers(-hi, hi, shape).astype("int32")


def _partitioned(o, x, idx):
    """The entries before, at and after position 2 of a partition of ``x``, each sorted."""
    p = o.take_along_axis(x, idx, axis=-1)
    return [o.sort(p[..., :2]), p[..., 2], o.sort(p[..., 3:])]


# name -> (f(ops_namespace, *inputs), inputs, differentiable); a case named ``op`` or ``op_*``
# covers ``op``
CASES = {
    "einsum_matmul": (lambda o, a, b: o.einsum("ij,jk->ik", a, b), [_u(2, 3), _u(3, 4)], True),
    "einsum_attention": (lambda o, q, k: o.einsum("bqhd,bkhd->bhqk", q, k),
                         [_u(2, 3, 2, 4), _u(2, 5, 2, 4)], True),
    "einsum_dense": (lambda o, x, w: o.einsum("abc,cde->abde", x, w),
                     [_u(2, 3, 4), _u(4, 2, 3)], True),
    "einsum_ellipsis_broadcast": (lambda o, x, w: o.einsum("...ij,...jk->...ik", x, w),
                                  [_u(2, 1, 2, 3), _u(3, 3, 2)], True),
    "einsum_trace": (lambda o, x: o.einsum("ii", x), [_u(3, 3)], True),
    "einsum_diag_sum_only": (lambda o, x, y: o.einsum("iij,k->ik", x, y),
                             [_u(3, 3, 2), _u(4)], True),
    "einsum_three": (lambda o, a, b, c: o.einsum("ij,jk,kl->il", a, b, c, optimize="optimal"),
                     [_u(2, 3), _u(3, 4), _u(4, 2)], True),
    "einsum_outer_transpose": (lambda o, a, b: o.einsum("i,j->ji", a, b), [_u(3), _u(2)], True),
    "einsum_implicit": (lambda o, a, b: o.einsum("ij,jk", a, b), [_u(2, 3), _u(3, 4)], True),
    "einsum_int8": (lambda o, a, b: o.einsum("ij,jk->ik", a, b),
                    [_i(2, 3).astype("int8"), _i(3, 2).astype("int8")], False),
    "einsum_mixed": (lambda o, a, b: o.einsum("ij,j->i", a, b), [_i(2, 3), _u(3)], False),
    # products
    "outer": (lambda o, a, b: o.outer(a, b), [_u(3), _u(2, 2)], True),
    "outer_int": (lambda o, a, b: o.outer(a, b), [_i(3), _i(2)], False),
    "inner": (lambda o, a, b: o.inner(a, b), [_u(2, 3), _u(4, 3)], True),
    "inner_mixed": (lambda o, a, b: o.inner(a, b), [_i(3), _u(3)], False),
    "vdot": (lambda o, a, b: o.vdot(a, b), [_u(2, 3), _u(6)], True),
    "kron": (lambda o, a, b: o.kron(a, b), [_u(2, 3), _u(2, 2)], True),
    "kron_ranks": (lambda o, a, b: o.kron(a, b), [_i(3), _i(2, 2)], False),
    "cross": (lambda o, a, b: o.cross(a, b), [_u(4, 3), _u(3)], True),
    "cross_2d": (lambda o, a, b: o.cross(a, b), [_u(2, 2), _u(2, 2)], True),
    "cross_2_3": (lambda o, a, b: o.cross(a, b), [_u(2, 2), _u(2, 3)], True),
    "cross_axes": (lambda o, a, b: o.cross(a, b, axisa=0, axisb=1, axisc=0),
                   [_u(3, 4), _u(4, 3)], True),
    "cross_int": (lambda o, a, b: o.cross(a, b), [_i(2, 3), _i(2, 3)], False),
    # diagonals
    "trace": (lambda o, x: o.trace(x, offset=1), [_u(3, 4)], True),
    "trace_axes": (lambda o, x: o.trace(x, offset=-1, axis1=1, axis2=2), [_u(2, 3, 3)], True),
    "trace_int": (lambda o, x: o.trace(x), [_i(3, 3)], False),
    "trace_bool": (lambda o, x: o.trace(x), [_i(3, 3) > 0], False),
    "tril": (lambda o, x: o.tril(x, -1), [_u(2, 3, 4)], True),
    "tril_int": (lambda o, x: o.tril(x, 1), [_i(3, 4)], False),
    "triu": (lambda o, x: o.triu(x, 1), [_u(2, 3, 4)], True),
    "triu_bool": (lambda o, x: o.triu(x, -1), [_i(4, 3) > 0], False),
    "tri": (lambda o: o.tri(3, 4, 1), [], False),
    "tri_int": (lambda o: o.tri(3, k=-1, dtype="int32"), [], False),
    "diag_vector": (lambda o, x: o.diag(x, 1), [_u(3)], True),
    "diag_vector_below": (lambda o, x: o.diag(x, -2), [_i(2)], False),
    "diag_matrix": (lambda o, x: o.diag(x, -1), [_u(3, 4)], True),
    "diagflat": (lambda o, x: o.diagflat(x, 1), [_u(2, 2)], True),
    "diagonal": (lambda o, x: o.diagonal(x, 1, 2, 0), [_u(3, 2, 4)], True),
    "diagonal_bool": (lambda o, x: o.diagonal(x), [_i(3, 3) > 0], False),
    # sorting
    "sort": (lambda o, x: o.sort(x, axis=0), [_u(3, 5)], True),
    "sort_int": (lambda o, x: o.sort(x), [_i(2, 6)], False),
    "argsort": (lambda o, x: o.argsort(x), [_u(3, 5)], False),
    "argsort_axis0": (lambda o, x: o.argsort(x, axis=0), [_u(4, 2)], False),
    # a valid partition: the kth value in place, the smaller ones before it, larger after
    "argpartition": (lambda o, x: _partitioned(o, x, o.argpartition(x, 2)), [_u(6)], False),
    "argpartition_int": (lambda o, x: _partitioned(o, x, o.argpartition(x, 2)), [_i(7)],
                         False),
    # creation
    "linspace": (lambda o: o.linspace(0, 1, 5), [], False),
    "linspace_arrays": (lambda o, a, b: o.linspace(a, b, 4, axis=-1), [_u(2), _u(2)], True),
    "linspace_no_end": (lambda o: o.linspace(2.0, 3.0, 4, endpoint=False, retstep=True), [],
                        False),
    "linspace_dtype": (lambda o: o.linspace(0, 10, 6, dtype="int32"), [], False),
    "logspace": (lambda o: o.logspace(0, 2, 5), [], False),
    "logspace_base": (lambda o, a, b: o.logspace(a, b, 3, base=2), [_u(2), _u(2)], True),
    "geomspace": (lambda o: o.geomspace(1, 1000, 4), [], False),
    "geomspace_negative": (lambda o: o.geomspace(-1.0, -16.0, 5, endpoint=False), [], False),
    "meshgrid": (lambda o, a, b, c: o.meshgrid(a, b, c), [_u(2), _u(3), _u(4)], True),
    "meshgrid_ij": (lambda o, a, b: o.meshgrid(a, b, indexing="ij"), [_i(2), _i(3)], False),
    # rearranging
    "roll": (lambda o, x: o.roll(x, 2), [_u(2, 3)], True),
    "roll_axes": (lambda o, x: o.roll(x, (1, -1), axis=(0, 1)), [_u(2, 3)], True),
    "roll_int": (lambda o, x: o.roll(x, -4, axis=1), [_i(2, 3)], False),
    "rot90": (lambda o, x: o.rot90(x), [_u(2, 3)], True),
    "rot90_k": (lambda o, x: [o.rot90(x, k, axes=(1, 2)) for k in (-1, 2, 3, 4)], [_i(2, 3, 4)],
                False),
    "fliplr": (lambda o, x: o.fliplr(x), [_u(2, 3)], True),
    "flipud": (lambda o, x: o.flipud(x), [_u(2, 3)], True),
    # stacking and splitting
    "hstack": (lambda o, a, b: o.hstack([a, b]), [_u(2, 3), _u(2, 1)], True),
    "hstack_1d": (lambda o, a, b: o.hstack([a, b]), [_i(2), _u(3)], False),
    "vstack": (lambda o, a, b: o.vstack([a, b]), [_u(1, 3), _u(2, 3)], True),
    "vstack_1d": (lambda o, a, b: o.vstack([a, b]), [_i(3), _i(3)], False),
    "dstack": (lambda o, a, b: o.dstack([a, b]), [_u(2, 3), _u(2, 3, 2)], True),
    "dstack_1d": (lambda o, a, b: o.dstack([a, b]), [_i(3), _i(3)], False),
    "hsplit": (lambda o, x: o.hsplit(x, 2), [_u(2, 4)], True),
    "hsplit_indices": (lambda o, x: o.hsplit(x, [1, 3]), [_i(5)], False),
    "vsplit": (lambda o, x: o.vsplit(x, [1]), [_u(3, 2)], True),
    "dsplit": (lambda o, x: o.dsplit(x, 2), [_u(1, 2, 4)], True),
    "array_split": (lambda o, x: o.array_split(x, 3, axis=1), [_u(2, 7)], True),
    "array_split_indices": (lambda o, x: o.array_split(x, [2, 3]), [_i(5)], False),
    "array_split_more": (lambda o, x: o.array_split(x, 4), [_i(2)], False),
    "append": (lambda o, a, b: o.append(a, b), [_u(2, 2), _u(3)], True),
    "append_axis": (lambda o, a, b: o.append(a, b, axis=0), [_i(2, 2), _u(1, 2)], False),
    "diff": (lambda o, x: o.diff(x, n=2, axis=0), [_u(4, 3)], True),
    "diff_int": (lambda o, x: o.diff(x), [_i(2, 4)], False),
    "diff_bool": (lambda o, x: o.diff(x), [_i(6) > 0], False),
    # searching and counting
    "searchsorted": (lambda o, s, v: [o.searchsorted(s, v), o.searchsorted(s, v, "right")],
                     [np.array([1, 2, 2, 4], "float32"),
                      np.array([0, 2, 3, 5, 1], "float32")], False),
    "digitize": (lambda o, x, b: o.digitize(x, b),
                 [np.array([0.5, 1.0, 2.5, 4.0], "float32"), np.array([1.0, 2.0, 4.0],
                                                                     "float32")], False),
    "bincount": (lambda o, x: o.bincount(x, minlength=7), [np.array([0, 2, 2, 5], "int32")],
                 False),
    # the ids are a constant: bincount reads their maximum on the host (not under jax.jit)
    "bincount_weights": (lambda o, w: o.bincount(np.array([0, 2, 2, 5], "int32"), weights=w),
                         [_u(4)], True),
    "bincount_2d": (lambda o, x: o.bincount(x), [np.array([[0, 1], [1, 1]], "int32")], False),
    "histogram": (lambda o, x: o.histogram(x, bins=4), [_u(20)], False),
    "histogram_range": (lambda o, x: o.histogram(x, bins=3, range=(-0.5, 0.5)), [_u(20)], False),
    "unique": (lambda o, x: o.unique(x), [_i(3, 4)], False),
    "unique_all": (lambda o, x: o.unique(x, return_index=True, return_inverse=True,
                                         return_counts=True), [_i(8)], False),
    "nonzero": (lambda o, x: o.nonzero(x), [_i(3, 4, hi=2)], False),
    "isin": (lambda o, a, b: [o.isin(a, b), o.isin(a, b, invert=True)], [_i(2, 3), _i(4)],
             False),
    "select": (lambda o, x: o.select([x < -0.3, x > 0.3], [x, o.multiply(x, 2.0)], 0.5),
               [_u(2, 4)], True),
    "select_int": (lambda o, x: o.select([x < 0], [x]), [_i(5)], False),
    # creation, reshaping
    "empty": (lambda o: o.multiply(o.empty((2, 3)), 0), [], False),
    "empty_like": (lambda o, x: o.multiply(o.empty_like(x, dtype="int32"), 0), [_u(2)], False),
    "full_like": (lambda o, x: [o.full_like(x, 2.5), o.full_like(x, 3, dtype="float32")],
                  [_i(2, 3)], False),
    "array": (lambda o: [o.array([[1, 2]]), o.array([1.5, 2]), o.array([1, 2], "int64")], [],
              False),
    "identity": (lambda o: [o.identity(3), o.identity(2, dtype="int32")], [], False),
    "ndim": (lambda o, x: o.ndim(x), [_u(2, 3, 1)], False),
    "ravel": (lambda o, x: o.ravel(x), [_u(2, 3)], True),
    "unravel_index": (lambda o, i: o.unravel_index(i, (2, 3, 4)),
                      [np.array([0, 5, 23, 17], "int32")], False),
    "vander": (lambda o, x: o.vander(x), [_u(3)], True),
    "vander_increasing": (lambda o, x: o.vander(x, 4, increasing=True), [_u(3)], True),
    "vander_int": (lambda o, x: o.vander(x, 3), [_i(4)], False),
    "view": (lambda o, x: [o.view(x, "int32"), o.view(x, "int16"), o.view(x, "uint8")],
             [_u(2, 3)], False),
    "view_wider": (lambda o, x: o.view(x, "int32"), [_i(2, 4).astype("int16")], False),
    "get_item": (lambda o, x: [o.get_item(x, (slice(None), 1)), o.get_item(x, 0)],
                 [_u(2, 3)], True),
    "vectorize": (lambda o, x, y: o.vectorize(lambda a, b: o.where(a > b, a * b, a - b))(x, y),
                  [_u(2, 3), _u(3)], True),
    "vectorize_signature": (lambda o, x, y: o.vectorize(lambda a, b: o.sum(a * b),
                                                        signature="(n),(n)->()")(x, y),
                            [_u(2, 3), _u(3)], True),
    "slogdet": (lambda o, x: o.slogdet(x), [_u(2, 3, 3)], True),
    "rearrange": (lambda o, x: o.rearrange(x, "b h w c -> b c h w"), [_u(2, 3, 2, 2)], True),
    "rearrange_groups": (lambda o, x: o.rearrange(x, "b (h h1) w c -> (b h) w (c h1)", h1=2),
                         [_u(2, 4, 3, 2)], True),
}
# cases checked against NumPy itself (``f(numpy, ...)``) where Keras 3.15 on TensorFlow is
# wrong or lacks the op: argpartition gives no partition, rot90 by 180 degrees in axes other
# than (0, 1) flips the wrong axes, vstack of 1-D tensors concatenates them, array_split takes
# section counts only, vectorize raises
NUMPY_ORACLE = {"argpartition", "argpartition_int", "rot90_k", "vstack_1d", "array_split_indices",
                "array_split_more", "vectorize", "vectorize_signature"}
COVERED = {"append", "argpartition", "argsort", "array", "array_split", "bincount", "cross",
           "diag", "diagflat", "diagonal", "diff", "digitize", "dsplit", "dstack", "einsum",
           "empty", "empty_like", "fliplr", "flipud", "full_like", "geomspace", "get_item",
           "histogram", "hsplit", "hstack", "identity", "inner", "isin", "kron", "linspace",
           "logspace", "meshgrid", "ndim", "nonzero", "outer", "ravel", "rearrange", "roll",
           "rot90", "searchsorted", "select", "slogdet", "sort", "trace", "tri", "tril", "triu",
           "unique", "unravel_index", "vander", "vdot", "vectorize", "view", "vsplit", "vstack"}


def test_every_array_op_has_a_case():
    """Every name of ``kfront.ops.arrays`` has a case here, and COVERED lists exactly them."""
    from kfront.ops import arrays
    case_suite.check_covered(COVERED, arrays.__all__, CASES, "ops.arrays")


@pytest.fixture(scope="module")
def keras_results(keras):
    want = case_suite.keras_outputs(keras, {k: c for k, c in CASES.items()
                                            if k not in NUMPY_ORACLE})
    for name in NUMPY_ORACLE:
        f, inputs, _ = CASES[name]
        out = f(np, *inputs)
        want[name] = [np.asarray(o) for o in (out if isinstance(out, (tuple, list)) else [out])]
    return want


def test_results_match_keras(backend, keras_results):
    """Every case on this backend equals Keras (float32 within 1e-5 relative, others exact)."""
    case_suite.check_results(CASES, keras_results)


def test_native_gradients_match_finite_differences():
    case_suite.check_finite_differences(CASES)


def test_adapter_gradients_match_native(backend):
    case_suite.check_adapter_gradients(CASES, backend, COVERED)


BAD = [
    (lambda: ops.einsum("ij,jk->ik", np.ones((2, 3))), ValueError,
     "einsum: `subscripts` 'ij,jk->ik' names 2 operand(s) but 1 were given"),
    (lambda: ops.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((4, 2))), ValueError,
     "einsum: index 'j' of `subscripts` 'ij,jk->ik' has size 3 in one operand and 4"),
    (lambda: ops.einsum("ijk->i", np.ones((2, 3))), ValueError,
     "einsum: the term 'ijk' of `subscripts` does not fit an operand of shape (2, 3)"),
    (lambda: ops.einsum("ij->iz", np.ones((2, 3))), ValueError, "names 'z', which is not"),
    (lambda: ops.einsum("i1->i", np.ones(2)), ValueError, "may hold only letters"),
    (lambda: ops.einsum(3, np.ones(2)), TypeError, "einsum: `subscripts` must be a string"),
    (lambda: ops.einsum("i", np.ones(2), order="C"), TypeError,
     "einsum: unexpected keyword argument(s) ['order']"),
    (lambda: ops.inner(np.ones((2, 3)), np.ones(2)), ValueError,
     "inner: the last axes of `x1` and `x2` must have the same size; got shapes (2, 3) and (2,)"),
    (lambda: ops.vdot(np.ones((2, 3)), np.ones(5)), ValueError,
     "vdot: `x1` and `x2` must have the same number of elements; got 6 and 5"),
    (lambda: ops.cross(np.ones(4), np.ones(3)), ValueError,
     "cross: the vectors must have 2 or 3 components; got 4"),
    (lambda: ops.cross(np.ones(3), np.ones(3), axisa=1), ValueError,
     "cross: `axisa` must be an int in [-1, 1)"),
    (lambda: ops.diagonal(np.ones(3)), ValueError, "diagonal: `x` must have rank >= 2"),
    (lambda: ops.trace(np.ones((2, 2)), axis1=1, axis2=-1), ValueError,
     "`axis1` and `axis2` must be different"),
    (lambda: ops.tril(np.ones(3)), ValueError, "tril: `x` must have rank >= 2"),
    (lambda: ops.diag(np.ones((2, 2, 2))), ValueError, "diag: `x` must be 1-D or 2-D"),
    (lambda: ops.sort(np.ones((2, 3)), axis=2), ValueError,
     "sort: `axis` must be an int in [-2, 2)"),
    (lambda: ops.argpartition(np.ones(3), 3), ValueError,
     "argpartition: `kth` must be an int in [-3, 3)"),
    (lambda: ops.linspace(0, 1, -1), ValueError, "linspace: `num` must be a non-negative int"),
    (lambda: ops.meshgrid(np.ones(2), indexing="xz"), ValueError,
     'meshgrid: `indexing` must be "xy" or "ij"'),
    (lambda: ops.roll(np.ones((2, 2)), (1, 2, 3), axis=(0, 1)), ValueError,
     "roll: `shift` and `axis` must have the same length"),
    (lambda: ops.rot90(np.ones((2, 2)), axes=(1, 1)), ValueError,
     "rot90: `axes` must be 2 different axes"),
    (lambda: ops.fliplr(np.ones(2)), ValueError, "fliplr: `x` must have rank >= 2"),
    (lambda: ops.hstack([]), ValueError, "hstack: `xs` must be a non-empty list"),
    (lambda: ops.hsplit(np.ones(5), 2), ValueError,
     "hsplit: axis 0 of size 5 does not split into 2 equal sections"),
    (lambda: ops.dsplit(np.ones((2, 2)), 2), ValueError, "dsplit: `x` must have rank >= 3"),
    (lambda: ops.diff(np.ones(3), n=-1), ValueError, "diff: `n` must be a non-negative int"),
    (lambda: ops.searchsorted(np.ones((2, 2)), np.ones(2)), ValueError,
     "searchsorted: `sorted_sequence` must be 1-D"),
    (lambda: ops.searchsorted(np.ones(2), 1.0, side="middle"), ValueError,
     'searchsorted: `side` must be "left" or "right"'),
    (lambda: ops.bincount(np.ones(3)), TypeError, "bincount: `x` must be an integer tensor"),
    (lambda: ops.bincount(np.array([1, -1])), ValueError, "bincount: `x` must be non-negative"),
    (lambda: ops.bincount(np.array([1, 2]), weights=np.ones(3)), ValueError,
     "bincount: `weights` must have the shape of `x`, (2,); got (3,)"),
    (lambda: ops.bincount(np.array([1]), sparse=True), ValueError, "bincount: sparse=True"),
    (lambda: ops.histogram(np.ones((2, 2))), ValueError, "histogram: `x` must be 1-D"),
    (lambda: ops.histogram(np.ones(2), range=(1, 0)), ValueError,
     "histogram: `range` must be (min, max)"),
    (lambda: ops.select([np.ones(2)], [np.ones(2)]), TypeError,
     "select: `condlist` must hold bool tensors"),
    (lambda: ops.select([], []), ValueError, "select: `condlist` and `choicelist` must be"),
    (lambda: ops.unravel_index(np.ones(2), (2,)), TypeError,
     "unravel_index: `indices` must be integers"),
    (lambda: ops.vander(np.ones((2, 2))), ValueError, "vander: `x` must be 1-D"),
    (lambda: ops.view(np.ones(3, "float32"), "float64"), ValueError,
     "view: a tensor of shape (3,) and dtype float32 cannot be viewed as float64"),
    (lambda: ops.vectorize(3), TypeError, "vectorize: `pyfunc` must be callable"),
    (lambda: ops.vectorize(ops.sum, signature="(n)")(np.ones(2)), ValueError,
     "vectorize: `signature` must look like"),
    (lambda: ops.rearrange(np.ones((2, 3)), "a b c -> c b a"), ValueError,
     "rearrange: the pattern 'a b c -> c b a' names 3 input axes"),
    (lambda: ops.rearrange(np.ones((2, 6)), "a (b c) -> a b c"), ValueError,
     "rearrange: cannot infer the sizes of ['b', 'c']"),
    (lambda: ops.rearrange(np.ones((2, 3)), "a b -> a"), ValueError,
     "rearrange: the output axes of 'a b -> a' must name each input axis once"),
]


def test_bad_input_errors(backend):
    case_suite.check_errors(BAD)


def test_numpy_semantics_beyond_keras_tensorflow(backend):
    """Options Keras on TensorFlow lacks or gets wrong, checked against NumPy."""
    def np_(x):
        return np.asarray(ops.convert_to_numpy(x))
    x = np.array([3, 1, 3, 2], "int32")
    assert np_(ops.unique(x, sorted=False)).tolist() == [3, 1, 2]
    assert np_(ops.unique(x, size=5, fill_value=0)).tolist() == [1, 2, 3, 0, 0]
    assert np_(ops.unique(x, size=2)).tolist() == [1, 2]
    rows = np.array([[1, 2], [0, 1], [1, 2]], "int32")
    vals, inv = ops.unique(rows, return_inverse=True, axis=0)
    assert np_(vals).tolist() == [[0, 1], [1, 2]] and np_(inv).tolist() == [1, 0, 1]
    xs, bins = np.array([0.5, 1.0, 2.5, 5.0], "float32"), np.array([4.0, 2.0, 1.0], "float32")
    np.testing.assert_array_equal(np_(ops.digitize(xs, bins)), np.digitize(xs, bins))
    a, b = _u(2, 3), _u(3, 4)  # implicit output: the indices seen once, sorted
    np.testing.assert_allclose(np_(ops.einsum("kj,ji", a, b)), np.einsum("kj,ji", a, b),
                               rtol=1e-5, atol=1e-6)
    m = _u(2, 3)
    np.testing.assert_array_equal(np_(ops.sort(m, axis=None)), np.sort(m, axis=None))
    assert ops.ndim(m) == 2 and isinstance(ops.ndim(m), int)
    got = ops.linspace(np.zeros(2, "float32"), np.ones(2, "float32"), 3, axis=0)
    np.testing.assert_allclose(np_(got), np.linspace(np.zeros(2), np.ones(2), 3, axis=0))
