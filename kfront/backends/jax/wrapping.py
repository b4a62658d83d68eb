"""Support for ``kfront.layers.JaxLayer``: PRNG keys for ``call_fn``/``init_fn``."""
from __future__ import annotations

import jax


def rng_key(seed: int):
    """A ``jax.random`` key from an int seed."""
    return jax.random.PRNGKey(seed)


def tree_flatten(tree) -> tuple:
    """``(leaves, treedef)`` of a JAX pytree (dicts, lists, tuples, Flax structures)."""
    return jax.tree_util.tree_flatten(tree)


def tree_unflatten(treedef, leaves):
    return jax.tree_util.tree_unflatten(treedef, leaves)
