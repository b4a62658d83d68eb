"""``ops.top_k`` of unsigned integers (zeros among the chosen: no wrapped negation) and
``ops.sort``'s two paths on the torch and JAX backends: a CPU array nothing differentiates is
sorted by NumPy, one under a gradient by the framework's stable sort. Both give NumPy's values
(NaN last, infinities, ties, every NumPy dtype) and the gradient routes ties as the native engine.
"""
import numpy as np

from kfront import ops


def test_sort_values_and_tie_gradients_on_both_paths(backend):
    x = np.array([[3.0, np.nan, -np.inf, 0.0, -0.0, 3.0, np.inf, -1.5],
                  [2.0, 2.0, 2.0, 1.0, 1.0, np.nan, np.nan, -2.0]], "float32")
    if backend == "tensorflow":  # tf.sort misplaces NaN, as Keras's TensorFlow backend does
        x = np.nan_to_num(x, nan=5.0)
    for a in (x, x.astype("float16"), x.astype("float64"),
              np.nan_to_num(x).astype("int32"), np.nan_to_num(x).astype("uint8")):
        for axis in (-1, 0):
            got = ops.convert_to_numpy(ops.sort(a, axis=axis))
            assert got.dtype == a.dtype
            np.testing.assert_array_equal(got, np.sort(a, axis=axis))
    ties = np.array([2.0, 1.0, 2.0, 1.0, 0.5], "float64")
    weights = np.arange(1.0, 6.0)
    value, grad = ops.value_and_grad(lambda t: ops.sum(ops.multiply(ops.sort(t), weights)))(ties)
    want = np.zeros(5)
    want[np.argsort(ties, kind="stable")] = weights  # ties: the first one gets the first slot
    assert float(value) == float(np.sort(ties) @ weights)
    np.testing.assert_array_equal(ops.convert_to_numpy(grad), want)


def test_top_k_of_unsigned_zeros_and_ties(backend):
    x = np.array([[0, 5, 3, 1, 0, 5], [2, 0, 0, 1, 7, 0]], "uint8")
    for k in (2, 4, 6):
        values, indices = ops.top_k(x, k)
        want = np.argsort(-x.astype("int32"), axis=-1, kind="stable")[:, :k]
        np.testing.assert_array_equal(ops.convert_to_numpy(indices), want)
        np.testing.assert_array_equal(ops.convert_to_numpy(values), np.take_along_axis(x, want, -1))
