"""DenseNet121, DenseNet169 and DenseNet201 (``keras.applications.densenet``).

Example:
    >>> from kfront.applications import densenet
    >>> m = densenet.DenseNet121(weights=None, include_top=False, input_shape=(32, 32, 3))
    >>> m.output_shape
    (None, 1, 1, 1024)
"""
from __future__ import annotations

from kfront import layers
from kfront.applications import _base
from kfront.applications.imagenet_utils import decoder, preprocessor

BASE_WEIGHTS_PATH = _base.KERAS_APPS + "densenet/"
# (with top, without top) file hashes
WEIGHTS_HASHES = {
    "densenet121": ("9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    "densenet169": ("d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    "densenet201": ("1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
}
_EPS = 1.001e-5


def _bn_relu(x, name: str):
    x = layers.BatchNormalization(axis=_base.bn_axis(), epsilon=_EPS, name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def _conv_block(x, growth_rate: int, name: str):
    x1 = _bn_relu(x, f"{name}_0")
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(x1)
    x1 = _bn_relu(x1, f"{name}_1")
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(x1)
    return layers.Concatenate(axis=_base.bn_axis(), name=f"{name}_concat")([x, x1])


def _transition_block(x, reduction: float, name: str):
    x = _bn_relu(x, name)
    x = layers.Conv2D(int(x.shape[_base.bn_axis()] * reduction), 1, use_bias=False,
                      name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def _build(blocks: tuple, weights_name: str, include_top: bool, weights, input_tensor,
           input_shape, pooling, classes: int, classifier_activation, name: str):
    """A DenseNet with ``blocks`` conv blocks in each of its four dense blocks."""
    if not _base.channels_last():
        raise ValueError("DenseNet does not support the `channels_first` image data format. "
                         "Switch to `channels_last` by editing your local config file at "
                         "~/.keras/keras.json")
    _base.check_weights(weights, include_top, classes)
    input_shape = _base.obtain_input_shape(input_shape, 224, 32, include_top, weights)
    img_input = _base.image_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = _bn_relu(x, "conv1")
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, count in enumerate(blocks):
        for i in range(count):
            x = _conv_block(x, 32, name=f"conv{stage + 2}_block{i + 1}")
        if stage < 3:
            x = _transition_block(x, 0.5, name=f"pool{stage + 2}")
    x = layers.BatchNormalization(axis=_base.bn_axis(), epsilon=_EPS, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = _base.dense_top(x, classes, classifier_activation, weights)
    else:
        x = _base.pooled(x, pooling, "avg_pool", "max_pool")
    top = "" if include_top else "_notop"
    file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{top}.h5"
    imagenet = (file_name, BASE_WEIGHTS_PATH + file_name,
                WEIGHTS_HASHES[weights_name][0 if include_top else 1])
    return _base.build_model(img_input, input_tensor, x, name, weights, imagenet)


def DenseNet121(include_top: bool = True, weights="imagenet", input_tensor=None,
                input_shape=None, pooling=None, classes: int = 1000,
                classifier_activation="softmax", name: str = "densenet121"):
    """DenseNet121 (Huang et al., 2016) as a functional model, optionally with ImageNet
    weights (channels_last only).

    Args:
        include_top: Whether to include the classifier.
        weights: ``None``, ``"imagenet"`` or the path of a weights file.
        input_tensor: A symbolic tensor to use as the model's input.
        input_shape: The input shape without the batch size (at least 32x32) when
            ``include_top=False``.
        pooling: ``None``, ``"avg"`` or ``"max"`` global pooling when ``include_top=False``.
        classes: The number of classes of the classifier.
        classifier_activation: The classifier's activation (``None`` gives logits).
        name: The model's name.

    Example:
        >>> from kfront.applications import DenseNet121
        >>> DenseNet121(weights=None, include_top=False, input_shape=(32, 32, 3)).count_params()
        7037504
    """
    return _build((6, 12, 24, 16), "densenet121", include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name)


def DenseNet169(include_top: bool = True, weights="imagenet", input_tensor=None,
                input_shape=None, pooling=None, classes: int = 1000,
                classifier_activation="softmax", name: str = "densenet169"):
    """DenseNet169 (Huang et al., 2016); arguments as for ``DenseNet121``.

    Example:
        >>> import inspect
        >>> from kfront.applications import DenseNet169
        >>> inspect.signature(DenseNet169).parameters["name"].default
        'densenet169'
    """
    return _build((6, 12, 32, 32), "densenet169", include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name)


def DenseNet201(include_top: bool = True, weights="imagenet", input_tensor=None,
                input_shape=None, pooling=None, classes: int = 1000,
                classifier_activation="softmax", name: str = "densenet201"):
    """DenseNet201 (Huang et al., 2016); arguments as for ``DenseNet121``.

    Example:
        >>> import inspect
        >>> from kfront.applications import DenseNet201
        >>> inspect.signature(DenseNet201).parameters["name"].default
        'densenet201'
    """
    return _build((6, 12, 48, 32), "densenet201", include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name)


preprocess_input = preprocessor("torch")
decode_predictions = decoder()
