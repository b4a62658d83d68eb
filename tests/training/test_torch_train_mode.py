"""On torch, ``fit`` puts the model in ``train()`` mode while it runs batches and ``eval()``
mode for validation, ``evaluate`` and ``predict``, as Keras's torch trainer does."""
from __future__ import annotations

import numpy as np
import pytest
from conformance.support import activate

import kfront
from kfront import callbacks, layers


@pytest.fixture
def torch_backend():
    activate("torch")
    yield
    kfront.config.set_backend("numpy")


def test_fit_trains_evaluate_and_predict_eval(torch_backend):
    model = kfront.Sequential([layers.Input((3,)), layers.Dense(2), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    seen = []
    probe = callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(("train", model.training,
                                                            model.layers[0].training)),
        on_test_batch_end=lambda batch, logs: seen.append(("test", model.training,
                                                           model.layers[0].training)),
        on_epoch_end=lambda epoch, logs: seen.append(("epoch_end", model.training)))
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 1), "float32")
    model.eval()
    model.fit(x, y, batch_size=2, epochs=1, validation_data=(x, y), callbacks=[probe],
              verbose=0)
    assert seen == [("train", True, True)] * 2 + [("test", False, False)] * 2 + [
        ("epoch_end", False)]
    model.train()
    model.evaluate(x, y, verbose=0)
    assert not model.training and not model.layers[1].training
    model.train()
    model.predict(x, verbose=0)
    assert not model.training
