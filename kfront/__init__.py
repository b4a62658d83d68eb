"""kfront: a Keras-compatible deep-learning frontend with pluggable backends.

The backend (numpy, torch, tensorflow or jax) is chosen at import from ``KFRONT_BACKEND`` or
``~/.kfront/kfront.json``; the default is the native NumPy engine, which trains with its own
autodiff.

Example:
    >>> import kfront
    >>> from kfront import layers
    >>> model = kfront.Sequential([layers.Input((4,)), layers.Dense(2, activation="softmax")])
    >>> model.output_shape
    (None, 2)
"""
from kfront import backends as _backends
from kfront import config

_backends.activate(config._initial_backend())

from kfront import (activations, backend, callbacks, constraints, datasets,  # noqa: E402
                    distribution, initializers, layers, losses, metrics, models, ops, optimizers,
                    preprocessing, random, regularizers, saving, testing, tree, utils)
from kfront.backend_objects import GradientTape, Variable  # noqa: E402
from kfront.layers import Input, Layer  # noqa: E402
from kfront.layers.stateless import StatelessScope  # noqa: E402
from kfront.models import Model, Sequential  # noqa: E402

__version__ = "0.1.0"
__all__ = ["GradientTape", "Input", "Layer", "Model", "Sequential", "Variable", "activations",
           "backend", "callbacks", "config", "constraints", "datasets", "distribution",
           "initializers", "layers",
           "losses", "metrics", "models", "ops", "optimizers", "preprocessing", "random",
           "regularizers", "saving", "StatelessScope", "testing", "tree", "utils"]

from kfront import quantizers  # noqa: E402
from kfront.quantizers import Quantizer  # noqa: E402

__all__ += ["Quantizer", "quantizers"]

from kfront import dtype_policies, mixed_precision  # noqa: E402
from kfront.dtype_policies import DTypePolicy, FloatDTypePolicy  # noqa: E402

__all__ += ["DTypePolicy", "FloatDTypePolicy", "dtype_policies", "mixed_precision"]

from kfront import visualization  # noqa: E402

__all__ += ["visualization"]

from kfront import applications  # noqa: E402

__all__ += ["applications"]

from kfront import wrappers  # noqa: E402

__all__ += ["wrappers"]

from kfront import export  # noqa: E402

__all__ += ["export"]

from kfront.initializers import Initializer  # noqa: E402
from kfront.layers import InputSpec, KerasTensor  # noqa: E402
from kfront.losses import Loss  # noqa: E402
from kfront.metrics import Metric  # noqa: E402
from kfront.optimizers import Optimizer  # noqa: E402
from kfront.regularizers import Regularizer  # noqa: E402

__all__ += ["Initializer", "InputSpec", "KerasTensor", "Loss", "Metric", "Optimizer",
            "Regularizer"]

from kfront.backends.common.device_scope import device  # noqa: E402
from kfront.backends.common.name_scope import name_scope  # noqa: E402
from kfront.remat import RematScope, remat  # noqa: E402


def version() -> str:
    """kfront's version string (``keras.version()`` gives Keras's; this is kfront's own).

    Example:
        >>> import kfront
        >>> kfront.version() == kfront.__version__
        True
    """
    return __version__


__all__ += ["RematScope", "device", "name_scope", "remat", "version"]

from kfront import legacy  # noqa: E402

__all__ += ["legacy"]

from kfront import distillation  # noqa: E402

__all__ += ["distillation"]

from kfront.function import Function  # noqa: E402

__all__ += ["Function"]
