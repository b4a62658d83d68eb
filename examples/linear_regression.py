"""The seed lecture's linear regression, y = W·x + b, fitted by gradient descent — twice:
with the gradient API in a hand-written loop (as the lecture's TensorFlow session loop did),
and with a one-unit Sequential model.

Run: ``python examples/linear_regression.py``.
"""
from __future__ import annotations

import numpy as np

import kfront
from kfront import layers, ops


def make_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = np.arange(20, dtype="float32")
    Y = X + rng.integers(-2, 2, X.shape[0]).astype("float32")
    return X, Y


def fit_with_tape(X, Y, epochs: int = 300, learning_rate: float = 0.001):
    """The lecture's loop: hypothesis = x * W + b, cost = mean((hypothesis - y)**2)."""
    W = kfront.Variable(kfront.random.normal((1,), seed=1), name="weight")
    b = kfront.Variable(kfront.random.normal((1,), seed=2), name="bias")
    for _ in range(epochs):
        with kfront.GradientTape() as tape:
            hypothesis = X * W + b
            cost = ops.mean(ops.square(hypothesis - Y))
        dW, db = tape.gradient(cost, [W, b])
        W.assign_sub(learning_rate * dW)
        b.assign_sub(learning_rate * db)
    return float(W.numpy()[0]), float(b.numpy()[0]), float(ops.convert_to_numpy(cost))


def fit_with_value_and_grad(X, Y, epochs: int = 300, learning_rate: float = 0.001):
    """The same loop with ``ops.value_and_grad`` (the spelling that also works on JAX)."""
    cost_fn = lambda W, b: ops.mean(ops.square(X * W + b - Y))  # noqa: E731
    step = ops.value_and_grad(cost_fn, argnums=(0, 1))
    W, b = np.float32(0.0), np.float32(0.0)
    for _ in range(epochs):
        cost, (dW, db) = step(W, b)
        W, b = W - learning_rate * dW, b - learning_rate * db
    return float(W), float(b), float(cost)


def fit_with_sequential(X, Y, epochs: int = 300):
    model = kfront.Sequential([layers.Dense(units=1, input_shape=[1])])
    model.compile(loss="mse", optimizer=kfront.optimizers.SGD(learning_rate=0.001))
    model.fit(X[:, None], Y, epochs=epochs, batch_size=len(X), verbose=0)
    kernel, bias = model.get_weights()
    return float(kernel[0, 0]), float(bias[0]), float(model.evaluate(X[:, None], Y, verbose=0))


if __name__ == "__main__":
    X, Y = make_data()
    for name, fit in (("GradientTape", fit_with_tape), ("value_and_grad", fit_with_value_and_grad),
                      ("Sequential", fit_with_sequential)):
        W, b, cost = fit(X, Y)
        print(f"{name:>15}: W = {W:.3f}, b = {b:.3f}, cost = {cost:.3f}")
