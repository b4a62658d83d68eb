"""``flash_attention=True`` in ``ops.dot_product_attention``, ``MultiHeadAttention`` and
``GroupQueryAttention``: the same values as ``False`` on every backend (flash attention is exact
attention; Keras 3.15 raises on a CPU, kfront computes it), and Keras's refusals (dropout, returned
scores) kept."""
import numpy as np
import pytest

from kfront import layers, ops

RNG = np.random.default_rng(11)
Q = RNG.normal(size=(2, 5, 4, 8)).astype("float32")
KV = RNG.normal(size=(2, 6, 2, 8)).astype("float32")  # grouped: 2 key/value heads for 4
MASK = RNG.uniform(size=(2, 1, 5, 6)) > 0.3
BIAS = RNG.normal(size=(1, 4, 5, 6)).astype("float32")
X = RNG.normal(size=(2, 5, 16)).astype("float32")


def test_same_values_as_without_flash(backend):
    for kwargs in (dict(is_causal=True), dict(mask=MASK, bias=BIAS, scale=0.3)):
        want, got = (ops.convert_to_numpy(ops.dot_product_attention(
            Q, KV, KV, flash_attention=flag, **kwargs)) for flag in (False, True))
        np.testing.assert_allclose(got, want, atol=1e-6, err_msg=str(kwargs))
    for make, kwargs in (
            (lambda flash: layers.MultiHeadAttention(4, 4, flash_attention=flash, seed=1),
             dict(attention_mask=MASK[:, 0, :, :5])),
            (lambda flash: layers.GroupQueryAttention(4, 4, 2, flash_attention=flash),
             dict(use_causal_mask=True))):
        flash, plain = make(True), make(False)
        flash(X, X)
        plain(X, X)
        plain.set_weights(flash.get_weights())
        np.testing.assert_allclose(ops.convert_to_numpy(flash(X, X, **kwargs)),
                                   ops.convert_to_numpy(plain(X, X, **kwargs)), atol=1e-6,
                                   err_msg=f"{type(flash).__name__} {kwargs}")


def test_refusals_as_keras():
    with pytest.raises(ValueError, match='MultiHeadAttention ".*": dropout is not supported '
                                         "when flash attention.*dropout=0.1"):
        layers.MultiHeadAttention(2, 4, dropout=0.1, flash_attention=True)
    with pytest.raises(ValueError, match="GroupedQueryAttention.*dropout is not supported"):
        layers.GroupQueryAttention(4, 2, 1, dropout=0.5, flash_attention=True)
    layer = layers.MultiHeadAttention(2, 4, flash_attention=True)
    with pytest.raises(ValueError, match="MultiHeadAttention.*return_attention_scores=True is "
                                         "not supported when flash attention"):
        layer(X, X, return_attention_scores=True)
    layers.MultiHeadAttention(2, 4, dropout=0.1, flash_attention=False)  # only True refuses
    with pytest.raises(TypeError, match="dot_product_attention: `flash_attention` must be "
                                        "None, True or False; got 'on'"):
        ops.dot_product_attention(Q, KV, KV, flash_attention="on")
