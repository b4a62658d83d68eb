"""Per-step framework overhead: a tiny model (Dense 8->8, batch 8, SGD, MSE) where compute is
negligible, kfront's ``fit`` on each backend against a hand-written loop in that framework.
``python benchmarks/run.py overhead``; microseconds per step = 8e6 / samples_per_s. (Against
Keras 3's ``fit`` on the same backend: ``inference.py``.)
"""
from __future__ import annotations

from common import main, quick, timed

TITLE = "Tiny model (Dense 8->8, batch 8, SGD): per-step overhead"
BATCH, STEPS, EPOCHS = 8, quick(200, 50), quick(3, 1)


def _data():
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH * STEPS, 8)).astype("float32")
    return x, (x @ rng.normal(size=(8, 8))).astype("float32")


def tiny_fit(lib_name: str, backend: str) -> dict:
    """``fit`` samples/s of the tiny model on kfront or Keras 3 with ``backend``."""
    import os
    os.environ["KFRONT_BACKEND" if lib_name == "kfront" else "KERAS_BACKEND"] = backend
    lib = __import__(lib_name)
    layers = lib.layers
    x, y = _data()
    model = lib.Sequential([layers.Input((8,)), layers.Dense(8)])
    model.compile(optimizer=lib.optimizers.SGD(0.01), loss="mse")
    return timed(lambda: model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0),
                 len(x), EPOCHS, first_step=lambda: model.train_on_batch(x[:BATCH], y[:BATCH]))


def _batches(x, y):
    return [(x[s:s + BATCH], y[s:s + BATCH]) for s in range(0, len(x), BATCH)]


def numpy_handwritten():
    import numpy as np
    x, y = _data()
    w, b = np.zeros((8, 8), "float32"), np.zeros(8, "float32")
    data = _batches(x, y)

    def epoch():
        for xb, yb in data:
            d = (xb @ w + b - yb) * (2 / yb.size)
            w[...] -= 0.01 * (xb.T @ d)
            b[...] -= 0.01 * d.sum(0)

    return timed(epoch, len(x), EPOCHS)


def torch_handwritten():
    import torch
    x, y = _data()
    model = torch.nn.Linear(8, 8)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    data = [(torch.from_numpy(a), torch.from_numpy(b)) for a, b in _batches(x, y)]

    def epoch():
        for xb, yb in data:
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.mse_loss(model(xb), yb).backward()
            opt.step()

    return timed(epoch, len(x), EPOCHS)


def tensorflow_handwritten():
    import tensorflow as tf
    x, y = _data()
    w, b = tf.Variable(tf.zeros((8, 8))), tf.Variable(tf.zeros(8))

    @tf.function
    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(xb @ w + b - yb))
        gw, gb = tape.gradient(loss, [w, b])
        w.assign_sub(0.01 * gw)
        b.assign_sub(0.01 * gb)

    data = [(tf.constant(a), tf.constant(b)) for a, b in _batches(x, y)]

    def epoch():
        for xb, yb in data:
            step(xb, yb)

    return timed(epoch, len(x), EPOCHS)


def jax_handwritten():
    import jax
    import jax.numpy as jnp
    x, y = _data()
    params = {"w": jnp.zeros((8, 8)), "b": jnp.zeros(8)}

    @jax.jit
    def step(p, xb, yb):
        g = jax.grad(lambda p: jnp.mean(jnp.square(xb @ p["w"] + p["b"] - yb)))(p)
        return jax.tree_util.tree_map(lambda a, d: a - 0.01 * d, p, g)

    data = _batches(x, y)
    state = {"p": params}

    def epoch():
        p = state["p"]
        for xb, yb in data:
            p = step(p, xb, yb)
        jax.block_until_ready(p)
        state["p"] = p

    return timed(epoch, len(x), EPOCHS)


CASES = {
    "kfront-numpy": lambda: tiny_fit("kfront", "numpy"), "numpy-handwritten": numpy_handwritten,
    "kfront-torch": lambda: tiny_fit("kfront", "torch"), "torch-handwritten": torch_handwritten,
    "kfront-tensorflow": lambda: tiny_fit("kfront", "tensorflow"),
    "tensorflow-handwritten": tensorflow_handwritten,
    "kfront-jax": lambda: tiny_fit("kfront", "jax"), "jax-handwritten": jax_handwritten,
}
# no targets: printed so that each backend's overhead over its own hand-written loop is visible
RATIOS = [(f"kfront-{b}", f"{b}-handwritten", None)
          for b in ("numpy", "torch", "tensorflow", "jax")]

if __name__ == "__main__":
    main(CASES)
