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


def require_channels_last(family: str) -> None:
    """Keras's error for the models built only for ``channels_last`` images."""
    if not channels_last():
        raise ValueError(f"{family} does not support the `channels_first` image data format. "
                         "Switch to `channels_last` by editing your local config file at "
                         "~/.keras/keras.json")


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


def model_input(input_tensor, input_shape, default_size: int, min_size: int,
                include_top: bool, weights, classes: int) -> tuple:
    """The start of every model: Keras's argument checks, then ``(input tensor, input
    shape)`` (``obtain_input_shape``, ``image_input``)."""
    check_weights(weights, include_top, classes)
    input_shape = obtain_input_shape(input_shape, default_size, min_size, include_top, weights)
    return image_input(input_tensor, input_shape), input_shape


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


def conv_bn(x, filters: int, kernel_size, strides, padding: str, names: tuple,
            use_bias: bool = False, activation="relu"):
    """Conv2D, then (without bias) BatchNormalization with no scale, then the activation (none
    for ``None``), named ``names`` (conv, batch norm, activation): the Inception models' unit."""
    conv_name, bn_name, act_name = names
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias,
                      name=conv_name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=bn_axis(), scale=False, name=bn_name)(x)
    if activation is not None:
        x = layers.Activation(activation, name=act_name)(x)
    return x


def head(x, include_top: bool, pooling, classes: int, classifier_activation, weights,
         pool_names: tuple = ("avg_pool", "max_pool"), top_pool_name: str | None = "avg_pool",
         dropout: float = 0.0, **dense_kwargs):
    """The ending of most models: with the top, global average pooling (``top_pool_name``),
    ``Dropout(dropout)`` named ``top_dropout`` when ``dropout > 0``, then the ``predictions``
    classifier (``dense_kwargs`` go to its ``Dense``); without it, the ``pooling`` named
    ``pool_names`` (average, max)."""
    if not include_top:
        return pooled(x, pooling, *pool_names)
    x = layers.GlobalAveragePooling2D(name=top_pool_name)(x)
    if dropout > 0:
        x = layers.Dropout(dropout, name="top_dropout")(x)
    return dense_top(x, classes, classifier_activation, weights, **dense_kwargs)


def weights_file(base_url: str, file_name: str, hashes: tuple, include_top: bool) -> tuple:
    """``(file name, URL, hash)`` of Keras's ImageNet file ``file_name`` under ``base_url``;
    ``hashes`` is (with the top, without)."""
    return file_name, base_url + file_name, hashes[0 if include_top else 1]


def keras_apps_file(folder: str, weights_name: str, hashes: tuple, include_top: bool) -> tuple:
    """``(file name, URL, hash)`` of Keras's ImageNet file ``KERAS_APPS/{folder}/{weights_name}
    _weights_tf_dim_ordering_tf_kernels[_notop].h5`` (the older models' naming)."""
    file_name = (f"{weights_name}_weights_tf_dim_ordering_tf_kernels"
                 f"{'' if include_top else '_notop'}.h5")
    return weights_file(f"{KERAS_APPS}{folder}/", file_name, hashes, include_top)


def named_file(base_url: str, name: str, hashes: tuple, include_top: bool) -> tuple:
    """``(file name, URL, hash)`` of Keras's ImageNet file named after the model,
    ``{name}[_notop].h5`` (the newer models' naming)."""
    return weights_file(base_url, name + (".h5" if include_top else "_notop.h5"), hashes,
                        include_top)


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
        model.load_weights(fetch(*imagenet_file))
    elif weights is not None and weights != "imagenet":
        model.load_weights(os.fspath(weights))
    return model


def fetch(file_name: str, origin: str, file_hash: str | None = None) -> str:
    """Keras's weight file from the cache, downloaded first when it is not there."""
    from kfront.utils.file_utils import get_file
    return get_file(file_name, origin, cache_subdir="models", file_hash=file_hash)
