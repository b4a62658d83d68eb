"""The seed lecture's four RNNs (LSTM(128, dropout=0.2, recurrent_dropout=0.2)) on a real small
sequence task: MNIST digits read row by row, 28 steps of 28 pixels.

- many-to-one: one LSTM, the digit from the last state;
- many-to-many: ``return_sequences`` + ``TimeDistributed(Dense)``: a guess at every row
  (the target repeated over the steps; the last step's accuracy is reported);
- deep: two stacked LSTMs;
- bidirectional: ``Bidirectional(LSTM)``.

Run: ``python examples/seed_rnns.py`` (any backend: ``KFRONT_BACKEND=jax python ...``);
``--smoke`` uses a few digits, small LSTMs, one epoch and no validation.
"""
from __future__ import annotations

import os

import numpy as np

import kfront as keras
from kfront.datasets import mnist
from kfront.layers import LSTM, Bidirectional, Dense, Input, TimeDistributed
from kfront.models import Sequential
from kfront.utils import to_categorical
from plot_history import parse_args, save_history_plot


def load_data(limit: int | None = None):
    """Rows as time steps: x of shape (n, 28, 28) in [0, 1], integer labels."""
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    return ((x_train[:limit].astype("float32") / 255, y_train[:limit]),
            (x_test[:limit].astype("float32") / 255, y_test[:limit]))


def build(variant: str, units: int) -> Sequential:
    def lstm(**kwargs):
        return LSTM(units, dropout=0.2, recurrent_dropout=0.2, **kwargs)
    head = Dense(10, activation="softmax")
    stacks = {
        "many_to_one": [lstm(), head],
        "many_to_many": [lstm(return_sequences=True), TimeDistributed(head)],
        "deep": [lstm(return_sequences=True), lstm(), head],
        "bidirectional": [Bidirectional(lstm()), head],
    }
    return Sequential([Input((28, 28))] + stacks[variant])


def main(epochs: int = 3, smoke: bool = False, plot_dir: str = ".") -> dict:
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = load_data(32 if smoke else None)
    scores = {}
    for variant in ("many_to_one", "many_to_many", "deep", "bidirectional"):
        model = build(variant, 4 if smoke else 128)
        # one-hot targets, repeated over the steps for many-to-many
        targets = (lambda y: np.repeat(to_categorical(y, 10)[:, None], 28, axis=1)) \
            if variant == "many_to_many" else (lambda y: to_categorical(y, 10))
        model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        history = model.fit(x_train, targets(y_train), batch_size=32 if smoke else 100,
                            validation_data=None if smoke else (x_test, targets(y_test)),
                            epochs=1 if smoke else epochs, verbose=0 if smoke else 2)
        probs = keras.ops.convert_to_numpy(model.predict(x_test, verbose=0))
        last = probs[:, -1] if variant == "many_to_many" else probs
        scores[variant] = float(np.mean(last.argmax(-1) == y_test))
        print(f"{variant:>13}: test accuracy {scores[variant] * 100:.2f}%")
        save_history_plot(history.history, os.path.join(plot_dir, f"rnn_{variant}.png"),
                          f"{variant} LSTM ({keras.config.backend()})")
    return scores


if __name__ == "__main__":
    args = parse_args(__doc__.splitlines()[0], epochs=3)
    main(args.epochs, args.smoke, args.plot_dir)
