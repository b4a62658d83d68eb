"""Every input kind of fit / evaluate / predict trains like the array path (same batches)."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers
from kfront.utils import PyDataset, Sequence

N, BATCH = 48, 16  # three batches per epoch

RNG = np.random.default_rng(0)
X = RNG.normal(size=(N, 6)).astype("float32")
Y = np.eye(3, dtype="float32")[RNG.integers(0, 3, N)]
SW = RNG.uniform(0.5, 1.5, N).astype("float32")


class Batches(PyDataset):
    """Batches of (X, Y[, SW]) by index."""

    def __init__(self, with_weights=False, **kwargs):
        super().__init__(**kwargs)
        self.with_weights = with_weights
        self.epochs_ended = 0

    def __len__(self):
        return N // BATCH

    def __getitem__(self, i):
        s = slice(i * BATCH, (i + 1) * BATCH)
        return (X[s], Y[s], SW[s]) if self.with_weights else (X[s], Y[s])

    def on_epoch_end(self):
        self.epochs_ended += 1


class Reiterable:
    """An iterable that starts a new pass at each ``iter()``."""

    def __iter__(self):
        return batch_generator(forever=False)


def batch_generator(with_weights=False, forever=True):
    while True:
        for i in range(N // BATCH):
            s = slice(i * BATCH, (i + 1) * BATCH)
            yield (X[s], Y[s], SW[s]) if with_weights else (X[s], Y[s])
        if not forever:
            return


def _model():
    kfront.utils.set_random_seed(3)
    model = kfront.Sequential([layers.Input((6,)), layers.Dense(8, activation="relu"),
                               layers.Dense(3, activation="softmax")])
    model.compile(optimizer=kfront.optimizers.SGD(0.1), loss="categorical_crossentropy",
                  metrics=["acc"])
    return model


def _inputs(kind):
    """``(fit kwargs, evaluate/predict input)`` of each input kind (two epochs, same batches
    in the same order as the arrays with shuffle=False)."""
    if kind == "arrays":
        return dict(x=X, y=Y, batch_size=BATCH), X
    if kind == "generator":
        return dict(x=batch_generator(), steps_per_epoch=N // BATCH), batch_generator(False, False)
    if kind == "iterable":  # re-iterable: a fresh pass each epoch
        return dict(x=Reiterable()), None
    if kind.startswith("py_dataset"):
        workers = int(kind[-1])
        return dict(x=Batches(workers=workers)), Batches(workers=workers)
    if kind == "sequence_processes":
        return dict(x=Batches(workers=2, use_multiprocessing=True)), None
    if kind == "tf_data":
        tf = pytest.importorskip("tensorflow")
        ds = tf.data.Dataset.from_tensor_slices((X, Y)).batch(BATCH)
        return dict(x=ds), tf.data.Dataset.from_tensor_slices(X).batch(BATCH)
    if kind == "torch_loader":
        torch = pytest.importorskip("torch")
        data = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
        return dict(x=torch.utils.data.DataLoader(data, batch_size=BATCH)), \
            torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(X)),
                                        batch_size=BATCH)
    raise AssertionError(kind)


KINDS = ["arrays", "generator", "iterable", "py_dataset_1", "py_dataset_2",
         "sequence_processes", "tf_data", "torch_loader"]


def test_every_input_kind_trains_to_the_array_weights(backend):
    """Same initial weights, same batches: after two epochs every input kind gives the array
    path's weights and loss, and evaluate / predict on it give the array path's results;
    a PyDataset with two workers (threads or processes) gives what one worker gives."""
    model = _model()
    initial = model.get_weights()
    results = {}
    for kind in KINDS:
        model.set_weights(initial)
        fit_kwargs, eval_input = _inputs(kind)
        history = model.fit(epochs=2, shuffle=False, verbose=0, **fit_kwargs)
        pred = None if eval_input is None else model.predict(eval_input, verbose=0)
        results[kind] = (model.get_weights(), history.history["loss"], pred)
    want_w, want_loss, want_pred = results["arrays"]
    for kind, (got_w, got_loss, got_pred) in results.items():
        for a, b in zip(got_w, want_w):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6, err_msg=kind)
        np.testing.assert_allclose(got_loss, want_loss, rtol=1e-6, err_msg=kind)
        if got_pred is not None:
            np.testing.assert_allclose(got_pred, want_pred, rtol=1e-5, atol=1e-6, err_msg=kind)
    want_eval = model.evaluate(X, Y, batch_size=BATCH, verbose=0)
    for kind in ("generator", "py_dataset_2", "tf_data", "torch_loader"):
        x = _inputs(kind)[0]["x"]
        got = model.evaluate(x, steps=N // BATCH, verbose=0)
        np.testing.assert_allclose(got, want_eval, rtol=1e-5, err_msg=kind)


def test_weights_validation_and_epoch_arguments_with_a_py_dataset(backend):
    """class_weight, sample weights in the batches, validation data as a generator with
    validation_steps / validation_freq, and initial_epoch: the same as with arrays."""
    model = _model()
    initial = model.get_weights()
    cw = {0: 0.5, 1: 2.0, 2: 1.0}

    def run(**kw):
        model.set_weights(initial)
        h = model.fit(epochs=3, initial_epoch=1, shuffle=False, verbose=0,
                      validation_freq=2, **kw)
        return model.get_weights(), h.history

    want_w, want_h = run(x=X, y=Y, batch_size=BATCH, class_weight=cw,
                         validation_data=(X[:BATCH], Y[:BATCH]))
    got_w, got_h = run(x=Batches(), class_weight=cw,
                       validation_data=batch_generator(), validation_steps=1)
    assert sorted(got_h) == sorted(want_h) == ["acc", "loss", "val_acc", "val_loss"]
    assert len(got_h["loss"]) == 2 and len(got_h["val_loss"]) == 1  # epochs 2, 3; val at 2
    for k in want_h:
        np.testing.assert_allclose(got_h[k], want_h[k], rtol=1e-5, err_msg=k)
    for a, b in zip(got_w, want_w):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    want_w, _ = run(x=X, y=Y, sample_weight=SW, batch_size=BATCH)
    got_w, _ = run(x=batch_generator(with_weights=True), steps_per_epoch=N // BATCH)
    for a, b in zip(got_w, want_w):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_py_dataset_protocol_and_sequence_alias():
    ds = Batches()
    assert Sequence is PyDataset and ds.num_batches == 3 and ds.workers == 1
    assert [b[0].shape for b in ds] == [(BATCH, 6)] * 3
    model = _model()
    model.fit(ds, epochs=2, verbose=0)
    assert ds.epochs_ended == 2

    class NoSuper(PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 1

    with pytest.warns(UserWarning, match="super"):
        assert NoSuper().workers == 1


def test_bad_input_is_named():
    model = _model()

    def ragged():
        yield X[:BATCH], Y[:BATCH]
        yield X[:BATCH, :5], Y[:BATCH]

    with pytest.raises(ValueError, match=r"batch 1 of the generator has x of per-sample "
                                         r"shape \(5,\), but batch 0 had \(6,\)"):
        model.fit(ragged(), verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(batch_generator(), epochs=2, verbose=0)
    class Endless(Batches):
        num_batches = None

        def __getitem__(self, i):
            return super().__getitem__(i % 3)

    with pytest.raises(ValueError, match="x is an infinite PyDataset .* pass steps_per_epoch"):
        model.fit(Endless(), verbose=0)
    assert len(model.fit(Endless(), steps_per_epoch=4, epochs=2, verbose=0)
               .history["loss"]) == 2
    with pytest.raises(ValueError, match="y must not be given"):
        model.fit(batch_generator(), Y, steps_per_epoch=1, verbose=0)
    with pytest.raises(ValueError, match="validation_split needs x as arrays"):
        model.fit(Batches(), validation_split=0.5, verbose=0)
    with pytest.raises(TypeError, match="unsupported type of x: object"):
        model.fit(object(), verbose=0)
    with pytest.warns(RuntimeWarning, match="ran out of data"):
        h = model.fit(batch_generator(forever=False), steps_per_epoch=2, epochs=3, verbose=0)
    assert len(h.history["loss"]) == 2  # the second epoch found one batch, then stopped
