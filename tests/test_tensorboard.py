"""The TensorBoard callback: event files written by fit on every backend (in subprocesses, with
TensorFlow absent from the process except on the TensorFlow backend), read back by
tensorboard's own EventAccumulator with the expected tags, steps and values."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

BACKENDS = ("numpy", "torch", "jax", "tensorflow")

WRITER = r"""
import json, sys
import numpy as np
import kfront
from kfront import layers
x = np.random.default_rng(0).normal(size=(12, 3)).astype("float32")
y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
model = kfront.Sequential([kfront.Input((3,)), layers.Dense(4, activation="relu"), layers.Dense(1)])
model.compile(optimizer=kfront.optimizers.SGD(learning_rate=0.05), loss="mse", metrics=["mae"])
batches = []
record = kfront.callbacks.LambdaCallback(
    on_train_batch_end=lambda batch, logs: batches.append(logs["loss"]))
tb = kfront.callbacks.TensorBoard(sys.argv[1], histogram_freq=1, update_freq="batch")
history = model.fit(x[:9], y[:9], batch_size=3, epochs=2, verbose=0, validation_data=(x[9:], y[9:]),
                    callbacks=[record, tb])
evaluated = model.evaluate(x, y, verbose=0, return_dict=True)
# kfront's evaluate does not call callbacks yet (Keras's fit/evaluate do): drive the hooks
tb.on_test_begin()
tb.on_test_end(evaluated)
tb.on_train_end()
if kfront.backend.backend() != "tensorflow":
    assert "tensorflow" not in sys.modules, "TensorFlow was imported"
print(json.dumps({"history": history.history, "batches": batches, "evaluated": evaluated,
                  "weights": [w.tolist() for w in model.get_weights()],
                  "iterations": int(kfront.ops.convert_to_numpy(model.optimizer.iterations))}))
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each backend's fit, run at once in parallel subprocesses: (logdir, its printed results)."""
    procs = {}
    for name in BACKENDS:
        logdir = tmp_path_factory.mktemp(f"tb_{name}")
        env = dict(os.environ, KFRONT_BACKEND=name, PYTHONPATH=str(ROOT))
        procs[name] = (logdir, subprocess.Popen([sys.executable, "-c", WRITER, str(logdir)],
                                                env=env, stdout=subprocess.PIPE,
                                                stderr=subprocess.PIPE, text=True))
    results = {}
    for name, (logdir, proc) in procs.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{name}: {err[-3000:]}"
        results[name] = (logdir, json.loads(out.strip().splitlines()[-1]))
    return results


def _accumulator(path):
    acc = EventAccumulator(str(path), size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
    acc.Reload()
    return acc


def _scalars(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


@pytest.mark.parametrize("name", BACKENDS)
def test_event_files_read_back(runs, name):
    logdir, res = runs[name]
    assert sorted(os.listdir(logdir)) == ["train", "validation"]
    history = res["history"]
    train = _accumulator(logdir / "train")
    tags = train.Tags()
    assert {"epoch_loss", "epoch_mae", "epoch_learning_rate", "batch_loss",
            "batch_mae"} <= set(tags["scalars"])
    assert not any(t.startswith("epoch_val_") for t in tags["scalars"])
    for key in ("loss", "mae"):
        steps, values = zip(*_scalars(train, f"epoch_{key}"))
        assert steps == (0, 1)
        np.testing.assert_allclose(values, history[key], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in _scalars(train, "epoch_learning_rate")], [0.05] * 2,
                               rtol=1e-6)
    # update_freq="batch": one point per batch, steps counted from 1 across epochs (3 + 3)
    steps, values = zip(*_scalars(train, "batch_loss"))
    assert steps == tuple(range(1, 7))
    np.testing.assert_allclose(values, res["batches"], rtol=1e-6)
    # weight histograms at every epoch, tagged by weight.path as Keras 3 (a Sequential's layers
    # nest under its name); the last one summarises the final weights
    assert tags["histograms"] == [f"sequential/{w}/histogram" for w in (
        "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias")]
    for tag, weight in zip(tags["histograms"], res["weights"]):
        events = train.Histograms(tag)
        assert [e.step for e in events] == [0, 1]
        last, weight = events[-1].histogram_value, np.asarray(weight)
        assert last.num == weight.size and sum(last.bucket) == weight.size
        np.testing.assert_allclose([last.min, last.max, last.sum, last.sum_squares],
                                   [weight.min(), weight.max(), weight.sum(), (weight ** 2).sum()],
                                   rtol=1e-5, atol=1e-6)
    # write_graph: the model config for the Graphs tab (graph_keras_model plugin), as Keras
    assert tags["tensors"] == ["keras"]
    config = json.loads(train.Tensors("keras")[0].tensor_proto.string_val[0])
    assert config["class_name"] == "Sequential"
    validation = _accumulator(logdir / "validation")
    steps, values = zip(*_scalars(validation, "epoch_loss"))
    assert steps == (0, 1)
    np.testing.assert_allclose(values, history["val_loss"], rtol=1e-6)
    # an evaluation's results go against the optimizer's iterations
    events = _scalars(validation, "evaluation_loss_vs_iterations")
    assert events[-1][0] == res["iterations"] == 6
    np.testing.assert_allclose(events[-1][1], res["evaluated"]["loss"], rtol=1e-6)


def test_arguments_checked(tmp_path):
    from kfront.callbacks import TensorBoard
    with pytest.raises(ValueError, match="TensorBoard: `update_freq`.*'batch'.*Received: "
                                         "update_freq='step'"):
        TensorBoard(str(tmp_path), update_freq="step")
    with pytest.raises(ValueError, match="TensorBoard: `histogram_freq`.*-1"):
        TensorBoard(str(tmp_path), histogram_freq=-1)


def test_epoch_update_freq_reads_no_batch_logs(tmp_path):
    """With update_freq="epoch" (the default) fit need not wait for each batch's logs."""
    from kfront.callbacks import CallbackList, TensorBoard
    assert not CallbackList([TensorBoard(str(tmp_path))]).reads_batch_logs()
    assert CallbackList([TensorBoard(str(tmp_path), update_freq=2)]).reads_batch_logs()
