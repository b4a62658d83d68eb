"""The seed lecture's CNN on MNIST (two 5x5 convolutions with max pooling, Dense(1024)), built
with the Functional API and trained as on the slide: Adam, batch 100, 3 epochs.

Run: ``python examples/seed_cnn.py`` (any backend: ``KFRONT_BACKEND=torch python ...``);
``--smoke`` trains on a few hundred digits for one epoch. kfront bundles 5000 real MNIST digits;
with Keras's ``mnist.npz`` in ``~/.keras/datasets`` the full set is used.
"""
from __future__ import annotations

import os

import kfront as keras
from kfront.datasets import mnist
from kfront.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
from kfront.models import Model
from kfront.optimizers import Adam
from kfront.utils import to_categorical
from plot_history import parse_args, save_history_plot


def load_data(limit: int | None = None):
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train[:limit, ..., None].astype("float32") / 255
    x_test = x_test[:limit, ..., None].astype("float32") / 255
    return ((x_train, to_categorical(y_train[:limit], 10)),
            (x_test, to_categorical(y_test[:limit], 10)))


def build_model(dense_units: int = 1024):
    inputs = Input(shape=(28, 28, 1))
    hidden = Conv2D(32, kernel_size=(5, 5), activation="relu")(inputs)
    hidden = MaxPooling2D(pool_size=(2, 2))(hidden)
    hidden = Conv2D(64, kernel_size=(5, 5), activation="relu")(hidden)
    hidden = MaxPooling2D(pool_size=(2, 2))(hidden)
    hidden = Flatten()(hidden)
    hidden = Dense(dense_units, activation="relu")(hidden)
    outputs = Dense(10, activation="softmax")(hidden)
    return Model(inputs=inputs, outputs=outputs)


def main(epochs: int = 3, smoke: bool = False, plot_dir: str = ".") -> float:
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = load_data(200 if smoke else None)
    model = build_model(64 if smoke else 1024)
    model.compile(loss="categorical_crossentropy", optimizer=Adam(), metrics=["acc"])
    history = model.fit(x_train, y_train, validation_data=(x_test, y_test), batch_size=100,
                        epochs=1 if smoke else epochs, verbose=0 if smoke else 1)
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"backend {keras.config.backend()}: test accuracy {acc * 100:.2f}% (loss {loss:.4f})")
    save_history_plot(history.history, os.path.join(plot_dir, "cnn_history.png"),
                      f"seed CNN ({keras.config.backend()})")
    return acc


if __name__ == "__main__":
    args = parse_args(__doc__.splitlines()[0], epochs=3)
    main(args.epochs, args.smoke, args.plot_dir)
