"""Export models as TensorFlow SavedModels for inference (Keras's ``keras.export``).

On the TensorFlow backend, endpoints are traced into ``tf.function``s over the model's own
``tf.Variable``s. On the other backends, a tracked layer or model is rebuilt on the TensorFlow
backend from its config, with its weights copied at ``track`` time, and its ``__call__`` /
``call`` endpoints are traced there; the user's backend is active again afterwards. Arbitrary
Python functions over a model of another backend cannot be traced into TensorFlow.
"""
from __future__ import annotations

import contextlib

from kfront import backends as _backends
from kfront import tree

__all__ = ["ExportArchive"]

DEFAULT_ENDPOINT_NAME = "serve"
_JAX_ONLY_KWARGS = ("is_static", "jax2tf_kwargs")


def _tf_export():
    """kfront's TensorFlow export helpers (TensorFlow must be installed)."""
    _backends.load("tensorflow")  # a clear ImportError naming the extra when it is missing
    from kfront.backends.tensorflow import export
    return export


class ExportArchive:
    """Writes a TensorFlow SavedModel with the serving endpoints you choose.

    ``track`` the layers or models the endpoints use, register each endpoint with
    ``add_endpoint`` (or ``track_and_add_endpoint``), optionally ``add_variable_collection``,
    then ``write_out``. ``tf.saved_model.load`` reloads the artifact without kfront; each
    endpoint is a method of the reloaded object and a serving signature (the first one also
    as ``"serving_default"``).

    Example:
        >>> import tempfile, numpy as np, kfront
        >>> model = kfront.Sequential([kfront.layers.Input((3,)), kfront.layers.Dense(2)])
        >>> archive = kfront.export.ExportArchive()
        >>> archive.track(model)
        >>> spec = kfront.layers.InputSpec(shape=(None, 3), dtype="float32")
        >>> _ = archive.add_endpoint("serve", model.__call__, input_signature=[spec])
        >>> archive.write_out(tempfile.mkdtemp(), verbose=False)
    """

    def __init__(self, format: str = "saved_model", **kwargs):
        if format != "saved_model":
            raise ValueError(f"Unsupported format: {format}")
        if kwargs:
            raise TypeError(f"ExportArchive: unexpected keyword arguments {sorted(kwargs)}")
        self._tf = _tf_export()
        self._writer = self._tf.SavedModelWriter()
        self._endpoint_names: list = []
        self._twins: dict = {}  # id(layer) -> (layer, its TensorFlow rebuild) off TensorFlow
        self._tf_generation = None

    @property
    def variables(self) -> list:
        """The tracked variables (``tf.Variable``s)."""
        return self._writer.root.variables

    @property
    def trainable_variables(self) -> list:
        return self._writer.root.trainable_variables

    @property
    def non_trainable_variables(self) -> list:
        return self._writer.root.non_trainable_variables

    def track(self, resource) -> None:
        """Track a built layer or model: its variables become the archive's ``variables``
        (reachable on the reloaded object). Off the TensorFlow backend it is rebuilt on
        TensorFlow now, with the weights it has now. A TensorFlow trackable (a
        ``tf.lookup`` table an endpoint uses) is saved with the endpoints."""
        from kfront.layers.layer import Layer
        if not isinstance(resource, Layer) and self._tf.is_trackable(resource):
            self._writer.track_resource(resource)  # e.g. a tf.lookup table an endpoint uses
            return
        if not isinstance(resource, Layer):
            raise ValueError("Invalid resource type. Expected a Keras `Layer` or `Model` or a "
                             "TensorFlow `Trackable` object. Received object "
                             f"{resource!r} of type '{type(resource)}'.")
        if not resource.built:
            raise ValueError("The layer provided has not yet been built. It must be built "
                             "before export.")
        if _backends.active_name() == "tensorflow":
            self._writer.track_variables(resource.variables)
            return
        if id(resource) in self._twins:
            return
        twin = self._rebuild_on_tensorflow(resource)
        self._twins[id(resource)] = (resource, twin)
        self._writer.track_variables(twin.variables)

    def add_endpoint(self, name: str, fn, input_signature=None, **kwargs):
        """Register the serving endpoint ``name`` computing ``fn``.

        ``input_signature``: a list with one entry per positional argument of ``fn``, each a
        structure of ``InputSpec`` (with ``shape`` and ``dtype``), ``KerasTensor``, tensor or
        ``tf.TensorSpec``; the first (batch) size is left free. Without it, ``fn`` must be a
        ``tf.function`` called at least once. Off the TensorFlow backend, ``fn`` must be the
        ``__call__`` or ``call`` of a tracked layer or model. Returns the ``tf.function``.

        Example:
            >>> import tempfile, kfront
            >>> model = kfront.Sequential([kfront.layers.Input((3,)), kfront.layers.Dense(2)])
            >>> archive = kfront.export.ExportArchive()
            >>> archive.track(model)
            >>> fn = archive.add_endpoint("call", model.call, [model.inputs[0]])
            >>> archive.write_out(tempfile.mkdtemp(), verbose=False)
        """
        self._check_endpoint(name, kwargs)
        if input_signature is None:
            return self._add_traced_function(name, fn)
        signature = self._signature(input_signature)
        target = self._tracing_target(fn)
        return self._trace(name, target, signature)

    def track_and_add_endpoint(self, name: str, resource, input_signature, **kwargs):
        """``track(resource)``, then an endpoint ``name`` calling it (its positional arguments
        named ``args_0``, ``args_1``... as Keras's).

        Example:
            >>> import tempfile, kfront
            >>> model = kfront.Sequential([kfront.layers.Input((3,)), kfront.layers.Dense(2)])
            >>> archive = kfront.export.ExportArchive()
            >>> _ = archive.track_and_add_endpoint("serve", model, model.inputs)
            >>> archive.write_out(tempfile.mkdtemp(), verbose=False)
        """
        self.track(resource)
        self._check_endpoint(name, kwargs)
        signature = self._signature(input_signature)
        layer = self._twins[id(resource)][1] if id(resource) in self._twins else resource
        return self._trace(name, _call_of(layer), signature)

    def add_variable_collection(self, name: str, variables) -> None:
        """Save ``variables`` (a list/tuple/set of Variables) as the attribute ``name`` of the
        reloaded object (off TensorFlow: copies of their values now).

        Example:
            >>> import tempfile, kfront
            >>> model = kfront.Sequential([kfront.layers.Input((3,)), kfront.layers.Dense(2)])
            >>> archive = kfront.export.ExportArchive()
            >>> _ = archive.track_and_add_endpoint("serve", model, model.inputs)
            >>> archive.add_variable_collection("kernels", [model.layers[0].kernel])
            >>> archive.write_out(tempfile.mkdtemp(), verbose=False)
        """
        if not isinstance(variables, (list, tuple, set)):
            raise ValueError("Expected `variables` to be a list/tuple/set. "
                             f"Received instead object of type '{type(variables)}'.")
        if not all(self._tf.is_variable(v) for v in variables):
            raise ValueError("Expected all elements in `variables` to be `tf.Variable` "
                             "instances. Found instead the following types: "
                             f"{list(set(type(v) for v in variables))}")
        self._writer.add_collection(name, list(variables))

    def write_out(self, filepath, options=None, verbose: bool = True) -> None:
        """Write the SavedModel to ``filepath`` (``options``: a ``tf.saved_model.SaveOptions``);
        ``verbose`` prints the endpoints and their signatures. Every endpoint is a serving
        signature; the first is also ``"serving_default"`` (unless one has that name)."""
        if not self._endpoint_names:
            raise ValueError("No endpoints have been set yet. Call add_endpoint().")
        with self._on_tensorflow():  # saving traces the endpoints again
            printed = self._writer.write(filepath, self._endpoint_names, options)
        if verbose:
            print(f"Saved artifact at '{filepath}'. The following endpoints are available:"
                  f"\n\n{printed}")

    # --- helpers ----------------------------------------------------------------------
    def _check_endpoint(self, name: str, kwargs: dict) -> None:
        if name in self._endpoint_names:
            raise ValueError(f"Endpoint name '{name}' is already taken.")
        unknown = [k for k in kwargs if k not in _JAX_ONLY_KWARGS]
        if unknown:
            raise TypeError(f"ExportArchive.add_endpoint got unexpected keyword arguments "
                            f"{unknown}")
        if kwargs and _backends.active_name() != "jax":
            raise ValueError("'jax2tf_kwargs' and 'is_static' are only supported with the jax "
                             f"backend. Current backend: {_backends.active_name()}")

    def _add_traced_function(self, name: str, fn):
        if not self._tf.is_function(fn):
            raise ValueError(
                "If the `fn` argument provided is not a `tf.function`, you must provide an "
                "`input_signature` argument to specify the shape and dtype of the function "
                "arguments. Example:\n\nexport_archive.add_endpoint(\n    name='call',\n"
                "    fn=model.call,\n    input_signature=[\n        keras.InputSpec(\n"
                "            shape=(None, 224, 224, 3),\n            dtype='float32',\n"
                "        )\n    ],\n)")
        if not self._tf.traced_count(fn):
            raise ValueError(
                f"The provided tf.function '{fn}' has never been called. To specify the "
                "expected shape and dtype of the function's arguments, you must either provide "
                "a function that has been called at least once, or alternatively pass an "
                "`input_signature` argument in `add_endpoint()`.")
        self._endpoint_names.append(name)
        return self._writer.add_function(name, fn)

    def _signature(self, input_signature):
        if not isinstance(input_signature, (list, tuple)):
            raise TypeError("ExportArchive: `input_signature` must be a list or tuple with one "
                            "entry per positional argument of the endpoint; received "
                            f"{type(input_signature).__name__}: {input_signature!r}")
        return [tree.map_structure(self._tensor_spec, arg) for arg in input_signature]

    def _tensor_spec(self, x):
        if self._tf.is_tensor_spec(x):
            return x
        spec = make_input_spec(x)
        return self._tf.tensor_spec(spec.shape, spec.dtype, spec.name)

    def _tracing_target(self, fn):
        if _backends.active_name() == "tensorflow":
            return fn
        owner = getattr(fn, "__self__", None)
        if id(owner) in self._twins and getattr(fn, "__name__", None) in ("__call__", "call"):
            return getattr(self._twins[id(owner)][1], fn.__name__)
        raise NotImplementedError(
            f"ExportArchive.add_endpoint on the {_backends.active_name()!r} backend: only the "
            "`__call__` or `call` method of a layer or model passed to `track()` can be "
            f"exported (it is rebuilt on TensorFlow); got {fn!r}. Export other functions on "
            "the TensorFlow backend (KFRONT_BACKEND=tensorflow), or wrap them in a layer.")

    def _trace(self, name: str, fn, signature):
        with self._on_tensorflow():
            decorated = self._writer.add_traced(name, fn, signature)
        self._endpoint_names.append(name)
        return decorated

    def _rebuild_on_tensorflow(self, layer):
        from kfront.saving import serialization_lib
        advice = (f"exporting from the {_backends.active_name()!r} backend rebuilds "
                  f"{type(layer).__name__} {layer.name!r} on TensorFlow from its config: give "
                  "it a get_config() that rebuilds it, or export on the TensorFlow backend "
                  "(KFRONT_BACKEND=tensorflow)")
        weights = layer.get_weights()
        try:
            config = serialization_lib.serialize_keras_object(layer)
            build_config = layer.get_build_config()
            with self._on_tensorflow():
                twin = serialization_lib.deserialize_keras_object(
                    config, custom_objects=_classes_in(layer))
                if not twin.built and build_config is not None:
                    twin.build_from_config(build_config)
                if len(twin.weights) != len(weights):
                    raise ValueError(f"the rebuilt one has {len(twin.weights)} weights, not "
                                     f"{len(weights)}")
                twin.set_weights(weights)
        except (TypeError, ValueError, NotImplementedError) as e:
            raise NotImplementedError(f"ExportArchive: {advice} ({e})") from e
        return twin

    @contextlib.contextmanager
    def _on_tensorflow(self):
        """Run the body on the TensorFlow backend, then give the user's backend back with the
        generation its objects were made in (so they stay usable)."""
        previous = _backends.active_name()
        if previous == "tensorflow":
            yield
            return
        saved = _backends._state["generation"]
        _backends.activate("tensorflow")
        if self._tf_generation is None:
            self._tf_generation = _backends._state["generation"]
        _backends._state["generation"] = self._tf_generation  # the twins' generation
        try:
            yield
        finally:
            _backends.activate(previous)
            _backends._state["generation"] = saved
            from kfront.layers.layer import _sync_layer_base
            _sync_layer_base()


def _classes_in(layer) -> dict:
    """The classes of ``layer`` and its nested layers by name: the user's own classes are
    what rebuilding it needs besides kfront's."""
    classes, stack = {}, [layer]
    while stack:
        current = stack.pop()
        classes[type(current).__name__] = type(current)
        stack.extend(current._sublayers)
    return classes


def _call_of(layer):
    def call(*args):
        return layer(*args)
    return call


def get_input_signature(model) -> list:
    """The input signature ``model.export`` uses: ``[structure of its inputs]`` for a
    functional model, its inputs for a Sequential, the shapes of its first call otherwise."""
    from kfront.models.functional import Functional
    from kfront.models.model import Model
    from kfront.models.sequential import Sequential
    if not isinstance(model, Model):
        raise TypeError(f"The model must be a `keras.Model`. Received: model={model} of the "
                        f"type {type(model)}")
    if not model.built:
        raise ValueError("The model provided has not yet been built. It must be built before "
                         "export.")
    if isinstance(model, Sequential):
        return [make_input_spec(t) for t in model.inputs]
    if isinstance(model, Functional):
        return [tree.map_structure(make_input_spec, model._inputs_struct)]
    shapes = model.__dict__.get("_build_shapes_dict") or {}
    shapes = list(shapes.values()) or ([model._build_shapes]
                                       if model._build_shapes is not None else [])
    if not shapes:
        raise ValueError("The model provided has never called. It must be called at least "
                         "once before export.")
    dtype = getattr(model, "input_dtype", None) or model.compute_dtype
    return [_specs_of_shapes(s, dtype) for s in shapes]


def _specs_of_shapes(shapes, dtype):
    from kfront.layers.layer import InputSpec, _is_shape
    if _is_shape(shapes):
        return InputSpec(shape=(None,) + tuple(shapes)[1:], dtype=dtype)
    if isinstance(shapes, dict):
        return {k: _specs_of_shapes(v, dtype) for k, v in shapes.items()}
    return type(shapes)(_specs_of_shapes(s, dtype) for s in shapes)


def make_input_spec(x):
    """An endpoint argument's ``InputSpec`` (shape with a free batch size, dtype, name) from
    an ``InputSpec``, a ``KerasTensor`` or a tensor."""
    from kfront import ops
    from kfront.layers.layer import InputSpec
    from kfront.ops.symbolic import KerasTensor
    if isinstance(x, InputSpec):
        if getattr(x, "shape", None) is None or x.dtype is None:
            raise ValueError(f"The `shape` and `dtype` must be provided. Received: x={x}")
        return x
    if isinstance(x, KerasTensor):
        return InputSpec(shape=(None,) + tuple(x.shape)[1:], dtype=x.dtype, name=x.name)
    if hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, type):
        try:
            shape, dtype = tuple(x.shape), ops.dtype(x)
        except (TypeError, ValueError):
            shape = None
        if shape is not None:
            return InputSpec(shape=(None,) + shape[1:], dtype=dtype)
    raise TypeError(f"Unsupported x={x} of the type ({type(x)}). Supported types are: "
                    "`keras.InputSpec`, `keras.KerasTensor` and backend tensor.")


def export_saved_model(model, filepath, verbose: bool | None = None, input_signature=None,
                       **kwargs) -> None:
    """Write ``model``'s forward pass as the endpoint ``serve`` of a SavedModel (what
    ``Model.export(format="tf_saved_model")`` does)."""
    archive = ExportArchive()
    if input_signature is None:
        input_signature = get_input_signature(model)
    archive.track_and_add_endpoint(DEFAULT_ENDPOINT_NAME, model, input_signature, **kwargs)
    archive.write_out(filepath, verbose=True if verbose is None else verbose)
