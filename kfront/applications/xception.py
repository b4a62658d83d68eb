"""Xception (``keras.applications.xception``).

Example:
    >>> from kfront.applications import xception
    >>> xception.Xception(weights=None, include_top=False, input_shape=(71, 71, 3)).output_shape
    (None, 3, 3, 2048)
"""
from __future__ import annotations

from kfront import layers
from kfront.applications import _base, _variants
from kfront.applications.imagenet_utils import decoder, preprocessor

WEIGHTS_PATH = (_base.KERAS_APPS + "xception/xception_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = (_base.KERAS_APPS
                       + "xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASHES = ("0a58e3b7378bc2990ea3b43d5981f1f6", "b0042744bf5b25fce3cb969f33bebb97")


def _bn(x, name: str | None = None):
    return layers.BatchNormalization(axis=_base.channel_axis(), name=name)(x)


def _sepconv(x, filters: int, name: str):
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return _bn(x, f"{name}_bn")


def _entry_block(x, filters: tuple, block: int, first_relu: bool):
    """A strided block with a 1x1-conv shortcut (blocks 2, 3, 4 and 13)."""
    residual = layers.Conv2D(filters[1], (1, 1), strides=(2, 2), padding="same",
                             use_bias=False)(x)
    residual = _bn(residual)
    if first_relu:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sepconv(x, filters[0], f"block{block}_sepconv1")
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sepconv(x, filters[1], f"block{block}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def _build(include_top: bool, weights, input_tensor, input_shape, pooling, classes: int,
           classifier_activation, name: str):
    img_input, _ = _base.model_input(input_tensor, input_shape, 299, 71, include_top,
                                     weights, classes)
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.Activation("relu", name="block1_conv1_act")(_bn(x, "block1_conv1_bn"))
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(_bn(x, "block1_conv2_bn"))
    x = _entry_block(x, (128, 128), 2, first_relu=False)
    x = _entry_block(x, (256, 256), 3, first_relu=True)
    x = _entry_block(x, (728, 728), 4, first_relu=True)
    for i in range(8):
        residual, prefix = x, f"block{i + 5}"
        for j in (1, 2, 3):
            x = layers.Activation("relu", name=f"{prefix}_sepconv{j}_act")(x)
            x = _sepconv(x, 728, f"{prefix}_sepconv{j}")
        x = layers.add([x, residual])
    x = _entry_block(x, (728, 1024), 13, first_relu=True)
    x = _sepconv(x, 1536, "block14_sepconv1")
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sepconv(x, 2048, "block14_sepconv2")
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)
    x = _base.head(x, include_top, pooling, classes, classifier_activation, weights,
                   pool_names=(None, None))
    return _base.build_model(img_input, input_tensor, x, name, weights,
                             _base.keras_apps_file("xception", "xception", WEIGHTS_HASHES,
                                                   include_top))


Xception = _variants.variant(
    __name__, "Xception", _build, "xception",
    "Xception (Chollet, 2017) as a functional model, optionally with ImageNet weights; default "
    "input 299x299, at least 71x71.", params=20861480, min_size=71)

preprocess_input = preprocessor("tf")
decode_predictions = decoder()
