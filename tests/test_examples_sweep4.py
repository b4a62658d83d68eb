"""keras-io's examples, fifth sweep, in small: each test is a pattern an example relies on
that kfront got wrong (found by running the examples with only their imports changed),
checked against Keras 3 (TensorFlow) on the same weights."""
from __future__ import annotations

import numpy as np
import pytest
from conformance import support

import kfront

TOKENS = np.array([[1, 2, 0, 0], [3, 1, 2, 0]])
TARGETS = np.array([[1, 2, 3, 1], [0, 1, 2, 3]])
backend = support.backend  # pytest fixture: every backend


def _masked_tagger(lib, paired):
    """neural_machine_translation_with_transformer's pattern: a padding mask (Embedding
    ``mask_zero``, carried through a ``supports_masking`` layer of a list) reaches a per-step
    softmax output, and the compiled loss averages over the unmasked steps only."""
    layers = lib.layers

    class Pair(layers.Layer):
        def __init__(self):
            super().__init__()
            self.supports_masking = True

        def call(self, inputs, mask=None):
            return inputs[0] + inputs[1]

    inputs = lib.Input((None,), dtype="int64")
    hidden = layers.Embedding(5, 3, mask_zero=True)(inputs)
    if paired:
        hidden = Pair()([hidden, layers.Embedding(5, 3)(inputs)])
    model = lib.Model(inputs, layers.Dense(4, activation="softmax")(hidden))
    model.set_weights([np.random.default_rng(i).normal(size=w.shape).astype("float32") * 0.3
                       for i, w in enumerate(model.get_weights())])
    model.compile(lib.optimizers.SGD(1.0), "sparse_categorical_crossentropy")
    evaluated = model.evaluate(TOKENS, TARGETS, verbose=0)
    trained = model.train_on_batch(TOKENS, TARGETS)
    return evaluated, trained, [np.asarray(w) for w in model.get_weights()]


@pytest.mark.parametrize("paired", [False, True])
def test_compiled_loss_skips_masked_steps(backend, keras, paired):
    """The output's mask weights the compiled loss as in Keras 3 (``Loss.__call__`` reads
    the mask of ``y_pred``): kfront averaged over padded steps too (evaluate 1.47 vs Keras
    1.32 here, and the gradients differed)."""
    got = _masked_tagger(kfront, paired)
    want = _masked_tagger(keras, paired)
    np.testing.assert_allclose(got[:2], want[:2], rtol=1e-5)
    for mine, theirs in zip(got[2], want[2]):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
