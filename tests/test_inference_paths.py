"""predict / predict_on_batch / train_on_batch through the compiled steps (issue 17's fast paths:
device-resident PRNG key on JAX, cached concrete functions on TensorFlow, predict_on_batch
compiled, predict outputs kept on the device until the end) give Keras's results on every
backend, across batch sizes and a final partial batch; random ops inside compiled steps draw
fresh values each call and repeat after ``set_random_seed``."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers
from conformance.support import backend  # noqa: F401  (pytest fixture)

RNG = np.random.default_rng(17)
X = RNG.normal(size=(23, 6)).astype("float32")
Y = RNG.normal(size=(23, 3)).astype("float32")
TRAIN_BATCHES = [(0, 8), (8, 16), (16, 23), (0, 8)]  # sizes 8, 8, 7 (partial), 8 again


def _mlp(lib):
    return lib.Sequential([lib.layers.Input((6,)), lib.layers.Dense(5, activation="relu"),
                           lib.layers.Dense(3)])


def _two_outputs(lib):
    inputs = lib.layers.Input((6,), name="x")
    hidden = lib.layers.Dense(4, activation="tanh", name="hidden")(inputs)
    return lib.Model(inputs, {"a": lib.layers.Dense(2, name="a")(hidden),
                              "b": lib.layers.Dense(1, name="b")(hidden)})


@pytest.fixture(scope="module")
def oracle(keras):
    """Keras's weights and results: predict (batches of 8, the last of 7), predict_on_batch
    of 8, 5 and 23 samples, a two-output model's predict_on_batch, and train_on_batch losses
    and weights over batches of 8, 8, 7 and 8 samples (SGD, mse)."""
    keras.utils.set_random_seed(3)
    mlp, two = _mlp(keras), _two_outputs(keras)
    out = {"weights": mlp.get_weights(), "two_weights": two.get_weights(),
           "predict": mlp.predict(X, batch_size=8, verbose=0),
           "pob": [mlp.predict_on_batch(X[:n]) for n in (8, 5, 23)],
           "two_pob": two.predict_on_batch(X[:7])}
    mlp.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    out["losses"] = [float(mlp.train_on_batch(X[a:b], Y[a:b])) for a, b in TRAIN_BATCHES]
    out["trained"] = mlp.get_weights()
    return out


def test_predict_paths_and_train_on_batch_match_keras(backend, oracle):
    mlp = _mlp(kfront)
    mlp.set_weights(oracle["weights"])
    eager = kfront.ops.convert_to_numpy(mlp(X, training=False))
    np.testing.assert_allclose(eager, oracle["predict"], rtol=1e-5, atol=1e-6)
    got = mlp.predict(X, batch_size=8, verbose=0)  # the last batch of 7: a new input shape
    assert isinstance(got, np.ndarray) and got.shape == (23, 3)
    np.testing.assert_allclose(got, oracle["predict"], rtol=1e-5, atol=1e-6)
    for n, want in zip((8, 5, 23), oracle["pob"]):
        got = mlp.predict_on_batch(X[:n])
        assert isinstance(got, np.ndarray)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(mlp.predict_on_batch(X[:8]), mlp.predict_on_batch(X[:8]))

    two = _two_outputs(kfront)
    two.set_weights(oracle["two_weights"])
    got = two.predict_on_batch(X[:7])
    assert sorted(got) == ["a", "b"] and all(isinstance(v, np.ndarray) for v in got.values())
    for k in "ab":
        np.testing.assert_allclose(got[k], oracle["two_pob"][k], rtol=1e-5, atol=1e-6)

    mlp.compile(optimizer=kfront.optimizers.SGD(0.1), loss="mse")
    losses = [mlp.train_on_batch(X[a:b], Y[a:b]) for a, b in TRAIN_BATCHES]
    assert all(isinstance(v, float) for v in losses)
    np.testing.assert_allclose(losses, oracle["losses"], rtol=1e-5)
    for got, want in zip(mlp.get_weights(), oracle["trained"]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # the weights the compiled steps wrote back are the ones predict reads next
    np.testing.assert_allclose(mlp.predict_on_batch(X[:5]),
                               kfront.ops.convert_to_numpy(mlp(X[:5], training=False)),
                               rtol=1e-6, atol=1e-6)


class _Doubled(kfront.Model):
    """A user's predict_step: predict_on_batch calls it, as Keras's does."""

    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(2, kernel_initializer="ones")

    def call(self, x):
        return self.dense(x)

    def predict_step(self, data):
        x, _, _ = kfront.utils.unpack_x_y_sample_weight(data)
        return kfront.ops.multiply(self(x, training=False), 2.0)


def test_predict_on_batch_uses_a_custom_predict_step(backend):
    model = _Doubled()
    x = np.ones((3, 4), "float32")
    np.testing.assert_allclose(model.predict_on_batch(x), np.full((3, 2), 8.0))
    np.testing.assert_allclose(model.predict(x, batch_size=2, verbose=0), np.full((3, 2), 8.0))


def test_random_ops_in_compiled_steps_are_fresh_each_call_and_seeded(backend):
    def losses():
        kfront.utils.set_random_seed(11)
        model = kfront.Sequential([layers.Input((6,)), layers.Dropout(0.5),
                                   layers.Dense(3, kernel_initializer="ones")])
        model.compile(optimizer=kfront.optimizers.SGD(0.0), loss="mse")
        x, y = np.ones((8, 6), "float32"), np.zeros((8, 3), "float32")
        return [model.train_on_batch(x, y) for _ in range(4)], model.predict_on_batch(x)

    first, predicted = losses()
    assert len(set(first)) > 1, f"the same dropout mask at every step: {first}"
    np.testing.assert_allclose(predicted, np.full((8, 3), 6.0))  # no dropout in inference
    second, _ = losses()
    assert first == second


def test_predict_calls_the_predict_hooks_with_each_batch_outputs(backend):
    model = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
    x = np.arange(15, dtype="float32").reshape(5, 3)
    seen = []
    hook = kfront.callbacks.LambdaCallback(
        on_predict_begin=lambda logs: seen.append("begin"),
        on_predict_batch_begin=lambda batch, logs: seen.append(("batch", batch)),
        on_predict_batch_end=lambda batch, logs: seen.append(logs["outputs"]),
        on_predict_end=lambda logs: seen.append("end"))
    out = model.predict(x, batch_size=2, verbose=0, callbacks=[hook])
    assert seen[0] == "begin" and seen[-1] == "end"
    assert [s for s in seen if isinstance(s, tuple)] == [("batch", 0), ("batch", 1),
                                                         ("batch", 2)]
    batches = [s for s in seen if isinstance(s, np.ndarray)]
    np.testing.assert_allclose(np.concatenate(batches), out, rtol=1e-6)
    assert [len(b) for b in batches] == [2, 2, 1]
