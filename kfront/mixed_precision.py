"""``keras.mixed_precision``: Keras 3's legacy names for dtype policies and loss scaling.

A ``"mixed_float16"`` or ``"mixed_bfloat16"`` policy keeps layer weights in float32 and
computes in float16 / bfloat16: inputs are cast to the compute dtype, weights are read in it
inside the layer's ``call``, outputs come in it; losses and metrics compute in float32.
``Model.compile`` wraps the optimizer in a ``LossScaleOptimizer`` under ``"mixed_float16"``.
On the native numpy engine float16 works; bfloat16 does not (NumPy has no bfloat16): a
``"mixed_bfloat16"`` layer called there raises NotImplementedError; the torch, tensorflow and
jax backends run both.

Example:
    >>> import numpy as np, kfront
    >>> from kfront import mixed_precision
    >>> mixed_precision.set_global_policy("mixed_float16")
    >>> layer = kfront.layers.Dense(2)
    >>> y = layer(np.ones((1, 3), "float32"))
    >>> layer.dtype, layer.compute_dtype, kfront.ops.dtype(y)
    ('float32', 'float16', 'float16')
    >>> mixed_precision.global_policy()
    <DTypePolicy "mixed_float16">
    >>> mixed_precision.set_global_policy("float32")
"""
from __future__ import annotations

from kfront.config import dtype_policy, set_dtype_policy
from kfront.dtype_policies import DTypePolicy
from kfront.optimizers import LossScaleOptimizer

#: ``keras.mixed_precision.Policy``: the legacy name of ``DTypePolicy``
Policy = DTypePolicy
#: ``keras.mixed_precision.global_policy``: the legacy name of ``dtype_policy``
global_policy = dtype_policy
#: ``keras.mixed_precision.set_global_policy``: the legacy name of ``set_dtype_policy``
set_global_policy = set_dtype_policy

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "global_policy",
           "set_dtype_policy", "set_global_policy"]
