"""A Sequential without an ``Input`` is built from its first batch as Keras 3.15 builds it on
the same backend: with the batch's own size on JAX, torch and numpy (``build`` sees e.g.
``(128, 5)``; ``input_shape``, ``output_shape`` and ``summary()`` keep it), on TensorFlow with
the size unknown in ``fit`` / ``evaluate`` and known in ``predict`` and the ``*_on_batch``
methods. Where Keras sees only real batch sizes, kfront calls no layer on a batch of another
size (the keras-io guide ``define_custom_kernel`` tiles the batch by 128 in a Pallas kernel).

Keras runs in a subprocess per backend: this file run as a script prints its records."""
from __future__ import annotations

import json

import numpy as np
import pytest

import kfront

PATHS = ("fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch",
         "call")
KERAS_NUMPY_LACKS = ("fit", "train_on_batch", "test_on_batch")  # NotImplementedError there


def _recording_layer(lib):
    """A Dense-like layer noting the shapes ``build`` and ``call`` see."""
    class Rec(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.builds, self.batches = [], set()

        def build(self, input_shape):
            self.builds.append(list(input_shape))
            self.w = self.add_weight(shape=(input_shape[-1], 4), initializer="ones")

        def call(self, x):
            self.batches.add(x.shape[0])
            return lib.ops.matmul(x, self.w)

    return Rec(name="rec")


def _record(lib, path: str) -> dict:
    """What a Sequential built by ``path`` shows: the shapes its layer was built for and
    called on, its input and output shapes, and the rows of its summary table."""
    rng = np.random.default_rng(0)
    x, y = rng.random((300, 5), "float32"), rng.random((300, 1), "float32")
    rec = _recording_layer(lib)
    model = lib.Sequential([rec, lib.layers.Dense(1, name="d")], name="s")
    model.compile(optimizer="sgd", loss="mse")
    run = {"fit": lambda: model.fit(x, y, batch_size=128, verbose=0),
           "evaluate": lambda: model.evaluate(x, y, batch_size=128, verbose=0),
           "predict": lambda: model.predict(x, batch_size=128, verbose=0),
           "train_on_batch": lambda: model.train_on_batch(x[:64], y[:64]),
           "test_on_batch": lambda: model.test_on_batch(x[:64], y[:64]),
           "predict_on_batch": lambda: model.predict_on_batch(x[:64]),
           "call": lambda: model(x[:64])}
    run[path]()
    lines = []
    model.summary(print_fn=lambda text, **kw: lines.extend(text.split("\n")))
    return {"builds": rec.builds, "batches": sorted(rec.batches, key=str),
            "input_shape": list(model.input_shape), "output_shape": list(model.output_shape),
            "rows": [line for line in lines if line.startswith("│")]}


def _keras_record(backend: str, path: str) -> dict:
    from training.keras_records import keras_record  # (this file also runs as Keras's script)
    return keras_record(__file__, backend, path, KERAS_NUMPY_LACKS)


@pytest.mark.parametrize("path", PATHS)
def test_first_batch_builds_the_sequential_as_keras(backend, path):
    pytest.importorskip("keras")
    ours, theirs = _record(kfront, path), _keras_record(backend, path)
    assert ours["builds"] == theirs["builds"]
    assert ours["input_shape"] == theirs["input_shape"]
    assert ours["output_shape"] == theirs["output_shape"]
    assert ours["rows"] == theirs["rows"]
    if None not in theirs["batches"]:  # Keras saw the real batches only: so does kfront
        assert set(ours["batches"]) <= set(theirs["batches"]), (ours, theirs)


def test_a_pallas_kernel_tiling_the_batch_trains_in_a_sequential(backend):
    """The keras-io guide define_custom_kernel (on CPU in Pallas's interpret mode): a layer
    whose kernel needs the batch to be a multiple of 128 trains in a Sequential without an
    Input, and predicts and evaluates, as on Keras-JAX."""
    if backend != "jax":
        pytest.skip("Pallas runs on the JAX backend only")
    jax = pytest.importorskip("jax")
    pl = pytest.importorskip("jax.experimental.pallas")
    jnp = jax.numpy

    def kernel(a_ref, b_ref, c_ref):
        c_ref[...] = jnp.maximum(jnp.dot(a_ref[...], b_ref[...]), 0)

    seen = []

    @jax.custom_vjp
    def fused_matmul(a, b):
        m, k = a.shape
        n = b.shape[1]
        seen.append(m)
        assert m % 128 == 0 and n % 128 == 0, f"Inputs must be multiples of 128, got {a.shape}"
        return pl.pallas_call(
            kernel, out_shape=jax.ShapeDtypeStruct((m, n), a.dtype),
            in_specs=[pl.BlockSpec(index_map=lambda i, j: (i, 0), block_shape=(128, k)),
                      pl.BlockSpec(index_map=lambda i, j: (0, j), block_shape=(k, 128))],
            out_specs=pl.BlockSpec(index_map=lambda i, j: (i, j), block_shape=(128, 128)),
            grid=(m // 128, n // 128), interpret=True)(a, b)

    def forward(x, w):
        y = fused_matmul(x, w)
        return y, (x, w, y)

    def backward(residuals, g):
        x, w, y = residuals
        g = g * (y > 0)
        return jnp.dot(g, w.T), jnp.dot(x.T, g)

    fused_matmul.defvjp(forward, backward)

    class FusedDense(kfront.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 128), initializer="glorot_uniform")

        def call(self, inputs):
            return fused_matmul(inputs, self.w.value)

    model = kfront.Sequential([FusedDense()])
    model.compile(optimizer="adam", loss="mse")
    x, y = jnp.ones((256, 64)), jnp.ones((256, 128))
    history = model.fit(x, y, batch_size=128, epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    assert model.predict(x, batch_size=128, verbose=0).shape == (256, 128)
    assert np.isfinite(model.evaluate(x, y, batch_size=128, verbose=0))
    assert model.input_shape == (128, 64)
    assert set(seen) == {128}


if __name__ == "__main__":
    import keras

    print(json.dumps({path: _record(keras, path) for path in PATHS
                      if not (keras.backend.backend() == "numpy" and path in KERAS_NUMPY_LACKS)}))
