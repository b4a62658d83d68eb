"""``Model.summary()``: Keras 3's table of layers, output shapes and parameter counts."""
from __future__ import annotations

import re
import shutil

# Keras's tables: a plain stack of layers, and a graph with a "Connected to" column
_PLAIN = (88, (0.45, 0.80, 1.0), ("Layer (type)", "Output Shape", "Param #"))
_GRAPH = (108, (0.3, 0.56, 0.74, 1.0), _PLAIN[2] + ("Connected to",))


def readable_memory_size(n_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n_bytes / 1024 < 1:
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.2f} EB"


def column_widths(line_length: int, positions) -> list[int]:
    """Each column's width with its padding, borders excluded, as Keras's rich table sets them:
    ``positions`` (fractions of ``line_length``) give fixed widths, which the table then
    narrows (or widens) evenly to fit ``line_length`` with its borders."""
    widths, current = [], 0
    for pos in positions:
        width = int(pos * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width + 2)  # + the cell's padding
        current += width
    available = line_length - (len(widths) + 1)
    excess = sum(widths) - available
    if excess > 0:  # rich's ratio_reduce
        remaining, n = excess, len(widths)
        for i in range(len(widths)):
            cut = min(widths[i], round(remaining / n))
            widths[i] -= cut
            remaining, n = remaining - cut, n - 1
    elif excess < 0:  # rich's ratio_distribute (a table of a set width expands)
        remaining, total = -excess, sum(widths)
        for i, width in enumerate(list(widths)):
            add = -(-width * remaining // total)
            widths[i] += add
            remaining, total = remaining - add, total - width
    return widths


def _rule(left, mid, right, fill, widths):
    return left + mid.join(fill * w for w in widths) + right


def _wrap(text: str, width: int) -> list[str]:
    """Keras's (rich's) cell text: words wrapped onto lines, a word too long cut with '…'."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return [line if len(line) <= width else line[:width - 1] + "…" for line in lines]


def _row(cells, widths, sep="│", align=("<", "<", ">", "<")):
    columns = [_wrap(text, width - 2) for text, width in zip(cells, widths)]
    rows = []
    for i in range(max(len(c) for c in columns)):
        parts = [f" {(c[i] if i < len(c) else ''):{a}{width - 2}} "
                 for c, width, a in zip(columns, widths, align)]
        rows.append(sep + sep.join(parts) + sep)
    return rows


def _shape_text(shape) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def _weights_size(weights) -> tuple[int, int]:
    count = sum(w.size for w in weights)
    nbytes = sum(w.size * _itemsize(w.dtype) for w in weights)
    return count, nbytes


def _itemsize(dtype: str) -> int:
    return {"float16": 2, "bfloat16": 2, "float64": 8, "int64": 8, "bool": 1, "int8": 1,
            "uint8": 1, "int16": 2}.get(dtype, 4)


def _layer_rows(model):
    from kfront.models.functional import Functional
    from kfront.models.sequential import Sequential
    if isinstance(model, Sequential):
        shapes = model._output_shapes or [None] * len(model.layers)
        return list(zip(model.layers, shapes + [None] * (len(model.layers) - len(shapes))))
    if isinstance(model, Functional):
        rows = []
        for layer in model._all_layers:  # operations on KerasTensors too, as Keras
            # as Keras: the shapes of the layer's last call (a shared layer's last)
            calls = layer.__dict__.get("_inbound_nodes") or [None]
            outs = [t.shape for t in (calls[-1].flat_outputs if calls[-1] else [])]
            if not outs and hasattr(layer, "batch_shape"):
                outs = [layer.batch_shape]
            rows.append((layer, outs[0] if len(outs) == 1 else outs or None))
        return rows
    return [(layer, getattr(layer, "_last_output_shape", None)) for layer in model.layers]


def _graph_nodes(model):
    """The calls of a functional model that Keras does not print as a plain stack (it then
    adds a "Connected to" column), else ``None``. Keras's rule: with the calls ranked by depth
    (the longest path to an output, the inputs' own nodes included), the graph is a stack when
    each depth holds one call reading at most one tensor and no layer is called twice."""
    from kfront.models.functional import Functional
    if not isinstance(model, Functional):
        return None
    nodes = list(model._nodes)
    every = nodes + [t._keras_history[0] for t in model._inputs if t._keras_history]
    depth: dict = {}
    for node in sorted(every, key=lambda n: -n.id):  # consumers before what they read
        depth.setdefault(id(node), 0)
        for t in node.dependencies:
            parent = t._keras_history[0]
            depth[id(parent)] = max(depth.get(id(parent), 0), depth[id(node)] + 1)
    per_depth = [depth[id(node)] for node in every]
    layers = [node.layer for node in nodes]
    if (len(set(per_depth)) < len(per_depth) or any(len(n.dependencies) > 1 for n in nodes)
            or len({id(layer) for layer in layers}) < len(layers)):
        return nodes
    return None


def _connections(layer, nodes) -> str:
    """Keras's "Connected to" cell: ``<layer>[<node index>][<tensor index>]`` per tensor read."""
    cells = [f"{t._keras_history[0].layer.name}"
             f"[{t._keras_history[0].layer._inbound_nodes.index(t._keras_history[0])}]"
             f"[{t._keras_history[1]}]"
             for node in layer.__dict__.get("_inbound_nodes", []) if node in nodes
             for t in node.dependencies]
    return ", ".join(cells) or "-"


def layer_index_bounds(layers: list, layer_range=None) -> tuple[int, int]:
    """``(start, stop)`` of the rows ``layer_range`` selects, as Keras: two names or regexes
    (``re.match``), from the first layer matching either end to the last one matching the
    other, both included; ``None`` selects every layer."""
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError("layer_range must be a list or tuple of length 2. Received: "
                         f"layer_range = {layer_range} of length {len(layer_range)}")
    if not all(isinstance(name, str) for name in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError("Passed layer_names do not match the layer names in the model. "
                         f"Received: {layer_range}")
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def _expanded(layer, shape, expand_nested: bool, level: int = 0) -> list:
    """``[(layer, output shape, name prefix)]``: the layer's row, then (``expand_nested``)
    the rows of the layers of a nested model, indented by ``"   " * level + "└ "``."""
    rows = [(layer, shape, "   " * level + "└ " if level else "")]
    if expand_nested and getattr(layer, "layers", None):
        shapes = {id(inner): inner_shape for inner, inner_shape in _layer_rows(layer)}
        for inner in layer.layers:
            rows += _expanded(inner, shapes.get(id(inner)), expand_nested, level + 1)
    return rows


def print_summary(model, line_length: int | None = None, positions=None,
                  print_fn=None, expand_nested: bool = False, show_trainable: bool = False,
                  layer_range=None) -> None:
    """Print Keras's summary table of ``model``: ``line_length`` (default: 88 characters, 108
    with the "Connected to" column, 12 more with ``show_trainable``'s "Trainable" column, at
    most the terminal's width less 4), ``positions`` (each column's right end as a fraction
    of the line), ``expand_nested`` (rows for the layers of nested models) and
    ``layer_range`` (see ``layer_index_bounds``) as in ``keras.Model.summary``. As Keras,
    ``print_fn`` is called once with the whole summary (ending in a newline); without it the
    summary goes to stdout, or to the ``kfront`` logger when interactive logging is off."""
    from kfront.utils.progbar import _print
    nodes = _graph_nodes(model)
    default_length, default_positions, header = _PLAIN if nodes is None else _GRAPH
    positions = list(positions or default_positions)
    align = ("<", "<", ">", "<")[:len(header)]
    if show_trainable:  # Keras's extra column: Y / N for layers with weights, else -
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header, align = header + ("Trainable",), align + ("^",)
    line_length = line_length or min(default_length, shutil.get_terminal_size().columns - 4)
    widths = column_widths(line_length, positions)
    lines = [f'Model: "{model.name}"', _rule("┏", "┳", "┓", "━", widths),
             *_row(header, widths, sep="┃", align=align), _rule("┡", "╇", "┩", "━", widths)]
    top = _layer_rows(model)
    start, stop = layer_index_bounds([layer for layer, _ in top], layer_range)
    rows = [row for layer, shape in top[start:stop]
            for row in _expanded(layer, shape, expand_nested)]
    for i, (layer, shape, prefix) in enumerate(rows):
        params = f"{sum(w.size for w in layer.weights):,}" if layer.built else "0 (unbuilt)"
        cells = (f"{prefix}{layer.name} ({type(layer).__name__})", _shape_text(shape), params)
        if nodes is not None:
            cells += (_connections(layer, nodes),)
        if show_trainable:
            cells += (("Y" if layer.trainable else "N") if layer.weights else "-",)
        lines.extend(_row(cells, widths, align=align))
        lines.append(_rule("├", "┼", "┤", "─", widths) if i < len(rows) - 1
                     else _rule("└", "┴", "┘", "─", widths))
    if not rows:
        lines.append(_rule("└", "┴", "┘", "─", widths))
    trainable = _weights_size(model.trainable_weights)
    non_trainable = _weights_size(model.non_trainable_weights)
    optimizer = getattr(model, "optimizer", None)
    # as Keras: a compiled model's built optimizer counts in the total, on a line of its own
    slots = (_weights_size(optimizer.variables)
             if getattr(model, "compiled", False) and getattr(optimizer, "built", False) else None)
    total = [sum(sizes) for sizes in zip(trainable, non_trainable, slots or (0, 0))]
    lines.append(f" Total params: {total[0]:,} ({readable_memory_size(total[1])})")
    lines.append(f" Trainable params: {trainable[0]:,} ({readable_memory_size(trainable[1])})")
    lines.append(f" Non-trainable params: {non_trainable[0]:,} "
                 f"({readable_memory_size(non_trainable[1])})")
    if slots is not None:
        lines.append(f" Optimizer params: {slots[0]:,} ({readable_memory_size(slots[1])})")
    text = "\n".join(lines) + "\n"
    if print_fn is None:
        _print(text)
    else:
        print_fn(text)
