"""kfront.callbacks and kfront.utils.progbar, driven by hand with a tiny fake model and compared
with Keras 3's callbacks and progress bar where Keras is installed."""
import itertools
import re
import time

import numpy as np
import pytest

from kfront import callbacks, metrics
from kfront.utils.progbar import Progbar


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


class FakeOptimizer:
    def __init__(self, learning_rate=0.1, name="sgd"):
        self.learning_rate = learning_rate
        self.name = name


class FakeModel:
    """The attributes callbacks use: stop_training, optimizer, get/set_weights, metrics."""

    def __init__(self, metrics_list=None):
        self.stop_training = False
        self.optimizer = FakeOptimizer()
        self.weights = [np.zeros(2)]
        self.metrics = metrics_list or []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]


def run_epochs(cb, model, values, monitor="val_loss", extra=None):
    """Drive ``cb`` like fit does: weights = [epoch, epoch]; returns the last epoch run."""
    cb.set_model(model)
    cb.on_train_begin()
    last = None
    for epoch, value in enumerate(values):
        cb.on_epoch_begin(epoch)
        model.weights = [np.full(2, float(epoch))]
        logs = {monitor: value, **(extra or {})}
        cb.on_epoch_end(epoch, logs)
        last = epoch
        if model.stop_training:
            break
    cb.on_train_end()
    return last


# --------------------------------------------------------------------------- EarlyStopping
def test_early_stopping_stops_at_the_right_epoch_and_restores_best_weights():
    model = FakeModel()
    es = callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    # best at epoch 1 (0.5); epochs 2 and 3 do not improve -> stop at epoch 3
    last = run_epochs(es, model, [1.0, 0.5, 0.6, 0.7, 0.1, 0.05])
    assert last == 3 and es.stopped_epoch == 3 and model.stop_training
    assert es.best == 0.5 and es.best_epoch == 1
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])


def test_early_stopping_without_restore_keeps_last_weights():
    model = FakeModel()
    es = callbacks.EarlyStopping(monitor="loss", patience=1)
    last = run_epochs(es, model, [1.0, 2.0, 3.0], monitor="loss")
    assert last == 1
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])


def test_early_stopping_min_delta_and_max_mode():
    model = FakeModel()
    es = callbacks.EarlyStopping(monitor="val_acc", mode="max", min_delta=0.1, patience=1)
    # 0.55 and 0.58 are improvements smaller than min_delta over 0.5 -> stop at epoch 1
    assert run_epochs(es, model, [0.5, 0.55, 0.58], monitor="val_acc") == 1


def test_early_stopping_auto_mode_uses_metric_direction():
    acc = metrics.resolve("acc", (4,), (4, 3))
    model = FakeModel(metrics_list=[metrics.Mean(name="loss"), acc])
    es = callbacks.EarlyStopping(monitor="val_acc", patience=0)
    assert run_epochs(es, model, [0.5, 0.7, 0.6], monitor="val_acc") == 2
    assert es.monitor_op is np.greater
    es = callbacks.EarlyStopping(monitor="val_mystery")
    with pytest.raises(ValueError, match="mode='max'"):
        run_epochs(es, FakeModel(), [0.5], monitor="val_mystery")


def test_early_stopping_missing_monitor_warns():
    es = callbacks.EarlyStopping(monitor="val_loss")
    es.set_model(FakeModel())
    es.on_train_begin()
    with pytest.warns(UserWarning, match="val_loss"):
        es.on_epoch_end(0, {"loss": 1.0})


ES_SCENARIOS = [
    ({"patience": 0}, [1.0, 1.2, 0.5]),
    ({"patience": 2, "restore_best_weights": True}, [1.0, 0.5, 0.6, 0.7, 0.4, 0.8, 0.9, 1.0]),
    ({"patience": 1, "min_delta": 0.2}, [1.0, 0.85, 0.7, 0.6, 0.55]),
    ({"patience": 1, "baseline": 0.3, "restore_best_weights": True}, [1.0, 0.9, 0.8, 0.7]),
    ({"patience": 0, "start_from_epoch": 2, "restore_best_weights": True}, [1.0, 2.0, 3.0, 4.0]),
    ({"mode": "max", "patience": 1}, [0.1, 0.3, 0.2, 0.25, 0.5]),
    ({"patience": 3, "restore_best_weights": True}, [1.0, 0.9, 0.8, 0.7]),  # never stops
]


@pytest.mark.parametrize("kw,values", ES_SCENARIOS)
def test_early_stopping_matches_keras(keras, kw, values):
    ours_model, their_model = FakeModel(), FakeModel()
    ours = callbacks.EarlyStopping(**kw)
    theirs = keras.callbacks.EarlyStopping(**kw)
    assert run_epochs(ours, ours_model, values) == run_epochs(theirs, their_model, values)
    assert ours.stopped_epoch == theirs.stopped_epoch
    assert ours.best_epoch == theirs.best_epoch
    assert ours.best == theirs.best and ours.wait == theirs.wait
    assert ours_model.stop_training == their_model.stop_training
    np.testing.assert_array_equal(ours_model.weights[0], their_model.weights[0])


# ----------------------------------------------------------- LearningRateScheduler / ReduceLR
def test_learning_rate_scheduler_sets_and_logs_the_rate():
    model = FakeModel()
    cb = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    cb.set_model(model)
    rates = []
    for epoch in range(4):
        cb.on_epoch_begin(epoch)
        logs = {"loss": 1.0}
        cb.on_epoch_end(epoch, logs)
        rates.append(logs["learning_rate"])
    assert rates == pytest.approx([0.1, 0.05, 0.025, 0.0125])
    assert model.optimizer.learning_rate == pytest.approx(0.0125)


def test_learning_rate_scheduler_old_api_and_errors():
    model = FakeModel()
    cb = callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    cb.set_model(model)
    cb.on_epoch_begin(2)
    assert model.optimizer.learning_rate == pytest.approx(0.03)
    bad = callbacks.LearningRateScheduler(lambda epoch, lr: "fast")
    bad.set_model(model)
    with pytest.raises(ValueError, match="float"):
        bad.on_epoch_begin(0)
    nolr = callbacks.LearningRateScheduler(lambda epoch, lr: lr)
    nolr.set_model(type("M", (), {"optimizer": object()})())
    with pytest.raises(ValueError, match="learning_rate"):
        nolr.on_epoch_begin(0)


def test_learning_rate_scheduler_accepts_tensor_rates():
    import kfront
    model = FakeModel()
    model.optimizer.learning_rate = kfront.Variable(np.float32(0.5), trainable=False)
    cb = callbacks.LearningRateScheduler(lambda epoch, lr: lr / 2)
    cb.set_model(model)
    cb.on_epoch_begin(0)
    assert model.optimizer.learning_rate == pytest.approx(0.25)


def test_learning_rate_scheduler_verbose(capsys):
    cb = callbacks.LearningRateScheduler(lambda epoch, lr: 0.5, verbose=1)
    cb.set_model(FakeModel())
    cb.on_epoch_begin(0)
    assert "Epoch 1: LearningRateScheduler setting learning rate to 0.5." in capsys.readouterr().out


RLR_SCENARIOS = [
    ({"factor": 0.5, "patience": 1}, [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5]),
    ({"factor": 0.2, "patience": 2, "cooldown": 1, "min_lr": 0.01}, [1.0] * 12),
    ({"factor": 0.5, "patience": 1, "mode": "max"}, [0.1, 0.2, 0.2, 0.1, 0.3]),
    ({"factor": 0.5, "patience": 1, "min_delta": 0.3}, [1.0, 0.8, 0.6, 0.3, 0.2]),
]


@pytest.mark.parametrize("kw,values", RLR_SCENARIOS)
def test_reduce_lr_on_plateau_matches_keras(keras, kw, values):
    ours_model, their_model = FakeModel(), FakeModel()
    ours, theirs = callbacks.ReduceLROnPlateau(**kw), keras.callbacks.ReduceLROnPlateau(**kw)
    ours_rates, their_rates = [], []
    for cb, model, rates in ((ours, ours_model, ours_rates), (theirs, their_model, their_rates)):
        cb.set_model(model)
        cb.on_train_begin()
        for epoch, v in enumerate(values):
            logs = {"val_loss": v}
            cb.on_epoch_end(epoch, logs)
            rates.append((model.optimizer.learning_rate, logs["learning_rate"]))
    assert ours_rates == pytest.approx(their_rates)
    assert ours_rates[-1][0] < 0.1  # the scenarios do reduce


def test_reduce_lr_on_plateau_example():
    model = FakeModel()
    cb = callbacks.ReduceLROnPlateau(factor=0.5, patience=2, min_lr=0.03)
    cb.set_model(model)
    cb.on_train_begin()
    for epoch, v in enumerate([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]):
        cb.on_epoch_end(epoch, {"val_loss": v})
    assert model.optimizer.learning_rate == pytest.approx(0.03)
    with pytest.raises(ValueError, match="factor"):
        callbacks.ReduceLROnPlateau(factor=1.5)


# ----------------------------------------------------------------- History / CallbackList
class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            calls = object.__getattribute__(self, "calls")
            return lambda *args, **kw: calls.append((name, args, kw))
        return object.__getattribute__(self, name)


def test_callback_list_calls_every_hook_in_order():
    a, b = Recorder(), Recorder()
    model = FakeModel()
    cbs = callbacks.CallbackList([a, [b]], model=model, verbose=0, epochs=1, steps=2)
    assert a.model is model and b.params == {"verbose": 0, "epochs": 1, "steps": 2}
    hooks = [("on_train_begin", ()), ("on_epoch_begin", (0,)), ("on_train_batch_begin", (0,)),
             ("on_train_batch_end", (0,)), ("on_test_begin", ()), ("on_test_batch_begin", (0,)),
             ("on_test_batch_end", (0,)), ("on_test_end", ()), ("on_epoch_end", (0,)),
             ("on_train_end", ()), ("on_predict_begin", ()), ("on_predict_batch_begin", (0,)),
             ("on_predict_batch_end", (0,)), ("on_predict_end", ()), ("on_batch_begin", (1,)),
             ("on_batch_end", (1,))]
    for name, args in hooks:
        getattr(cbs, name)(*args, logs={"loss": np.float32(0.5)})
    for rec in (a, b):
        assert [c[0] for c in rec.calls] == [h[0] for h in hooks]
        assert all(c[1][-1] == {"loss": 0.5} or c[2].get("logs") == {"loss": 0.5}
                   for c in rec.calls)


def test_callback_list_pythonifies_and_sorts_logs(keras):
    seen = []
    cbs = callbacks.CallbackList([callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(logs))])
    logs = {"loss": np.float32(0.25), "acc": np.array(1.0), "out": {"b_metric": 2},
            "name": "text"}
    cbs.on_epoch_end(0, logs)
    from keras.src.utils.python_utils import pythonify_logs
    assert seen == [pythonify_logs(logs)]
    # sorted by the outer keys, a nested dict's entries take its place
    assert list(seen[0]) == ["acc", "loss", "name", "b_metric"]
    assert type(seen[0]["loss"]) is float


def test_unbalanced_end_raises():
    with pytest.raises(ValueError, match="on_xxx_begin"):
        callbacks.CallbackList([]).on_train_end()


def test_history_via_callback_list():
    model = FakeModel()
    cbs = callbacks.CallbackList([], add_history=True, model=model)
    assert isinstance(model.history, callbacks.History)
    cbs.on_train_begin()
    for epoch in range(3):
        cbs.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1), "val_loss": 2.0})
    cbs.on_train_end()
    assert model.history.epoch == [0, 1, 2]
    assert model.history.history == {"loss": [1.0, 0.5, 1 / 3], "val_loss": [2.0, 2.0, 2.0]}
    assert model.history.params is None  # empty params are not propagated (as Keras)
    # a History given by the user is used instead of a new one
    h = callbacks.History()
    cbs = callbacks.CallbackList([h], add_history=True, model=model, epochs=3)
    assert model.history is h and h.params == {"epochs": 3}
    assert sum(isinstance(c, callbacks.History) for c in cbs.callbacks) == 1


def test_scheduler_learning_rate_reaches_history():
    model = FakeModel()
    cbs = callbacks.CallbackList([callbacks.LearningRateScheduler(lambda e, lr: 0.1 / (e + 1))],
                                 add_history=True, model=model)
    cbs.on_train_begin()
    for epoch in range(2):
        cbs.on_epoch_begin(epoch)
        cbs.on_epoch_end(epoch, {"loss": 1.0})
    assert model.history.history["learning_rate"] == pytest.approx([0.1, 0.05])


def test_terminate_on_nan(capsys):
    model = FakeModel()
    cb = callbacks.TerminateOnNaN()
    cbs = callbacks.CallbackList([cb], model=model)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    assert not model.stop_training
    cbs.on_train_batch_end(1, {"loss": float("inf")})
    assert model.stop_training
    assert "Batch 1: Invalid loss, terminating training" in capsys.readouterr().out
    model.stop_training = False
    cbs.on_train_batch_end(2, {"loss": np.float32("nan")})
    assert model.stop_training
    strict = callbacks.TerminateOnNaN(raise_error=True)
    strict.set_model(FakeModel())
    with pytest.raises(RuntimeError, match="batch 4"):
        strict.on_train_batch_end(4, {"loss": float("nan")})


def test_base_callback_routes_train_batches_to_on_batch():
    class Counter(callbacks.Callback):
        n = 0

        def on_batch_end(self, batch, logs=None):
            self.n += 1

    c = Counter()
    c.on_train_batch_end(0)
    c.on_test_batch_end(0)
    c.on_predict_batch_end(0)
    assert c.n == 1


def test_lambda_callback():
    events = []
    cb = callbacks.LambdaCallback(on_train_begin=lambda logs: events.append("begin"),
                                  on_train_batch_end=lambda b, logs: events.append(b),
                                  on_test_end=lambda logs: events.append("test"))
    cbs = callbacks.CallbackList([cb])
    cbs.on_train_begin()
    cbs.on_train_batch_end(7)
    cbs.on_test_begin()
    cbs.on_test_end()
    cbs.on_epoch_end(0)  # default: nothing
    assert events == ["begin", 7, "test"]


# ------------------------------------------------------------------------------ CSVLogger
def _csv_run(cb_cls, path, epochs_logs, **kw):
    cb = cb_cls(str(path), **kw)
    cb.set_model(FakeModel())
    cb.on_train_begin()
    for epoch, logs in enumerate(epochs_logs):
        cb.on_epoch_end(epoch, logs)
    cb.on_train_end()
    return path.read_bytes()


def test_csv_logger_writes_rows(tmp_path):
    path = tmp_path / "log.csv"
    _csv_run(callbacks.CSVLogger, path, [{"loss": 0.5, "acc": 0.25}, {"loss": 0.25, "acc": 0.5}])
    rows = path.read_text().splitlines()
    assert rows == ["epoch,acc,loss,val_acc,val_loss", "0,0.25,0.5,NA,NA", "1,0.5,0.25,NA,NA"]
    # append mode adds rows without a second header
    _csv_run(callbacks.CSVLogger, path, [{"loss": 0.125, "acc": 1.0}], append=True)
    assert path.read_text().splitlines()[-1] == "0,1.0,0.125,NA,NA"
    assert len(path.read_text().splitlines()) == 4


@pytest.mark.parametrize("kw", [{}, {"separator": ";"}])
def test_csv_logger_matches_keras_bytes(keras, tmp_path, kw):
    logs = [{"loss": 0.5, "val_loss": 0.75, "lst": [1, 2]}, {"loss": 0.25, "val_loss": 0.5,
                                                             "lst": [3, 4]}]
    ours = _csv_run(callbacks.CSVLogger, tmp_path / "a.csv", logs, **kw)
    theirs = _csv_run(keras.callbacks.CSVLogger, tmp_path / "b.csv", logs, **kw)
    assert ours == theirs
    assert ours.count(b"\n") == 3


# ------------------------------------------------------------------------------- Progbar
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def fake_clock(monkeypatch):
    """time.time() advancing 13 ms per call, restartable, shared by kfront's and Keras's bar."""
    state = {}

    def reset():
        state["it"] = itertools.count()

    def fake():
        return 1000.0 + 0.013 * next(state["it"])

    reset()
    monkeypatch.setattr(time, "time", fake)
    return reset


def _drive(bar_cls, script, **kw):
    bar = bar_cls(**kw)
    for call, args in script:
        getattr(bar, call)(*args)


PROGBAR_SCRIPTS = [
    ({"target": 4}, [("update", (1, [("loss", 0.5), ("acc", 0.25)])),
                     ("update", (2, [("loss", 0.25), ("acc", 0.5)])),
                     ("update", (4, [("loss", 0.125), ("acc", 1.0)]))]),
    ({"target": 40, "interval": 0.0}, [("update", (1, [("acc", 0.9), ("loss", 0.3)])),
                                       ("update", (25, [("acc", 0.8), ("loss", 0.2)])),
                                       ("update", (40, [("acc", 0.7), ("loss", 0.1)]))]),
    ({"target": 3, "stateful_metrics": ["acc"]}, [("add", (1, [("loss", 0.5), ("acc", 0.1)])),
                                                  ("add", (1, [("loss", 0.0001), ("acc", 0.2)])),
                                                  ("add", (1, [("loss", -2.0), ("acc", 0.3)]))]),
    ({"target": 3, "stateless_metrics": ["loss"]}, [("add", (1, [("loss", 0.5), ("n", 7)])),
                                                    ("add", (2, [("loss", 1.5), ("n", 8)]))]),
    ({"target": None}, [("update", (1, [("loss", 0.5)])), ("update", (5, [("loss", 0.25)])),
                        ("update", (9, [("loss", 0.125)], True))]),
    ({"target": 3, "verbose": 2}, [("update", (1, [("loss", 0.5)])),
                                   ("update", (3, [("loss", -0.25), ("mae", 0.00001)]))]),
    ({"target": 2, "verbose": 0}, [("update", (1, [("loss", 0.5)])), ("update", (2, []))]),
    ({"target": 1000, "width": 10, "unit_name": "sample", "interval": 0.0},
     [("update", (10, [("loss", 123.456)])), ("update", (1000, [("loss", 1.0)]))]),
]


@pytest.mark.parametrize("kw,script", PROGBAR_SCRIPTS)
def test_progbar_output_matches_keras_exactly(keras, capsys, fake_clock, kw, script):
    from keras.src.utils.progbar import Progbar as KProgbar
    fake_clock()
    _drive(Progbar, script, **kw)
    ours = capsys.readouterr().out
    fake_clock()
    _drive(KProgbar, script, **kw)
    theirs = capsys.readouterr().out
    assert ours == theirs
    if kw.get("verbose", 1):
        assert ours  # something was printed


def _visible_lines(out):
    """The lines a terminal would show last: ANSI styling and in-place redraws removed."""
    out = ANSI.sub("", out).replace("\b", "")
    return [seg.split("\r")[-1].rstrip() for seg in out.split("\n") if seg.strip()]


def test_progbar_format_without_keras(capsys, fake_clock):
    bar = Progbar(40)
    bar.update(1, [("acc", 0.9), ("loss", 0.3)])
    line = _visible_lines(capsys.readouterr().out)[-1]
    # the step count is padded to the width of the target, as Keras: " 1/40"
    assert line == " 1/40 ━━━━━━━━━━━━━━━━━━━━ 0s 13ms/step - acc: 0.9000 - loss: 0.3000"
    bar.update(40, [("acc", 0.5), ("loss", 0.00001)])
    line = _visible_lines(capsys.readouterr().out)[-1]
    # the final update shows elapsed time (ETA otherwise), the time per step excludes step 1,
    # and small values switch to %.4e
    assert line == "40/40 ━━━━━━━━━━━━━━━━━━━━ 0s 333us/step - acc: 0.5000 - loss: 1.0000e-05"


def test_progbar_averages_stateless_values():
    bar = Progbar(10, verbose=0)
    bar.update(2, [("loss", 1.0)])
    bar.update(4, [("loss", 3.0)])
    assert bar._average("loss") == pytest.approx(2.0)  # both weighted by 2 steps
    bar.update(5, [("loss", 9.0)])
    assert bar._average("loss") == pytest.approx((2 + 6 + 9) / 5)
    with pytest.raises(ValueError, match="stateful_metrics"):
        Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


def test_progbar_interval_skips_redraws(capsys, fake_clock):
    bar = Progbar(100, interval=10.0)
    for step in range(1, 50):
        bar.update(step, [("loss", 1.0)])
    out = capsys.readouterr().out
    assert out.count("\r") == 1  # only the first update (last_update starts at 0)


# --------------------------------------------------------------------------- ProgbarLogger
def _drive_logger(logger, epochs=2, steps=3, verbose=1):
    logger.set_params({"verbose": verbose, "epochs": epochs, "steps": steps})
    logger.set_model(FakeModel())
    logger.on_train_begin()
    for epoch in range(epochs):
        logger.on_epoch_begin(epoch)
        for step in range(steps):
            logs = {"acc": 0.1 * (step + 1), "loss": 1.0 / (step + 1 + epoch)}
            logger.on_train_batch_begin(step)
            logger.on_train_batch_end(step, logs)
        logger.on_test_begin()
        logger.on_test_batch_end(0, {"loss": 5.0})
        logger.on_test_end({"loss": 5.0})
        logger.on_epoch_end(epoch, {**logs, "val_loss": 0.5})
    logger.on_train_end()


@pytest.mark.parametrize("verbose", [1, 2, "auto", 0])
def test_progbar_logger_matches_keras(keras, capsys, fake_clock, verbose):
    fake_clock()
    _drive_logger(callbacks.ProgbarLogger(), verbose=verbose)
    ours = capsys.readouterr().out
    fake_clock()
    _drive_logger(keras.callbacks.ProgbarLogger(), verbose=verbose)
    theirs = capsys.readouterr().out
    assert ours == theirs
    if verbose:
        assert "Epoch 2/2" in ours and "val_loss: 0.5000" in ours


def test_progbar_logger_output(capsys):
    _drive_logger(callbacks.ProgbarLogger(), epochs=2, steps=3, verbose=2)
    lines = _visible_lines(capsys.readouterr().out)
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert re.fullmatch(r"3/3 - \d+s - \d+us/step - acc: 0\.3000 - loss: 0\.3333 - "
                        r"val_loss: 0\.5000", lines[1]), lines[1]
    with pytest.raises(ValueError, match="count_mode"):
        callbacks.ProgbarLogger(count_mode="samples")


def test_callback_list_adds_progbar(capsys):
    model = FakeModel()
    cbs = callbacks.CallbackList([], add_history=True, add_progbar=True, model=model,
                                 verbose=1, epochs=1, steps=2)
    assert any(isinstance(c, callbacks.ProgbarLogger) for c in cbs.callbacks)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 0.5, "acc": 1.0})
    cbs.on_train_batch_end(1, {"loss": 0.25, "acc": 0.5})
    cbs.on_epoch_end(0, {"loss": 0.25, "acc": 0.5})
    cbs.on_train_end()
    line = _visible_lines(capsys.readouterr().out)[-1]
    assert line.startswith("2/2 ━━━━━━━━━━━━━━━━━━━━") and line.endswith(
        "- acc: 0.5000 - loss: 0.2500")
    assert model.history.history == {"acc": [0.5], "loss": [0.25]}
