"""keras-io's "Simple MNIST convnet" on the bundled MNIST digits, with the imports changed.

Run: ``python examples/mnist_convnet.py`` (any backend: ``KFRONT_BACKEND=torch python ...``).
The model, optimizer and batch size are keras-io's; ``--epochs`` defaults to 3 for the small
bundled set (4,000 training digits).
"""
from __future__ import annotations

import argparse

import numpy as np

import kfront as keras
from kfront import layers

num_classes = 10
input_shape = (28, 28, 1)


def load_data():
    """(x_train, y_train), (x_test, y_test): (N, 28, 28, 1) float32 in [0, 1], one-hot labels."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
    x_test = np.expand_dims(x_test.astype("float32") / 255, -1)
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)
    return (x_train, y_train), (x_test, y_test)


def build_model():
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ])


def main(epochs: int = 3, verbose: int = 1, seed: int | None = 0) -> float:
    if seed is not None:  # same initial weights and shuffling on every backend
        keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_data()
    model = build_model()
    if verbose:
        model.summary()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=128, epochs=epochs, validation_split=0.1,
              verbose=verbose)
    score = model.evaluate(x_test, y_test, verbose=0)
    print(f"backend {keras.config.backend()}: test accuracy {score[1] * 100:.2f}% "
          f"(loss {score[0]:.4f})")
    return score[1]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.epochs, seed=args.seed)
