"""ModelCheckpoint and BackupAndRestore: driven by hand next to Keras 3's own callbacks (same
hooks, same logs: same files, messages, warnings and errors), then inside ``fit``."""
from __future__ import annotations

import json
import os
import warnings

import numpy as np
import pytest

import kfront
from kfront import callbacks, layers


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


class Recorder:
    """The part of a model ModelCheckpoint uses: ``save`` / ``save_weights`` are recorded."""

    metrics: list = []

    def __init__(self):
        self.saved = []

    def save(self, filepath, overwrite=True):
        self.saved.append(("model", filepath))

    def save_weights(self, filepath, overwrite=True):
        self.saved.append(("weights", filepath))


def _drive(cls, epoch_logs, batch_logs=None, **kwargs):
    """Run ``cls(**kwargs)`` through a fit-like sequence of hooks; returns (saved files,
    printed lines, warning messages, the callback)."""
    import contextlib
    import io
    model = Recorder()
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        cb = cls(**kwargs)
        cb.set_model(model)
        cb.on_train_begin()
        for epoch, logs in enumerate(epoch_logs):
            cb.on_epoch_begin(epoch)
            for batch, blogs in enumerate((batch_logs or [[]] * len(epoch_logs))[epoch]):
                cb.on_train_batch_begin(batch)
                cb.on_train_batch_end(batch, dict(blogs))
            cb.on_epoch_end(epoch, dict(logs))
        cb.on_train_end()
    lines = [line for line in out.getvalue().splitlines() if line]
    return model.saved, lines, [str(w.message) for w in caught], cb


def _both(keras, *args, **kwargs):
    ours = _drive(callbacks.ModelCheckpoint, *args, **kwargs)
    theirs = _drive(keras.callbacks.ModelCheckpoint, *args, **kwargs)
    return ours, theirs


EPOCHS = [{"loss": 0.9, "val_loss": 0.80, "val_acc": 0.5}, {"loss": 0.7, "val_loss": 0.85,
                                                            "val_acc": 0.7},
          {"loss": 0.5, "val_loss": 0.6, "val_acc": 0.6}, {"loss": 0.4, "val_loss": 0.6,
                                                           "val_acc": 0.9}]


def test_file_names_are_formatted_like_keras(keras, tmp_path):
    path = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}-{loss:.3f}.keras")
    (ours, lines, warns, _), (theirs, k_lines, k_warns, _) = _both(
        keras, EPOCHS, filepath=path, verbose=1)
    assert ours == theirs
    assert [os.path.basename(p) for _, p in ours] == [
        "ckpt-01-0.80-0.900.keras", "ckpt-02-0.85-0.700.keras", "ckpt-03-0.60-0.500.keras",
        "ckpt-04-0.60-0.400.keras"]
    assert lines == k_lines and len(lines) == 8  # "saving model to", "finished saving"
    assert warns == k_warns == []


@pytest.mark.parametrize("monitor, mode, threshold", [
    ("val_loss", "auto", None), ("val_loss", "min", None), ("val_acc", "max", None),
    ("val_loss", "max", None), ("val_loss", "min", 0.7), ("val_acc", "max", 0.65),
    ("loss", "auto", 0.1)])
def test_save_best_only_like_keras(keras, tmp_path, monitor, mode, threshold):
    kwargs = dict(filepath=str(tmp_path / "best-{epoch}.keras"), monitor=monitor, mode=mode,
                  save_best_only=True, initial_value_threshold=threshold, verbose=1)
    (ours, lines, _, cb), (theirs, k_lines, _, k_cb) = _both(keras, EPOCHS, **kwargs)
    assert ours == theirs
    assert lines == k_lines
    assert (cb.best is None) == (k_cb.best is None)
    if cb.best is not None:
        assert cb.best == pytest.approx(float(k_cb.best))
    expected = {("val_loss", "auto", None): [1, 3], ("val_loss", "min", None): [1, 3],
                ("val_acc", "max", None): [1, 2, 4], ("val_loss", "max", None): [1, 2],
                ("val_loss", "min", 0.7): [3], ("val_acc", "max", 0.65): [2, 4],
                ("loss", "auto", 0.1): []}[(monitor, mode, threshold)]
    assert [p for _, p in ours] == [str(tmp_path / f"best-{e}.keras") for e in expected]


def test_weights_only(keras, tmp_path):
    path = str(tmp_path / "w-{epoch:03d}.weights.h5")
    (ours, *_), (theirs, *_) = _both(keras, EPOCHS[:2], filepath=path, save_weights_only=True)
    assert ours == theirs == [("weights", str(tmp_path / "w-001.weights.h5")),
                              ("weights", str(tmp_path / "w-002.weights.h5"))]


def test_batch_save_freq_like_keras(keras, tmp_path):
    batches = [[{"loss": v} for v in (3.0, 2.0, 4.0, 1.0, 6.0)],
               [{"loss": v} for v in (5.0, 0.5, 0.7, 0.2, 0.1)]]
    path = str(tmp_path / "b-{epoch}-{batch}-{loss:.1f}.keras")
    (ours, lines, *_), (theirs, k_lines, *_) = _both(
        keras, EPOCHS[:2], batches, filepath=path, save_freq=3, verbose=1)
    assert ours == theirs
    assert lines == k_lines
    # every 3 batches, counted across epochs: batches 3 and 5+1 and 5+4 (1-based in names)
    assert [os.path.basename(p) for _, p in ours] == [
        "b-1-3-4.0.keras", "b-2-1-5.0.keras", "b-2-4-0.2.keras"]


def test_batch_save_best_only(tmp_path):
    """Keras 3.15 crashes here ('NoneType' object is not callable: its monitor op is only set
    at an epoch's end); kfront sets it at the first batch-level save."""
    batches = [[{"loss": v} for v in (3.0, 2.0, 4.0, 1.0)],
               [{"loss": v} for v in (5.0, 0.5, 0.7, 0.2)]]
    saved, *_ = _drive(callbacks.ModelCheckpoint, EPOCHS[:2], batches, monitor="loss",
                       filepath=str(tmp_path / "b-{epoch}-{batch}.keras"),
                       save_best_only=True, save_freq=2)
    assert [os.path.basename(p) for _, p in saved] == [
        "b-1-2.keras", "b-1-4.keras", "b-2-2.keras", "b-2-4.keras"]


def test_missing_monitor_warns_and_saves_like_keras(keras, tmp_path):
    logs = [{"loss": 0.5}, {"loss": 0.4}]
    (ours, _, warns, _), (theirs, _, k_warns, _) = _both(
        keras, logs, filepath=str(tmp_path / "m.keras"), save_best_only=True, mode="min")
    assert ours == theirs and len(ours) == 2
    assert warns == k_warns == ["Can save best model only with val_loss available."] * 2


def test_unknown_mode_warns_like_keras(keras, tmp_path):
    (ours, _, warns, _), (theirs, _, k_warns, _) = _both(
        keras, EPOCHS[:1], filepath=str(tmp_path / "m.keras"), mode="maximal")
    assert ours == theirs
    assert warns == k_warns == ["ModelCheckpoint mode 'maximal' is unknown, fallback to auto "
                                "mode."]


@pytest.mark.parametrize("kwargs", [
    {"filepath": "model.h6"}, {"filepath": "model.weights.h5.bak"},
    {"filepath": "model.keras", "save_weights_only": True},
    {"filepath": "model.h5", "save_weights_only": True},
    {"filepath": "m.keras", "save_freq": "batch"}, {"filepath": "m.keras", "save_freq": 2.5}])
def test_bad_arguments_raise_like_keras(keras, kwargs):
    with pytest.raises(ValueError) as theirs:
        keras.callbacks.ModelCheckpoint(**kwargs)
    with pytest.raises(ValueError) as ours:
        callbacks.ModelCheckpoint(**kwargs)
    # Keras's messages, except save_freq's, which kfront words for its own rule (> 0)
    same = str(ours.value) == str(theirs.value)
    assert same or "save_freq" in kwargs, (str(ours.value), str(theirs.value))
    assert "filepath" in str(ours.value) or "save_freq" in str(ours.value)


def test_format_key_missing_from_logs(tmp_path):
    with pytest.raises(KeyError, match="Failed to format this callback filepath.*val_acc"):
        _drive(callbacks.ModelCheckpoint, [{"loss": 1.0}],
               filepath=str(tmp_path / "{val_acc:.2f}.keras"), monitor="loss")


def test_accepted_paths_and_pathlike(tmp_path):
    callbacks.ModelCheckpoint(tmp_path / "m.keras")
    callbacks.ModelCheckpoint(tmp_path / "m.h5")
    cb = callbacks.ModelCheckpoint(tmp_path / "w.weights.h5", save_weights_only=True)
    assert cb.filepath == str(tmp_path / "w.weights.h5")


# ------------------------------------------------------------------------- inside fit
def _model(seed=1):
    kfront.utils.set_random_seed(seed)
    model = kfront.Sequential([layers.Input((4,)), layers.Dense(8, activation="relu"),
                               layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def _data(n=32):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x @ np.arange(1, 5, dtype="float32")[:, None]) * 0.1


def test_fit_saves_loadable_checkpoints(tmp_path):
    """Each epoch's file holds that epoch's weights; best-only keeps the best val_loss."""
    x, y = _data()
    model = _model()
    snapshots = []
    every = callbacks.ModelCheckpoint(str(tmp_path / "e{epoch:02d}.weights.h5"),
                                      save_weights_only=True)
    best = callbacks.ModelCheckpoint(str(tmp_path / "sub" / "best.keras"), save_best_only=True,
                                     monitor="val_mae")
    keep = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: snapshots.append((model.get_weights(), logs)))
    model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0,
              validation_data=(x[:8], y[:8]), callbacks=[every, best, keep])
    assert sorted(os.listdir(tmp_path)) == ["e01.weights.h5", "e02.weights.h5",
                                            "e03.weights.h5", "sub"]
    fresh = _model(seed=2)
    for epoch, (weights, _) in enumerate(snapshots):
        fresh.load_weights(str(tmp_path / f"e{epoch + 1:02d}.weights.h5"))
        for a, b in zip(fresh.get_weights(), weights):
            np.testing.assert_array_equal(a, b)
    best_epoch = int(np.argmin([logs["val_mae"] for _, logs in snapshots]))
    loaded = kfront.saving.load_model(str(tmp_path / "sub" / "best.keras"))
    for a, b in zip(loaded.get_weights(), snapshots[best_epoch][0]):
        np.testing.assert_array_equal(a, b)


def test_fit_batch_level_checkpoint(tmp_path):
    x, y = _data()
    model = _model()
    cb = callbacks.ModelCheckpoint(str(tmp_path / "{epoch}-{batch}.weights.h5"),
                                   save_weights_only=True, save_freq=3)
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0, callbacks=[cb])
    # 4 batches per epoch: saves after batches 3, 6 (epoch 2, batch 2)
    assert sorted(os.listdir(tmp_path)) == ["1-3.weights.h5", "2-2.weights.h5"]


def test_epoch_checkpoints_keep_fit_on_its_fast_path():
    """Epoch-level checkpoints and backups do not read batch logs, so fit still defers its
    metric updates; batch-level ModelCheckpoint reads them."""
    assert not callbacks.CallbackList([callbacks.ModelCheckpoint("m.keras"),
                                       callbacks.BackupAndRestore("b", save_freq=2)]
                                      ).reads_batch_logs()
    assert callbacks.CallbackList([callbacks.ModelCheckpoint("m.keras", save_freq=2)]
                                  ).reads_batch_logs()

    class Subclass(callbacks.ModelCheckpoint):
        def on_train_batch_end(self, batch, logs=None):
            super().on_train_batch_end(batch, logs)

    assert callbacks.CallbackList([Subclass("m.keras")]).reads_batch_logs()


# ---------------------------------------------------------------------- BackupAndRestore
class Interrupt(callbacks.Callback):
    def __init__(self, epoch, batch=None):
        super().__init__()
        self.at = (epoch, batch)
        self.epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        if self.at == (epoch, None):
            raise RuntimeError("interrupted")

    def on_train_batch_begin(self, batch, logs=None):
        if self.at == (self.epoch, batch):
            raise RuntimeError("interrupted")


def _flip_bytes(path, offset, count):
    with open(path, "r+b") as f:
        f.seek(offset)
        data = f.read(count)
        f.seek(offset)
        f.write(bytes(b ^ 0xFF for b in data))


def _uninterrupted(x, y, epochs):
    model = _model()
    model.fit(x, y, epochs=epochs, batch_size=8, shuffle=False, verbose=0)
    return model.get_weights()


@pytest.mark.parametrize("save_freq, interrupt, resumed_epochs", [
    ("epoch", (2, None), [2, 3]), ("epoch", (1, 3), [1, 2, 3]), (3, (2, 1), [2, 3]),
    (2, (0, 3), [0, 1, 2, 3])])
def test_backup_and_restore_resumes_exactly(tmp_path, save_freq, interrupt, resumed_epochs):
    x, y = _data()
    backup = str(tmp_path / "backup")
    model = _model()
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(backup, save_freq=save_freq),
                             Interrupt(*interrupt)])
    metadata = json.loads(open(os.path.join(backup, "training_metadata.json")).read())
    restarted = _model(seed=7)  # other initial weights: everything comes from the backup
    history = restarted.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                            callbacks=[callbacks.BackupAndRestore(backup, save_freq=save_freq)])
    assert history.epoch == resumed_epochs, metadata
    for a, b in zip(restarted.get_weights(), _uninterrupted(x, y, 4)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    assert not os.path.exists(backup)  # delete_checkpoint=True
    assert restarted.fit(x, y, epochs=1, verbose=0).epoch == [0]  # the resume point is used once


def test_backup_metadata_keeps_keras_keys(tmp_path):
    x, y = _data()
    backup = str(tmp_path / "b")
    _model().fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0,
                 callbacks=[callbacks.BackupAndRestore(backup, delete_checkpoint=False,
                                                       double_checkpoint=True)])
    assert sorted(os.listdir(backup)) == [
        "latest.weights.h5", "latest.weights.h5.bkp", "training_metadata.json",
        "training_metadata.json.bkp"]
    meta = json.loads(open(os.path.join(backup, "training_metadata.json")).read())
    prev = json.loads(open(os.path.join(backup, "training_metadata.json.bkp")).read())
    assert (meta["epoch"], meta["batch"], meta["step"]) == (2, 0, 0)
    assert (prev["epoch"], prev["step"]) == (1, 0)


def test_double_checkpoint_restores_the_previous_backup(tmp_path):
    x, y = _data()
    backup = str(tmp_path / "b")
    with pytest.raises(RuntimeError):
        _model().fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                     callbacks=[callbacks.BackupAndRestore(backup, double_checkpoint=True),
                                Interrupt(3)])
    _flip_bytes(os.path.join(backup, "latest.weights.h5"), 200, 64)  # damage the latest
    restarted = _model(seed=7)
    with pytest.warns(UserWarning, match="restoring the previous one"):
        history = restarted.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                                callbacks=[callbacks.BackupAndRestore(backup,
                                                                      double_checkpoint=True)])
    assert history.epoch == [2, 3]
    for a, b in zip(restarted.get_weights(), _uninterrupted(x, y, 4)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_damaged_backup_without_double_checkpoint_is_an_error(tmp_path):
    x, y = _data()
    backup = str(tmp_path / "b")
    with pytest.raises(RuntimeError):
        _model().fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0,
                     callbacks=[callbacks.BackupAndRestore(backup), Interrupt(2)])
    _flip_bytes(os.path.join(backup, "latest.weights.h5"), 300, 16)
    with pytest.raises(ValueError, match="latest.weights.h5"):
        _model().fit(x, y, epochs=3, batch_size=8, verbose=0,
                     callbacks=[callbacks.BackupAndRestore(backup)])


def test_backup_interrupted_before_its_rename_is_finished(tmp_path):
    """A backup killed after its metadata was replaced, before the weights were renamed into
    place, is completed at restore (``next.weights.h5`` holds the weights)."""
    x, y = _data()
    backup = str(tmp_path / "b")
    with pytest.raises(RuntimeError):
        _model().fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                     callbacks=[callbacks.BackupAndRestore(backup), Interrupt(2)])
    latest = os.path.join(backup, "latest.weights.h5")
    os.replace(latest, os.path.join(backup, "next.weights.h5"))
    restarted = _model(seed=7)
    history = restarted.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                            callbacks=[callbacks.BackupAndRestore(backup)])
    assert history.epoch == [2, 3]
    for a, b in zip(restarted.get_weights(), _uninterrupted(x, y, 4)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_backup_and_restore_arguments():
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.BackupAndRestore("b", save_freq="batch")
    unbuilt = kfront.Sequential([layers.Dense(1)])
    unbuilt.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="must be built"):
        unbuilt.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0,
                    callbacks=[callbacks.BackupAndRestore("b")])
