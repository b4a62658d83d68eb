"""The JAX backend's LSTM with a hand-written backward (``rnn._fused_lstm``: Keras's default
activations, no mask) gives the outputs and gradients of the generic scan under JAX's own
autodiff, within float32 rounding: every state and return form, ``go_backwards`` and a
recurrent dropout mask."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = jax.numpy

from kfront.backends.jax import rnn  # noqa: E402

B, T, D, U = 3, 5, 4, 6
RNG = np.random.default_rng(11)
ARGS = [jnp.asarray(RNG.normal(size=s).astype("float32") * k) for s, k in [
    ((B, T, D), 1.0), ((B, U), 0.5), ((B, U), 0.5), ((D, 4 * U), 0.4), ((U, 4 * U), 0.4),
    ((4 * U,), 0.2)]]
DROP = jnp.asarray((RNG.random((B, U)) > 0.3).astype("float32") / 0.7)


def _generic(x, h0, c0, W, R, b, rdrop, return_sequences, go_backwards):
    """The same op through the generic scan (JAX's autodiff of ``_lstm_step``)."""
    xt = jnp.swapaxes(x, 0, 1)
    xt = jnp.flip(xt, 0) if go_backwards else xt
    step = rnn._lstm_step(jnp.tanh, jax.nn.sigmoid, R)
    out, final = rnn._recurrence(step, xt, W, b, [h0, c0], None, rdrop, return_sequences,
                                 False)
    return (jnp.swapaxes(out, 0, 1) if return_sequences else out, *final)


def _fused(x, h0, c0, W, R, b, rdrop, return_sequences, go_backwards):
    return rnn._compiled_scan(x, [h0, c0], W, R, b, None, rdrop, cell="lstm",
                              activation="tanh", recurrent_activation="sigmoid",
                              return_sequences=return_sequences, go_backwards=go_backwards,
                              zero_output_for_mask=False, reset_after=True,
                              seq_dtype=jnp.float32)


def _loss(fn, flags):
    """A weighted sum of every output (outputs, h, c), so each gets its own cotangent."""
    def loss(*args):
        outs = fn(*args, *flags)
        return sum(jnp.sum(o * jnp.cos(jnp.arange(o.size) + k).reshape(o.shape))
                   for k, o in enumerate(outs)), outs
    return loss


@pytest.mark.parametrize("return_sequences,go_backwards,dropout", [
    (False, False, False), (True, True, True)])
def test_fused_lstm_matches_the_generic_scan(return_sequences, go_backwards, dropout):
    rdrop = DROP if dropout else None
    flags = (rdrop, return_sequences, go_backwards)
    grads = {}
    for name, fn in (("generic", _generic), ("fused", _fused)):
        (_, outs), g = jax.jit(jax.value_and_grad(_loss(fn, flags), argnums=range(6),
                                                  has_aux=True))(*ARGS)
        grads[name] = (outs, g)
    for a, b in zip(jax.tree_util.tree_leaves(grads["fused"]),
                    jax.tree_util.tree_leaves(grads["generic"])):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-5, atol=2e-6)
