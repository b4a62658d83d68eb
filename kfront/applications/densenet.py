"""DenseNet121, DenseNet169 and DenseNet201 (``keras.applications.densenet``).

Example:
    >>> from kfront.applications import densenet
    >>> m = densenet.DenseNet121(weights=None, include_top=False, input_shape=(32, 32, 3))
    >>> m.output_shape
    (None, 1, 1, 1024)
"""
from __future__ import annotations

from kfront import layers
from kfront.applications import _base, _variants
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
    _base.require_channels_last("DenseNet")
    img_input, _ = _base.model_input(input_tensor, input_shape, 224, 32, include_top,
                                     weights, classes)
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
    x = _base.head(x, include_top, pooling, classes, classifier_activation, weights)
    imagenet = _base.keras_apps_file("densenet", weights_name, WEIGHTS_HASHES[weights_name],
                                     include_top)
    return _base.build_model(img_input, input_tensor, x, name, weights, imagenet)


def _variant(public_name: str, blocks: tuple, about: str, params: int | None = None):
    weights_name = public_name.lower()

    def build(**kwargs):
        return _build(blocks, weights_name, **kwargs)

    return _variants.variant(__name__, public_name, build, weights_name, about, params=params)


DenseNet121 = _variant("DenseNet121", (6, 12, 24, 16),
                       "DenseNet121 (Huang et al., 2016) as a functional model, optionally with "
                       "ImageNet weights (channels_last only).", 7037504)
DenseNet169 = _variant("DenseNet169", (6, 12, 32, 32),
                       "DenseNet169 (Huang et al., 2016), as ``DenseNet121`` with 32 and 32 conv "
                       "blocks in dense blocks 3 and 4.")
DenseNet201 = _variant("DenseNet201", (6, 12, 48, 32),
                       "DenseNet201 (Huang et al., 2016), as ``DenseNet121`` with 48 and 32 conv "
                       "blocks in dense blocks 3 and 4.")


preprocess_input = preprocessor("torch")
decode_predictions = decoder()
