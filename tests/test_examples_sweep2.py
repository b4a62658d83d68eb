"""keras-io's examples, third sweep, in small: each test is a pattern an example relies on that
kfront got wrong (found by running the examples with only their imports changed), checked
against Keras 3 (TensorFlow) on the same weights."""
from __future__ import annotations

import numpy as np
import pytest
from conformance import support

import kfront

RNG = np.random.default_rng(0)
FEATURES = RNG.normal(size=(16, 5)).astype("float32")
TARGETS = RNG.integers(0, 2, size=(16, 1)).astype("float32")
WEIGHTS = RNG.uniform(size=(16, 1)).astype("float32")
KERNEL = RNG.normal(size=(5, 1)).astype("float32")
backend = support.backend  # pytest fixture: every backend


def _endpoint_model(lib):
    """endpoint_layer_pattern's subclassed model: the endpoint layer is called with every
    argument by keyword (``logits=``, ``targets=``, ``sample_weight=``) and adds the loss."""

    class LogisticEndpoint(lib.layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = lib.losses.BinaryCrossentropy(from_logits=True)

        def call(self, logits, targets=None, sample_weight=None):
            if targets is not None:
                self.add_loss(self.loss_fn(targets, logits, sample_weight))
            return lib.ops.sigmoid(logits)

    class LogReg(lib.Model):
        def __init__(self):
            super().__init__()
            self.dense = lib.layers.Dense(1, use_bias=False)
            self.endpoint = LogisticEndpoint()

        def call(self, inputs):
            return self.endpoint(logits=self.dense(inputs["inputs"]),
                                 targets=inputs["targets"], sample_weight=inputs["weights"])

    model = LogReg()
    data = {"inputs": FEATURES, "targets": TARGETS, "weights": WEIGHTS}
    model(data)
    model.set_weights([KERNEL])
    model.compile(lib.optimizers.SGD(0.5))
    history = model.fit(data, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    return history["loss"], model.get_weights()[0], model.endpoint(logits=FEATURES[:, :1])


def test_first_call_argument_by_keyword(backend, keras):
    """A layer whose ``call`` names its first argument other than ``inputs`` can be called
    with it by keyword, as Keras binds the call to ``call``'s signature (it raised
    "Layer.__call__() missing 1 required positional argument: 'inputs'")."""
    losses, kernel, probabilities = _endpoint_model(kfront)
    want_losses, want_kernel, want_probabilities = _endpoint_model(keras)
    np.testing.assert_allclose(losses, want_losses, rtol=1e-5)
    np.testing.assert_allclose(kernel, want_kernel, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(kfront.ops.convert_to_numpy(probabilities),
                               np.asarray(want_probabilities), rtol=1e-6)


def test_missing_first_call_argument_names_it():
    """Without the first argument, the TypeError names the layer and the argument."""

    class Endpoint(kfront.layers.Layer):
        def call(self, logits, targets=None):
            return logits

    with pytest.raises(TypeError, match='"endpoint".*first argument "logits".*targets'):
        Endpoint(name="endpoint")(targets=FEATURES)
