"""``keras.utils.model_to_dot`` / ``plot_model`` (Graphviz graphs of a model's layers, through
the optional ``pydot`` package and Graphviz's ``dot`` program) and ``get_source_inputs``."""
from __future__ import annotations

import os
import sys

from kfront import tree

try:
    import pydot
except ImportError:  # optional: pip install pydot (and Graphviz for plot_model)
    pydot = None

__all__ = ["get_source_inputs", "model_to_dot", "plot_model"]


def get_source_inputs(tensor) -> list:
    """The ``Input`` tensors that the symbolic ``tensor`` is computed from, each once, in
    order; a tensor without layer history is returned as it is (as in Keras).

    Example:
        >>> import kfront
        >>> from kfront import layers
        >>> a, b = kfront.Input((2,), name="a"), kfront.Input((2,), name="b")
        >>> out = layers.Dense(1)(layers.Concatenate()([a, b, a]))
        >>> [t is x for t, x in zip(kfront.utils.get_source_inputs(out), (a, b))]
        [True, True]
    """
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return tensor if not hasattr(tensor, "_keras_history") else [tensor]
    node = history[0]
    if not node.dependencies:  # an Input
        return list(node.flat_outputs)
    sources: list = []
    for parent in node.dependencies:
        for t in get_source_inputs(parent):
            if all(t is not s for s in sources):
                sources.append(t)
    return sources


def _require_pydot(who: str) -> None:
    if pydot is None:
        raise ImportError(f"You must install pydot (`pip install pydot`) for {who} to work.")


def _in_notebook() -> bool:
    """Whether an IPython shell runs the code (``plot_model`` then prints what is missing, as
    Keras does; Keras tests whether IPython was imported, which importing Keras itself does)."""
    ipython = sys.modules.get("IPython")
    return ipython is not None and getattr(ipython, "get_ipython", lambda: None)() is not None


def _graphviz_available() -> bool:
    try:
        pydot.Dot.create(pydot.Dot())
        return True
    except (OSError, pydot.PydotException):
        return False


def _check_built(model) -> None:
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")


def _check_kwargs(kwargs: dict) -> None:
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")


def _activation_name(layer) -> str:
    activation = layer.activation
    return getattr(activation, "name", None) or getattr(activation, "__name__", None) or str(
        activation)


def _format_shape(shape) -> str:
    if shape is None:
        return "?"
    text = ", ".join(f"{k}: {v}" for k, v in shape.items()) if isinstance(shape, dict) else (
        f"{shape}")
    return text.replace("}", "").replace("{", "")


def _structure_of(layer, attribute: str, field: str):
    try:
        return tree.map_structure(lambda t: getattr(t, field), getattr(layer, attribute))
    except (ValueError, AttributeError):
        return None


def _cell(text: str, color: str = "white", font: str = "") -> str:
    return f'<td bgcolor="{color}"><font point-size="14"{font}>{text}</font></td>'


def _layer_label(layer, show_layer_names: bool, show_layer_activations: bool,
                 show_dtype: bool, show_shapes: bool, show_trainable: bool) -> str:
    """Keras's HTML-like Graphviz label of one layer."""
    class_name = type(layer).__name__
    colspan = max(1, int(show_dtype) + int(show_trainable) + 2 * int(show_shapes))
    title = f"<b>{layer.name}</b> ({class_name})" if show_layer_names else f"<b>{class_name}</b>"
    table = ('<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
             f'<tr><td colspan="{colspan}" bgcolor="black"><font point-size="16" '
             f'color="white">{title}</font></td></tr>')
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        table += (f'<tr><td bgcolor="white" colspan="{colspan}"><font point-size="14">'
                  f"Activation: <b>{_activation_name(layer)}</b></font></td></tr>")
    cols = []
    if show_shapes:
        if class_name != "InputLayer":
            shape = _structure_of(layer, "input", "shape")
            cols.append(_cell(f"Input shape: <b>{_format_shape(shape)}</b>"))
        shape = _structure_of(layer, "output", "shape")
        cols.append(_cell(f"Output shape: <b>{_format_shape(shape)}</b>"))
    if show_dtype:
        dtype = _structure_of(layer, "output", "dtype")
        cols.append(_cell(f"Output dtype: <b>{dtype or '?'}</b>"))
    if show_trainable and hasattr(layer, "trainable") and layer.weights:
        cols.append(_cell("<b>Trainable</b>", "forestgreen", ' color="white"') if layer.trainable
                    else _cell("<b>Non-trainable</b>", "firebrick", ' color="white"'))
    if cols:
        table += f"<tr>{''.join(cols)}</tr>"
    return table + "</table>>"


def _make_node(layer, options: dict):
    node = pydot.Node(str(id(layer)), label=_layer_label(layer, **options))
    node.set("fontname", "Helvetica")
    node.set("border", "0")
    node.set("margin", "0")
    return node


def _add_edge(dot, src, dst) -> None:
    src_id, dst_id = str(id(src)), str(id(dst))
    if not dot.get_edge(src_id, dst_id):
        edge = pydot.Edge(src_id, dst_id)
        edge.set("penwidth", "2")
        dot.add_edge(edge)


def _innermost_source(layer, output_index: int):
    from kfront.models import Functional, Sequential  # noqa: PLC0415 (models import utils)
    while isinstance(layer, (Functional, Sequential)):
        node, output_index = layer.outputs[output_index]._keras_history
        layer = node.layer
    return layer


def _innermost_destination(layer, input_index: int):
    from kfront.models import Functional, Sequential  # noqa: PLC0415
    while isinstance(layer, (Functional, Sequential)):
        layer = (layer.inputs[input_index]._keras_history[0].layer
                 if isinstance(layer, Functional) else layer.layers[0])
    return layer


def model_to_dot(model, show_shapes: bool = False, show_dtype: bool = False,
                 show_layer_names: bool = True, rankdir: str = "TB",
                 expand_nested: bool = False, dpi: int = 200, subgraph: bool = False,
                 show_layer_activations: bool = False, show_trainable: bool = False,
                 splines: str = "ortho", **kwargs):
    """A ``pydot.Dot`` graph of the model's layers (a ``pydot.Cluster`` with ``subgraph``):
    one node per layer, labelled as Keras labels them, one edge per connection; nested models
    become clusters with ``expand_nested``. Needs ``pydot``.

    Example:
        >>> import kfront
        >>> from kfront import layers
        >>> model = kfront.Sequential([kfront.Input((3,)), layers.Dense(2, name="d1"),
        ...                            layers.Dense(1, name="d2")])
        >>> dot = kfront.utils.model_to_dot(model)
        >>> len(dot.get_nodes()), len(dot.get_edges())
        (3, 1)
    """
    from kfront.models import Functional, Sequential  # noqa: PLC0415 (models import utils)
    _check_built(model)
    _require_pydot("model_to_dot")
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    _check_kwargs(kwargs)
    options = {"show_layer_names": show_layer_names,
               "show_layer_activations": show_layer_activations, "show_dtype": show_dtype,
               "show_shapes": show_shapes, "show_trainable": show_trainable}
    if isinstance(model, Sequential):
        if show_shapes or show_dtype:
            try:
                model.output  # noqa: B018  (gives the layers their symbolic calls, as in Keras)
            except AttributeError:
                pass
        layers = model.layers
    elif isinstance(model, Functional):
        layers = model._all_layers
    else:  # a subclassed model: one node
        dot.add_node(_make_node(model, options))
        return dot
    for layer in layers:
        if expand_nested and isinstance(layer, (Functional, Sequential)):
            dot.add_subgraph(model_to_dot(
                layer, show_shapes, show_dtype, show_layer_names, rankdir, expand_nested,
                subgraph=True, show_layer_activations=show_layer_activations,
                show_trainable=show_trainable))
        else:
            dot.add_node(_make_node(layer, options))
    if isinstance(model, Sequential):
        for first, second in zip(layers, layers[1:]):
            _add_edge(dot, _innermost_source(first, 0) if expand_nested else first,
                      _innermost_destination(second, 0) if expand_nested else second)
        return dot
    own_nodes = {id(node) for node in model._nodes}
    for layer in layers:
        for node in layer.__dict__.get("_inbound_nodes", []):
            if id(node) not in own_nodes:
                continue
            for input_index, tensor in enumerate(node.dependencies):
                history = tensor._keras_history
                if history is None:
                    continue
                source, output_index = history[0].layer, history[1]
                if expand_nested:
                    _add_edge(dot, _innermost_source(source, output_index),
                              _innermost_destination(layer, input_index))
                else:
                    _add_edge(dot, source, layer)
    return dot


def plot_model(model, to_file: str = "model.png", show_shapes: bool = False,
               show_dtype: bool = False, show_layer_names: bool = False, rankdir: str = "TB",
               expand_nested: bool = False, dpi: int = 200,
               show_layer_activations: bool = False, show_trainable: bool = False,
               splines: str = "ortho", **kwargs):
    """Writes ``model_to_dot(model, ...)`` as an image (its format from ``to_file``'s
    extension, PNG without one) through Graphviz; in Jupyter returns an ``IPython`` Image.
    Needs ``pydot`` and Graphviz's ``dot`` program, else raises ImportError as Keras does.

    Example:
        >>> import kfront
        >>> from kfront import layers
        >>> model = kfront.Sequential([kfront.Input((3,)), layers.Dense(2)])
        >>> kfront.utils.plot_model(model, to_file="model.svg")  # doctest: +SKIP
    """
    _check_built(model)
    missing = ("You must install pydot (`pip install pydot`) for `plot_model` to work."
               if pydot is None else
               "You must install graphviz (see instructions at "
               "https://graphviz.gitlab.io/download/) for `plot_model` to work."
               if not _graphviz_available() else None)
    if missing is not None:
        if _in_notebook():
            print(missing)
            return None
        raise ImportError(missing)
    _check_kwargs(kwargs)
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, splines=splines)
    to_file = str(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    if extension != "pdf":
        try:
            from IPython import display  # noqa: PLC0415 (optional)
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None
