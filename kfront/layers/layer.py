"""The ``Layer`` base class: weights, building from the first input shape, calling, config."""
from __future__ import annotations

import collections
import contextlib
import functools
import inspect
import re
import types

import numpy as np

from kfront import backends as _backends
from kfront import distribution as _distribution
from kfront import ops
from kfront.backends import B, tf_graph
from kfront.backends.common import keras_mask, tree
from kfront.backends.common.name_scope import current_path, name_scope
from kfront.backends.common.variables import KVariable
from kfront.remat import call_rematerialized, current_remat_mode

_uids: collections.Counter = collections.Counter()


def unique_name(prefix: str) -> str:
    """Keras's naming: ``dense``, then ``dense_1``, ``dense_2``..."""
    n = _uids[prefix]
    _uids[prefix] += 1
    return prefix if n == 0 else f"{prefix}_{n}"


def snake_case(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()  # Keras: conv2d, max_pooling2d


class InputSpec:
    """What a layer accepts: ``ndim`` / ``max_ndim`` / ``min_ndim`` and fixed sizes of some
    ``axes``; a full ``shape`` (which sets ``ndim``) and ``name`` describe an exported
    endpoint's inputs; ``optional`` inputs may be ``None``."""

    def __init__(self, dtype=None, shape=None, ndim: int | None = None,
                 max_ndim: int | None = None, min_ndim: int | None = None,
                 axes: dict | None = None, allow_last_axis_squeeze=False, name=None,
                 optional: bool = False):
        self.ndim, self.min_ndim, self.axes, self.dtype = ndim, min_ndim, axes or {}, dtype
        self.max_ndim, self.optional = max_ndim, optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.shape, self.name = None if shape is None else tuple(shape), name
        if shape is not None:
            self.ndim = len(shape)


def _check_spec(layer, spec: InputSpec, shape: tuple, index: int = 0) -> None:
    head = f'Input {index} of layer "{layer.name}" is incompatible with the layer:'
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and len(shape) != spec.ndim:
        raise ValueError(f"{head} expected ndim={spec.ndim}, found ndim={len(shape)}. "
                         f"Full shape received: {shape}")
    if spec.max_ndim is not None and len(shape) > spec.max_ndim:
        raise ValueError(f"{head} expected max_ndim={spec.max_ndim}, found ndim={len(shape)}. "
                         f"Full shape received: {shape}")
    if spec.min_ndim is not None and len(shape) < spec.min_ndim:
        raise ValueError(f"{head} expected min_ndim={spec.min_ndim}, found ndim={len(shape)}. "
                         f"Full shape received: {shape}")
    for axis, value in spec.axes.items():
        got = shape[axis] if -len(shape) <= axis < len(shape) else None
        if value is not None and got is not None and got != value:
            raise ValueError(f"{head} expected axis {axis} of input shape to have value {value}, "
                             f"but received input with shape {shape}")


#: how many Layer.__call__ are running (0: the next call is an outermost one)
_CALL_DEPTH = [0]
_RESERVED_KWARGS = ("input_shape", "input_dim", "batch_input_shape", "batch_size")


class _BackendLayer:
    """``Layer``'s base on backends without a layer base of their own (Keras's
    ``BackendLayer``); see ``_sync_layer_base``."""


def _sync_layer_base() -> None:
    """Make ``Layer`` derive from the active backend's ``layer_base`` (torch's makes every
    layer a ``torch.nn.Module``, kfront/backends/torch/module.py), or from ``_BackendLayer``;
    checked when a layer is made, so classes and instances never change on other backends."""
    generation = _backends.generation()
    if _LAYER_BASE[0] == generation:
        return
    _LAYER_BASE[0] = generation
    base = getattr(_backends.load(_backends.active_name()), "layer_base", _BackendLayer)
    if Layer.__bases__ != (base,):
        Layer.__bases__ = (base,)


_LAYER_BASE = [None]  # the backend generation Layer's base was chosen for


class Layer(_BackendLayer):
    """Base class of all layers.

    Subclasses create weights in ``build(input_shape)`` with ``add_weight`` and compute in
    ``call(inputs, training=None)``. Calling a layer builds it on first use.

    Example:
        >>> import numpy as np
        >>> from kfront import layers, ops
        >>> class Scale(layers.Layer):
        ...     def build(self, input_shape):
        ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        ...     def call(self, x):
        ...         return ops.multiply(x, self.w)
        >>> Scale()(np.ones((2, 3), "float32")).shape
        (2, 3)
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _wrap_build(cls.__dict__["build"])

    def __new__(cls, *args, **kwargs):
        _sync_layer_base()
        instance = super().__new__(cls)
        instance._auto_config = _auto_config(cls, args, kwargs)
        return instance

    def __init__(self, *, trainable: bool = True, name: str | None = None, dtype=None,
                 autocast: bool = True, activity_regularizer=None, **kwargs):
        shape_kw = {k: kwargs.pop(k) for k in _RESERVED_KWARGS if k in kwargs}
        for legacy in ("input_length", "weights"):
            kwargs.pop(legacy, None)  # tf.keras 2 spellings with no effect here
        if kwargs.pop("quantization_config", None) is not None:
            raise ValueError(f"{type(self).__name__}: quantized layers are not supported by kfront")
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unrecognized keyword argument(s) "
                            f"{sorted(kwargs)}")
        self.name = name or unique_name(snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        Layer.dtype_policy.fset(self, dtype)  # ``_dtype_policy``, ``_dtype`` (compute dtype)
        self.autocast = autocast
        self._convert_input_args = True  # False: inputs reach ``call`` as given (no autocast)
        self._remat_mode = current_remat_mode()  # of the RematScope it was created in
        self.built = False
        self._parent_path: str | None = None  # the name scope open at its first build or call
        self._path: str | None = None
        self.input_spec: InputSpec | list | None = None
        # as Keras 3: a layer that defines its own compute_mask supports masking
        self.supports_masking = type(self).compute_mask is not Layer.compute_mask
        self._trainable_weights: list = []
        self._non_trainable_weights: list = []
        self._own_losses: list = []
        self._sublayers: list = []
        self._build_shapes = None
        self._generation = _backends.generation()
        self._input_shape_arg = _batch_shape_from(shape_kw)
        self._call_has_training = "training" in _call_params(type(self))
        self._call_has_mask = "mask" in _call_params(type(self))
        from kfront import regularizers
        self.activity_regularizer = regularizers.get(activity_regularizer)

    # ---- attribute tracking ---------------------------------------------------------------
    #: attributes whose Variables are not the layer's weights (its own weight lists)
    _untracked_attributes = frozenset({"_trainable_weights", "_non_trainable_weights"})

    def __setattr__(self, name, value):
        if "_sublayers" in self.__dict__ and name not in self._untracked_attributes:
            public = not name.startswith("_")
            for v in (value if isinstance(value, (list, tuple)) else (value,)):
                if public and isinstance(v, Layer) and v is not self and v not in self._sublayers:
                    self._sublayers.append(v)
                elif isinstance(v, KVariable) and (public or v is value):
                    self._track_variable(v)
        super().__setattr__(name, value)  # the backend's base may track more (torch modules)

    def _track_variable(self, variable) -> None:
        """As Keras's tracker: a Variable set as an attribute (``self.w = kfront.Variable(...)``,
        or in a list) is one of the layer's own weights, trainable or not by its flag, once."""
        if not any(variable is w for w in (*self._trainable_weights,
                                           *self._non_trainable_weights)):
            (self._trainable_weights if variable.trainable
             else self._non_trainable_weights).append(variable)

    # ---- weights ----------------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable: bool = True,
                   regularizer=None, constraint=None, name: str | None = None, **kwargs):
        """Create a weight Variable tracked by this layer (Keras 3's signature)."""
        from kfront import constraints, initializers, regularizers
        shape = () if shape is None else tuple(int(s) for s in shape)
        dtype = ops.standardize_dtype(dtype or self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if ops.standardize_dtype(dtype).startswith("float") \
                else "zeros"
        init = initializers.get(initializer)
        name = name or f"variable_{len(self._trainable_weights) + len(self._non_trainable_weights)}"
        with self._open_name_scope():  # its path: "<parent scopes>/<layer name>/<name>"
            var = B.Variable(init, shape=shape, dtype=dtype, trainable=trainable, name=name,
                             constraint=constraints.get(constraint),
                             autocast=kwargs.pop("autocast", True))
        _distribution.distribute_variable(var)  # its layout on a device mesh (JAX), if any
        var.regularizer = regularizers.get(regularizer)
        (self._trainable_weights if trainable else self._non_trainable_weights).append(var)
        return var

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._sublayers:
            layer.trainable = value

    def _layers_flat(self):
        """This layer and every nested sublayer, each once, depth first."""
        out, stack, seen = [], [self], set()
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(reversed(layer._sublayers))
        return out

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        out = [w for w in self._trainable_weights if w.trainable]  # (LoRA freezes its kernel)
        for layer in self._sublayers:
            out.extend(w for w in layer.trainable_weights if w not in out)
        return out

    @property
    def non_trainable_weights(self) -> list:
        if not self.trainable:
            return self.weights
        out = [w for w in self._trainable_weights if not w.trainable]
        out.extend(self._non_trainable_weights)
        for layer in self._sublayers:
            out.extend(w for w in layer.non_trainable_weights if w not in out)
        return out

    @property
    def weights(self) -> list:
        """All weights: trainable first, then non-trainable (Keras's order)."""
        out = list(self._trainable_weights) + list(self._non_trainable_weights)
        for layer in self._sublayers:
            out.extend(w for w in layer.weights if w not in out)
        return out

    trainable_variables = property(lambda self: self.trainable_weights)

    @property
    def non_trainable_variables(self) -> list:
        """The ``variables`` that are not trainable, in their order (Keras's): the
        non-trainable weights and the seed generators' states, which ``stateless_call``
        takes and returns advanced by random draws traced from them."""
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.variables if id(v) not in trainable]

    @property
    def variables(self) -> list:
        """All the layer's state, as Keras's: its weights, the state of its seed generators
        (a ``Dropout``'s ``seed_generator_state``, which ``weights`` leave out), then its
        sublayers' variables."""
        from kfront.random import SeedGenerator
        out = list(self._trainable_weights) + list(self._non_trainable_weights)
        out.extend(v.state for v in vars(self).values() if isinstance(v, SeedGenerator))
        seen = {id(v) for v in out}
        for layer in self._sublayers:
            for v in layer.variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    def stateless_call(self, trainable_variables: list, non_trainable_variables: list, *args,
                       return_losses: bool = False, **kwargs):
        """Call the layer on ``args`` with its variables set to the given values, leaving them
        unchanged (Keras 3's stateless API, for JAX-style loops under ``jax.grad``/``jax.jit``).
        Returns ``(outputs, non_trainable_variables)``, the latter the new values (e.g.
        BatchNormalization statistics); with ``return_losses``, the call's losses third. See
        ``kfront.StatelessScope`` for what each backend supports.

        Example:
            >>> import numpy as np, kfront
            >>> layer = kfront.layers.Dense(1, kernel_initializer="ones")
            >>> _ = layer(np.ones((1, 2), "float32"))
            >>> kernel = np.full((2, 1), 2.0, "float32")
            >>> out, _ = layer.stateless_call([kernel, np.zeros(1, "float32")], [],
            ...                               np.ones((1, 2), "float32"))
            >>> float(kfront.ops.convert_to_numpy(out)[0, 0]), float(layer.kernel.numpy()[0, 0])
            (4.0, 1.0)
        """
        from kfront.layers.stateless import stateless_call
        return stateless_call(self, trainable_variables, non_trainable_variables, *args,
                              return_losses=return_losses, **kwargs)

    def quantize(self, mode=None, type_check: bool = True, config=None) -> None:
        """Quantize the layer's weights (Keras's ``Layer.quantize``): ``Dense``,
        ``EinsumDense`` and ``Embedding`` can (``kfront/layers/quantized.py``); other layers
        raise NotImplementedError."""
        raise NotImplementedError(f"Layer {type(self).__name__} does not have a `quantize` "
                                  "method implemented.")

    def get_weights(self) -> list:
        """The weights as numpy arrays (copies: later training does not change them)."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights) -> None:
        """Set the weights from a list of arrays, in ``weights`` order."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(f'Layer "{self.name}" expects {len(own)} weight arrays, '
                             f"got {len(weights)}")
        for var, value in zip(own, weights):
            value = np.asarray(value)
            if value.shape != var.shape:
                raise ValueError(f'Layer "{self.name}": weight {var.path} has shape {var.shape}, '
                                 f"the value given has shape {value.shape}")
            var.assign(value)
        _distribution.keep_layouts(own)  # back on their device mesh (JAX), if laid out

    def save_own_variables(self, store: dict) -> None:
        """Write the layer's own variables into ``store`` under ``"0"``, ``"1"``, ... (Keras's
        default, in its saving order). ``model.save`` calls an override of this method (and of
        ``load_own_variables``, ``save_assets`` / ``load_assets``) in a subclass, as Keras does.

        Example:
            >>> import numpy as np
            >>> from kfront import layers
            >>> layer = layers.Dense(2)
            >>> layer.build((None, 3))
            >>> store = {}
            >>> layer.save_own_variables(store)
            >>> {key: value.shape for key, value in store.items()}
            {'0': (3, 2), '1': (2,)}
        """
        from kfront.saving.h5_weights import own_variables, variable_value
        for i, variable in enumerate(own_variables(self)):
            store[str(i)] = variable_value(variable)

    def load_own_variables(self, store) -> None:
        """Assign the layer's own variables from ``store`` (``"0"``, ``"1"``, ...), the
        inverse of ``save_own_variables``."""
        from kfront.saving.h5_weights import own_variables
        variables = own_variables(self)
        if len(store.keys()) != len(variables):
            raise ValueError(f"Layer '{self.name}' expected {len(variables)} variables, but "
                             f"received {len(store.keys())} variables during loading. "
                             f"Expected: {[v.name for v in variables]}")
        for i, variable in enumerate(variables):
            variable.assign(store[str(i)])

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f'Layer "{self.name}" is not built yet: call it or build it to '
                             f"create its weights before counting them")
        return int(sum(w.size for w in self.weights))

    @property
    def losses(self) -> list:
        """Regularization losses: weight regularizers (computed now) and activity losses."""
        out = []
        for layer in self._layers_flat():
            out.extend(layer._own_losses)
            for w in layer._trainable_weights:
                reg = getattr(w, "regularizer", None)
                if reg is not None and w.trainable:
                    out.append(reg(w))
        return out

    def add_loss(self, loss) -> None:
        """Add a scalar loss tensor, usually inside ``call``; ``losses`` holds those of the
        latest outermost call (a new call clears them), which ``fit`` adds to the loss."""
        self._own_losses.append(loss)

    # ---- building and calling ----------------------------------------------------------------
    def build(self, input_shape) -> None:
        """Create weights for inputs of ``input_shape`` (batch dim included, may be None).

        Every ``build`` (a subclass's too) runs inside the layer's name scope and, as in
        Keras, leaves ``built`` True and the shape recorded for ``get_build_config``."""

    def _maybe_build(self, shapes) -> None:
        if self.built:
            return
        self._build_shapes = shapes
        self.build(shapes)

    def _open_name_scope(self) -> name_scope:
        """The layer's name scope (Keras's): the path open at its first use stays its parent,
        so a layer built inside a model's build or call has the path ``"<model>/<layer>"``,
        wherever it is called later."""
        if self.__dict__.get("_parent_path") is None:
            self._parent_path = current_path()
        return name_scope(self.name, caller=self)

    @property
    def path(self) -> str | None:
        """The layer's path, ``"<parent scopes>/<name>"`` (``None`` until it is built)."""
        return self.__dict__.get("_path")

    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call()")

    def __call__(self, *args, **kwargs):
        from kfront.layers.input_layer import KerasTensor, symbolic_call
        inputs, args = _first_argument(self, args, kwargs)
        first = tree.flatten(inputs)[0]
        if any(isinstance(t, KerasTensor) for t in first):
            return symbolic_call(self, inputs, args, kwargs)
        if B.NAME != "tensorflow" and any(type(t).__module__.startswith("tensorflow.")
                                          for t in first) \
                and tf_graph.has_graph_tensors((inputs, args, kwargs)):
            # a tf.data map: on the values through tf.py_function, where Keras switches its
            # preprocessing layers to TensorFlow ops (the first test spares every other call
            # a flattening of its arguments)
            return tf_graph.call_on_values(self, (inputs, *args), kwargs,
                                           graph_output_spec(self, inputs))
        if self._generation != _backends.generation():
            raise RuntimeError(f'Layer "{self.name}" was built on another backend before '
                               f"kfront.config.set_backend(); rebuild it after switching")
        input_masks = _attached_masks(inputs)  # read before conversion makes new tensors
        inputs = self._convert_inputs(inputs)
        if not self.built:
            self._maybe_build(_shapes_of(inputs))
        self._check_inputs(inputs)
        if not self._call_has_training:
            kwargs.pop("training", None)
        previous_mask = self._populate_masks(input_masks, args, kwargs)
        if not self._call_has_mask:
            kwargs.pop("mask", None)
        if not _CALL_DEPTH[0]:  # an outermost call: losses are those of this call only
            for layer in self._layers_flat():
                layer._own_losses.clear()
            keras_mask.retain_only((inputs, args, kwargs))
        _CALL_DEPTH[0] += 1
        try:
            with self._call_scope(), _autocast_scope(self):
                if self._remat_mode is None:
                    outputs = self.call(inputs, *args, **kwargs)
                else:  # created inside a kfront.RematScope
                    outputs = call_rematerialized(self, self._remat_mode, inputs, args, kwargs,
                                                  _shapes_of(inputs))
        finally:
            _CALL_DEPTH[0] -= 1
        outputs = _distribution.distribute_output(self, outputs)  # a LayoutMap's "<name>/output"
        if self.activity_regularizer is not None:
            self._own_losses.extend(_activity_loss(self.activity_regularizer, o)
                                    for o in tree.flatten(outputs)[0])
        if self.supports_masking:
            self._set_mask_metadata(inputs, outputs, previous_mask)
        return outputs

    def _call_scope(self):
        """The layer's name scope while sublayers may still build in ``call`` (their
        weights then get this layer's path as parent, as in Keras); no scope otherwise."""
        if all(layer.built for layer in self._sublayers):
            return contextlib.nullcontext()
        return self._open_name_scope()

    def _populate_masks(self, input_masks, args, kwargs):
        """Keras 3's mask passing: the masks attached to the inputs (``_keras_mask``) fill
        ``mask=`` when the inputs are the only tensor argument, else each ``<name>_mask=`` of
        ``call`` for its tensor argument ``<name>``; returns the mask the outputs' mask is
        computed from (``mask=`` if given, else the first argument's)."""
        tensor_args = {}
        if args or not all(isinstance(v, _PLAIN) for v in kwargs.values()):
            tensor_args = {name: v for name, v in zip(_call_params(type(self))[2:], args)
                           if _has_tensors(v)}
            tensor_args.update((k, v) for k, v in kwargs.items()
                               if k != "mask" and not k.endswith("_mask") and _has_tensors(v))
        if not tensor_args:
            if self._call_has_mask and kwargs.get("mask") is None and input_masks is not None:
                kwargs["mask"] = input_masks
        else:
            params = _call_params(type(self))
            named = {params[1] if len(params) > 1 else "inputs": input_masks}
            named.update((k, _attached_masks(v)) for k, v in tensor_args.items())
            for name, masks in named.items():
                if masks is not None and f"{name}_mask" in params \
                        and kwargs.get(f"{name}_mask") is None:
                    kwargs[f"{name}_mask"] = masks
        given = kwargs.get("mask")
        return given if given is not None else input_masks

    def _set_mask_metadata(self, inputs, outputs, previous_mask) -> None:
        """Attach ``compute_mask(inputs, previous_mask)`` to the outputs (as Keras does)
        unless every output carries a mask already."""
        if previous_mask is None and type(self).compute_mask is Layer.compute_mask:
            return  # the default passes the (absent) mask on
        flat = tree.flatten(outputs)[0]
        if all(keras_mask.get_keras_mask(o) is not None for o in flat):
            return
        masks = self.compute_mask(inputs, previous_mask)
        if masks is None:
            return
        for o, m in zip(flat, tree.flatten(masks)[0]):
            if m is not None and keras_mask.get_keras_mask(o) is None:
                keras_mask.set_keras_mask(o, m)

    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs, from the inputs and their ``mask`` (Keras's
        ``compute_mask``); models use it when ``supports_masking``. Default: ``mask`` passes."""
        return mask

    def _call_with_mask(self, inputs, mask, *args, **kwargs):
        """``self(inputs, ...)`` inside a model, propagating masks as Keras 3 does: the input
        ``mask`` goes to ``call`` when it takes ``mask=``; returns (outputs, output mask), the
        latter ``None`` unless the layer ``supports_masking``."""
        has_mask = any(m is not None for m in tree.flatten(mask)[0])
        if has_mask and self._call_has_mask and kwargs.get("mask") is None:
            kwargs["mask"] = mask
        elif has_mask:
            _attach_masks(inputs, mask)  # what __call__ reads the previous mask from
        outputs = self(inputs, *args, **kwargs)
        if not self.supports_masking:
            return outputs, None
        return outputs, _attached_masks(outputs)

    def _convert_inputs(self, inputs):
        """Arrays to backend tensors; float inputs autocast to the compute dtype (as Keras's
        ``DTypePolicy.convert_input``), unless ``_convert_input_args`` is False."""
        if not self._convert_input_args:
            return inputs
        if self._dtype == "bfloat16" and _backends.active_name() == "numpy":
            raise NotImplementedError(
                f'Layer "{self.name}" computes in bfloat16 (dtype policy '
                f'"{self._dtype_policy.name}"), which the native numpy backend cannot do (NumPy '
                "has no bfloat16); use 'mixed_float16' there, or the torch, tensorflow or jax "
                "backend for bfloat16")
        leaves, spec = tree.flatten(inputs)
        autocast = self.autocast and self._dtype in _FLOATS
        out = []
        for x in leaves:
            if x is None or type(x) is np.ndarray and x.dtype.kind in "USO" or \
                    getattr(getattr(x, "dtype", None), "name", None) == "string":
                out.append(x)  # None, text (NumPy, tf.string) stay (host layers take text)
                continue
            if not (B.is_tensor(x) or isinstance(x, B.Variable) or type(x).__name__ == "Tensor"):
                x = ops.convert_to_tensor(x)
            if autocast:
                dt = ops.dtype(x)
                if dt in _FLOATS and dt != self._dtype:
                    x = ops.cast(x, self._dtype)
            out.append(x)
        return tree.unflatten(spec, out)

    def _check_inputs(self, inputs) -> None:
        spec = self.input_spec
        if spec is None:
            return
        specs = spec if isinstance(spec, (list, tuple)) else [spec]
        flat = tree.flatten(inputs)[0]
        for i, (s, x) in enumerate(zip(specs, flat)):
            if s is not None and not (x is None and s.optional):
                _check_spec(self, s, static_shape(x), i)

    def compute_output_shape(self, input_shape):
        """Output shape(s) for ``input_shape``; by default found by running the layer on zeros
        twice, with unknown sizes set to 2 then 3 (sizes that change are unknown, ``None``);
        once where every size is known."""
        leaves, spec = _flatten_shapes(input_shape)
        known = all(leaf is None or None not in leaf[0] for leaf in leaves)
        runs = []
        for fill in (2,) if known else (2, 3):
            dummies = [None if leaf is None else
                       np.zeros([fill if d is None else d for d in leaf[0]], dtype=leaf[1])
                       for leaf in leaves]
            with B.no_grad():
                out = self(tree.unflatten(spec, dummies) if spec is not None else dummies[0])
            runs.append(out)
        o2, ospec = tree.flatten(runs[0])
        o3 = tree.flatten(runs[-1])[0]
        shapes = [tuple(a if a == b else None for a, b in zip(ops.shape(x), ops.shape(y)))
                  for x, y in zip(o2, o3)]
        return tree.unflatten(ospec, shapes)

    #: a layer that only moves its input's elements (Reshape, Flatten, Permute, Identity):
    #: a non-float input keeps its dtype, as Keras's ``compute_output_spec`` of those gives
    _keeps_input_dtype = False

    def compute_output_spec_dtype(self, input_dtype: str) -> str:
        if self._keeps_input_dtype and input_dtype not in _FLOATS:
            return input_dtype
        return self._dtype if self._dtype in _FLOATS else input_dtype

    # ---- config --------------------------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments (Keras 3's keys): ``name``, ``trainable``, ``dtype`` (a
        DTypePolicy config) and, set, ``activity_regularizer``. A subclass that does not
        override it gets the simple (str/number/bool/None) arguments it was created with."""
        from kfront import dtype_policies, regularizers
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policies.serialize(self._dtype_policy)}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if _overrides(type(self), "get_config") or type(self).__module__.startswith("kfront."):
            return config
        auto = self.__dict__.get("_auto_config")
        if auto is None:
            raise NotImplementedError(
                f"{type(self).__name__} cannot be serialized: its constructor was given values "
                "other than strings, numbers, booleans and None. Override get_config() (and "
                "from_config() for nested objects) to make it serializable.")
        if not _accepts_kwargs(type(self)):
            return dict(auto)
        return {**config, **auto}

    @classmethod
    def from_config(cls, config: dict):
        """A layer from ``get_config()`` output (Keras's or kfront's)."""
        config = dict(config)
        if "batch_input_shape" in config:
            config["batch_input_shape"] = tuple(config["batch_input_shape"])
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(f"Could not create {cls.__name__} from its config: {e}. Its "
                            "get_config() must return the constructor's arguments, or it must "
                            "define from_config().") from None

    def get_build_config(self) -> dict | None:
        """``{"input_shape": ...}``: the shape the layer was built with (Keras's build
        config), ``None`` when it was built without one."""
        if self._build_shapes is None:
            return None
        several = self.__dict__.get("_build_shapes_dict") or {}
        if len(several) > 1:  # built from several tensor arguments: Keras's shapes_dict
            return {"shapes_dict": {k: _shape_lists(v) for k, v in several.items()}}
        return {"input_shape": _shape_lists(self._build_shapes)}

    def build_from_config(self, config: dict) -> None:
        """Build from ``get_build_config()`` output, so the weights exist before loading."""
        shape = (config or {}).get("input_shape")
        if shape is None and len((config or {}).get("shapes_dict") or ()) > 1 \
                and not self.built and len(inspect.signature(self.build).parameters) > 1:
            from kfront.layers.input_layer import build_from_shapes_dict
            build_from_shapes_dict(self, {k: _shape_tuples(v)
                                          for k, v in config["shapes_dict"].items()})
            return
        if shape is None and "shapes_dict" in (config or {}):
            shapes = list(config["shapes_dict"].values())
            shape = shapes[0] if len(shapes) == 1 else shapes
        if shape is not None:
            self._maybe_build(_shape_tuples(shape))
        self.built = True

    @property
    def dtype_policy(self):
        """The layer's ``DTypePolicy``; set it with a policy, a name or a config."""
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value) -> None:
        from kfront import dtype_policies
        policy = dtype_policies.get(value)
        self._dtype_policy = policy
        if isinstance(policy, dtype_policies.DTypePolicyMap):
            # Keras looks up the layer's path; kfront its name
            policy = dtype_policies.get(policy[self.name])
        self._dtype = policy.compute_dtype  # the compute dtype, used by subclasses
        self._variable_dtype = policy.variable_dtype

    @property
    def dtype(self) -> str:
        """The dtype of the layer's weights (alias of ``variable_dtype``, as Keras)."""
        return self._variable_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype of the layer's weights."""
        return self._variable_dtype

    @property
    def compute_dtype(self) -> str:
        """The dtype of the layer's computations and outputs (inputs are cast to it)."""
        return self._dtype

    @property
    def input_dtype(self) -> str:
        """The dtype float inputs are converted to."""
        return self._dtype

    def _first_node(self, what: str):
        from kfront.layers.input_layer import make_deferred_graphs
        make_deferred_graphs()  # e.g. a built Sequential's, which calls this layer
        nodes = self.__dict__.get("_inbound_nodes")
        if not nodes:
            raise AttributeError(f'Layer "{self.name}" has never been called on symbolic '
                                 f"tensors and thus has no defined {what}")
        return nodes[0]

    @property
    def input(self):
        """The symbolic input of the layer's first call (as Keras's ``layer.input``)."""
        return self._first_node("input").inputs

    @property
    def output(self):
        """The symbolic output of the layer's first call (as Keras's ``layer.output``)."""
        return self._first_node("output").outputs

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


_FLOATS = ("float16", "bfloat16", "float32", "float64")


def _wrap_build(build):
    """``build`` as Keras runs it: in the layer's name scope, then ``built`` set and a single
    input shape recorded (``get_build_config``); a ``super().build`` call inside passes
    straight through."""
    if getattr(build, "_kfront_build", False):
        return build

    @functools.wraps(build)
    def build_wrapper(self, *args, **kwargs):
        if self.__dict__.get("_in_build"):
            return build(self, *args, **kwargs)
        if len(args) == 1 and not kwargs:
            self._build_shapes = args[0]
        self.__dict__["_in_build"] = True
        try:
            with self._open_name_scope():
                self._path = current_path()
                build(self, *args, **kwargs)
        finally:
            self.__dict__["_in_build"] = False
        self.built = True

    build_wrapper._kfront_build = True
    return build_wrapper


Layer.build = _wrap_build(Layer.build)


def _autocast_scope(layer):
    """The AutocastScope ``layer.call`` runs in (Keras's rules): a layer with a mixed policy
    opens one in its compute dtype; inside another, a layer that does not autocast (or
    computes in a non-float dtype) closes it, one of another compute dtype replaces it."""
    from kfront.backends.common.variables import AutocastScope, get_autocast_scope
    current = get_autocast_scope()
    compute = layer._dtype
    if current is not None:
        if not layer.autocast or compute not in _FLOATS:
            return AutocastScope(None)
        if current.dtype != compute:
            return AutocastScope(compute)
    elif compute != layer._variable_dtype:
        return AutocastScope(compute)
    return contextlib.nullcontext()


def _overrides(cls, method: str) -> bool:
    """Does ``cls`` define ``method`` below ``Layer`` (and the Model/Trainer bases)?"""
    for klass in cls.__mro__:
        if method in klass.__dict__:
            return klass.__module__.split(".")[0] != "kfront" or klass.__name__ not in (
                "Layer", "Model", "Trainer")
    return False


def _accepts_kwargs(cls) -> bool:
    params = inspect.signature(cls.__init__).parameters
    return "name" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


_AUTO_TYPES = (str, int, float, bool, type(None))


def _auto_config(cls, args, kwargs) -> dict | None:
    """The arguments of ``cls(*args, **kwargs)`` by name, defaults included, when all are
    plain values (Keras's automatic config); ``None`` otherwise."""
    if "__init__" not in {k for klass in cls.__mro__[:-1] for k in klass.__dict__
                          if klass.__module__.split(".")[0] != "kfront"}:
        return None
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
    except TypeError:
        return None
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments.pop(next(iter(arguments)))  # self
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if param.kind is param.VAR_POSITIONAL:
            if arguments.pop(name, ()):
                return None
        elif param.kind is param.VAR_KEYWORD:
            arguments.update(arguments.pop(name, {}))
    arguments.pop("name", None)
    leaves = tree.flatten(arguments)[0]
    if not all(isinstance(v, _AUTO_TYPES) for v in leaves):
        return None
    return arguments


def _shape_lists(shapes):
    """Shapes (tuples, nested in lists/dicts) as JSON-ready lists."""
    if _is_shape(shapes):
        return list(shapes)
    if isinstance(shapes, dict):
        return {k: _shape_lists(v) for k, v in shapes.items()}
    return [_shape_lists(s) for s in shapes]


def _shape_tuples(shapes):
    """Inverse of ``_shape_lists``: shapes back to tuples."""
    if _is_shape(shapes):
        return tuple(shapes)
    if isinstance(shapes, dict):
        return {k: _shape_tuples(v) for k, v in shapes.items()}
    return [_shape_tuples(s) for s in shapes]


def _first_argument(layer, args: tuple, kwargs: dict) -> tuple:
    """``call``'s first argument and the remaining positional ones: as Keras binds the call
    to ``call``'s signature, the first may come by keyword (``layer(logits=x, targets=y)``)."""
    if args:
        return args[0], args[1:]
    params = _call_params(type(layer))
    name = params[1] if len(params) > 1 else "inputs"
    if name not in kwargs:
        raise TypeError(f'Layer "{layer.name}" was called without its first argument '
                        f'"{name}" (expected positionally or as {name}=...); received '
                        f"keyword arguments {sorted(kwargs)}")
    return kwargs.pop(name), ()


def _call_params(cls) -> tuple:
    cache = cls.__dict__.get("_call_params_cache")
    if cache is None:
        cache = tuple(inspect.signature(cls.call).parameters)
        setattr(cls, "_call_params_cache", cache)
    return cache


def _batch_shape_from(kw: dict):
    if "batch_input_shape" in kw:
        return tuple(kw["batch_input_shape"])
    if "input_shape" in kw:
        return (kw.get("batch_size"),) + tuple(kw["input_shape"])
    if "input_dim" in kw:
        return (kw.get("batch_size"), int(kw["input_dim"]))
    return None


def graph_output_spec(layer: Layer, inputs) -> types.SimpleNamespace | list:
    """Shapes (``None`` where ``compute_output_shape`` cannot tell, e.g. an unbatched
    ``tf.data`` element) and dtype of ``layer``'s output on the graph tensors ``inputs``: one
    spec, or a list of them for a layer with several outputs."""
    leaves = tree.flatten(inputs)[0]
    shapes = [None if x.shape.rank is None else tuple(x.shape) for x in leaves]
    try:
        shape = layer.compute_output_shape(shapes if isinstance(inputs, (list, tuple))
                                           else shapes[0])
    except (IndexError, TypeError, ValueError, NotImplementedError):
        shape = None
    dtype = layer.compute_output_spec_dtype(leaves[0].dtype.name)
    if isinstance(shape, (list, tuple)) and shape and all(map(_is_shape, shape)):
        return [types.SimpleNamespace(shape=tuple(s), dtype=dtype) for s in shape]
    return types.SimpleNamespace(shape=tuple(shape) if _is_shape(shape) else None, dtype=dtype)


def _has_tensors(value) -> bool:
    return any(B.is_tensor(t) or isinstance(t, B.Variable) for t in tree.flatten(value)[0])


_PLAIN = (type(None), bool, int, float, str)


def _attached_masks(inputs):
    """The ``_keras_mask`` of each tensor of ``inputs`` in its structure; ``None`` if none."""
    if not isinstance(inputs, (list, tuple, dict)):
        return keras_mask.get_keras_mask(inputs)
    leaves, spec = tree.flatten(inputs)
    masks = [keras_mask.get_keras_mask(x) for x in leaves]
    if all(m is None for m in masks):
        return None
    return tree.unflatten(spec, masks) if spec is not None else masks[0]


def _attach_masks(inputs, masks) -> None:
    flat_masks = tree.flatten(masks)[0]
    for x, m in zip(tree.flatten(inputs)[0], flat_masks):
        if m is not None and B.is_tensor(x):
            keras_mask.set_keras_mask(x, m)


def static_shape(x) -> tuple:
    """``x``'s shape with ``None`` for the sizes a traced graph does not know statically
    (``ops.shape`` gives those as tensors): what Keras builds layers and checks input specs
    on."""
    shape = getattr(x, "shape", None)
    return tuple(ops.shape(x)) if shape is None else tuple(shape)


def _shapes_of(inputs):
    leaves, spec = tree.flatten(inputs)
    shapes = [static_shape(x) for x in leaves]
    return tree.unflatten(spec, shapes) if spec is not None else shapes[0]


def _flatten_shapes(input_shape):
    """A shape, or a nested list/tuple/dict of shapes (a dict in a dict, as the migration
    guide's ``{"foo": ..., "bar": {"baz": ...}}``) -> ([(shape, dtype) or None], spec or
    None), the spec as ``backends.common.tree``'s (tuples of shapes rebuilt as lists); a
    ``None`` in the structure (no tensor there) stays ``None``."""
    from kfront import config
    leaves = []

    def walk(s):
        if s is None:  # no tensor there (an optional input left out), as Keras takes it
            leaves.append(None)
            return None
        if _is_shape(s):
            leaves.append((tuple(s), config.floatx()))
            return None
        if isinstance(s, dict):
            return (dict, [(k, walk(v)) for k, v in s.items()])
        if isinstance(s, (list, tuple)):
            return (list, [walk(v) for v in s])
        raise ValueError(f"Cannot interpret {input_shape!r} as an input shape")

    return leaves, walk(input_shape)


def _is_shape(s) -> bool:
    return isinstance(s, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer))
                                                for d in s)


def _activity_loss(regularizer, output):
    """The activity penalty of ``output`` divided by its batch size, as Keras 3 does."""
    loss = regularizer(output)
    shape = ops.shape(output)
    return ops.divide(loss, float(shape[0])) if len(shape) and shape[0] else loss
