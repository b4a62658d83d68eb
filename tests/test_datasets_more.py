"""kfront.datasets (all but mnist), kfront.utils.get_file and the safe unpickler.

Never touches the network: every dataset is written in Keras's exact file format into a
temporary KERAS_HOME, and kfront's loader output is compared with real Keras's loader
output on the same files (Keras's ``get_file`` is pointed at the same folder, without the
hash of the real file).
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import pickle
import tarfile
import urllib.error
import zipfile

import numpy as np
import pytest

from kfront.datasets import (boston_housing, california_housing, cifar10, cifar100,
                             fashion_mnist, imdb, reuters)
from kfront.datasets.cifar import load_batch
from kfront.utils import file_utils, get_file
from kfront.utils.safe_pickle import load_npz, load_pickle

RNG = np.random.default_rng(0)


def _ragged(n, vocab=40):
    return np.array([RNG.integers(1, vocab, RNG.integers(2, 9)).tolist() for _ in range(n)]
                    + [[1]], dtype=object)[:n]


def _cifar_batch(n, **labels):
    return pickle.dumps({b"batch_label": b"x", b"data": RNG.integers(0, 256, (n, 3072))
                         .astype("uint8"), **{k.encode(): v for k, v in labels.items()},
                         b"filenames": [b"f%d" % i for i in range(n)]}, protocol=3)


def _tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _idx(path, header, data):
    with gzip.open(path, "wb") as f:
        f.write(header + data.tobytes())


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A KERAS_HOME holding every dataset in Keras's format (small)."""
    root = tmp_path_factory.mktemp("keras_home")
    d = root / "datasets"
    (d / "fashion-mnist").mkdir(parents=True)
    np.savez(d / "imdb.npz", x_train=_ragged(12), y_train=RNG.integers(0, 2, 12),
             x_test=_ragged(9), y_test=RNG.integers(0, 2, 9))
    np.savez(d / "reuters.npz", x=_ragged(15), y=RNG.integers(0, 46, 15))
    (d / "imdb_word_index.json").write_text(json.dumps({"the": 1, "and": 2, "a": 3}))
    (d / "reuters_word_index.json").write_text(json.dumps({"said": 1, "mln": 2}))
    np.savez(d / "boston_housing.npz", x=RNG.normal(size=(20, 13)), y=RNG.normal(size=20))
    np.savez(d / "california_housing.npz", x=RNG.normal(size=(700, 8)), y=RNG.normal(size=700))
    for split, n in (("train", 7), ("t10k", 4)):
        _idx(d / "fashion-mnist" / f"{split}-labels-idx1-ubyte.gz", b"\0" * 8,
             RNG.integers(0, 10, n).astype("uint8"))
        _idx(d / "fashion-mnist" / f"{split}-images-idx3-ubyte.gz", b"\0" * 16,
             RNG.integers(0, 256, (n, 28, 28)).astype("uint8"))
    batches = {f"cifar-10-batches-py/data_batch_{i}": _cifar_batch(2, labels=[i, 9 - i])
               for i in range(1, 6)}
    batches["cifar-10-batches-py/test_batch"] = _cifar_batch(3, labels=[0, 1, 2])
    _tar(d / "cifar-10-batches-py-target_archive", batches)
    _tar(d / "cifar-100-python-target_archive", {
        f"cifar-100-python/{s}": _cifar_batch(n, fine_labels=list(range(n)),
                                              coarse_labels=[k % 20 for k in range(n)])
        for s, n in (("train", 5), ("test", 3))})
    return root


@pytest.fixture
def offline(monkeypatch, home):
    """KERAS_HOME -> home; any download attempt fails as if offline."""
    monkeypatch.setenv("KERAS_HOME", str(home))

    def no_network(url, *args, **kwargs):
        raise urllib.error.URLError(f"offline test: {url}")
    monkeypatch.setattr(file_utils.urllib.request, "urlretrieve", no_network)
    for module in (imdb, reuters, boston_housing, california_housing, fashion_mnist, cifar10,
                   cifar100):  # the real files' hashes cannot match these small ones
        monkeypatch.setattr(module, "get_file", _without_hash(get_file))
    return home


def _without_hash(fn, **extra):
    def wrapped(*args, **kwargs):
        kwargs.pop("file_hash", None)
        return fn(*args, **kwargs, **extra)
    return wrapped


@pytest.fixture
def keras_datasets(keras, offline, monkeypatch):
    """Real Keras's dataset modules, reading the same folder."""
    from keras.src.datasets import (boston_housing as kb, california_housing as kc,
                                    cifar100 as kc100, fashion_mnist as kf, imdb as ki,
                                    reuters as kr)
    from keras.src.utils.file_utils import get_file as keras_get_file
    for module in (kb, kc, kc100, kf, ki, kr):
        monkeypatch.setattr(module, "get_file",
                            _without_hash(keras_get_file, cache_dir=str(offline)))
    return {"boston_housing": kb, "california_housing": kc, "cifar100": kc100,
            "fashion_mnist": kf, "imdb": ki, "reuters": kr}


def _same(a, b):
    (xa, ya), (xta, yta) = a
    (xb, yb), (xtb, ytb) = b
    for u, v in ((xa, xb), (ya, yb), (xta, xtb), (yta, ytb)):
        assert type(u) is type(v)
        if isinstance(u, np.ndarray):
            assert u.dtype == v.dtype and u.shape == v.shape, (u.dtype, v.dtype, u.shape, v.shape)
            assert [list(s) if isinstance(s, list) else s for s in u.tolist()] == v.tolist()
        else:
            assert u == v


SEQ_CASES = [{}, {"num_words": 20, "skip_top": 2}, {"maxlen": 7}, {"start_char": None},
             {"oov_char": None, "num_words": 15}, {"index_from": 0, "start_char": None},
             {"seed": 7, "index_from": 1}]


def test_loaders_match_keras(keras_datasets):
    k = keras_datasets
    for kwargs in SEQ_CASES:
        _same(imdb.load_data(**kwargs), k["imdb"].load_data(**kwargs))
        _same(reuters.load_data(**kwargs), k["reuters"].load_data(**kwargs))
    _same(reuters.load_data(test_split=0.5), k["reuters"].load_data(test_split=0.5))
    assert imdb.get_word_index() == k["imdb"].get_word_index()
    assert reuters.get_word_index() == k["reuters"].get_word_index()
    assert reuters.get_label_names() == k["reuters"].get_label_names()
    for kwargs in ({}, {"test_split": 0.3, "seed": 1}):
        _same(boston_housing.load_data(**kwargs), k["boston_housing"].load_data(**kwargs))
        for version in ("large", "small"):
            _same(california_housing.load_data(version, **kwargs),
                  k["california_housing"].load_data(version, **kwargs))
    _same(fashion_mnist.load_data(), k["fashion_mnist"].load_data())
    for mode in ("fine", "coarse"):
        _same(cifar100.load_data(mode), k["cifar100"].load_data(mode))


def test_cifar10_and_load_batch(keras, offline):
    from keras.src.datasets.cifar import load_batch as keras_load_batch
    (x, y), (xt, yt) = cifar10.load_data()
    assert x.shape == (10, 32, 32, 3) and y.shape == (10, 1) and xt.shape == (3, 32, 32, 3)
    assert x.dtype == y.dtype == xt.dtype == yt.dtype == np.uint8
    assert y[:, 0].tolist() == [1, 8, 2, 7, 3, 6, 4, 5, 5, 4] and yt[:, 0].tolist() == [0, 1, 2]
    folder = offline / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    for name in ("data_batch_1", "data_batch_5", "test_batch"):
        ours, theirs = load_batch(folder / name), keras_load_batch(str(folder / name))
        np.testing.assert_array_equal(ours[0], theirs[0])
        assert ours[1] == theirs[1]
    np.testing.assert_array_equal(x[:2], load_batch(folder / "data_batch_1")[0]
                                  .transpose(0, 2, 3, 1))


def test_bad_arguments_and_corrupt_files(offline, tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data("medium")
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1.0)
    with pytest.raises(ValueError, match="version"):
        california_housing.load_data("tiny")
    with pytest.raises(ValueError, match="maxlen=1"):
        imdb.load_data(maxlen=1)
    with pytest.raises(TypeError, match="nb_words"):
        imdb.load_data(nb_words=3)
    bad = tmp_path / "datasets"
    bad.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    for name, load in (("imdb.npz", imdb.load_data), ("reuters.npz", reuters.load_data),
                       ("boston_housing.npz", boston_housing.load_data),
                       ("imdb_word_index.json", imdb.get_word_index)):
        (bad / name).write_bytes(b"not an archive")
        with pytest.raises(ValueError, match=name):
            load()
    (bad / "fashion-mnist").mkdir()
    for f in fashion_mnist.FILES:
        (bad / "fashion-mnist" / f).write_bytes(b"garbage")
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte.gz"):
        fashion_mnist.load_data()
    # Offline and absent: the error names the file and where to put it.
    with pytest.raises(OSError, match="reuters_word_index.json.*place the file at"):
        reuters.get_word_index()


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_crafted_pickles_are_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    batch = tmp_path / "data_batch_1"
    batch.write_bytes(pickle.dumps({b"data": _Evil(marker), b"labels": [1]}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match=r"data_batch_1.*refusing.*system"):
        load_batch(batch)
    npz = tmp_path / "imdb.npz"
    np.savez(npz, x_train=np.array([_Evil(marker), [1, 2]], dtype=object), y_train=[0, 1])
    with pytest.raises(pickle.UnpicklingError, match=r"imdb.npz.*refusing"):
        load_npz(npz)
    for payload in (pickle.dumps(_Evil(marker)), pickle.dumps(_Evil(marker), protocol=0)):
        with pytest.raises(pickle.UnpicklingError, match="evil.pkl"):
            load_pickle(io.BytesIO(payload), name="evil.pkl")
    assert not marker.exists()
    # Data round-trips, on both numpy spellings of pickled arrays and Python 2 style bytes.
    data = {"a": [1, 2.5, "s", (None, True)], "b": np.arange(6).reshape(2, 3), "c": {1: b"x"}}
    out = load_pickle(io.BytesIO(pickle.dumps(data, protocol=2)))
    assert out["a"] == data["a"] and out["c"] == data["c"]
    np.testing.assert_array_equal(out["b"], data["b"])
    with pytest.raises(ValueError, match="trunc.pkl"):
        load_pickle(io.BytesIO(pickle.dumps(data)[:20]), name="trunc.pkl")


def test_get_file_cache_hash_and_download(tmp_path, monkeypatch, capsys):
    calls = []

    def fake_urlretrieve(url, target, hook):
        calls.append(url)
        with open(target, "wb") as f:
            f.write(b"payload")
        hook(0, 4, 7), hook(1, 4, 7), hook(2, 4, 7)
    monkeypatch.setattr(file_utils.urllib.request, "urlretrieve", fake_urlretrieve)
    md5, sha = hashlib.md5(b"payload").hexdigest(), hashlib.sha256(b"payload").hexdigest()
    path = get_file("f.bin", "https://example.invalid/f.bin", file_hash=sha,
                    cache_dir=tmp_path)
    assert path == str(tmp_path / "datasets" / "f.bin") and len(calls) == 1
    assert "Downloading data from https://example.invalid/f.bin" in capsys.readouterr().out
    assert get_file("f.bin", "https://example.invalid/f.bin", md5_hash=md5,
                    cache_dir=tmp_path) == path and len(calls) == 1  # cached
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert get_file(origin="https://example.invalid/f.bin", file_hash=md5) == path
    assert len(calls) == 1  # name from the URL, KERAS_HOME honoured
    (tmp_path / "datasets" / "f.bin").write_bytes(b"stale")
    assert get_file("f.bin", "https://x.invalid/f.bin", file_hash=md5) == path
    assert len(calls) == 2 and open(path, "rb").read() == b"payload"  # re-downloaded
    with pytest.raises(ValueError, match="hash does not match"):
        get_file("g.bin", "https://x.invalid/g.bin", file_hash="0" * 64)
    get_file("f.bin", "https://x.invalid/f.bin", force_download=True)
    assert len(calls) == 4
    with pytest.raises(ValueError, match="not a path"):
        get_file("a/b.bin", "https://x.invalid/b.bin")
    with pytest.raises(ValueError, match="origin"):
        get_file("b.bin")
    with pytest.raises(ValueError, match="hash_algorithm"):
        get_file("f.bin", "https://x.invalid/f.bin", file_hash=md5, hash_algorithm="sha1")


def test_get_file_extraction_matches_keras_and_refuses_traversal(keras, tmp_path, monkeypatch):
    from keras.src.utils.file_utils import get_file as keras_get_file
    monkeypatch.setattr(file_utils.urllib.request, "urlretrieve",
                        lambda *a, **k: pytest.fail("no download expected"))
    d = tmp_path / "datasets"
    d.mkdir()
    _tar(d / "pack_archive", {"pack/a.txt": b"A"})
    _tar(d / "t.tar.gz", {"b.txt": b"B"})
    with zipfile.ZipFile(d / "z.zip", "w") as z:
        z.writestr("in/c.txt", "C")
    for fname, fmt in (("pack", "auto"), ("t.tar.gz", "tar"), ("z.zip", "zip"),
                       ("z.zip", "auto")):
        ours = get_file(fname, "https://x.invalid/" + fname, extract=True,
                        archive_format=fmt, cache_dir=tmp_path)
        theirs = keras_get_file(fname, "https://x.invalid/" + fname, extract=True,
                                archive_format=fmt, cache_dir=str(tmp_path))
        assert ours == theirs and os.path.isdir(ours)
    assert (d / "pack" / "pack" / "a.txt").read_text() == "A"
    assert (d / "t_extracted" / "b.txt").read_text() == "B"
    assert (d / "z_extracted" / "in" / "c.txt").read_text() == "C"
    os.remove(d / "pack_archive")  # extracted folder alone is enough
    assert get_file("pack", "https://x.invalid/pack", extract=True, cache_dir=tmp_path) \
        == str(d / "pack")

    _tar(d / "evil.tar", {"../escaped.txt": b"X"})
    with zipfile.ZipFile(d / "evil.zip", "w") as z:
        z.writestr("../escaped.txt", "X")
    with tarfile.open(d / "link.tar", "w") as tar:
        info = tarfile.TarInfo("out")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc"
        tar.addfile(info)
    for fname in ("evil.tar", "evil.zip", "link.tar"):
        with pytest.raises(ValueError, match="refusing archive member"):
            get_file(fname, "https://x.invalid/" + fname, extract=True, cache_dir=tmp_path)
    assert not (tmp_path / "escaped.txt").exists() and not (d / "escaped.txt").exists()
    (d / "plain.txt").write_text("x")
    with pytest.warns(UserWarning, match="could not extract"):
        get_file("plain.txt", "https://x.invalid/plain.txt", extract=True, cache_dir=tmp_path)
