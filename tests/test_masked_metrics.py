"""Compiled metrics weigh a masked output by its mask, as Keras 3's reduction metrics do
(``MeanMetricWrapper`` reads ``y_pred``'s ``_keras_mask``): the mask crosses the compiled step
with the outputs and is put back on the host before the metrics update."""
from __future__ import annotations

import numpy as np
import pytest

import kfront

from conformance.support import backend  # noqa: F401  (fixture)

METRICS = ("accuracy", "sparse_categorical_crossentropy")


def _run(lib, sample_weight):
    rng = np.random.default_rng(0)
    x = rng.integers(1, 10, size=(8, 6))
    x[:, 4:] = 0
    x[:2, 2:] = 0  # padding: masked by Embedding(mask_zero=True)
    y = rng.integers(0, 5, size=(8, 6))
    model = lib.Sequential([lib.Input((6,)), lib.layers.Embedding(10, 4, mask_zero=True),
                            lib.layers.Dense(5, activation="softmax")])
    model.set_weights([np.random.default_rng(i).normal(size=v.shape).astype("float32")
                       for i, v in enumerate(model.get_weights())])
    model.compile("sgd", "sparse_categorical_crossentropy", weighted_metrics=[],
                  metrics=[*METRICS, lib.metrics.SparseTopKCategoricalAccuracy(2)])
    # (per-step weights: Keras 3.15 itself fails on (8,) weights with an (8, 6) mask)
    sw = None if sample_weight is None else np.linspace(0.5, 2.0, 48).reshape(8, 6)
    logs = model.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    history = model.fit(x, y, sample_weight=sw, batch_size=4, epochs=2, shuffle=False,
                        verbose=0).history
    return logs, history


@pytest.mark.parametrize("sample_weight", [None, "per-step"])
def test_masked_output_metrics_equal_keras(backend, keras, sample_weight):
    ours, ours_history = _run(kfront, sample_weight)
    theirs, their_history = _run(keras, sample_weight)
    assert sorted(ours) == sorted(theirs)
    for name in theirs:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-5, err_msg=name)
        np.testing.assert_allclose(ours_history[name], their_history[name], rtol=1e-4,
                                   err_msg=name)
    # the padded steps count: unmasked, the accuracy would differ
    assert abs(ours["accuracy"] - theirs["accuracy"]) < 1e-6
