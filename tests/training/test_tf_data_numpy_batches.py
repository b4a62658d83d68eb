"""fit/evaluate/predict read a tf.data.Dataset's elements as ``as_numpy_iterator`` gives them
(the direct get-next read of ``kfront/backends/tensorflow/data.py``), on every backend."""
from __future__ import annotations

import numpy as np
import pytest

from kfront.models.data_adapters import get_data_adapter

tf = pytest.importorskip("tensorflow")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(10, 3)).astype("float32")
Y = RNG.integers(0, 4, 10).astype("int64")
TEXT = np.array([f"s{i}" for i in range(10)])

DATASETS = {
    "tensor": lambda: tf.data.Dataset.from_tensor_slices(X).batch(4),
    "tuple": lambda: tf.data.Dataset.from_tensor_slices((X, Y)).batch(4).prefetch(2),
    "dict": lambda: tf.data.Dataset.from_tensor_slices(
        ({"b": X, "a": TEXT}, Y)).batch(3),
    "ragged": lambda: tf.data.Dataset.from_tensor_slices(
        tf.ragged.constant([[1], [2, 3], [4, 5, 6]])).batch(2),
}


def _same(a, b) -> None:
    assert type(a) is type(b)
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            _same(u, v)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, np.ndarray):
        assert (a.dtype, a.shape, a.flags.writeable) == (b.dtype, b.shape, b.flags.writeable)
        if a.dtype == object:  # text, or the rows of a ragged batch
            for u, v in zip(a.ravel(), b.ravel()):
                _same(u, v)
        else:
            np.testing.assert_array_equal(a, b)
    else:
        assert str(a) == str(b)


@pytest.mark.parametrize("kind", sorted(DATASETS))
def test_elements_as_numpy_iterator_gives_them(backend, kind):
    from kfront.backends.tensorflow.data import numpy_batches
    ds = DATASETS[kind]()
    for _ in range(2):  # a second pass restarts the dataset
        got, expected = list(numpy_batches(ds)), list(ds.as_numpy_iterator())
        assert len(got) == len(expected)
        for a, b in zip(got, expected):
            _same(a, b)


def test_adapter_batches_as_the_arrays(backend):
    ds = DATASETS["tuple"]()
    got = list(get_data_adapter(ds).get_numpy_iterator())
    expected = list(get_data_adapter(X, Y, batch_size=4).get_numpy_iterator())
    assert len(got) == len(expected) == 3
    for (x, y, sw), (ex, ey, esw) in zip(got, expected):
        np.testing.assert_array_equal(x, ex)
        np.testing.assert_array_equal(y, ey)
        assert sw is None and esw is None
