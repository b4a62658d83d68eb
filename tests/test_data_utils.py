"""kfront.utils image utilities and kfront.preprocessing, against real Keras on the same inputs."""
from __future__ import annotations

import io
import sys

import numpy as np
import pytest

from conformance.support import backend  # noqa: F401  (pytest fixture)
from kfront import ops
from kfront.preprocessing import image as kimage
from kfront.utils import array_to_img, img_to_array, load_img, save_img
from kfront.utils.image_utils import smart_resize

PIL = pytest.importorskip("PIL", reason="Pillow is optional: pip install 'kfront[image]'")

RNG = np.random.default_rng(1)


@pytest.fixture(scope="module")
def kutils(keras):
    from keras.src.utils import image_utils
    return image_utils


def test_array_img_roundtrip_matches_keras(kutils, tmp_path):
    images = {"rgb": RNG.uniform(-2, 5, (6, 7, 3)), "rgba": RNG.uniform(0, 1, (5, 4, 4)),
              "gray": RNG.uniform(0, 255, (3, 5, 1)), "int": RNG.uniform(0, 9e4, (3, 2, 1))}
    for name, x in images.items():
        for kwargs in ({}, {"scale": False}, {"data_format": "channels_first"}):
            if "data_format" in kwargs:
                x = x.transpose(2, 0, 1)
            ours, theirs = array_to_img(x, **kwargs), kutils.array_to_img(x, **kwargs)
            assert ours.mode == theirs.mode and ours.size == theirs.size, name
            np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
            for fmt in ("channels_last", "channels_first"):
                for dtype in (None, "uint8"):
                    a = img_to_array(ours, data_format=fmt, dtype=dtype)
                    b = kutils.img_to_array(theirs, data_format=fmt, dtype=dtype)
                    assert a.dtype == b.dtype and a.shape == b.shape
                    np.testing.assert_array_equal(a, b)
    for suffix in ("png", "jpg", "bmp"):
        x = RNG.uniform(0, 255, (8, 9, 3))
        save_img(tmp_path / f"a.{suffix}", x)
        kutils.save_img(tmp_path / f"b.{suffix}", x)
        assert (tmp_path / f"a.{suffix}").read_bytes() == (tmp_path / f"b.{suffix}").read_bytes()
    with pytest.warns(UserWarning, match="RGBA"):
        save_img(tmp_path / "c.jpg", images["rgba"])
    with pytest.raises(ValueError, match="rank 3"):
        array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="channels 2"):
        array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="img_to_array.*shape"):
        img_to_array(np.zeros((1, 2, 2, 1)))
    with pytest.raises(ValueError, match="data_format"):
        img_to_array(np.zeros((2, 2)), data_format="nhwc")


def test_load_img_matches_keras(kutils, tmp_path):
    path = tmp_path / "photo.png"
    kutils.save_img(path, RNG.uniform(0, 255, (13, 17, 4)))
    cases = [{}, {"color_mode": "grayscale"}, {"color_mode": "rgba"},
             {"target_size": (6, 9)}, {"target_size": (8, 8), "keep_aspect_ratio": True},
             {"target_size": (5, 12), "interpolation": "bilinear", "keep_aspect_ratio": True}]
    cases += [{"target_size": (7, 4), "interpolation": m} for m in
              ("bicubic", "hamming", "box", "lanczos")]
    for kwargs in cases:
        for source in (str(path), path, lambda: io.BytesIO(path.read_bytes())):
            src = source() if callable(source) else source
            ours = load_img(src, **kwargs)
            src = source() if callable(source) else source
            theirs = kutils.load_img(src, **kwargs)
            assert ours.mode == theirs.mode and ours.size == theirs.size, kwargs
            np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    with pytest.raises(ValueError, match="color_mode"):
        load_img(path, color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation"):
        load_img(path, target_size=(3, 3), interpolation="cubic")
    with pytest.raises(TypeError, match="path-like"):
        load_img(3)
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="bad.png"):
        load_img(tmp_path / "bad.png")


def test_smart_resize_matches_keras(keras, backend):
    from keras.src.utils.image_utils import smart_resize as keras_smart_resize
    cases = [((10, 20, 3), (5, 5), "channels_last"), ((2, 12, 7, 2), (4, 6), "channels_last"),
             ((3, 9, 14), (6, 3), "channels_first"), ((1, 2, 8, 8), (3, 5), "channels_first")]
    for shape, size, fmt in cases:
        x = RNG.uniform(size=shape).astype("float32")
        for interpolation in ("bilinear", "nearest"):
            expected = keras_smart_resize(x, size, interpolation=interpolation, data_format=fmt)
            ours = smart_resize(x, size, interpolation=interpolation, data_format=fmt)
            assert isinstance(ours, np.ndarray)
            np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)
            tensor = kimage.smart_resize(ops.convert_to_tensor(x), size,
                                         interpolation=interpolation, data_format=fmt)
            np.testing.assert_allclose(ops.convert_to_numpy(tensor), expected, rtol=1e-5,
                                       atol=1e-5)
    with pytest.raises(ValueError, match="size"):
        smart_resize(np.zeros((4, 4, 1)), (2, 2, 2))
    with pytest.raises(ValueError, match="shape"):
        smart_resize(np.zeros((4, 4)), (2, 2))
    with pytest.raises(TypeError, match="unexpected"):
        smart_resize(np.zeros((4, 4, 1)), (2, 2), antialias=True)


def test_missing_pillow_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    for fn, args in ((load_img, ("x.png",)), (array_to_img, (np.zeros((2, 2, 1)),))):
        with pytest.raises(ImportError, match=r"kfront\[image\]"):
            fn(*args)
    assert img_to_array(np.zeros((2, 2))).shape == (2, 2, 1)  # needs no Pillow
