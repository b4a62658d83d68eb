"""The seed lecture's CNN (Conv2D 32 5x5 relu, MaxPooling2D, Conv2D 64 5x5 relu, MaxPooling2D,
Flatten, Dense 1024 relu, Dense 10 softmax; Adam, categorical crossentropy, batch 100, 3 epochs)
trained on the bundled digits reaches the same test accuracy as real Keras 3 from identical
initial weights."""
from __future__ import annotations

import time

import kfront


def _seed_cnn(lib):
    L = lib.layers
    inputs = L.Input(shape=(28, 28, 1))
    hidden = L.Conv2D(32, kernel_size=(5, 5), activation="relu")(inputs)
    hidden = L.MaxPooling2D(pool_size=(2, 2))(hidden)
    hidden = L.Conv2D(64, kernel_size=(5, 5), activation="relu")(hidden)
    hidden = L.MaxPooling2D(pool_size=(2, 2))(hidden)
    hidden = L.Flatten()(hidden)
    hidden = L.Dense(1024, activation="relu")(hidden)
    outputs = L.Dense(10, activation="softmax")(hidden)
    model = lib.Model(inputs=inputs, outputs=outputs)
    model.compile(loss="categorical_crossentropy", optimizer=lib.optimizers.Adam(),
                  metrics=["acc"])
    return model


def test_seed_cnn_matches_keras_accuracy(keras):
    (x_train, y_train), (x_test, y_test) = kfront.datasets.mnist.load_data()
    assert len(x_train) == 4000 and len(x_test) == 1000
    x_train = x_train.reshape(-1, 28, 28, 1).astype("float32") / 255
    x_test = x_test.reshape(-1, 28, 28, 1).astype("float32") / 255
    y_train = kfront.utils.to_categorical(y_train, 10)
    y_test = kfront.utils.to_categorical(y_test, 10)
    kfront.utils.set_random_seed(0)
    ours, theirs = _seed_cnn(kfront), _seed_cnn(keras)
    theirs.set_weights(ours.get_weights())
    accuracy = {}
    for name, model in (("kfront", ours), ("keras", theirs)):
        start = time.perf_counter()
        model.fit(x_train, y_train, validation_data=(x_test, y_test), batch_size=100, epochs=3,
                  shuffle=False, verbose=0)
        accuracy[name] = model.evaluate(x_test, y_test, verbose=0)[1]
        print(f"{name}: test accuracy {accuracy[name]:.4f}, "
              f"fit {time.perf_counter() - start:.1f}s")
    assert accuracy["keras"] > 0.9
    assert abs(accuracy["kfront"] - accuracy["keras"]) <= 0.01
