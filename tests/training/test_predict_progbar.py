"""``predict`` and ``evaluate`` print Keras 3's progress bar, character for character, for
``verbose`` 0, 1, 2 and ``"auto"``: the text (ANSI styling, in-place redraws, the final newline)
equals real Keras's on the same model and data, with both bars' clocks frozen."""
from __future__ import annotations

import contextlib
import io
import types

import numpy as np
import pytest

import kfront

X = np.linspace(-1, 1, 15, dtype="float32").reshape(5, 3)
Y = np.linspace(0, 1, 10, dtype="float32").reshape(5, 2)
VERBOSE = [0, 1, 2, "auto"]


def _outputs(lib) -> dict:
    """Printed text of predict / evaluate for each verbose, on 5 samples (3 batches) and 1,
    and from generators."""
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2, kernel_initializer="ones")])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    out = {}
    for verbose in VERBOSE:
        for n in (5, 1):
            for what in ("predict", "evaluate"):
                buf = io.StringIO()
                with contextlib.redirect_stdout(buf):
                    if what == "predict":
                        model.predict(X[:n], batch_size=2, verbose=verbose)
                    else:
                        model.evaluate(X[:n], Y[:n], batch_size=2, verbose=verbose)
                out[what, verbose, n] = buf.getvalue()
    for verbose in (1, 2):  # a generator: steps unknown until it ends ("1/Unknown" first)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            model.predict(((X[i:i + 2],) for i in range(0, 5, 2)), verbose=verbose)
            model.evaluate(((X[i:i + 2], Y[i:i + 2]) for i in range(0, 5, 2)), verbose=verbose)
        out["generator", verbose, None] = buf.getvalue()
    return out


@contextlib.contextmanager
def _frozen_clocks():
    """Both progress bars read a clock that stands still: timings print as 0 and only the
    first and the final update draw (the 50 ms redraw interval never passes)."""
    from keras.src.utils import progbar as keras_progbar
    from kfront.utils import progbar
    frozen = types.SimpleNamespace(time=lambda: 1000.0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(progbar, "time", frozen)
        patch.setattr(keras_progbar, "time", frozen)
        yield


@pytest.fixture(scope="module")
def keras_outputs():
    import keras
    with _frozen_clocks():
        return _outputs(keras)


def test_predict_and_evaluate_print_keras_progress_bar(backend, keras_outputs):
    with _frozen_clocks():
        ours = _outputs(kfront)
    assert ours.keys() == keras_outputs.keys()
    for key, text in ours.items():
        assert text == keras_outputs[key], key
    what_printed = {key: bool(text) for key, text in ours.items()}
    assert what_printed == {key: key[1] != 0 for key in ours}  # silent only for verbose=0
    for key, text in ours.items():
        if key[1] != 0:  # one line per call (the generator's key: two calls)
            assert text.endswith("\n") and text.count("\n") == 1 + (key[0] == "generator"), key
    assert "1/Unknown" in ours["generator", 1, None]
    assert ours["predict", 2, 5] == "3/3 - 0s - 0s/step\n"
    assert ours["evaluate", 2, 1] == "1/1 - 0s - 0s/step - loss: 6.9041 - mae: 2.6270\n"
