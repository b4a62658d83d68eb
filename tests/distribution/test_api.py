"""kfront.distribution's API objects (one process), compared with keras.distribution."""
import keras
import numpy as np
import pytest

import kfront
from kfront import distribution as dist


def test_mesh_layout_layoutmap_match_keras():
    for lib in (dist, keras.distribution):
        mesh = lib.DeviceMesh((2, 2), ["batch", "model"], devices=["cpu:0", "cpu:1", "cpu:2",
                                                                   "cpu:3"])
        assert tuple(mesh.shape) == (2, 2) and list(mesh.axis_names) == ["batch", "model"]
        assert mesh.devices.shape == (2, 2) and mesh.devices[1, 0] == "cpu:2"
        layout = lib.TensorLayout(["batch", None], mesh)
        assert tuple(layout.axes) == ("batch", None) and layout.device_mesh is mesh
        lm = lib.LayoutMap(mesh)
        lm["dense.*kernel"] = (None, "model")
        lm["dense.*bias"] = ("model",)
        assert lm["dense_1/kernel"].axes == (None, "model")
        assert lm["dense_1/bias"].axes == ("model",) and lm["conv/kernel"] is None
        assert lm["dense.*kernel"].device_mesh is mesh and len(lm) == 2
        dp = lib.DataParallel(devices=["cpu:0"])
        assert list(dp.device_mesh.axis_names) == ["batch"] and dp.device_mesh.devices.size == 1
    for bad in [lambda lib: lib.DeviceMesh((2, 2), ["batch"], devices=["cpu:0"] * 4),
                lambda lib: lib.DeviceMesh((3,), ["batch"], devices=["cpu:0", "cpu:1"])]:
        for lib in (dist, keras.distribution):
            with pytest.raises(ValueError):
                bad(lib)
    with pytest.raises(ValueError, match=r"holds 3 devices but 2 devices"):
        dist.DeviceMesh((3,), ["batch"], devices=["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match=r"2 axes .* 1 names"):
        dist.DeviceMesh((2, 2), ["batch"], devices=["cpu:0"] * 4)
    with pytest.raises(ValueError, match="'model' is not one of"):
        dist.TensorLayout(["model"], dist.DeviceMesh((1,), ["batch"], devices=["cpu:0"]))


def test_scope_devices_and_initialize(backend, monkeypatch):
    assert dist.list_devices("cpu")[0] == "cpu:0" and dist.get_device_count("cpu") >= 1
    with pytest.raises(ValueError, match="device_type"):
        dist.list_devices("abc")
    dp = dist.DataParallel(devices=["cpu:0"])
    assert dist.distribution() is None
    with dp.scope():
        assert dist.distribution() is dp
    assert dist.distribution() is None
    with pytest.raises(ValueError, match="set_distribution"):
        dist.set_distribution("data")
    for var in ("KERAS_DISTRIBUTION_JOB_ADDRESSES", "KERAS_DISTRIBUTION_NUM_PROCESSES",
                "KERAS_DISTRIBUTION_PROCESS_ID", "MASTER_ADDR", "WORLD_SIZE", "RANK"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ValueError, match="are needed"):
        dist.initialize()
    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "2")
    monkeypatch.setenv("KERAS_DISTRIBUTION_PROCESS_ID", "2")
    with pytest.raises(ValueError, match=r"process_id.*\[0, 2\).*got 2"):
        dist.initialize("127.0.0.1:1")
    with pytest.raises(ValueError, match="host:port"):
        dist.initialize("127.0.0.1", 2, 0)


def test_shard_and_mismatch_errors(monkeypatch):
    """The trainer hook's shard of each batch, and the errors naming both numbers (the process
    count faked: the real two-process runs are in test_multiprocess.py)."""
    monkeypatch.setattr(dist, "_process_count", lambda: 2)
    monkeypatch.setattr(dist, "_process_index", lambda: 1)
    x, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    assert dist.shard_batch(x, y, None)[0] is x  # no distribution set: the whole batch
    with pytest.raises(ValueError, match=r"mesh has 3 devices but the job has 2 processes"):
        dist.DataParallel(devices=["cpu:0", "cpu:1", "cpu:2"])
    with dist.DataParallel(devices=["cpu:0", "cpu:1"]).scope():
        sx, sy, sw = dist.shard_batch({"a": x}, y, None)
        np.testing.assert_array_equal(sx["a"], x[3:])
        np.testing.assert_array_equal(sy, y[3:])
        assert sw is None
        with pytest.raises(ValueError, match=r"batch size 5 does not divide across the 2 "):
            dist.shard_batch(x[:5], y[:5], None)
        model = kfront.Sequential([kfront.layers.Input((2,)), kfront.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        with pytest.raises(ValueError, match=r"batch size 3 does not divide across the 2 "):
            model.fit(x, y, batch_size=3, epochs=1, verbose=0)
