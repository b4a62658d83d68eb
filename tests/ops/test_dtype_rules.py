"""Result dtypes of the core numpy-style ops (``kfront/ops/numpy.py``) equal real Keras 3's on
every backend: binary ops under Keras's promotion with weak Python scalars (int32 + float32 is
float32, not NumPy's float64), float-valued ops of integers and bools in floatx, sums of small
integers in 32 bits, argmax / argmin in int32.

64-bit inputs are left out on purpose: Keras converts NumPy int64 / float64 arrays to 32 bits,
kfront keeps them (the native float64 reference relies on it).
"""
from __future__ import annotations

import numpy as np
import pytest

from kfront import backend as kbackend
from kfront import ops

ARGS = {"int32": np.arange(1, 4, dtype="int32"), "float32": np.linspace(0.5, 1.5, 3, dtype="float32"),
        "float16": np.linspace(0.5, 1.5, 3).astype("float16"), "bool": np.array([True, False, True]),
        "uint8": np.arange(1, 4, dtype="uint8"), "int8": np.arange(1, 4, dtype="int8"),
        "py_int": 2, "py_float": 1.5}
BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "power", "maximum", "minimum",
          "mod", "floor_divide"]
MATMUL_ARGS = ["int8", "uint8", "int32", "float32", "float16"]
UNARY = ["exp", "expm1", "log", "log1p", "sqrt", "sin", "cos", "tanh", "floor", "ceil", "square",
         "reciprocal", "sum", "mean", "var", "std", "argmax", "argmin", "cumsum", "logsumexp",
         "sigmoid", "softsign"]


def _cases():
    tensors = [k for k in ARGS if not k.startswith("py_")]
    for name in BINARY:
        for a in ARGS:
            for b in ARGS:
                yield f"{name}({a}, {b})", name, (ARGS[a], ARGS[b])
    for name in UNARY:
        for a in tensors:
            yield f"{name}({a})", name, (ARGS[a],)
    for a in MATMUL_ARGS:  # int8 products in int32
        for b in MATMUL_ARGS:
            yield f"matmul({a}, {b})", "matmul", (ARGS[a][None, :], ARGS[b][:, None])
    for a in ARGS:  # where promotes its two branches as add does
        yield f"where(bool, {a}, float32)", "where", (ARGS["bool"], ARGS[a], ARGS["float32"])


def _dtypes(ops_module, standardize) -> dict:
    out = {}
    for label, name, args in _cases():
        try:
            out[label] = standardize(getattr(ops_module, name)(*args).dtype)
        except Exception:  # Keras refuses some pairs (power of bools): no oracle there
            out[label] = None
    return out


@pytest.fixture(scope="module")
def keras_dtypes(keras):
    return _dtypes(keras.ops, keras.backend.standardize_dtype)


def test_result_dtypes_equal_keras(backend, keras_dtypes):
    ours = _dtypes(ops, kbackend.standardize_dtype)
    if backend == "torch":  # uint32 (sums of uint8) is held as int64, as by Keras's torch backend
        keras_dtypes = {k: "int64" if v == "uint32" else v for k, v in keras_dtypes.items()}
    wrong = [f"{label}: kfront {ours[label]}, Keras {theirs}"
             for label, theirs in keras_dtypes.items() if theirs is not None and ours[label] != theirs]
    assert len(keras_dtypes) > 500 and sum(v is not None for v in keras_dtypes.values()) > 450
    assert not wrong, f"{len(wrong)} result dtypes differ from Keras's on {backend}:\n" + \
        "\n".join(wrong[:40])
