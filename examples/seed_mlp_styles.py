"""The seed lecture's MLP (784-256-256-10) on MNIST in Keras's three styles: Sequential,
Functional and model subclassing; all three train the same way and should score alike.

Run: ``python examples/seed_mlp_styles.py`` (any backend: ``KFRONT_BACKEND=jax python ...``);
``--smoke`` trains on a few hundred digits for one epoch.
"""
from __future__ import annotations

import os

import kfront as keras
from kfront.datasets import mnist
from kfront.layers import Dense, Input
from kfront.models import Model, Sequential
from kfront.utils import to_categorical
from plot_history import parse_args, save_history_plot


def load_data(limit: int | None = None):
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train[:limit].reshape(-1, 784).astype("float32") / 255
    x_test = x_test[:limit].reshape(-1, 784).astype("float32") / 255
    return ((x_train, to_categorical(y_train[:limit], 10)),
            (x_test, to_categorical(y_test[:limit], 10)))


def sequential_mlp():
    model = Sequential()
    model.add(Dense(256, activation="relu", input_shape=(784,)))
    model.add(Dense(256, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    return model


def functional_mlp():
    inputs = Input(shape=(784,))
    hidden = Dense(256, activation="relu")(inputs)
    hidden = Dense(256, activation="relu")(hidden)
    outputs = Dense(10, activation="softmax")(hidden)
    return Model(inputs=inputs, outputs=outputs)


class MLP(Model):
    """The object-oriented style: layers as attributes, the forward pass in ``call``."""

    def __init__(self, num_classes: int = 10):
        super().__init__(name="MLP")
        self.dense_1 = Dense(256, activation="relu")
        self.dense_2 = Dense(256, activation="relu")
        self.dense_3 = Dense(num_classes, activation="softmax")

    def call(self, inputs):
        x = self.dense_1(inputs)
        x = self.dense_2(x)
        return self.dense_3(x)


def main(epochs: int = 5, smoke: bool = False, plot_dir: str = ".") -> dict:
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = load_data(256 if smoke else None)
    scores = {}
    for style, build in (("sequential", sequential_mlp), ("functional", functional_mlp),
                         ("subclassing", lambda: MLP(10))):
        model = build()
        model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(),
                      metrics=["acc"])
        history = model.fit(x_train, y_train, validation_data=(x_test, y_test), batch_size=100,
                            epochs=1 if smoke else epochs, verbose=0 if smoke else 2)
        scores[style] = model.evaluate(x_test, y_test, verbose=0)[1]
        print(f"{style:>11}: test accuracy {scores[style] * 100:.2f}%")
        save_history_plot(history.history, os.path.join(plot_dir, f"mlp_{style}.png"),
                          f"MLP, {style} ({keras.config.backend()})")
    return scores


if __name__ == "__main__":
    args = parse_args(__doc__.splitlines()[0], epochs=5)
    main(args.epochs, args.smoke, args.plot_dir)
