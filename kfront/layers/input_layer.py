"""Symbolic tensors for the functional API: ``Input``, ``InputLayer`` and ``KerasTensor``."""
from __future__ import annotations

import inspect
import itertools
import weakref

import numpy as np

from kfront import ops
from kfront.backends import B
from kfront.backends.common import tree
from kfront.layers.layer import Layer
from kfront.ops.symbolic import KerasTensor  # noqa: F401  (defined with the ops it records)

_node_ids = itertools.count()
_deferred_graphs: list = []  # (weakref to a model, its graph maker), in the order Keras makes them
_making_graphs = False


def defer_graph(model, make) -> None:
    """Have ``make(model)`` record ``model``'s symbolic graph before any later symbolic call
    or ``layer.input`` / ``layer.output`` lookup, as if made now (as Keras's ``Sequential.build``
    makes its functional graph) but without its cost where no graph is ever looked at."""
    _deferred_graphs[:] = [entry for entry in _deferred_graphs if entry[0]() is not None]
    _deferred_graphs.append((weakref.ref(model), make))


def make_deferred_graphs() -> None:
    """Make the deferred graphs, oldest first, so that layers get their nodes in Keras's order."""
    global _making_graphs
    if _making_graphs or not _deferred_graphs:
        return
    _making_graphs = True
    try:
        while _deferred_graphs:
            ref, make = _deferred_graphs.pop(0)
            model = ref()
            if model is not None:
                make(model)
    finally:
        _making_graphs = False


class Node:
    """One call of a layer on symbolic inputs, recorded for functional models."""

    def __init__(self, layer, inputs, args, kwargs, outputs):
        make_deferred_graphs()
        self.id = next(_node_ids)
        self.layer = layer
        self.inputs = inputs            # the structure passed as first argument
        self.args, self.kwargs = args, kwargs
        self.outputs = outputs          # the structure returned
        self.flat_inputs = [t for t in tree.flatten(inputs)[0] if t is not None]  # None: no input
        # symbolic tensors this call reads, ``initial_state=`` ones included (graph edges)
        self.dependencies = self.flat_inputs + [t for t in tree.flatten((args, kwargs))[0]
                                                if isinstance(t, KerasTensor)]
        self.flat_outputs = tree.flatten(outputs)[0]
        layer.__dict__.setdefault("_inbound_nodes", []).append(self)


def symbolic_call(layer, inputs, args, kwargs):
    """Call ``layer`` on KerasTensors: build it, infer its output shapes, record a Node."""
    leaves, spec = tree.flatten(inputs)
    shapes = [None if t is None else t.shape for t in leaves]
    shape_struct = tree.unflatten(spec, shapes) if spec is not None else shapes[0]
    if any(isinstance(t, KerasTensor) for t in tree.flatten(args)[0]):
        out_shapes = _several_positional(layer, inputs, args, kwargs)
    else:
        if not layer.built:
            layer._maybe_build(shape_struct)
        layer._check_inputs(inputs)
        out_shapes = layer.compute_output_shape(shape_struct)
    dtype = layer.compute_output_spec_dtype(next(t for t in leaves if t is not None).dtype)
    outputs = _keras_tensors(out_shapes, dtype, layer.name)
    node = Node(layer, inputs, args, kwargs, outputs)
    for i, t in enumerate(node.flat_outputs):
        t._keras_history = (node, i)
    if layer.supports_masking:
        _attach_symbolic_masks(layer, inputs, kwargs, node.flat_outputs)
    return outputs


def _attach_symbolic_masks(layer, inputs, kwargs, outputs) -> None:
    """The outputs' ``_keras_mask``: ``compute_mask`` of the symbolic inputs and their mask
    (``mask=``, else the inputs' own ``_keras_mask``), as Keras sets it on a call's
    KerasTensors (``Embedding(mask_zero=True)(x)._keras_mask``). A ``compute_mask`` that
    needs concrete values leaves the outputs without one; the model still propagates masks
    when it runs."""
    from kfront.layers.layer import Layer, _attached_masks
    previous = kwargs.get("mask")
    if previous is None:
        previous = _attached_masks(inputs)
    if previous is None and type(layer).compute_mask is Layer.compute_mask:
        return
    try:
        masks = layer.compute_mask(inputs, previous)
    except Exception:  # noqa: BLE001 (a host-side compute_mask: no symbolic mask)
        return
    for output, mask in zip(outputs, tree.flatten(masks)[0]):
        if isinstance(mask, KerasTensor):
            output._keras_mask = mask


def _several_positional(layer, inputs, args, kwargs):
    """Build and infer output shapes for ``layer(a, b, ...)`` with several positional symbolic
    tensors, as Keras 3 does: ``build`` / ``compute_output_shape`` taking one argument get the
    first tensor's shape, taking several get ``<call argument>_shape`` by name; without an own
    ``compute_output_shape``, the call runs on zeros of every input's shape (unknown sizes 2,
    then 3: sizes that change are unknown)."""
    from kfront.layers.layer import _call_params, _overrides

    names = _call_params(type(layer))[1:]
    tensors = [(n, v) for n, v in zip(names, (inputs, *args))]
    tensors += [(k, v) for k, v in kwargs.items() if k not in names[:len(tensors)]]
    shapes = {f"{n}_shape": _map(lambda t: t.shape, v) for n, v in tensors
              if all(isinstance(t, KerasTensor) for t in tree.flatten(v)[0])}
    if not layer.built:
        build_from_shapes_dict(layer, shapes)
    if _overrides(type(layer), "compute_output_shape"):
        return _call_by_shape_names(layer, layer.compute_output_shape, shapes)
    runs = []
    for fill in (2, 3):
        def zeros(t):
            if not isinstance(t, KerasTensor):
                return t
            return np.zeros([fill if d is None else d for d in t.shape], dtype=t.dtype)
        dummy_inputs, dummy_args, dummy_kwargs = _map(zeros, (inputs, args, kwargs))
        with B.no_grad():
            runs.append(tree.flatten(layer(dummy_inputs, *dummy_args, **dummy_kwargs)))
    (o2, ospec), (o3, _) = runs
    out = [tuple(a if a == b else None for a, b in zip(ops.shape(x), ops.shape(y)))
           for x, y in zip(o2, o3)]
    return tree.unflatten(ospec, out) if ospec is not None else out[0]


def build_from_shapes_dict(layer, shapes: dict) -> None:
    """Build ``layer`` from ``{"<call argument>_shape": shape}`` (Keras's ``shapes_dict``)."""
    from kfront.layers.layer import _overrides
    layer._build_shapes = next(iter(shapes.values()))
    layer._build_shapes_dict = dict(shapes)
    if _overrides(type(layer), "build"):
        _call_by_shape_names(layer, layer.build, shapes)
    layer.built = True


def _call_by_shape_names(layer, fn, shapes: dict):
    """``fn`` (``build`` / ``compute_output_shape``) given the first shape when it takes one
    argument, else each ``<call argument>_shape`` by name (Keras 3's rule)."""
    params = [p for p in inspect.signature(fn).parameters.values()
              if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY, p.POSITIONAL_ONLY)]
    if len(params) == 1:
        return fn(next(iter(shapes.values())))
    missing = [p.name for p in params if p.name not in shapes and p.default is p.empty]
    if missing:
        raise ValueError(f'Layer "{layer.name}": {fn.__name__}() takes {missing}, which name no '
                         f"tensor argument of call(); expected names among {sorted(shapes)}")
    return fn(**{p.name: shapes[p.name] for p in params if p.name in shapes})


def _map(fn, struct):
    leaves, spec = tree.flatten(struct)
    return tree.unflatten(spec, [fn(x) for x in leaves])


def _is_single_shape(s) -> bool:
    return isinstance(s, tuple) and all(d is None or isinstance(d, int) for d in s)


def _keras_tensors(shapes, dtype, name):
    if _is_single_shape(shapes):
        return KerasTensor(shapes, dtype, name=name)
    if isinstance(shapes, dict):
        return {k: _keras_tensors(v, dtype, name) for k, v in shapes.items()}
    return [_keras_tensors(s, dtype, name) for s in shapes]


class InputLayer(Layer):
    """The layer behind ``Input``: it holds the input shape and passes data through."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None,
                 batch_shape=None, input_tensor=None, optional=False, name=None, **kwargs):
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        _not_supported(sparse=sparse, ragged=ragged, optional=optional)
        if input_tensor is not None:
            raise NotImplementedError("InputLayer: input_tensor= (wrapping an existing "
                                      "KerasTensor) is not supported by kfront yet; give `shape` "
                                      "or `batch_shape`")
        from kfront import config
        # as Keras: an input is floatx() unless given, whatever the global (mixed) policy
        string = dtype == "string"  # no dtype policy holds strings: set directly, as Keras
        super().__init__(name=name, dtype=config.floatx() if dtype is None or string else dtype,
                         **kwargs)
        if string:
            self._dtype = "string"
        if batch_shape is None:
            if shape is None:
                raise ValueError("Input: give `shape` (without the batch size) or `batch_shape`")
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.built = True
        output = KerasTensor(self.batch_shape, self._dtype, name=self.name)
        output._keras_history = (Node(self, (), (), {}, output), 0)

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {"batch_shape": list(self.batch_shape), "dtype": self._dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": False}


def _not_supported(**flags) -> None:
    """Input flags kfront does not support yet must keep their default (False / None)."""
    for flag, value in flags.items():
        if value:
            raise NotImplementedError(f"InputLayer: {flag}={value!r} is not supported by kfront "
                                      f"yet; leave it False")


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
          name=None, tensor=None, optional=False) -> KerasTensor:
    """A symbolic input of ``shape`` (without the batch dimension) for functional models.

    Example:
        >>> from kfront import layers
        >>> x = layers.Input(shape=(784,))
        >>> x.shape
        (None, 784)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       ragged=ragged, batch_shape=batch_shape, input_tensor=tensor,
                       optional=optional, name=name)
    return layer.output
