"""TensorBoard's batch scalars taken late (``CallbackList.defer_batch_logs``): when TensorBoard is
the only callback reading batch logs, ``fit`` keeps flushing the metrics every few batches (the
device runs ahead) and hands TensorBoard each batch's logs at the flush. The event files must
hold the same scalars at the same steps as when another callback forces a flush at every batch,
on every backend."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

import kfront  # noqa: E402
from kfront import layers  # noqa: E402
from kfront.callbacks import CallbackList, LambdaCallback, TensorBoard  # noqa: E402
from conformance.support import backend  # noqa: E402,F401  (pytest fixture)

RNG = np.random.default_rng(5)
X = RNG.normal(size=(23, 4)).astype("float32")  # batches of 2: 12 a epoch, the last of 1
Y = np.eye(3, dtype="float32")[RNG.integers(0, 3, 23)]


class _Watched(TensorBoard):
    """A TensorBoard that notes how many batches had begun when each batch's logs came."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.begun, self.begun_at_end = 0, []

    def on_train_batch_begin(self, batch, logs=None):
        self.begun += 1
        super().on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.begun_at_end.append(self.begun)
        super().on_train_batch_end(batch, logs)


def _fit(logdir, update_freq, others=()):
    kfront.utils.set_random_seed(3)
    model = kfront.Sequential([layers.Input((4,)), layers.Dense(5, activation="relu"),
                               layers.Dense(3, activation="softmax")])
    model.compile(optimizer=kfront.optimizers.Adam(0.01), loss="categorical_crossentropy",
                  metrics=["acc"])
    tb = _Watched(str(logdir), update_freq=update_freq)
    model.fit(X, Y, batch_size=2, epochs=2, verbose=0, shuffle=False,
              callbacks=[tb, *others])
    acc = EventAccumulator(str(logdir / "train"), size_guidance={"scalars": 0})
    acc.Reload()
    scalars = {tag: [(e.step, e.value) for e in acc.Scalars(tag)]
               for tag in acc.Tags()["scalars"]}
    return scalars, tb.begun_at_end


@pytest.mark.usefixtures("backend")
@pytest.mark.parametrize("update_freq", ["batch", 5])
def test_late_batch_scalars_equal_flushed_ones(tmp_path, update_freq):
    seen = []
    reader = LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(logs["loss"]))
    every_batch, begun = _fit(tmp_path / "every", update_freq, [reader])
    assert begun == list(range(1, 25))  # a reader of batch logs: each batch's logs at its end
    late, begun = _fit(tmp_path / "late", update_freq)
    assert begun != list(range(1, 25)) and sorted(begun) == begun  # late, in order
    assert len(begun) == 24
    assert late.keys() == every_batch.keys() >= {"batch_loss", "batch_acc", "epoch_loss"}
    for tag, events in every_batch.items():
        assert late[tag] == events, tag
    steps = list(range(1, 25)) if update_freq == "batch" else [5, 10, 15, 20]
    assert [step for step, _ in late["batch_loss"]] == steps
    np.testing.assert_allclose([v for _, v in late["batch_loss"]],
                               [seen[s - 1] for s in steps], rtol=1e-6)


def test_late_logs_only_when_every_reader_takes_them(tmp_path):
    def defers(*callbacks):
        return CallbackList(list(callbacks)).defer_batch_logs()
    reader = LambdaCallback(on_train_batch_end=lambda batch, logs: None)
    assert defers(TensorBoard(str(tmp_path), update_freq="batch"))
    assert not defers(TensorBoard(str(tmp_path)))  # update_freq="epoch": no batch logs read
    assert not defers(TensorBoard(str(tmp_path), update_freq="batch"), reader)
    # a batch's wall time is measured around it
    assert not defers(TensorBoard(str(tmp_path), update_freq="batch",
                                  write_steps_per_second=True))
    callbacks = CallbackList([TensorBoard(str(tmp_path), update_freq=2)])
    assert callbacks.defer_batch_logs() and not callbacks.reads_batch_logs()
