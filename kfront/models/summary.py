"""``Model.summary()``: Keras 3's table of layers, output shapes and parameter counts."""
from __future__ import annotations

# the columns' text widths in Keras's table on an 80-column console: a plain stack of layers,
# and a functional graph with a "Connected to" column
_WIDTHS = (33, 24, 15)
_GRAPH_WIDTHS = (21, 19, 12, 19)


def readable_memory_size(n_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n_bytes / 1024 < 1:
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.2f} EB"


def _rule(left, mid, right, fill, widths=_WIDTHS):
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


def _row(cells, widths=_WIDTHS, sep="│", align=("<", "<", ">", "<")):
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
    """The calls of a functional model whose graph is not a plain chain (Keras then adds a
    "Connected to" column), else ``None``: a chain has one input, one output, and every call
    reads one tensor that no other call reads."""
    from kfront.models.functional import Functional
    if not isinstance(model, Functional):
        return None
    nodes = list(model._nodes)
    readers = [id(t) for node in nodes for t in node.dependencies]
    if (len(model._inputs) > 1 or len(model._outputs) > 1 or len(set(readers)) < len(readers)
            or any(len(node.dependencies) != 1 for node in nodes)):
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


def print_summary(model, line_length=None, print_fn=None) -> None:
    print_fn = print_fn or print
    nodes = _graph_nodes(model)
    header = ("Layer (type)", "Output Shape", "Param #")
    widths = _WIDTHS
    if nodes is not None:
        header, widths = header + ("Connected to",), _GRAPH_WIDTHS
    lines = [f'Model: "{model.name}"', _rule("┏", "┳", "┓", "━", widths),
             "┃" + "┃".join(f" {t:{a}{w - 2}} " for t, w, a in
                            zip(header, widths, ("<", "<", ">", "<"))) + "┃",
             _rule("┡", "╇", "┩", "━", widths)]
    rows = _layer_rows(model)
    for i, (layer, shape) in enumerate(rows):
        params = f"{sum(w.size for w in layer.weights):,}" if layer.built else "0 (unbuilt)"
        cells = (f"{layer.name} ({type(layer).__name__})", _shape_text(shape), params)
        if nodes is not None:
            cells += (_connections(layer, nodes),)
        lines.extend(_row(cells, widths))
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
    for line in lines:
        print_fn(line)
