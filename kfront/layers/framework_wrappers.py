"""Layers that wrap another framework's objects: ``TorchModuleWrapper`` (torch backend),
``JaxLayer`` and ``FlaxLayer`` (jax backend), ``TFSMLayer`` (tensorflow backend). Each works
on its own backend and raises a ValueError naming the backend it needs elsewhere; the
framework code lives in ``kfront/backends/<name>/wrapping.py``."""
from __future__ import annotations

import importlib
import importlib.util
import inspect

import numpy as np

from kfront import config
from kfront.backends.common import tree
from kfront.layers.layer import Layer

__all__ = ["FlaxLayer", "JaxLayer", "TFSMLayer", "TorchModuleWrapper"]


def _support(who: str, backend: str):
    """The backend's wrapping module, or a ValueError naming the backend ``who`` needs."""
    if config.backend() != backend:
        raise ValueError(f"{who} wraps {backend} objects and needs the {backend} backend "
                         f"(KFRONT_BACKEND={backend} or kfront.config.set_backend("
                         f"{backend!r})); the active backend is {config.backend()!r}")
    return importlib.import_module(f"kfront.backends.{backend}.wrapping")


def _no_config(layer) -> None:
    raise NotImplementedError(
        f'{type(layer).__name__} "{layer.name}" cannot be saved in a config: Keras stores the '
        "wrapped object as pickled code, which kfront never loads; save the weights "
        "(save_weights) and rebuild the layer in code")


class TorchModuleWrapper(Layer):
    """A ``torch.nn.Module`` as a layer (torch backend): its parameters become the layer's
    weights (trainable as ``requires_grad``), shared with the module, so ``fit`` trains it.

    Example:
        >>> import kfront
        >>> kfront.config.set_backend("torch")
        >>> import torch
        >>> layer = kfront.layers.TorchModuleWrapper(torch.nn.Linear(3, 2))
        >>> tuple(layer(torch.ones(4, 3)).shape), [tuple(w.shape) for w in layer.weights]
        ((4, 2), [(2, 3), (2,)])
        >>> kfront.config.set_backend("numpy")
    """

    def __init__(self, module, name: str | None = None, output_shape=None, **kwargs):
        support = _support("TorchModuleWrapper", "torch")
        if not support.is_module(module):
            raise TypeError(f"TorchModuleWrapper: module must be a torch.nn.Module, got "
                            f"{type(module).__name__}")
        super().__init__(name=name, **kwargs)
        self.module = module
        self.output_shape = None if output_shape is None else tuple(output_shape)
        for pname, param in support.module_parameters(module):
            var = self.add_weight(shape=tuple(param.shape),
                                  initializer=lambda shape, dtype=None, p=param:
                                  p.detach().cpu().numpy(),
                                  dtype=str(param.dtype).replace("torch.", ""),
                                  trainable=bool(param.requires_grad), name=pname)
            support.bind_parameter(module, pname, var)
        self.built = True

    def call(self, *args, training=None, **kwargs):
        if training is not None:
            self.module.train(bool(training))
        return self.module(*args, **kwargs)

    def compute_output_shape(self, input_shape):
        if self.output_shape is not None:
            return (input_shape[0],) + self.output_shape
        return super().compute_output_shape(input_shape)

    def get_config(self) -> dict:
        _no_config(self)


def _fn_params(fn, who: str, allowed: tuple) -> list:
    names = list(inspect.signature(fn).parameters)
    bad = [n for n in names if n not in allowed]
    if "inputs" not in names or bad:
        raise ValueError(f"JaxLayer: {who} must take `inputs` and only arguments among "
                         f"{allowed}, got {names}")
    return names


class JaxLayer(Layer):
    """A JAX function as a layer (jax backend), as Keras's ``JaxLayer``: ``call_fn`` takes
    ``inputs`` and any of ``params``, ``state``, ``rng``, ``training`` and returns outputs (or
    ``(outputs, new_state)`` when it takes ``state``); ``params`` (trainable) and ``state``
    (non-trainable) are pytrees of arrays, given or made by ``init_fn(rng, inputs, training)``
    (returning ``params`` or ``(params, state)``).

    Example:
        >>> import numpy as np, kfront
        >>> kfront.config.set_backend("jax")
        >>> def call_fn(params, inputs):
        ...     return inputs @ params["w"] + params["b"]
        >>> layer = kfront.layers.JaxLayer(call_fn, params={"w": np.ones((3, 2), "float32"),
        ...                                                 "b": np.zeros(2, "float32")})
        >>> np.asarray(layer(np.ones((1, 3), "float32"))).tolist()
        [[3.0, 3.0]]
        >>> kfront.config.set_backend("numpy")
    """

    def __init__(self, call_fn, init_fn=None, params=None, state=None, seed=None,
                 native_serialization_platforms=None, **kwargs):
        self._support = _support(type(self).__name__, "jax")
        super().__init__(**kwargs)
        if init_fn is None and params is None:
            raise ValueError(f'{type(self).__name__} "{self.name}": give `params` or `init_fn`')
        allowed = ("params", "state", "rng", "inputs", "training")
        self._call_args = _fn_params(call_fn, "call_fn", allowed)
        if init_fn is not None:
            _fn_params(init_fn, "init_fn", allowed)
        self.call_fn, self.init_fn, self.seed = call_fn, init_fn, seed
        # Keras uses it only for jax2tf on the tensorflow backend; kfront runs JaxLayer on jax
        self.jax2tf_native_serialization_platforms = native_serialization_platforms
        self._params, self._state = params, state
        self._rng_count = 0

    def _rng(self):
        self._rng_count += 1
        return self._support.rng_key((self.seed or 0) * 1000003 + self._rng_count)

    def _track(self, pytree, trainable: bool, prefix: str):
        if pytree is None:
            return None, []
        leaves, treedef = self._support.tree_flatten(pytree)
        leaves = [np.asarray(leaf) for leaf in leaves]
        vars_ = [self.add_weight(shape=tuple(leaf.shape), initializer=lambda shape, dtype=None,
                                 v=leaf: v, dtype=str(leaf.dtype), trainable=trainable,
                                 name=f"{prefix}_{i}") for i, leaf in enumerate(leaves)]
        return treedef, vars_

    def build(self, input_shape):
        params, state = self._params, self._state
        if params is None:
            dummy = tree.unflatten(*_zeros_like_shapes(input_shape)) \
                if isinstance(input_shape, (list, dict)) else np.zeros(
                    [1 if d is None else d for d in input_shape], config.floatx())
            args = {"rng": self._rng(), "inputs": dummy, "training": False}
            names = list(inspect.signature(self.init_fn).parameters)
            out = self.init_fn(**{n: args[n] for n in names})
            params, state = out if isinstance(out, tuple) and len(out) == 2 else (out, state)
        self._params_def, self._params_vars = self._track(params, True, "param")
        self._state_def, self._state_vars = self._track(state, False, "state")
        self._params = self._state = None

    def call(self, inputs, training=False):
        values = {"inputs": inputs, "training": bool(training)}
        if "params" in self._call_args:
            values["params"] = self._support.tree_unflatten(
                self._params_def, [v.value for v in self._params_vars])
        if "state" in self._call_args:
            values["state"] = (None if self._state_def is None else self._support.tree_unflatten(
                self._state_def, [v.value for v in self._state_vars]))
        if "rng" in self._call_args:
            values["rng"] = self._rng()
        out = self.call_fn(**{n: values[n] for n in self._call_args})
        if "state" in self._call_args and self._state_def is not None:
            out, new_state = out
            for var, value in zip(self._state_vars, self._support.tree_flatten(new_state)[0]):
                var.assign(value)
        return out

    def get_config(self) -> dict:
        _no_config(self)


def _zeros_like_shapes(shapes):
    leaves, spec = tree.flatten(shapes)
    return spec, [np.zeros([1 if d is None else d for d in s], config.floatx()) for s in leaves]


class FlaxLayer(JaxLayer):
    """A Flax module as a layer (jax backend, needs the ``flax`` package).

    Not supported yet: constructing one raises ImportError without ``flax`` and
    NotImplementedError with it. Wrap the module's ``apply`` in a ``JaxLayer`` instead.

    Example:
        >>> import kfront
        >>> kfront.layers.FlaxLayer(None)
        Traceback (most recent call last):
        ...
        ValueError: FlaxLayer wraps jax objects and needs the jax backend ...
    """

    def __init__(self, module, method=None, variables=None, **kwargs):
        _support("FlaxLayer", "jax")
        if importlib.util.find_spec("flax") is None:
            raise ImportError("FlaxLayer needs the flax package: pip install flax")
        raise NotImplementedError("FlaxLayer is not supported by kfront yet: wrap "
                                  "module.apply in a kfront.layers.JaxLayer")


class TFSMLayer(Layer):
    """Inference with a TensorFlow SavedModel's endpoint (tensorflow backend), as Keras's
    ``TFSMLayer``: ``call_endpoint`` (default ``"serve"``, e.g. from ``model.export``) and
    ``call_training_endpoint`` for training calls. The SavedModel's variables are not
    exposed as the layer's weights (it does not train).

    Example:
        >>> import kfront
        >>> kfront.layers.TFSMLayer("saved_model_dir")
        Traceback (most recent call last):
        ...
        ValueError: TFSMLayer wraps tensorflow objects and needs the tensorflow backend ...
    """

    def __init__(self, filepath: str, call_endpoint: str = "serve",
                 call_training_endpoint: str | None = None, trainable: bool = True,
                 name: str | None = None, dtype=None):
        support = _support("TFSMLayer", "tensorflow")
        super().__init__(trainable=False, name=name, dtype=dtype)
        self.filepath, self.call_endpoint = str(filepath), call_endpoint
        self.call_training_endpoint = call_training_endpoint
        self._fn, self._loaded = support.load_endpoint(self.filepath, call_endpoint)
        self._train_fn = (support.load_endpoint(self.filepath, call_training_endpoint)[0]
                          if call_training_endpoint else None)
        self.built = True

    def call(self, inputs, training=False):
        fn = self._train_fn if training and self._train_fn is not None else self._fn
        return fn(inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "filepath": self.filepath,
                "call_endpoint": self.call_endpoint,
                "call_training_endpoint": self.call_training_endpoint}
