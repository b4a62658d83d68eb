"""TorchModuleWrapper, JaxLayer and TFSMLayer work on their own backend (forward, weights,
training in fit) and raise an error naming the backend they need elsewhere."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")


def _fit_loss_drops(layer):
    inp = layers.Input((3,))
    model = kfront.Model(inp, layer(inp))
    model.compile(optimizer=kfront.optimizers.Adam(0.05), loss="mse")
    history = model.fit(X, Y, epochs=15, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < 0.2 * history[0], history
    return model


def test_errors_name_the_backend_needed():
    kfront.config.set_backend("numpy")
    for make, backend in ((lambda: layers.TorchModuleWrapper(object()), "torch"),
                          (lambda: layers.JaxLayer(lambda inputs: inputs, params={}), "jax"),
                          (lambda: layers.FlaxLayer(None), "jax"),
                          (lambda: layers.TFSMLayer("nowhere"), "tensorflow")):
        with pytest.raises(ValueError, match=f"needs the {backend} backend.*'numpy'"):
            make()


def test_torch_module_wrapper():
    kfront.config.set_backend("torch")
    try:
        import torch
        torch.manual_seed(0)
        module = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 1))
        layer = layers.TorchModuleWrapper(module)
        assert [tuple(w.shape) for w in layer.weights] == [(4, 3), (4,), (1, 4), (1,)]
        np.testing.assert_allclose(layer(torch.from_numpy(X)).detach().numpy(),
                                   module(torch.from_numpy(X)).detach().numpy())
        _fit_loss_drops(layer)
        assert module[0].weight is layer.weights[0].value  # trained in place, shared
        with pytest.raises(TypeError, match="torch.nn.Module"):
            layers.TorchModuleWrapper(object())
        with pytest.raises(NotImplementedError, match="pickled"):
            layer.get_config()
    finally:
        kfront.config.set_backend("numpy")


def test_jax_layer():
    kfront.config.set_backend("jax")
    try:
        import jax.numpy as jnp

        def init_fn(rng, inputs):
            return {"w": jnp.zeros((inputs.shape[-1], 1)), "b": jnp.zeros((1,))}, {"n": 0.0}

        def call_fn(params, state, inputs, training):
            out = inputs @ params["w"] + params["b"]
            return out, {"n": state["n"] + (1.0 if training else 0.0)}
        layer = layers.JaxLayer(call_fn, init_fn=init_fn)
        _fit_loss_drops(layer)
        assert [tuple(w.shape) for w in layer.trainable_weights] == [(1,), (3, 1)]
        assert float(layer.non_trainable_weights[0].numpy()) == 60.0  # 15 epochs x 4 steps
        with pytest.raises(ValueError, match="inputs"):
            layers.JaxLayer(lambda params, x: x, params={})
    finally:
        kfront.config.set_backend("numpy")


def test_tfsm_layer(tmp_path):
    kfront.config.set_backend("tensorflow")
    try:
        import tensorflow as tf

        class Affine(tf.Module):
            def __init__(self):
                self.w = tf.Variable([[1.0], [2.0], [3.0]])

            @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
            def serve(self, x):
                return x @ self.w
        tf.saved_model.save(Affine(), str(tmp_path / "sm"))
        layer = layers.TFSMLayer(tmp_path / "sm")
        np.testing.assert_allclose(np.asarray(layer(X)), X @ [[1.0], [2.0], [3.0]], rtol=1e-6)
        inp = layers.Input((3,))
        model = kfront.Model(inp, layer(inp))
        assert model.predict(X, verbose=0).shape == (64, 1)
        with pytest.raises(ValueError, match="no endpoint 'nope'"):
            layers.TFSMLayer(tmp_path / "sm", call_endpoint="nope")
    finally:
        kfront.config.set_backend("numpy")
