"""``evaluate(callbacks=...)`` and the validation inside ``fit`` call the test hooks in Keras 3's
order: a recording callback sees the same sequence of hooks, batch indices and log keys on
kfront (every backend) as on real Keras. Also a fit regression on TensorFlow (sparse
crossentropy after TimeDistributed, whose take_along_axis gradient XLA used to reject)."""
from __future__ import annotations

import numpy as np
import pytest

import kfront

HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_test_begin",
         "on_test_end", "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
         "on_test_batch_end", "on_predict_begin", "on_predict_end"]
X = np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3)
Y = np.array([[0.5], [1.0], [-1.0], [2.0]], "float32")


def _recorder(base):
    """A callback class recording (hook, batch/epoch, sorted log keys) for every hook."""
    def make(name):
        def hook(self, *args, **kwargs):  # logs come by keyword or position
            index = [a for a in args if isinstance(a, int)]
            logs = kwargs.get("logs", next((a for a in args if not isinstance(a, int)), None))
            self.seq.append((name, *index, tuple(sorted(logs or {}))))
            if name == "on_test_end":
                self.test_end_logs.append(dict(logs))
        return hook

    namespace = {name: make(name) for name in HOOKS}
    namespace["__init__"] = lambda self: (base.__init__(self), setattr(self, "seq", []),
                                          setattr(self, "test_end_logs", []))[0]
    return type("Recorder", (base,), namespace)


def _run(lib, model):
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    rec = _recorder(lib.callbacks.Callback)
    fit_rec, freq_rec, eval_rec = rec(), rec(), rec()
    model.fit(X, Y, batch_size=2, epochs=2, validation_data=(X[:3], Y[:3]), verbose=0,
              callbacks=[fit_rec], shuffle=False)
    model.fit(X, Y, batch_size=2, epochs=2, validation_data=(X[:3], Y[:3]), verbose=0,
              callbacks=[freq_rec], shuffle=False, validation_freq=2)
    result = model.evaluate(X, Y, batch_size=2, verbose=0, callbacks=[eval_rec],
                            return_dict=True)
    return {"fit": fit_rec.seq, "freq": freq_rec.seq, "eval": eval_rec.seq,
            "eval_end": eval_rec.test_end_logs, "result": result,
            "val_end": fit_rec.test_end_logs}


def _model(lib):
    return lib.Sequential([lib.Input((3,)), lib.layers.Dense(1, kernel_initializer="ones")])


@pytest.fixture(scope="module")
def keras_run():
    import keras
    return _run(keras, _model(keras))


def test_test_hooks_order_matches_keras(backend, keras_run):
    got = _run(kfront, _model(kfront))
    for key in ("fit", "freq", "eval"):
        assert got[key] == keras_run[key], key
    assert len(got["val_end"]) == 2 and len(got["eval_end"]) == 1
    for mine, theirs in zip(got["val_end"] + got["eval_end"],
                            keras_run["val_end"] + keras_run["eval_end"]):
        assert mine.keys() == theirs.keys() == {"loss", "mae"}
        np.testing.assert_allclose(list(mine.values()), list(theirs.values()), rtol=1e-5)
    assert got["eval_end"][0] == pytest.approx(got["result"])


def test_evaluate_batch_logs_and_progbar(capsys):
    """Batch logs are the running metrics of the batches so far (as Keras), also with the
    metrics otherwise flushed every few batches; verbose=1 shows a progress bar."""
    model = _model(kfront)
    model.compile(optimizer="sgd", loss="mse")
    seen = []
    hook = kfront.callbacks.LambdaCallback(
        on_test_batch_end=lambda batch, logs: seen.append(logs["loss"]))
    model.evaluate(X, Y, batch_size=1, verbose=0, callbacks=[hook])
    errors = (X.sum(axis=1, keepdims=True) - Y) ** 2
    np.testing.assert_allclose(seen, np.cumsum(errors) / np.arange(1, 5), rtol=1e-5)
    capsys.readouterr()
    model.evaluate(X, Y, batch_size=2, verbose=1)
    assert "2/2" in capsys.readouterr().out


def test_tensorflow_sparse_crossentropy_after_time_distributed():
    """LSTM(return_sequences) + TimeDistributed(Dense softmax) + sparse crossentropy trains on
    TensorFlow (XLA-compiled step), with the loss of the one-hot categorical crossentropy."""
    from conformance.support import activate
    activate("tensorflow")
    try:
        layers = kfront.layers
        model = kfront.Sequential([layers.Input((5, 3)), layers.LSTM(4, return_sequences=True),
                                   layers.TimeDistributed(layers.Dense(6, activation="softmax"))])
        rng = np.random.default_rng(0)
        x, y = rng.random((8, 5, 3)).astype("float32"), rng.integers(0, 6, (8, 5))
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        history = model.fit(x, y, batch_size=4, verbose=0)
        assert np.isfinite(history.history["loss"][0])
        sparse = model.evaluate(x, y, verbose=0)
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        assert sparse == pytest.approx(model.evaluate(x, np.eye(6)[y], verbose=0), rel=1e-5)
    finally:
        kfront.config.set_backend("numpy")
