"""Sharded weights (``save_weights(..., max_shard_size=GB)`` -> ``.weights.json`` + shards):
round trips on every backend, both ways with real Keras 3, and refusal of bad indexes."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

import kfront
from conformance.support import backend  # noqa: F401  (fixture)

SHARD_GB = 200 / 1024 ** 3   # 200 bytes: the (8, 16) kernel (512 bytes) cannot fit


def _model(lib):
    model = lib.Sequential([lib.Input((8,)), lib.layers.Dense(6, name="a"),
                            lib.layers.Dense(4, name="b")])
    model.compile(optimizer="adam", loss="mse")
    return model


def _trained(lib):
    model = _model(lib)
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(16, 8)).astype("float32"),
              rng.normal(size=(16, 4)).astype("float32"), epochs=2, verbose=0)
    return model


def _same(a, b):
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
    for x, y in zip(a.optimizer.variables, b.optimizer.variables):
        np.testing.assert_array_equal(kfront.ops.convert_to_numpy(x.value) if hasattr(x, "value")
                                      else np.asarray(x), np.asarray(y))


def test_sharded_round_trip_with_optimizer_state(backend, tmp_path):
    model = _trained(kfront)
    path = tmp_path / "m.weights.json"
    model.save_weights(path, max_shard_size=SHARD_GB)
    shards = sorted(p for p in os.listdir(tmp_path) if p.endswith(".h5"))
    assert len(shards) >= 3 and shards[0] == "m_00000.weights.h5"
    index = json.loads(path.read_text())
    assert index["metadata"]["total_size"] == sum(
        np.asarray(kfront.ops.convert_to_numpy(v.value)).nbytes
        for v in model.weights + model.optimizer.variables)
    back = _model(kfront)
    back.load_weights(path)
    _same(model, back)


def test_keras_reads_kfront_shards_and_kfront_reads_keras_shards(keras, tmp_path):
    ours = _trained(kfront)
    ours.save_weights(tmp_path / "ours.weights.json", max_shard_size=SHARD_GB)
    theirs = _model(keras)
    theirs.build((None, 8))
    theirs.optimizer.build(theirs.trainable_variables)
    theirs.load_weights(tmp_path / "ours.weights.json")
    for x, y in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(x, y)

    keras_model = _trained(keras)
    keras_model.save_weights(tmp_path / "k.weights.json", max_shard_size=SHARD_GB)
    assert len([p for p in os.listdir(tmp_path) if p.startswith("k_")]) >= 3
    back = _model(kfront)
    back.load_weights(tmp_path / "k.weights.json")
    for x, y in zip(back.get_weights(), keras_model.get_weights()):
        np.testing.assert_array_equal(x, y)
    assert int(back.optimizer.iterations.numpy()) == int(keras_model.optimizer.iterations.numpy())


def test_bad_shards_and_indexes_are_refused(tmp_path):
    model = _trained(kfront)
    path = tmp_path / "m.weights.json"
    with pytest.raises(ValueError, match="more than max_shard_size"):
        model.save_weights(path, max_shard_size=1e-8)
    with pytest.raises(ValueError, match=r"must end in `\.weights\.json`"):
        model.save_weights(tmp_path / "m.bin", max_shard_size=1)
    model.save_weights(path, max_shard_size=SHARD_GB)
    target = _model(kfront)
    before = target.get_weights()
    index = json.loads(path.read_text())
    group = next(iter(index["weight_map"]))
    for bad in ("../outside.weights.h5", "/etc/passwd", "x.pkl"):
        index["weight_map"][group] = bad
        path.write_text(json.dumps(index))
        with pytest.raises(ValueError, match="plain '.h5' file name"):
            target.load_weights(path)
    index["weight_map"][group] = "gone_00000.weights.h5"
    path.write_text(json.dumps(index))
    with pytest.raises(FileNotFoundError, match="gone_00000.weights.h5"):
        target.load_weights(path)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not a sharded-weights index"):
        target.load_weights(path)
    for x, y in zip(target.get_weights(), before):  # nothing was assigned
        np.testing.assert_array_equal(x, y)
