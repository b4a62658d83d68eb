"""``Lambda``: wrap a function as a layer (``keras.layers.Lambda``).

A Python lambda is saved as marshalled bytecode, as Keras does; loading it back runs code from
the file, so it needs ``safe_mode=False``. A named function is saved by name and loads only if
it is a kfront built-in (activations, losses, metrics), registered with
``register_keras_serializable`` or given in ``custom_objects``.
"""
from __future__ import annotations

import inspect
import types

from kfront import tree
from kfront.layers.layer import Layer


def _is_python_lambda(fn) -> bool:
    return isinstance(fn, types.FunctionType) and fn.__name__ == "<lambda>"


class Lambda(Layer):
    """``function(inputs, **arguments)`` as a layer.

    Args:
        function: the function; it may take ``mask`` and ``training`` arguments.
        output_shape: the output shape without the batch size, or a function of the input
            shape; by default found by running the function.
        mask: a mask for the outputs, or a function ``mask(inputs, previous_mask)``.
        arguments: keyword arguments passed to ``function``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers, ops
        >>> double = layers.Lambda(lambda x: ops.multiply(x, 2.0))
        >>> ops.convert_to_numpy(double(np.ones((1, 2), "float32"))).tolist()
        [[2.0, 2.0]]
    """

    def __init__(self, function, output_shape=None, mask=None, arguments: dict | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f'Lambda "{self.name}": function must be callable, got '
                            f"{type(function).__name__}")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        params = inspect.signature(function).parameters if _has_signature(function) else {}
        self._fn_takes_mask = "mask" in params
        self._fn_takes_training = "training" in params
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        # shapes given without the batch size take the first input's (Keras's rule; the
        # inputs may be a list, as keras-io's siamese networks' distance Lambda)
        batch_size = tree.flatten(input_shape)[0]
        return tree.map_shape_structure(lambda shape: (batch_size,) + tuple(shape),
                                        self._output_shape)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self) -> dict:
        from kfront.saving.serialization_lib import serialize_keras_object
        config = {**super().get_config(), "function": _function_config(self.function)}
        if self._output_shape is not None:
            config["output_shape"] = (_function_config(self._output_shape)
                                      if callable(self._output_shape)
                                      else list(self._output_shape))
        if self.mask is not None:
            config["mask"] = (_function_config(self.mask) if callable(self.mask)
                              else serialize_keras_object(self.mask))
        config["arguments"] = serialize_keras_object(self.arguments)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None,
                    safe_mode: bool | None = None):
        """A Lambda from its config. Serialized bytecode (``__lambda__``) is refused in safe
        mode, the default; named functions resolve from the allowlist and custom objects."""
        from kfront.saving import safety
        from kfront.saving.serialization_lib import deserialize_keras_object
        config = dict(config)
        mode = safety.resolve_safe_mode(True if safe_mode is None else safe_mode)
        with safety.SafeModeScope(mode):
            for key in ("function", "output_shape", "mask"):
                value = config.get(key)
                if isinstance(value, dict):
                    config[key] = _load_function(value, custom_objects, config.get("name"))
            if "arguments" in config:
                config["arguments"] = deserialize_keras_object(config["arguments"],
                                                               custom_objects=custom_objects)
        return super().from_config(config)


def _has_signature(fn) -> bool:
    try:
        inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    return True


def _function_config(fn) -> dict:
    """A function as Keras's Lambda writes it: bytecode for a Python lambda, else by name."""
    from kfront.saving.serialization_lib import func_dump, serialize_keras_object
    if _is_python_lambda(fn):
        code, defaults, closure = func_dump(fn)
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": defaults, "closure": closure}}
    return serialize_keras_object(fn)


def _load_function(config: dict, custom_objects, layer_name):
    from kfront.saving.serialization_lib import deserialize_keras_object, func_load
    if config.get("class_name") == "__lambda__":
        inner = config.get("config") or {}
        if "value" in inner:
            inner = dict(zip(("code", "defaults", "closure"), inner["value"]))
        return func_load(inner.get("code"), inner.get("defaults"), inner.get("closure"),
                         what=f'Lambda layer "{layer_name}"')
    fn = deserialize_keras_object(config, custom_objects=custom_objects)
    if not callable(fn):
        raise ValueError(f'Lambda layer "{layer_name}": its function config {config!r:.200} '
                         "does not name a function")
    return fn
