"""The lecture's seed RNNs (many-to-one LSTM, many-to-many with TimeDistributed, stacked LSTMs,
Bidirectional LSTM; dropout=0.2, recurrent_dropout=0.2 as in the slides) learn a synthetic task:
inputs are noisy +-1 steps, targets the sign of the running sum (many-to-many) or of the total."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers

STEPS, TRAIN, TEST = 11, 2000, 500


def _data(seq_targets: bool, seed: int):
    rng = np.random.default_rng(seed)
    steps = rng.choice([-1.0, 1.0], size=(TRAIN + TEST, STEPS))
    x = (steps + rng.normal(0, 0.2, steps.shape))[..., None].astype("float32")
    sums = np.cumsum(steps, axis=1)
    y = (sums > 0).astype("float32")[..., None] if seq_targets else \
        (sums[:, -1] > 0).astype("float32")[:, None]
    return (x[:TRAIN], y[:TRAIN]), (x[TRAIN:], y[TRAIN:])


def _lstm(**kwargs):
    return layers.LSTM(32, dropout=0.2, recurrent_dropout=0.2, **kwargs)


SEEDS = {
    "many_to_one": (False, lambda: [_lstm(), layers.Dense(1, activation="sigmoid")]),
    "many_to_many": (True, lambda: [_lstm(return_sequences=True),
                                    layers.TimeDistributed(layers.Dense(1, activation="sigmoid"))]),
    "stacked": (False, lambda: [_lstm(return_sequences=True), _lstm(),
                                layers.Dense(1, activation="sigmoid")]),
    "bidirectional": (False, lambda: [layers.Bidirectional(_lstm()),
                                      layers.Dense(1, activation="sigmoid")]),
}


@pytest.mark.parametrize("name", list(SEEDS))
def test_seed_rnn_learns_the_running_sign(name):
    kfront.utils.set_random_seed(0)
    seq_targets, make = SEEDS[name]
    (x, y), (x_test, y_test) = _data(seq_targets, seed=1)
    model = kfront.Sequential(make())
    model.compile(optimizer=kfront.optimizers.Adam(0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, batch_size=32, epochs=6, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.9, f"{name}: held-out accuracy {accuracy:.3f}"
