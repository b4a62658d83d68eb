"""Result dtypes of the ops whose results are integers, or that reduce integers and bools, equal
real Keras 3's (TensorFlow backend, in-process) on every backend: sums and products of narrow
integers and bools in 32 bits, every index result (argmax, argsort, searchsorted, nonzero,
unique, top_k...) int32, extrema, clip and any/all as Keras; bitwise ops, shifts and fmod of
bools mixed with integers. ``tests/ops/test_dtype_rules.py`` covers the binary ops and
sum/mean/argmax/cumsum; 64-bit inputs are left out as there.

Also ``standardize_dtype`` of the Python types ``int`` / ``complex`` (and "int") as Keras's:
64-bit on TensorFlow, 32-bit on the other backends.
"""
from __future__ import annotations

import numpy as np
import pytest

from kfront import backend as kbackend
from kfront import ops

_VALUES = np.array([[3, 1, 2], [0, 2, 5]])
DTYPES = ["bool", "int8", "int16", "int32", "uint8", "uint16", "float32"]
_NON_NEGATIVE_INTS = ["int8", "int16", "int32", "uint8"]
_INTS = ["bool", "int8", "int16", "int32", "uint8", "uint16"]
_SEGMENTS = np.array([0, 0, 2, 2, 2, 0], "int32")  # segment 1 and 3 empty


def _input(dtype):
    return _VALUES % 2 == 1 if dtype == "bool" else _VALUES.astype(dtype)


# name -> (f(ops_namespace, x), input dtypes)
OPS = {
    "sum": (lambda o, x: o.sum(x, axis=1), DTYPES),
    "prod": (lambda o, x: o.prod(x), DTYPES),
    "cumsum": (lambda o, x: o.cumsum(x, axis=0), DTYPES),
    "cumprod": (lambda o, x: o.cumprod(x, axis=1), DTYPES),
    "nansum": (lambda o, x: o.nansum(x), DTYPES),
    "nanprod": (lambda o, x: o.nanprod(x, axis=0), DTYPES),
    "nancumsum": (lambda o, x: o.nancumsum(x), DTYPES),
    "nancumprod": (lambda o, x: o.nancumprod(x, axis=1), DTYPES),
    "trace": (lambda o, x: o.trace(x), DTYPES),
    "max": (lambda o, x: o.max(x, axis=0), DTYPES),
    "min": (lambda o, x: o.min(x), DTYPES),
    "ptp": (lambda o, x: o.ptp(x, axis=1), DTYPES),
    "clip": (lambda o, x: o.clip(x, 1, 2), DTYPES),
    "any": (lambda o, x: o.any(x, axis=1), DTYPES),
    "all": (lambda o, x: o.all(x), DTYPES),
    "mean": (lambda o, x: o.mean(x), DTYPES),
    "median": (lambda o, x: o.median(x, axis=1), DTYPES),
    "argmax": (lambda o, x: o.argmax(x, axis=1), DTYPES),
    "argmin": (lambda o, x: o.argmin(x), DTYPES),
    "nanargmax": (lambda o, x: o.nanargmax(x), DTYPES),
    "nanargmin": (lambda o, x: o.nanargmin(x, axis=0), DTYPES),
    "argsort": (lambda o, x: o.argsort(x, axis=-1), DTYPES),
    "argpartition": (lambda o, x: o.argpartition(x, 1), DTYPES),
    "top_k": (lambda o, x: o.top_k(x, 2), DTYPES),
    "nonzero": (lambda o, x: o.nonzero(x), DTYPES),
    "where": (lambda o, x: o.where(x), DTYPES),
    "count_nonzero": (lambda o, x: o.count_nonzero(x), DTYPES),
    "count_nonzero_axis": (lambda o, x: o.count_nonzero(x, axis=1), DTYPES),
    "searchsorted": (lambda o, x: o.searchsorted(o.sort(o.reshape(x, (-1,))),
                                                o.reshape(x, (-1,))[:3]), DTYPES),
    "digitize": (lambda o, x: o.digitize(x, np.array([0.5, 2.5], "float32")), DTYPES),
    "bincount": (lambda o, x: o.bincount(o.reshape(x, (-1,))), _NON_NEGATIVE_INTS),
    "bincount_weights": (lambda o, x: o.bincount(np.array([0, 1, 1, 3], "int32"),
                                                 weights=o.reshape(x, (-1,))[:4]), DTYPES),
    "unique": (lambda o, x: o.unique(o.reshape(x, (-1,)), return_inverse=True,
                                     return_counts=True), DTYPES),
    "histogram": (lambda o, x: o.histogram(o.cast(x, "float32"), bins=3), DTYPES),
    # products: int8 stays int8 except in matmul / einsum (not here: Keras on TensorFlow gives
    # int8 from matmul, its other backends int32), bools give bools
    "vdot": (lambda o, x: o.vdot(x, x), DTYPES),
    "inner": (lambda o, x: o.inner(x, x), DTYPES),
    "outer": (lambda o, x: o.outer(x[0], x[1]), DTYPES),
    "tensordot": (lambda o, x: o.tensordot(x, x, axes=2), DTYPES),
    "dot": (lambda o, x: o.dot(x, o.transpose(x)), DTYPES),
    "segment_max": (lambda o, x: o.segment_max(o.reshape(x, (-1,)), _SEGMENTS, 4), DTYPES),
    "segment_min": (lambda o, x: o.segment_min(o.reshape(x, (-1,)), _SEGMENTS, 4), DTYPES),
    "bincount_bool_weights": (lambda o, x: o.bincount(o.reshape(x, (-1,)),
                                                      weights=np.ones(6, bool)),
                              _NON_NEGATIVE_INTS + ["bool"]),
    # bitwise ops take bools mixed with integers (two bools: Keras on TensorFlow raises, see
    # test_dtype_edges), shifts and fmod by a tensor of ones (Keras on TensorFlow raises for 0)
    "bitwise_and_int8": (lambda o, x: o.bitwise_and(x, np.array(5, "int8")), _INTS),
    "bitwise_or_pyint": (lambda o, x: o.bitwise_or(x, 2), _INTS),  # 2 is not weak: int32
    "left_shift_pyint": (lambda o, x: o.left_shift(x, 1), _INTS),  # 1 is weak
    "right_shift_of_pyint": (lambda o, x: o.right_shift(64, x), _INTS),
    "bitwise_xor_uint8": (lambda o, x: o.bitwise_xor(np.array(6, "uint8"), x), _INTS),
    "bitwise_not": (lambda o, x: o.bitwise_not(x), _INTS),
    "left_shift_int8": (lambda o, x: o.left_shift(x, np.array(1, "int8")), _INTS),
    "right_shift_of_int16": (lambda o, x: o.right_shift(np.array(64, "int16"), x), _INTS),
    "fmod": (lambda o, x: o.fmod(x, o.ones_like(x)), DTYPES),
    "fmod_int8": (lambda o, x: o.fmod(np.array(-7, "int8"), o.add(x, 1)), DTYPES),
}
OPS["bincount"] = (OPS["bincount"][0], _NON_NEGATIVE_INTS + ["bool"])


def _dtypes(namespace, standardize, call=lambda f, o, x: f(o, x)) -> dict:
    """"op(dtype)" -> the standardized dtypes of its outputs (None where the call raises)."""
    out = {}
    for name, (f, dtypes) in OPS.items():
        for dtype in dtypes:
            try:
                result = call(f, namespace, _input(dtype))
            except Exception:  # Keras refuses some (bools in searchsorted): no oracle there
                out[f"{name}({dtype})"] = None
                continue
            results = result if isinstance(result, (tuple, list)) else (result,)
            out[f"{name}({dtype})"] = tuple(standardize(r.dtype) for r in results)
    return out


def _abstract(f, namespace, x):
    """On JAX, ``f``'s outputs traced by ``jax.eval_shape`` (dtypes without compiling each
    primitive, ~0.2 s apiece); eager for the ops that read values on the host (nonzero,
    unique, bincount...)."""
    import jax
    try:
        return jax.eval_shape(lambda t: f(namespace, t), x)
    except Exception:
        return f(namespace, x)


@pytest.fixture(scope="module")
def keras_dtypes(keras):
    return _dtypes(keras.ops, keras.backend.standardize_dtype)


def _held_by_torch(dtypes):
    return None if dtypes is None else tuple("int64" if d == "uint32" else d for d in dtypes)


def _as_tensor(f, o, x):
    return f(o, o.convert_to_tensor(x))


def test_integer_result_dtypes_equal_keras(backend, keras_dtypes):
    """On torch, which has no kernels for most uint16 / uint32 ops, a uint16 tensor is int32 and
    a uint32 one int64 (as Keras on torch holds them): uint16 inputs give Keras's int32 results,
    and Keras's uint32 results (sums of uint8) are int64."""
    ours = _dtypes(ops, kbackend.standardize_dtype, {"jax": _abstract, "torch": _as_tensor}.get(
        backend, lambda f, o, x: f(o, x)))
    if backend == "torch":
        keras_dtypes = {label: _held_by_torch(keras_dtypes[label.replace("(uint16)", "(int32)")])
                        for label in keras_dtypes}
    wrong = [f"{label}: kfront {ours[label]}, Keras {theirs}"
             for label, theirs in keras_dtypes.items()
             if theirs is not None and ours[label] != theirs]
    assert sum(v is not None for v in keras_dtypes.values()) > 200
    assert not wrong, f"{len(wrong)} result dtypes differ from Keras's on {backend}:\n" + \
        "\n".join(wrong)


def test_standardize_python_types_as_keras(backend, keras):
    """Keras maps ``int`` / "int" to int64 and ``complex`` to complex128 on TensorFlow, and to
    int32 / complex64 on its other backends (``keras/src/backend/common/dtypes.py``,
    ``PYTHON_DTYPES_MAP``); the native engine as TensorFlow (its oracle, and NumPy's
    defaults). NumPy dtypes and names are not affected."""
    if backend in ("tensorflow", "numpy"):
        want = {t: keras.backend.standardize_dtype(t) for t in (int, "int", complex)}
    else:
        want = {int: "int32", "int": "int32", complex: "complex64"}
    assert {t: kbackend.standardize_dtype(t) for t in want} == want
    assert [kbackend.standardize_dtype(t) for t in (float, bool, np.int64, "int64")] == \
        ["float32", "bool", "int64", "int64"]
    assert kbackend.result_type(int) == "int32" and kbackend.result_type("int8", int) == "int8"
