"""What every ``kfront.applications`` model shares: argument checks, the input, the classifier
head, building the ``Functional`` model and loading Keras's weight files."""
from __future__ import annotations

import os
import warnings

from kfront import activations, config, layers
from kfront.backend import is_keras_tensor  # noqa: F401  (re-exported to the models)

GCS = "https://storage.googleapis.com/"
KERAS_APPS = GCS + "tensorflow/keras-applications/"


def channels_last() -> bool:
    return config.image_data_format() == "channels_last"


def channel_axis() -> int:
    """The channel axis of a 4D image batch in the current data format (Keras uses -1 or 1)."""
    return -1 if channels_last() else 1


def bn_axis() -> int:
    """The channel axis as Keras's models write it for BatchNormalization (3 or 1)."""
    return 3 if channels_last() else 1


def check_weights(weights, include_top: bool, classes: int) -> None:
    """Keras's checks of ``weights`` and ``classes``."""
    if not (weights in {"imagenet", None} or (isinstance(weights, (str, os.PathLike))
                                              and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random "
                         "initialization), 'imagenet' (pre-training on ImageNet), or the path "
                         f"to the weights file to be loaded.  Received: weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights='imagenet'` with `include_top=True`, `classes` "
                         f"should be 1000.  Received classes={classes}")


def obtain_input_shape(input_shape, default_size: int, min_size: int, require_flatten: bool,
                       weights=None) -> tuple:
    """Keras's ``imagenet_utils.obtain_input_shape``: the model's input shape, checked."""
    last = channels_last()
    if input_shape is not None:
        input_shape = tuple(input_shape)
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[-1] if last else input_shape[0]
        if channels not in {1, 3}:
            warnings.warn("This model usually expects 1 or 3 input channels. However, it was "
                          f"passed an input_shape with {channels} input channels.", stacklevel=3)
        default_shape = ((default_size, default_size, input_shape[-1]) if last
                         else (input_shape[0], default_size, default_size))
    else:
        default_shape = (default_size, default_size, 3) if last else (3, default_size,
                                                                       default_size)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` weights, "
                             f"`input_shape` should be {default_shape}.  "
                             f"Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        channels, rows, cols = ((input_shape[-1],) + input_shape[:2] if last
                                else input_shape)
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received "
                             f"`input_shape={input_shape}`")
        if (rows is not None and rows < min_size) or (cols is not None and cols < min_size):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (None, None, 3) if last else (3, None, None)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static "
                         f"`input_shape`. Received: input_shape={input_shape}")
    return input_shape


def correct_pad(inputs, kernel_size) -> tuple:
    """Keras's ``imagenet_utils.correct_pad``: the zero padding before a strided 'valid' conv
    that matches TensorFlow's 'same' padding."""
    start = 1 if channels_last() else 2
    size = inputs.shape[start:start + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation, weights) -> None:
    """Only ``None`` and ``"softmax"`` go with pretrained weights (Keras's check)."""
    if weights is None:
        return
    fn = activations.get(classifier_activation)
    if fn not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained weights, with "
                         f"`include_top=True`; Received: classifier_activation={fn}")


def image_input(input_tensor, input_shape):
    """The model's input tensor: ``input_tensor`` when it is symbolic, else a new ``Input``."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not is_keras_tensor(input_tensor):
        raise ValueError("Argument `input_tensor` must be a KerasTensor (from `kfront.Input` or "
                         f"a layer called on one). Received: {type(input_tensor).__name__}")
    return input_tensor


def source_inputs(tensor) -> list:
    """The ``Input`` tensors that ``tensor`` was computed from (``get_source_inputs``)."""
    found, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        node = t._keras_history[0]
        if not node.dependencies:
            if id(t) not in seen:
                seen.add(id(t))
                found.append(t)
        stack.extend(reversed(node.dependencies))
    return found


def pooled(x, pooling, avg_name: str | None = None, max_name: str | None = None):
    """The ``include_top=False`` ending: global average / max pooling or nothing."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def dense_top(x, classes: int, classifier_activation, weights, **kwargs):
    """The ``predictions`` Dense classifier, after Keras's activation check."""
    validate_activation(classifier_activation, weights)
    return layers.Dense(classes, activation=classifier_activation, name="predictions",
                        **kwargs)(x)


def build_model(img_input, input_tensor, x, name: str, weights, imagenet_file=None):
    """The ``Functional`` model from the input to ``x``, with its weights loaded.

    ``imagenet_file`` is ``(file name, URL, hash or None)`` of Keras's file for
    ``weights="imagenet"``; it is fetched through ``kfront.utils.get_file`` into
    ``~/.keras/models`` as Keras does.
    """
    from kfront.models.functional import Functional
    inputs = source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Functional(inputs, x, name=name)
    if weights == "imagenet" and imagenet_file is not None:
        load_weights(model, fetch(*imagenet_file))
    elif weights is not None and weights != "imagenet":
        load_weights(model, os.fspath(weights))
    return model


def fetch(file_name: str, origin: str, file_hash: str | None = None) -> str:
    """Keras's weight file from the cache, downloaded first when it is not there."""
    from kfront.utils.file_utils import get_file
    return get_file(file_name, origin, cache_subdir="models", file_hash=file_hash)


def load_weights(model, path: str) -> None:
    """Load a weights file. A legacy ``.h5`` file (Keras's ImageNet files are such) is read by
    topology as Keras reads it: its layers with weights, in file order, go to the model's
    layers with weights in Keras's layer order (``keras_layer_order``), since many layers of
    these models have generated names."""
    if path.endswith((".h5", ".hdf5")) and not path.endswith(".weights.h5"):
        _load_legacy_h5(model, path)
    else:
        model.load_weights(path)


def keras_layer_order(model) -> list:
    """The model's layers in the order Keras's ``Functional.layers`` lists them: by
    decreasing depth from the outputs, ties in the order a depth-first walk from the outputs
    first meets them."""
    first_seen, post_order, done = {}, [], set()

    def visit(tensor):
        node = tensor._keras_history[0]
        if id(node) in done:
            return
        first_seen.setdefault(node.layer, len(first_seen))
        if id(tensor) not in {id(t) for t in model.inputs}:
            for parent in node.dependencies:
                visit(parent)
        done.add(id(node))
        post_order.append(node)

    for output in model.outputs:
        visit(output)
    node_depth, layer_depth = {}, {}
    for node in reversed(post_order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(node.layer, 0))
        layer_depth[node.layer] = node_depth[id(node)] = depth
        for parent in node.dependencies:
            pid = id(parent._keras_history[0])
            node_depth[pid] = max(depth + 1, node_depth.get(pid, 0))
    ordered = sorted(layer_depth, key=lambda layer: (-layer_depth[layer], first_seen[layer]))
    shown = set(map(id, model.layers))
    return [layer for layer in ordered if id(layer) in shown]


def _load_legacy_h5(model, path: str) -> None:
    import h5py
    import numpy as np

    from kfront.saving.legacy_h5 import load_attributes
    with h5py.File(path, "r") as f:
        group = f["model_weights"] if "model_weights" in f else f
        entries = []
        for name in load_attributes(group, "layer_names", path):
            weight_names = load_attributes(group[name], "weight_names", path)
            if weight_names:
                entries.append((name, [np.asarray(group[name][w]) for w in weight_names]))
    ours = [layer for layer in keras_layer_order(model) if layer.weights]
    if len(ours) != len(entries):
        raise ValueError(f"Weight file {path!r} has {len(entries)} layers with weights, but "
                         f'model "{model.name}" has {len(ours)}: it was saved from another '
                         "architecture or configuration")
    plan = []
    for layer, (name, values) in zip(ours, entries):
        variables = list(layer.trainable_weights) + list(layer.non_trainable_weights)
        shapes = [tuple(v.shape) for v in variables]
        if [tuple(a.shape) for a in values] != shapes:
            raise ValueError(f"Weight file {path!r}: layer {name!r} holds shapes "
                             f"{[tuple(a.shape) for a in values]}, but layer {layer.name!r} of "
                             f'model "{model.name}" expects {shapes}')
        plan.extend(zip(variables, values))
    for variable, value in plan:
        variable.assign(value)
