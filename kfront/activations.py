"""Activation functions with Keras 3's names, signatures and defaults, built on ``kfront.ops``.

``get`` resolves ``None`` (-> ``linear``), a name (``"relu"``, ``"swish"``, ...), a
``{"class_name": "function", "config": name}`` dict or a callable; ``serialize`` gives back the
name, as Keras writes it in layer configs.

Example:
    >>> import numpy as np
    >>> from kfront import activations, ops
    >>> ops.convert_to_numpy(activations.get("relu")(np.array([-1.0, 2.0]))).tolist()
    [0.0, 2.0]
    >>> activations.serialize(activations.get("swish"))
    'silu'
"""
from __future__ import annotations

from kfront import ops
from kfront.utils.registry import Registry, function_config

__all__ = ["relu", "leaky_relu", "relu6", "softmax", "log_softmax", "elu", "selu", "celu",
           "softplus", "softsign", "silu", "swish", "gelu", "glu", "tanh", "sigmoid",
           "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "exponential", "linear",
           "mish", "log_sigmoid", "soft_shrink", "hard_shrink", "tanh_shrink", "sparse_plus",
           "sparse_sigmoid", "sparsemax", "squareplus", "threshold", "get", "serialize",
           "deserialize"]


def _t(x):
    return ops.convert_to_tensor(x)


def _const(value, x):
    """``value`` as a tensor of ``x``'s dtype (so float32 inputs stay float32)."""
    return ops.convert_to_tensor(value, dtype=ops.dtype(x))


def relu(x, negative_slope: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0):
    """Rectified linear unit, Keras 3's general form.

    ``x`` where ``x > threshold`` else 0, capped at ``max_value``, minus
    ``negative_slope * relu(threshold - x)``; the defaults give ``max(x, 0)``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> x = np.array([-10.0, -5.0, 0.0, 5.0, 10.0], "float32")
        >>> ops.convert_to_numpy(activations.relu(x, negative_slope=0.5, max_value=5.0)).tolist()
        [-5.0, -2.5, 0.0, 5.0, 5.0]
    """
    x = _t(x)
    negative_part = None
    if negative_slope != 0.0:
        if max_value is None and threshold == 0:
            return ops.leaky_relu(x, negative_slope=negative_slope)
        if threshold != 0:
            negative_part = ops.relu(ops.add(ops.negative(x), _const(threshold, x)))
        else:
            negative_part = ops.relu(ops.negative(x))
    clip_max = max_value is not None
    if threshold != 0:
        x = ops.where(ops.greater(x, _const(threshold, x)), x, ops.zeros_like(x))
    elif max_value == 6:
        x = ops.relu6(x)
        clip_max = False
    else:
        x = ops.relu(x)
    if clip_max:
        x = ops.clip(x, _const(0.0, x), _const(max_value, x))
    if negative_part is not None:
        x = ops.subtract(x, ops.multiply(_const(negative_slope, x), negative_part))
    return x


def leaky_relu(x, negative_slope: float = 0.2):
    """``x`` if ``x >= 0`` else ``negative_slope * x``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.leaky_relu(np.array([-1.0, 1.0]))).tolist()
        [-0.2, 1.0]
    """
    return ops.leaky_relu(_t(x), negative_slope=negative_slope)


def relu6(x):
    """``min(max(x, 0), 6)``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.relu6(np.array([-1.0, 8.0]))).tolist()
        [0.0, 6.0]
    """
    return ops.relu6(_t(x))


def softmax(x, axis: int = -1):
    """``exp(x) / sum(exp(x))`` along ``axis`` (computed stably).

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.softmax(np.zeros((1, 4)))).tolist()
        [[0.25, 0.25, 0.25, 0.25]]
    """
    return ops.softmax(_t(x), axis=axis)


def log_softmax(x, axis: int = -1):
    """``x - logsumexp(x)`` along ``axis``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> round(float(ops.convert_to_numpy(activations.log_softmax(np.zeros(2)))[0]), 4)
        -0.6931
    """
    return ops.log_softmax(_t(x), axis=axis)


def elu(x, alpha: float = 1.0):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.elu(np.array([0.0, 2.0]))).tolist()
        [0.0, 2.0]
    """
    return ops.elu(_t(x), alpha=alpha)


def selu(x):
    """Scaled ELU: ``scale * elu(x, alpha)`` with ``alpha=1.67326324``, ``scale=1.05070098``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> round(float(ops.convert_to_numpy(activations.selu(np.array([1.0])))[0]), 6)
        1.050701
    """
    return ops.selu(_t(x))


def celu(x, alpha: float = 1.0):
    """Continuously differentiable ELU: ``max(x, 0) + alpha * expm1(min(x, 0) / alpha)``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.celu(np.array([0.0, 3.0]))).tolist()
        [0.0, 3.0]
    """
    return ops.celu(x, alpha=alpha)


def softplus(x):
    """``log(exp(x) + 1)`` (computed stably).

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> round(float(ops.convert_to_numpy(activations.softplus(np.array([0.0])))[0]), 4)
        0.6931
    """
    return ops.softplus(_t(x))


def softsign(x):
    """``x / (abs(x) + 1)``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.softsign(np.array([1.0, -3.0]))).tolist()
        [0.5, -0.75]
    """
    return ops.softsign(_t(x))


def silu(x):
    """Swish / SiLU: ``x * sigmoid(x)`` (alias ``swish``).

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.silu(np.array([0.0]))).tolist()
        [0.0]
    """
    return ops.silu(_t(x))


swish = silu


def gelu(x, approximate: bool = False):
    """Gaussian error linear unit ``x * Phi(x)``; exact (erf) by default, as
    ``keras.activations.gelu`` (note ``kfront.ops.gelu`` defaults to the tanh approximation).

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> round(float(ops.convert_to_numpy(activations.gelu(np.array([1.0])))[0]), 4)
        0.8413
    """
    return ops.gelu(_t(x), approximate=approximate)


def glu(x, axis: int = -1):
    """Gated linear unit: split ``x`` in halves ``a, b`` along ``axis``; ``a * sigmoid(b)``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.glu(np.array([[2.0, 0.0]]))).tolist()
        [[1.0]]
    """
    return ops.glu(x, axis=axis)


def tanh(x):
    """Hyperbolic tangent.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.tanh(np.array([0.0]))).tolist()
        [0.0]
    """
    return ops.tanh(_t(x))


def sigmoid(x):
    """``1 / (1 + exp(-x))``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.sigmoid(np.array([0.0]))).tolist()
        [0.5]
    """
    return ops.sigmoid(_t(x))


def hard_sigmoid(x):
    """Piecewise-linear sigmoid: 0 for ``x <= -3``, 1 for ``x >= 3``, else ``x / 6 + 0.5``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.hard_sigmoid(np.array([-4.0, 0.0, 4.0]))).tolist()
        [0.0, 0.5, 1.0]
    """
    return ops.hard_sigmoid(_t(x))


def hard_silu(x):
    """Hard swish: ``x * hard_sigmoid(x)`` (alias ``hard_swish``).

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.hard_silu(np.array([-4.0, 0.0, 4.0]))).tolist()
        [-0.0, 0.0, 4.0]
    """
    return ops.hard_silu(x)


hard_swish = hard_silu


def hard_tanh(x):
    """``clip(x, -1, 1)``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.hard_tanh(np.array([-2.0, 0.5]))).tolist()
        [-1.0, 0.5]
    """
    return ops.hard_tanh(x)


def exponential(x):
    """``exp(x)``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.exponential(np.array([0.0]))).tolist()
        [1.0]
    """
    return ops.exp(_t(x))


def linear(x):
    """Identity: returns ``x`` unchanged (the activation ``None`` stands for).

    Example:
        >>> from kfront import activations
        >>> activations.linear(3.0)
        3.0
    """
    return x


def mish(x):
    """``x * tanh(softplus(x))``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> round(float(ops.convert_to_numpy(activations.mish(np.array([1.0])))[0]), 4)
        0.8651
    """
    x = _t(x)
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def log_sigmoid(x):
    """``log(sigmoid(x))`` (computed stably).

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> round(float(ops.convert_to_numpy(activations.log_sigmoid(np.array([0.0])))[0]), 4)
        -0.6931
    """
    return ops.log_sigmoid(_t(x))


def soft_shrink(x, threshold: float = 0.5):
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.soft_shrink(np.array([-1.0, 0.2, 1.0]))).tolist()
        [-0.5, 0.0, 0.5]
    """
    return ops.soft_shrink(x, threshold=threshold)


def hard_shrink(x, threshold: float = 0.5):
    """``x`` where ``|x| > threshold``, else 0.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.hard_shrink(np.array([-1.0, 0.2, 1.0]))).tolist()
        [-1.0, 0.0, 1.0]
    """
    return ops.hard_shrink(x, threshold=threshold)


def tanh_shrink(x):
    """``x - tanh(x)``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.tanh_shrink(np.array([0.0]))).tolist()
        [0.0]
    """
    return ops.tanh_shrink(x)


def sparse_plus(x):
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``-1 < x < 1``, ``x`` for ``x >= 1``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.sparse_plus(np.array([-2.0, 0.0, 2.0]))).tolist()
        [0.0, 0.25, 2.0]
    """
    return ops.sparse_plus(x)


def sparse_sigmoid(x):
    """0 for ``x <= -1``, 1 for ``x >= 1``, else ``(x + 1) / 2``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.sparse_sigmoid(np.array([-2.0, 0.0, 2.0]))).tolist()
        [0.0, 0.5, 1.0]
    """
    return ops.sparse_sigmoid(x)


def squareplus(x, b: float = 4):
    """``(x + sqrt(x**2 + b)) / 2``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.squareplus(np.array([0.0]))).tolist()
        [1.0]
    """
    return ops.squareplus(x, b=b)


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.threshold(np.array([0.1, 2.0]), 1.0, -1.0)).tolist()
        [-1.0, 2.0]
    """
    return ops.threshold(x, threshold, default_value)


def sparsemax(x, axis: int = -1):
    """Sparsemax along ``axis``: ``max(x - tau, 0)`` with Keras's threshold ``tau``.

    Example:
        >>> import numpy as np
        >>> from kfront import activations, ops
        >>> ops.convert_to_numpy(activations.sparsemax(np.array([1.0, 0.5, -1.0]))).tolist()
        [0.25, 0.0, 0.0]
    """
    return ops.sparsemax(x, axis=axis)


_FUNCTIONS = (relu, leaky_relu, relu6, softmax, log_softmax, elu, selu, celu, softplus, softsign,
              silu, gelu, glu, tanh, sigmoid, hard_sigmoid, hard_silu, hard_tanh, exponential,
              linear, mish, log_sigmoid, soft_shrink, hard_shrink, tanh_shrink, sparse_plus,
              sparse_sigmoid, sparsemax, squareplus, threshold)
ALL_OBJECTS_DICT: dict = {fn.__name__: fn for fn in _FUNCTIONS}
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu
_BUILTIN_IDS = {id(fn) for fn in _FUNCTIONS}


_REGISTRY = Registry("activation", ALL_OBJECTS_DICT, what="activation function")


def serialize(activation):
    """The name of a built-in activation (what Keras writes in configs); for another named
    function ``{"module", "class_name": "function", "config": name, "registered_name"}``; for
    an object with ``get_config``, its class dict.

    Example:
        >>> from kfront import activations
        >>> activations.serialize(activations.relu)
        'relu'
    """
    if activation is None:
        return None
    if id(activation) in _BUILTIN_IDS:
        return activation.__name__
    if hasattr(activation, "get_config"):  # never built in: keeps its module and name
        return _REGISTRY.class_config(activation)
    name = getattr(activation, "__name__", None)
    if callable(activation) and name and name != "<lambda>":
        return function_config(activation)
    raise ValueError(f"Unknown activation function {activation!r} cannot be serialized: use a "
                     "built-in activation name or a named function passed back through "
                     "custom_objects")


def deserialize(config, custom_objects: dict | None = None):
    """The activation function for a name or a ``serialize`` dict.

    Example:
        >>> from kfront import activations
        >>> activations.deserialize("tanh") is activations.tanh
        True
    """
    from kfront.saving.object_registration import visible_objects
    custom_objects = visible_objects(custom_objects)
    if isinstance(config, str):
        fn = custom_objects.get(config) or ALL_OBJECTS_DICT.get(config)
        if fn is None:
            raise _REGISTRY.unknown(config)
        return fn
    if isinstance(config, dict) and "class_name" in config:
        name, cfg = config["class_name"], config.get("config")
        if name == "function":
            return deserialize(config.get("registered_name") if cfg is None else cfg,
                               custom_objects)
        cls = custom_objects.get(name) or custom_objects.get(config.get("registered_name"))
        if cls is None:
            raise _REGISTRY.unknown(name)
        return cls.from_config(cfg or {}) if hasattr(cls, "from_config") else cls(**(cfg or {}))
    raise ValueError(f"Could not interpret activation config {config!r}: expected a name or a "
                     "dict with 'class_name' and 'config'")


def get(identifier):
    """An activation function from ``None`` (``linear``), a name, a config dict or a callable.

    Example:
        >>> from kfront import activations
        >>> activations.get(None) is activations.linear
        True
        >>> activations.get("swish") is activations.silu
        True
    """
    if identifier is None:
        return linear
    return _REGISTRY.get(identifier, deserialize)
