"""Compiling a model again without ``metrics`` keeps the metrics compiled before, as Keras 3
does (it replaces its CompileMetrics only when metrics or weighted_metrics are given): history
keys, ``model.metrics`` names and ``evaluate``'s results as Keras's."""
from __future__ import annotations

import numpy as np

import kfront


def _recompiled(lib) -> tuple:
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = x[:, :1] * 2
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)])
    model.set_weights([np.full((3, 1), 0.5, "float32"), np.zeros(1, "float32")])
    model.compile("sgd", "mse", metrics=["mae"], weighted_metrics=["mse"])
    model.fit(x, y, epochs=1, verbose=0)
    model.compile("sgd", "mse")
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0).history
    return (history, [m.name for m in model.metrics],
            model.evaluate(x, y, verbose=0, return_dict=True))


def test_compile_without_metrics_keeps_previous_metrics(keras):
    history, names, results = _recompiled(kfront)
    k_history, k_names, k_results = _recompiled(keras)
    assert sorted(history) == sorted(k_history) and "mae" in history
    assert names == k_names
    assert sorted(results) == sorted(k_results)
    for key in k_results:
        np.testing.assert_allclose(results[key], k_results[key], rtol=1e-5)
        np.testing.assert_allclose(history[key], k_history[key], rtol=1e-5)
