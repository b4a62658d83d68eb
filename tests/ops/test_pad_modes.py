"""``ops.pad`` in every mode Keras 3 names, on every backend: results equal real Keras's on its
NumPy backend (``numpy.pad``, the only Keras backend with every mode; one subprocess) and, for
the modes and widths Keras on TensorFlow pads, Keras on TensorFlow in-process; the native
gradients equal central finite differences in float64 and every adapter's equal the native
ones; bad input is a clear error naming ``pad``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from kfront import layers, ops
from ops import case_suite

rng = np.random.default_rng(13)
INPUTS = {"x": rng.normal(size=(3, 4)).astype("float32"),
          "ints": rng.integers(-5, 9, (3, 4)).astype("int32"),
          "bools": rng.normal(size=(3, 4)) > 0,
          "image": rng.normal(size=(2, 3, 4)).astype("float32"),
          "vector": rng.normal(size=(5,)).astype("float32")}

# name -> (input, pad_width, mode); the name starts with its mode; widths in the forms Keras
# accepts (its tuples of 1-tuples fail: lists here)
SPECS = {
    "constant": ("x", [[1, 2], [0, 1]], "constant"),
    "reflect": ("x", [[1, 2], [3, 2]], "reflect"),
    "reflect_wide": ("x", [[4, 5], [0, 7]], "reflect"),
    "reflect_image": ("image", [[0, 0], [1, 2], [2, 2]], "reflect"),
    "reflect_bool": ("bools", [[2, 1], [1, 0]], "reflect"),
    "symmetric": ("x", [[2, 3], [4, 1]], "symmetric"),
    "symmetric_vector": ("vector", [3], "symmetric"),
    "edge": ("x", [[1, 2], [2, 0]], "edge"),
    "wrap": ("x", [[2, 1], [1, 6]], "wrap"),
    "wrap_int": ("ints", (4, 1), "wrap"),
    "maximum": ("x", [[1, 0], [2, 1]], "maximum"),
    "maximum_int": ("ints", 2, "maximum"),
    "minimum": ("x", [[2, 1], [0, 2]], "minimum"),
    "minimum_bool": ("bools", [[2, 0], [1, 1]], "minimum"),
    "mean": ("x", [[1, 2], [2, 1]], "mean"),
    "mean_int": ("ints", [[2, 1], [1, 3]], "mean"),
    "median_int": ("ints", [[1, 2], [2, 1]], "median"),
    "median_image": ("image", [[1, 0], [0, 0], [1, 1]], "median"),
    "linear_ramp": ("x", [[2, 1], [1, 3]], "linear_ramp"),
    "linear_ramp_int": ("ints", [[3, 2], [4, 1]], "linear_ramp"),
}
# on JAX (a compilation per case) the adapter gradients of one mode per code path
JAX_GRADIENT_MODES = {"reflect", "maximum", "mean", "median", "linear_ramp"}
CASES = {name: (lambda o, x, w=w, m=m: o.pad(x, w, mode=m), [INPUTS[key]],
                INPUTS[key].dtype == np.float32)
         for name, (key, w, m) in SPECS.items()}

_ORACLE = """
import json, sys
import numpy as np
import keras
inputs = np.load(sys.argv[1])
out = {name: keras.ops.convert_to_numpy(keras.ops.pad(inputs[key], w, mode=m))
       for name, (key, w, m) in json.loads(sys.argv[2]).items()}
np.savez(sys.argv[3], **out)
"""


@pytest.fixture(scope="module")
def keras_results(tmp_path_factory):
    """Every case from Keras on its NumPy backend (a subprocess: the backend is chosen once)."""
    folder = tmp_path_factory.mktemp("pad")
    np.savez(folder / "inputs.npz", **INPUTS)
    env = dict(os.environ, KERAS_BACKEND="numpy")
    subprocess.run([sys.executable, "-c", _ORACLE, str(folder / "inputs.npz"), json.dumps(SPECS),
                    str(folder / "out.npz")], env=env, check=True, timeout=300)
    with np.load(folder / "out.npz") as out:
        return {name: [out[name]] for name in SPECS}


def test_keras_tensorflow_agrees_where_it_pads(keras, keras_results):
    """Keras on TensorFlow (constant, reflect, symmetric; one pair per axis, narrower than the
    axis) gives the NumPy backend's results: the oracle is Keras's, whichever backend."""
    names = [n for n, (key, w, m) in SPECS.items()
             if m in ("constant", "reflect", "symmetric")
             and np.shape(w) == (INPUTS[key].ndim, 2)
             and all(max(p) < s for p, s in zip(w, INPUTS[key].shape))]
    assert len(names) >= 4
    for name in names:
        key, w, m = SPECS[name]
        got = keras.ops.convert_to_numpy(keras.ops.pad(INPUTS[key], w, mode=m))
        np.testing.assert_array_equal(got, keras_results[name][0], err_msg=name)


def test_results_match_keras(backend, keras_results):
    """Every case on this backend equals Keras's (float32 within 1e-5 relative, else exact)."""
    case_suite.check_results(CASES, keras_results)


def test_native_gradients_match_finite_differences():
    case_suite.check_finite_differences(CASES)


def test_adapter_gradients_match_native(backend):
    case_suite.check_adapter_gradients(CASES, backend, JAX_GRADIENT_MODES)


def test_circular_empty_and_symbolic(backend):
    """"circular" (torch's name) pads as "wrap"; "empty" keeps the values and shape (its border
    is unspecified: zeros); a symbolic input gets the padded shape."""
    x = INPUTS["x"]
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.pad(x, [[1, 2], [3, 1]], "circular")),
                                  np.pad(x, [[1, 2], [3, 1]], mode="wrap"))
    empty = ops.convert_to_numpy(ops.pad(x, [[1, 0], [2, 2]], mode="empty"))
    assert empty.shape == (4, 8) and empty.dtype == np.float32
    np.testing.assert_array_equal(empty[1:, 2:-2], x)
    symbolic = ops.pad(layers.Input((4, 3)), [[0, 0], [2, 1], [1, 1]], mode="reflect")
    assert symbolic.shape == (None, 7, 5)


BAD = [
    (lambda: ops.pad(np.ones(3), 1, mode="reflection"), ValueError,
     "pad: `mode` must be one of 'constant', 'edge', 'linear_ramp'"),
    (lambda: ops.pad(np.ones(3), 1, mode="reflect", constant_values=2.0), ValueError,
     "pad: constant_values applies to mode='constant' only, got mode='reflect'"),
    (lambda: ops.pad(np.ones((0, 2)), 1, mode="reflect"), ValueError,
     "pad: mode='reflect' cannot extend the empty axis 0 (size 0) by pad_width (1, 1)"),
    (lambda: ops.pad(np.ones((2, 0)), [[0, 0], [0, 2]], mode="mean"), ValueError,
     "pad: mode='mean' cannot extend the empty axis 1 (size 0) by pad_width (0, 2)"),
    (lambda: ops.pad(np.ones((2, 2)), [[1, -1], [0, 0]]), ValueError,
     "pad: `pad_width` must be non-negative, got pad_width=[[1, -1], [0, 0]]"),
    (lambda: ops.pad(np.ones((2, 2)), [1, 2, 3]), ValueError,
     "pad: `pad_width` must be an int, a (before, after) pair or one such pair per axis (2 "
     "for an input of rank 2), got pad_width=[1, 2, 3]"),
    (lambda: ops.pad(np.ones((2, 2)), [[1, 2], [3]]), ValueError,
     "pad: `pad_width` must be an int, a (before, after) pair"),
    (lambda: ops.pad(np.ones(2), 1.5), TypeError,
     "pad: `pad_width` must hold integers, got pad_width=1.5"),
]


def test_bad_input_errors(backend):
    case_suite.check_errors(BAD)
