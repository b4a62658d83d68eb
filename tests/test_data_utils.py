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


# ---- dataset builders (kfront.utils.dataset_utils) against Keras's tf.data results ----

def _tf_batches(ds):
    return [tuple(np.asarray(t) for t in b) if isinstance(b, tuple) else (np.asarray(b),)
            for b in ds.as_numpy_iterator()]


def _ours(ds):
    return [b if isinstance(b, tuple) else (b,) for b in ds]


def _sorted_samples(batches):
    """All samples of the batches, ordered by their pixel sum, re-stacked as one batch."""
    samples = [tuple(c[i] for c in b) for b in batches for i in range(len(b[0]))]
    samples.sort(key=lambda t: float(np.sum(t[0])))
    return tuple(np.stack([t[k] for t in samples]) for k in range(len(samples[0])))


def _assert_same_batches(ours, theirs, text=False, atol=1e-3):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            if text:
                assert u.tolist() == [s.decode() for s in v.tolist()]
            else:
                assert u.shape == v.shape and u.dtype == v.dtype, (u.shape, v.shape, u.dtype, v.dtype)
                np.testing.assert_allclose(u, v, rtol=1e-5, atol=atol)


def test_timeseries_dataset_matches_keras(keras):
    from kfront.utils import timeseries_dataset_from_array as ours
    data = np.arange(60, dtype="float32").reshape(30, 2)
    targets = np.arange(30) * 10
    cases = [dict(sequence_length=4), dict(sequence_length=5, sequence_stride=3, batch_size=4),
             dict(sequence_length=3, sampling_rate=2, batch_size=5, start_index=2,
                  end_index=25),
             dict(sequence_length=4, shuffle=True, seed=3, batch_size=100)]
    for kwargs in cases:
        for t in (targets, None):
            a = _ours(ours(data, t, **kwargs))
            b = _tf_batches(keras.utils.timeseries_dataset_from_array(data, t, **kwargs))
            if kwargs.get("shuffle"):  # Keras adds a tf.data buffer shuffle: same windows
                assert not np.array_equal(a[0][0], _ours(ours(data, t, 4, batch_size=100))[0][0])
                a, b = ([tuple(np.sort(c, axis=0) for c in batch) for batch in z] for z in (a, b))
            _assert_same_batches(a, b)
    single = ours(data, targets, 4, batch_size=None)
    assert single[0][0].shape == (4, 2) and int(single[0][1]) == 0
    for bad, match in ((dict(start_index=-1), "start_index"), (dict(end_index=40), "end_index"),
                       (dict(sampling_rate=0), "sampling_rate"),
                       (dict(sequence_stride=30), "sequence_stride"),
                       (dict(format="torch"), "format")):
        with pytest.raises(ValueError, match=match):
            ours(data, targets, 3, **bad)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("folders")
    for c, n in (("cats", 3), ("dogs", 4)):
        (root / "img" / c / "sub").mkdir(parents=True)
        (root / "txt" / c).mkdir(parents=True)
        for i in range(n):
            h, w = (9, 14) if i % 2 else (12, 8)
            save_img(root / "img" / c / ("sub" if i == 2 else "") / f"{i}.png",
                     RNG.uniform(0, 255, (h, w, 3)), scale=False)
            (root / "txt" / c / f"{i}.txt").write_text(f"{c} text number {i} " * (i + 1))
    (root / "img" / "cats" / "notes.md").write_text("not an image")
    return root


def test_directory_datasets_match_keras(keras, folders, capsys):
    from kfront.utils import image_dataset_from_directory as ours_img
    from kfront.utils import text_dataset_from_directory as ours_txt
    img_cases = [dict(shuffle=False, image_size=(6, 5)),
                 dict(seed=1, image_size=(7, 7), label_mode="categorical", batch_size=3),
                 dict(seed=2, label_mode="binary", validation_split=0.3, subset="training",
                      image_size=4, color_mode="grayscale"),
                 dict(seed=2, validation_split=0.3, subset="validation", label_mode=None,
                      image_size=(5, 6), crop_to_aspect_ratio=True, color_mode="rgba"),
                 dict(shuffle=False, image_size=(6, 5), data_format="channels_first",
                      class_names=["dogs", "cats"], interpolation="nearest")]
    for kwargs in img_cases:
        ours = ours_img(folders / "img", **kwargs)
        theirs = keras.utils.image_dataset_from_directory(folders / "img", **kwargs)
        assert ours.class_names == theirs.class_names and ours.file_paths == theirs.file_paths
        a, b = _ours(ours), _tf_batches(theirs)
        if kwargs.get("shuffle", True):  # Keras adds a tf.data buffer shuffle: same samples
            assert [len(x[0]) for x in a] == [len(x[0]) for x in b]
            a, b = ([_sorted_samples(z)] for z in (a, b))
        # Pillow's and TensorFlow's RGB -> gray conversions round differently (<= 1 level).
        _assert_same_batches(a, b, atol=1.0 if kwargs.get("color_mode") == "grayscale" else 1e-3)
    assert "Found 7 files belonging to 2 classes." in capsys.readouterr().out
    txt_cases = [dict(shuffle=False), dict(seed=4, max_length=12, batch_size=2),
                 dict(seed=5, label_mode="categorical", validation_split=0.4, subset="training"),
                 dict(shuffle=False, labels=[1, 0, 1, 0, 1, 0, 1], label_mode="binary")]
    for kwargs in txt_cases:
        ours = ours_txt(folders / "txt", **kwargs)
        theirs = keras.utils.text_dataset_from_directory(folders / "txt", **kwargs)
        assert ours.class_names == theirs.class_names
        a = [(t, *(c[i].tolist() for c in b[1:])) for b in _ours(ours)
             for i, t in enumerate(b[0].tolist())]
        b = [(t.decode(), *(c[i].tolist() for c in b[1:])) for b in _tf_batches(theirs)
             for i, t in enumerate(b[0].tolist())]
        if kwargs.get("shuffle", True):  # Keras adds a tf.data buffer shuffle: same samples
            a, b = sorted(a), sorted(b)
        assert a == b
    train, val = ours_img(folders / "img", seed=1, validation_split=0.5, subset="both",
                          image_size=3, verbose=False)
    assert len(train.file_paths) + len(val.file_paths) == 7
    assert not set(train.file_paths) & set(val.file_paths)
    assert train.batch(2)[0][0].shape == (2, 3, 3, 3) and train.unbatch()[0][0].shape == (3, 3, 3)
    for bad, match in ((dict(label_mode="sparse"), "label_mode"),
                       (dict(color_mode="cmyk"), "color_mode"),
                       (dict(validation_split=0.2, subset="training"), "seed"),
                       (dict(validation_split=0.2), "subset"),
                       (dict(labels=[0, 1]), "len\\(labels\\)"),
                       (dict(class_names=["cats", "birds"]), "class_names"),
                       (dict(image_size=(1, 2, 3)), "image_size"),
                       (dict(crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "only one")):
        with pytest.raises(ValueError, match=match):
            ours_img(folders / "img", verbose=False, **bad)
    with pytest.raises(ValueError, match="does not exist"):
        ours_txt(folders / "nothing", verbose=False)
    with pytest.raises(ValueError, match="exactly 2"):
        ours_txt(folders / "txt", labels=[0, 1, 2, 0, 1, 2, 0], label_mode="binary",
                 verbose=False)


def test_split_dataset_matches_keras(keras):
    from kfront.utils import split_dataset
    from kfront.utils.dataset_utils import IndexedDataset
    x, y = np.arange(20, dtype="float32").reshape(10, 2), np.arange(10)
    for data in (x, (x, y)):
        for kwargs in (dict(left_size=0.8), dict(right_size=3), dict(left_size=4, right_size=5),
                       dict(left_size=0.5, shuffle=True, seed=7)):
            ours = split_dataset(data, **kwargs)
            theirs = keras.utils.split_dataset(data, **kwargs)
            for a, b in zip(ours, theirs):
                _assert_same_batches(_ours(a), _tf_batches(b))
    batched = IndexedDataset(10, lambda i: (x[i], y[i]), batch_size=4)
    left, right = split_dataset(batched, left_size=0.6)
    assert [b[1].tolist() for b in left] == [[0, 1, 2, 3], [4, 5]] and len(right) == 1
    left, _ = split_dataset({"a": x, "b": y}, right_size=0.2)
    assert sorted(left[0]) == ["a", "b"] and len(left) == 8
    for bad, error in ((dict(), ValueError), (dict(left_size=10), ValueError),
                       (dict(left_size=0.7, right_size=0.7), ValueError),
                       (dict(left_size="half"), TypeError)):
        with pytest.raises(error):
            split_dataset(x, **bad)
    with pytest.raises(TypeError, match="split_dataset"):
        split_dataset(object(), left_size=0.5)


def test_datasets_train_on_every_backend(backend):
    import kfront
    from kfront.utils import split_dataset, timeseries_dataset_from_array
    series = np.sin(np.arange(64, dtype="float32") / 4)[:, None]
    ds = timeseries_dataset_from_array(series[:-1], series[5:, 0], 5, batch_size=16)
    model = kfront.Sequential([kfront.Input((5, 1)), kfront.layers.Flatten(),
                               kfront.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    left, right = split_dataset((np.ones((12, 5, 1), "float32"), np.zeros(12, "float32")), 0.5)
    assert np.isfinite(model.evaluate(left.batch(4), verbose=0))
    assert model.predict(right.batch(4).__class__(6, lambda i: right.make_batch(i)[0], 4),
                         verbose=0).shape == (6, 1)


def test_audio_dataset_matches_keras(keras, tmp_path):
    import wave
    from kfront.utils import audio_dataset_from_directory as ours
    for c, lengths in (("no", (30, 17)), ("yes", (25, 40, 8))):
        (tmp_path / c).mkdir()
        for i, n in enumerate(lengths):
            with wave.open(str(tmp_path / c / f"{i}.wav"), "wb") as f:
                f.setnchannels(2)
                f.setsampwidth(2)
                f.setframerate(8000)
                f.writeframes(RNG.integers(-32768, 32767, (n, 2)).astype("<i2").tobytes())
    (tmp_path / "no" / "bad.wav").write_bytes(b"RIFF garbage")
    cases = [dict(shuffle=False, batch_size=2), dict(shuffle=False, output_sequence_length=20),
             dict(shuffle=False, label_mode="categorical", batch_size=3,
                  class_names=["yes", "no"])]
    with pytest.raises(ValueError, match="bad.wav"):
        list(ours(tmp_path, shuffle=False, verbose=False))
    (tmp_path / "no" / "bad.wav").unlink()
    for kwargs in cases:
        _assert_same_batches(_ours(ours(tmp_path, verbose=False, **kwargs)),
                             _tf_batches(keras.utils.audio_dataset_from_directory(
                                 tmp_path, verbose=False, **kwargs)))
    with pytest.raises(NotImplementedError, match="ragged"):
        ours(tmp_path, ragged=True)
    with pytest.raises(NotImplementedError, match="resampling"):
        ours(tmp_path, sampling_rate=16000)
    with pytest.raises(ValueError, match="sampling_rate"):
        ours(tmp_path, sampling_rate=-1)
