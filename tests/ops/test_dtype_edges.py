"""Values at the integer / bool edges ``test_int_dtypes`` checks the dtypes of, against real
Keras 3 (TensorFlow backend, in-process) on every backend: empty integer segments, wrapping int8
products, bool products and bincounts, bools mixed with integers in bitwise ops, shifts and fmod,
uint16 / uint32 on torch (held as int32 / int64, as Keras's torch backend) and ``pad`` with
numpy's per-axis ``constant_values`` (Keras on numpy and JAX is numpy.pad; on TensorFlow and
torch it refuses them).

Where Keras's backends disagree, numpy is the oracle on every backend (Keras on numpy agrees):
integer floor_divide / mod / fmod by 0 give 0 (Keras on TensorFlow and torch raises, JAX's
floor_divide gives -1), bitwise ops of two bools are logical (Keras on TensorFlow raises),
geomspace refuses a zero end.
"""
from __future__ import annotations

import numpy as np
import pytest

from kfront import ops

_SEGMENTS = np.array([0, 0, 2, 2], "int32")  # segments 1 and 3 empty
_A8 = np.array([100, 3, -7], "int8")
_B8 = np.array([2, 50, 9], "int8")
_BOOLS = np.array([[True, False], [False, False]])


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
    b = np.array([True, False, True, False])
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift"):
        out[f"{name}(bool, int8)"] = getattr(o, name)(b, np.array([1, 2, 3, 0], "int8"))
        out[f"{name}(int8, bool)"] = getattr(o, name)(np.array([1, -2, 3, 0], "int8"), b)
    out["bitwise_and(bool, 3)"] = o.bitwise_and(b, 3)
    out["fmod(bool, int8)"] = o.fmod(b, np.array([1, 2, 3, -1], "int8"))
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
    for name in ("mod", "floor_divide", "fmod"):
        out[f"{name}(int8)"] = getattr(o, name)(i8, np.array([2, -3, 7], "int8"))
        out[f"{name}(uint8)"] = getattr(o, name)(u8, np.array([2, 3, 7], "uint8"))
        # by zero: numpy's 0 (Keras on numpy; on TensorFlow and torch it raises, on JAX
        # floor_divide gives -1 or the unsigned maximum)
        for dt in ("int8", "uint8", "int16", "int32"):
            x = np.array([7, 0, 100], dt)
            out[f"{name}({dt} by 0)"] = getattr(o, name)(x, np.array([0, 0, 3], dt))
    out["floor_divide(int8 by 0)"] = o.floor_divide(i8, 0)  # weak 0 (mod's, fmod's: int32)
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):  # Keras on TensorFlow raises
        out[f"{name}(bool)"] = getattr(o, name)(b, b.T)
    out["bitwise_not(bool)"], out["bitwise_invert(bool)"] = o.bitwise_not(b), o.bitwise_invert(b)
    return out


def test_narrow_elementwise_as_numpy(backend):
    with np.errstate(divide="ignore"):
        want = _elementwise(np)
    ours = _elementwise(ops)
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


@pytest.mark.parametrize("dtype, on_torch", [("uint16", "int32"), ("uint32", "int64")])
def test_unsigned_values(backend, dtype, on_torch):
    """On torch uint16 is int32 and uint32 int64 (torch has no uint16 / uint32 add, max, argmax,
    clip, floor_divide, sort...), as Keras's torch backend holds them: the same values, and sums
    that do not wrap."""
    big = np.iinfo(dtype).max - 5000
    x = ops.convert_to_tensor(np.array([[3, big, 2], [0, 2, 5]], dtype))
    assert ops.dtype(x) == (on_torch if backend == "torch" else dtype)
    assert ops.convert_to_numpy(ops.max(x, axis=1)).tolist() == [big, 5]
    assert ops.convert_to_numpy(ops.argmax(x, axis=1)).tolist() == [1, 2]
    assert ops.convert_to_numpy(ops.clip(x, 1, 4)).tolist() == [[3, 4, 2], [1, 2, 4]]
    assert ops.convert_to_numpy(ops.sort(x)).tolist() == [[2, 3, big], [0, 2, 5]]
    assert ops.convert_to_numpy(ops.floor_divide(x, 2)).tolist() == [[1, big // 2, 1], [0, 1, 2]]
    assert ops.convert_to_numpy(ops.subtract(x, 1))[0, 1] == big - 1
    wrapped = 2 * big if backend == "torch" else 2 * big - (np.iinfo(dtype).max + 1)
    assert ops.convert_to_numpy(ops.add(x, x))[0, 1] == wrapped


def test_bool_arithmetic_in_int32(backend):
    """power / floor_divide / mod / fmod and the shifts of two bools give int32 as Keras on JAX
    (numpy: int8; Keras on TensorFlow raises, on torch for the shifts; fmod and mod int32 on
    Keras's numpy backend too)."""
    ones = np.ones((2, 2), bool)
    want = {ops.power: [[1, 0], [0, 0]], ops.floor_divide: [[1, 0], [0, 0]],
            ops.mod: [[0, 0], [0, 0]], ops.fmod: [[0, 0], [0, 0]],
            ops.left_shift: [[2, 0], [0, 0]], ops.bitwise_right_shift: [[0, 0], [0, 0]]}
    for f, values in want.items():
        got = f(_BOOLS, ones)
        assert ops.dtype(got) == "int32", f
        assert ops.convert_to_numpy(got).tolist() == values, f
    got = ops.floor_divide(ones, _BOOLS)  # by False: 0, as numpy
    assert ops.convert_to_numpy(got).tolist() == [[1, 0], [0, 0]]


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


def test_geomspace_zero_and_opposite_signs_as_numpy(backend):
    """A zero end is numpy's ValueError (Keras on numpy; on its other backends NaN or zeros);
    ends of opposite signs give NaN between them as numpy (Keras on TensorFlow and torch ends the
    sequence at -stop)."""
    for start, stop in ((0, 8), (1.0, 0.0), (np.float32(0), 2)):
        with pytest.raises(ValueError, match=r"geomspace: `start` and `stop` must be nonzero"):
            ops.geomspace(start, stop, 4)
    with np.errstate(invalid="ignore"):  # log of a negative (numpy and the native engine)
        want, got = np.geomspace(-1.0, 8.0, 4), ops.convert_to_numpy(ops.geomspace(-1.0, 8.0, 4))
    np.testing.assert_array_equal(got, want.astype("float32"))
    np.testing.assert_allclose(ops.convert_to_numpy(ops.geomspace(-2.0, -16.0, 4)),
                               [-2, -4, -8, -16], rtol=1e-6)
