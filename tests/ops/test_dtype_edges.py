"""Values at the integer / bool edges ``test_int_dtypes`` checks the dtypes of, against real
Keras 3 (TensorFlow backend, in-process) on every backend: empty integer segments, wrapping int8
products, bool products and bincounts, uint16 on torch (held as int32, as Keras's torch backend)
and ``pad`` with numpy's per-axis ``constant_values`` (Keras on numpy and JAX is numpy.pad; on
TensorFlow and torch it refuses them).
"""
from __future__ import annotations

import numpy as np
import pytest

from kfront import ops

_SEGMENTS = np.array([0, 0, 2, 2], "int32")  # segments 1 and 3 empty
_A8 = np.array([100, 3, -7], "int8")
_B8 = np.array([2, 50, 9], "int8")
_BOOLS = np.array([[True, False], [False, False]])
_U16 = np.array([[3, 60000, 2], [0, 2, 5]], "uint16")


def _cases(o):
    """name -> result of ``o`` (kfront.ops or keras.ops) on the same inputs."""
    out = {}
    for dt in ("int8", "uint8", "int16", "int32"):
        data = np.array([1, 5, 3, 2], dt)
        out[f"segment_max({dt})"] = o.segment_max(data, _SEGMENTS, num_segments=4)
        out[f"segment_min({dt})"] = o.segment_min(data, _SEGMENTS, num_segments=4)
    out["vdot(int8)"] = o.vdot(_A8, _B8)  # 200 + 150 - 63 wraps
    out["inner(int8)"] = o.inner(_A8, _B8)
    out["outer(int8)"] = o.outer(_A8, _B8)
    out["tensordot(int8)"] = o.tensordot(_A8[None], _B8[:, None], axes=1)
    out["matmul(bool)"] = o.matmul(_BOOLS, _BOOLS.T)
    out["tensordot(bool)"] = o.tensordot(_BOOLS, _BOOLS, axes=1)
    out["bincount(bool)"] = o.bincount(np.array([True, False, True]))
    out["bincount(bool, weights)"] = o.bincount(np.array([True, False, True]),
                                                weights=np.array([1.5, 2.0, 3.0], "float32"))
    out["bincount(int8, bool weights)"] = o.bincount(np.array([1, 0, 1], "int8"),
                                                     weights=np.array([True, False, True]))
    return out


def _elementwise(o):
    """Elementwise ops TensorFlow has no bool / narrow-int kernel for (Keras on TensorFlow
    raises for some; on JAX and numpy they give numpy's results, the oracle here)."""
    b, u8, i8 = _BOOLS, np.array([3, 0, 250], "uint8"), np.array([-7, 7, 100], "int8")
    out = {f"{name}(bool)": getattr(o, name)(b, b.T)
           for name in ("add", "multiply", "maximum", "minimum", "greater", "less_equal")}
    out.update({f"{name}(uint8)": getattr(o, name)(u8) for name in ("abs", "negative", "sign")})
    out["abs(bool)"], out["isfinite(bool)"] = o.abs(b), o.isfinite(b)
    out["isnan(int8)"], out["isfinite(uint8)"] = o.isnan(i8), o.isfinite(u8)
    for name in ("mod", "floor_divide"):
        out[f"{name}(int8)"] = getattr(o, name)(i8, np.array([2, -3, 7], "int8"))
        out[f"{name}(uint8)"] = getattr(o, name)(u8, np.array([2, 3, 7], "uint8"))
    return out


def test_narrow_elementwise_as_numpy(backend):
    want, ours = _elementwise(np), _elementwise(ops)
    wrong = [f"{k}: kfront {ops.dtype(ours[k])} {ops.convert_to_numpy(ours[k]).tolist()}, "
             f"numpy {w.dtype} {w.tolist()}" for k, w in want.items()
             if ops.dtype(ours[k]) != w.dtype or
             (ops.convert_to_numpy(ours[k]) != w).any()]
    assert not wrong, "\n".join(wrong)


@pytest.fixture(scope="module")
def keras_results(keras):
    return {k: (keras.backend.standardize_dtype(v.dtype), keras.ops.convert_to_numpy(v))
            for k, v in _cases(keras.ops).items()}


def test_integer_edges_equal_keras(backend, keras_results):
    ours = _cases(ops)
    wrong = []
    for name, (dtype, want) in keras_results.items():
        got = ops.convert_to_numpy(ours[name])
        if ops.dtype(ours[name]) != dtype or got.shape != want.shape or (got != want).any():
            wrong.append(f"{name}: kfront {ops.dtype(ours[name])} {got.tolist()}, Keras "
                         f"{dtype} {want.tolist()}")
    assert not wrong, "\n".join(wrong)


def test_uint16_values(backend):
    """On torch uint16 is int32 (torch has no uint16 max, argmax, clip...): same values."""
    x = ops.convert_to_tensor(_U16)
    assert ops.dtype(x) == ("int32" if backend == "torch" else "uint16")
    assert ops.convert_to_numpy(ops.max(x, axis=1)).tolist() == [60000, 5]
    assert ops.convert_to_numpy(ops.argmax(x, axis=1)).tolist() == [1, 2]
    assert ops.convert_to_numpy(ops.clip(x, 1, 4)).tolist() == [[3, 4, 2], [1, 2, 4]]
    wrapped = 120000 if backend == "torch" else 120000 - 2 ** 16
    assert ops.convert_to_numpy(ops.add(x, x))[0, 1] == wrapped


def test_bool_arithmetic_in_int32(backend):
    """power / floor_divide / mod of two bools give int32 as Keras on JAX (numpy: int8; Keras on
    TensorFlow raises for power)."""
    ones = np.ones((2, 2), bool)
    for f in (ops.power, ops.floor_divide, ops.mod):
        got = f(_BOOLS, ones)
        assert ops.dtype(got) == "int32", f
        assert ops.convert_to_numpy(got).tolist() == ([[1, 0], [0, 0]] if f is not ops.mod
                                                      else [[0, 0], [0, 0]]), f


def test_bincount_refuses_floats(backend):
    with pytest.raises(TypeError, match=r"bincount: `x` must be an integer tensor \(or bool\); "
                                        r"got dtype float32"):
        ops.bincount(np.array([1.0, 0.0], "float32"))


@pytest.mark.parametrize("values", [(7,), (7, 8), ((7, 8),), ((7, 8), (9, 10)),
                                    np.array([[1, 2], [3, 4]])])
def test_pad_constant_values_per_axis_as_numpy(backend, values):
    x = np.arange(6, dtype="float32").reshape(2, 3)
    widths = ((1, 2), (2, 0))
    got = ops.convert_to_numpy(ops.pad(x, widths, constant_values=values))
    np.testing.assert_array_equal(got, np.pad(x, widths, constant_values=values))
    assert got.dtype == np.float32
    # the padding is constant: each entry of x gets gradient 1
    _, grad = ops.value_and_grad(lambda t: ops.sum(ops.pad(t, widths, constant_values=values)))(
        ops.convert_to_tensor(x))
    np.testing.assert_array_equal(ops.convert_to_numpy(grad), np.ones_like(x))


def test_pad_constant_values_bad_shape(backend):
    with pytest.raises(ValueError, match=r"pad: `constant_values` must be.*\(2 axes\)"):
        ops.pad(np.ones((2, 2), "float32"), 1, constant_values=(1, 2, 3))
