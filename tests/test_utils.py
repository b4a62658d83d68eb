"""Tests for kfront.utils.to_categorical / normalize, checked against real Keras."""

import numpy as np
import pytest

import kfront
from kfront.utils import normalize, to_categorical


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


TO_CATEGORICAL_CASES = [
    ([0, 1, 2, 3], None),
    ([0, 1, 2, 3], 4),
    ([3, 0, 3, 1], 6),
    (np.array([[1], [2], [0]]), None),  # trailing 1 squeezed
    (np.array([[1], [2], [0]]), 5),
    (np.array([2]), None),  # shape (1,) is not squeezed
    (np.array([[2]]), 3),
    (np.array([[0, 1], [2, 0]]), None),  # 2-D labels
    (np.array([[[1], [0]], [[2], [1]]]), None),  # (2, 2, 1) -> (2, 2, 3)
    ([1.0, 2.0, 0.0], None),  # float labels (a float ndarray crashes Keras's numpy backend)
    (np.array([0, 4, 2], dtype=np.uint8), 5),
    (np.array([0, 4, 2], dtype=np.int32), None),
    ([1.7, 0.2], None),  # truncated to int, as in Keras
    ([0, 1], 0),  # num_classes=0 means "infer", as in Keras
]


@pytest.mark.parametrize("labels,num_classes", TO_CATEGORICAL_CASES)
def test_to_categorical_matches_keras(keras, labels, num_classes):
    expected = np.asarray(keras.utils.to_categorical(labels, num_classes))
    got = to_categorical(labels, num_classes)
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.float32
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_to_categorical_random_matches_keras(keras):
    rng = np.random.default_rng(0)
    for shape in [(50,), (7, 3), (4, 5, 1), (2, 3, 4)]:
        labels = rng.integers(0, 10, size=shape)
        np.testing.assert_array_equal(
            to_categorical(labels, 10), np.asarray(keras.utils.to_categorical(labels, 10))
        )


def test_to_categorical_one_hot_properties():
    labels = np.array([4, 0, 9, 4, 7])
    out = to_categorical(labels)
    assert out.shape == (5, 10)
    np.testing.assert_array_equal(out.sum(axis=1), np.ones(5))
    np.testing.assert_array_equal(out.argmax(axis=1), labels)
    assert set(np.unique(out).tolist()) == {0.0, 1.0}
    np.testing.assert_array_equal(to_categorical(labels.astype(np.float32)), out)


def test_to_categorical_scalar(keras):
    got = to_categorical(np.array(3))
    assert got.shape == (4,)
    np.testing.assert_array_equal(got, np.asarray(keras.utils.to_categorical(np.array(3))))


@pytest.mark.parametrize("labels,num_classes", [([0, -1, 2], None), ([0, -1, 2], 3), ([-5], 10)])
def test_to_categorical_rejects_negative_labels(labels, num_classes):
    with pytest.raises(ValueError, match="negative"):
        to_categorical(labels, num_classes)


@pytest.mark.parametrize("labels,num_classes,bad", [([0, 3], 3, "3"), ([0, 1, 7, 9], 5, "7, 9"), ([[2]], 2, "2")])
def test_to_categorical_rejects_labels_past_num_classes(labels, num_classes, bad):
    with pytest.raises(ValueError, match=f"num_classes={num_classes}") as info:
        to_categorical(labels, num_classes)
    assert bad in str(info.value)


def test_to_categorical_empty():
    out = to_categorical(np.array([], dtype=int), 4)
    assert out.shape == (0, 4)
    with pytest.raises(ValueError, match="num_classes"):
        to_categorical([])


# ----------------------------------------------------------------------------- normalize

NORMALIZE_CASES = [
    (np.array([[3.0, 4.0], [6.0, 8.0], [1.0, 1.0]]), {}),
    (np.array([[3.0, 4.0], [0.0, 0.0]]), {}),  # zero row stays zero
    (np.array([[3, 4], [5, 12]]), {}),  # integer input
    (np.array([[3.0, -4.0], [6.0, 8.0]], dtype=np.float32), {"order": 1}),
    (np.array([[3.0, -4.0], [6.0, 8.0]]), {"order": np.inf}),
    (np.array([[1.0, 2.0, 2.0]]), {"order": 3}),
    (np.arange(24, dtype=np.float64).reshape(2, 3, 4), {"axis": 1}),
    (np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 10, {"axis": 2}),
    (np.arange(24, dtype=np.float64).reshape(2, 3, 4), {"axis": -2, "order": 1}),
    (np.random.default_rng(1).normal(size=(6, 5)), {"axis": 1}),
]


@pytest.mark.parametrize("x,kwargs", NORMALIZE_CASES)
def test_normalize_matches_keras(keras, x, kwargs):
    expected = keras.utils.normalize(x, **kwargs)
    got = normalize(x, **kwargs)
    assert isinstance(got, np.ndarray)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0)


def test_normalize_does_not_modify_input():
    x = np.array([[3.0, 4.0]])
    before = x.copy()
    normalize(x)
    np.testing.assert_array_equal(x, before)


def test_normalize_unit_norm():
    x = np.random.default_rng(2).normal(size=(10, 7))
    for order in (1, 2, np.inf):
        out = normalize(x, axis=1, order=order)
        np.testing.assert_allclose(np.linalg.norm(out, order, axis=1), np.ones(10), rtol=1e-12)
        np.testing.assert_allclose(out * np.linalg.norm(x, order, axis=1, keepdims=True), x, rtol=1e-12)


def test_normalize_1d_keeps_shape(keras):
    # Keras's NumPy path returns shape (1, n) here; kfront keeps (n,), same values.
    x = np.array([3.0, 4.0, 12.0])
    got = normalize(x)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, np.asarray(keras.utils.normalize(x)).reshape(-1), rtol=1e-12)


def test_normalize_axis0(keras):
    # Keras's NumPy path mishandles axis=0 (``axis or -1``); compare on the transpose.
    x = np.array([[1.0, 3.0], [1.0, 1.0], [2.0, 0.0]])
    got = normalize(x, axis=0)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, keras.utils.normalize(x.T, axis=-1).T, rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(got, axis=0), np.ones(2), rtol=1e-12)


def test_normalize_list_input(keras):
    x = [[3.0, 4.0], [1.0, 0.0]]
    got = normalize(x)
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np.asarray(keras.utils.normalize(x)), rtol=1e-6)


@pytest.mark.parametrize("kwargs", [{}, {"maxlen": 2}, {"maxlen": 5, "padding": "post"},
                                    {"maxlen": 2, "truncating": "post", "value": -1},
                                    {"dtype": "float32", "value": 0.5}])
def test_pad_sequences_matches_keras(keras, kwargs):
    from kfront.preprocessing.sequence import pad_sequences as old_name
    seqs = [[1], [2, 3], [4, 5, 6], []]
    got = kfront.utils.pad_sequences(seqs, **kwargs)
    want = keras.utils.pad_sequences(seqs, **kwargs)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(old_name(seqs, **kwargs), want)
    vectors = [np.ones((2, 3)), np.arange(9.0).reshape(3, 3)]
    np.testing.assert_array_equal(kfront.utils.pad_sequences(vectors, dtype="float32", **{
        k: v for k, v in kwargs.items() if k != "dtype"}), keras.utils.pad_sequences(
        vectors, dtype="float32", **{k: v for k, v in kwargs.items() if k != "dtype"}))


def test_pad_sequences_strings_and_errors(keras):
    words = [["a"], ["b", "c"]]
    np.testing.assert_array_equal(kfront.utils.pad_sequences(words, dtype=object, value=""),
                                  keras.utils.pad_sequences(words, dtype=object, value=""))
    with pytest.raises(ValueError, match="dtype=object"):
        kfront.utils.pad_sequences(words, value="")
    with pytest.raises(ValueError, match='padding must be "pre" or "post"'):
        kfront.utils.pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="sequence 1 is 3"):
        kfront.utils.pad_sequences([[1], 3])
    with pytest.raises(ValueError, match="sequence 1 has items of shape"):
        kfront.utils.pad_sequences([np.ones((1, 2)), np.ones((1, 3))], dtype="float32")


def test_pack_and_unpack_match_keras(keras):
    for args in [(1,), ((1, 2),), (1, 2), (1, 2, 3), ([1, 2], None, 3)]:
        assert kfront.utils.pack_x_y_sample_weight(*args) == \
            keras.utils.pack_x_y_sample_weight(*args)
    for data in [1, (1,), (1, 2), [1, 2, 3]]:
        assert kfront.utils.unpack_x_y_sample_weight(data) == \
            keras.utils.unpack_x_y_sample_weight(data)
    assert kfront.utils.custom_object_scope is kfront.saving.custom_object_scope
    assert kfront.utils.standardize_dtype("int") == keras.utils.standardize_dtype("int")
