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
EMBEDDINGS = RNG.normal(size=(6, 3)).astype("float32")
LOGITS_KERNEL = RNG.normal(size=(3, 6)).astype("float32")
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


def _gpt_like(lib):
    """text_generation_with_miniature_gpt's model: outputs ``[logits, embeddings]``, compiled
    with ``loss=[loss_fn, None]`` and fit on the token targets alone."""
    tokens = lib.Input((4,), dtype="int32")
    embedded = lib.layers.Embedding(6, 3)(tokens)
    logits = lib.layers.Dense(6, name="logits")(embedded)  # log keys name the output
    model = lib.Model(tokens, [logits, embedded])
    model.set_weights([EMBEDDINGS, LOGITS_KERNEL, np.zeros(6, "float32")])
    model.compile(lib.optimizers.SGD(0.1), metrics=[["accuracy"], None],
                  loss=[lib.losses.SparseCategoricalCrossentropy(from_logits=True), None])
    x = np.random.default_rng(1).integers(0, 6, size=(8, 4))
    history = model.fit(x, np.roll(x, -1, axis=1), batch_size=4, epochs=2, shuffle=False,
                        verbose=0).history
    return {k: np.asarray(v) for k, v in history.items()}


def test_loss_list_with_none_takes_the_targets_of_the_other_outputs(backend, keras):
    """With ``loss=[fn, None]`` and one target, the target is the first output's, as Keras
    places targets by the non-None losses (it raised 'Model has 2 output(s) but y has 1
    array(s)')."""
    got, want = _gpt_like(kfront), _gpt_like(keras)
    assert sorted(got) == sorted(want)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, err_msg=key)


def _causal_mask(lib, batch_size: int, n: int):
    """The miniature GPT's causal mask, tiled by a batch size given as a Python int."""
    ops = lib.ops
    mask = ops.cast(ops.arange(n)[:, None] >= ops.arange(n), "int32")
    mult = ops.concatenate([ops.expand_dims(batch_size, -1), ops.convert_to_tensor([1, 1])], 0)
    return ops.tile(ops.reshape(mask, [1, n, n]), mult)


def test_ops_take_python_ints(backend, keras):
    """``ops.expand_dims`` / ``ops.shape`` take a Python int as Keras's ops do (the native
    engine raised "'int' object has no attribute 'shape'")."""
    np.testing.assert_array_equal(kfront.ops.convert_to_numpy(_causal_mask(kfront, 3, 4)),
                                  np.asarray(_causal_mask(keras, 3, 4)))
    assert tuple(kfront.ops.shape(3)) == ()
    assert kfront.ops.convert_to_numpy(kfront.ops.expand_dims(2.5, 0)).tolist() == [2.5]
