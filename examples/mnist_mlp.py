"""The seed MLP (784-256-256-10) on the bundled MNIST digits: the README's demo.

Run: ``python examples/mnist_mlp.py`` (any backend: ``KFRONT_BACKEND=torch python ...``).
The script is plain Keras code with the imports changed to kfront.
"""
from __future__ import annotations

import argparse

import kfront as keras
from kfront import layers
from kfront.datasets import mnist
from kfront.utils import to_categorical


def load_data():
    """(x_train, y_train), (x_test, y_test): flattened float32 pixels in [0, 1], one-hot labels."""
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train.reshape(-1, 784).astype("float32") / 255
    x_test = x_test.reshape(-1, 784).astype("float32") / 255
    return (x_train, to_categorical(y_train, 10)), (x_test, to_categorical(y_test, 10))


def build_model():
    model = keras.Sequential()
    model.add(layers.Dense(256, activation="relu", input_shape=(784,)))
    model.add(layers.Dense(256, activation="relu"))
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(),
                  metrics=["acc"])
    return model


def main(epochs: int = 10, verbose: int = 1, seed: int | None = 0) -> float:
    if seed is not None:  # same initial weights and shuffling on every backend
        keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_data()
    model = build_model()
    if verbose:
        model.summary()
    model.fit(x_train, y_train, validation_data=(x_test, y_test), batch_size=100,
              epochs=epochs, verbose=verbose)
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"backend {keras.config.backend()}: test accuracy {acc * 100:.2f}% (loss {loss:.4f})")
    return acc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.epochs, seed=args.seed)
