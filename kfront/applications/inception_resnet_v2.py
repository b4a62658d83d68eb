"""InceptionResNetV2 (``keras.applications.inception_resnet_v2``).

Example:
    >>> from kfront.applications import inception_resnet_v2 as irv2
    >>> m = irv2.InceptionResNetV2(weights=None, include_top=False, input_shape=(75, 75, 3))
    >>> m.output_shape
    (None, 1, 1, 1536)
"""
from __future__ import annotations

from kfront import layers
from kfront.applications import _base, _variants
from kfront.applications.imagenet_utils import decoder, preprocessor

BASE_WEIGHT_URL = _base.KERAS_APPS + "inception_resnet_v2/"
WEIGHTS_HASHES = ("e693bd0210a403b3192acc6073ad2e96", "d19885ff4a710c122648d3b5c3b684e4")


class CustomScaleLayer(layers.Layer):
    """``inputs[0] + inputs[1] * scale``: the scaled residual of an Inception-ResNet block.

    Example:
        >>> import numpy as np
        >>> from kfront.applications.inception_resnet_v2 import CustomScaleLayer
        >>> CustomScaleLayer(0.5)([np.ones(2), np.ones(2)]).tolist()
        [1.5, 1.5]
    """

    def __init__(self, scale: float, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale}

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])


def conv2d_bn(x, filters: int, kernel_size, strides: int = 1, padding: str = "same",
              activation="relu", use_bias: bool = False, name: str | None = None):
    """Conv2D, then (without bias) BatchNormalization with no scale, then the activation.

    Example:
        >>> from kfront import layers
        >>> from kfront.applications.inception_resnet_v2 import conv2d_bn
        >>> conv2d_bn(layers.Input((8, 8, 3)), 4, 3, strides=2, padding="valid").shape
        (None, 3, 3, 4)
    """
    names = (None, None, None) if name is None else (name, f"{name}_bn", f"{name}_ac")
    return _base.conv_bn(x, filters, kernel_size, strides, padding, names, use_bias, activation)


def _chain(x, convs):
    for filters, kernel, *rest in convs:
        x = conv2d_bn(x, filters, kernel, *rest)
    return x


# the branches of each block type: lists of (filters, kernel[, strides, padding]) chains
_BLOCKS = {
    "block35": [[(32, 1)], [(32, 1), (32, 3)], [(32, 1), (48, 3), (64, 3)]],
    "block17": [[(192, 1)], [(128, 1), (160, [1, 7]), (192, [7, 1])]],
    "block8": [[(192, 1)], [(192, 1), (224, [1, 3]), (256, [3, 1])]],
}


def inception_resnet_block(x, scale: float, block_type: str, block_idx: int,
                           activation="relu"):
    """An Inception-ResNet block: branches, concatenation, 1x1 conv, scaled residual.

    Example:
        >>> from kfront import layers
        >>> from kfront.applications.inception_resnet_v2 import inception_resnet_block
        >>> inception_resnet_block(layers.Input((5, 5, 320)), 0.17, "block35", 1).shape
        (None, 5, 5, 320)
    """
    if block_type not in _BLOCKS:
        raise ValueError('Unknown Inception-ResNet block type. Expects "block35", "block17" or '
                         f'"block8", but got: {block_type}')
    block_name = f"{block_type}_{block_idx}"
    axis = _base.bn_axis()
    mixed = layers.Concatenate(axis=axis, name=f"{block_name}_mixed")(
        [_chain(x, chain) for chain in _BLOCKS[block_type]])
    up = conv2d_bn(mixed, x.shape[axis], 1, activation=None, use_bias=True,
                   name=f"{block_name}_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{block_name}_ac")(x)
    return x


def _build(include_top: bool, weights, input_tensor, input_shape, pooling, classes: int,
           classifier_activation, name: str):
    img_input, _ = _base.model_input(input_tensor, input_shape, 299, 75, include_top,
                                     weights, classes)
    axis = _base.bn_axis()
    x = _chain(img_input, [(32, 3, 2, "valid"), (32, 3, 1, "valid"), (64, 3)])
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = _chain(x, [(80, 1, 1, "valid"), (192, 3, 1, "valid")])
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = layers.Concatenate(axis=axis, name="mixed_5b")(
        [_chain(x, [(96, 1)]), _chain(x, [(48, 1), (64, 5)]),
         _chain(x, [(64, 1), (96, 3), (96, 3)]),
         conv2d_bn(layers.AveragePooling2D(3, strides=1, padding="same")(x), 64, 1)])
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)
    x = layers.Concatenate(axis=axis, name="mixed_6a")(
        [_chain(x, [(384, 3, 2, "valid")]), _chain(x, [(256, 1), (256, 3), (384, 3, 2, "valid")]),
         layers.MaxPooling2D(3, strides=2, padding="valid")(x)])
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)
    x = layers.Concatenate(axis=axis, name="mixed_7a")(
        [_chain(x, [(256, 1), (384, 3, 2, "valid")]), _chain(x, [(256, 1), (288, 3, 2, "valid")]),
         _chain(x, [(256, 1), (288, 3), (320, 3, 2, "valid")]),
         layers.MaxPooling2D(3, strides=2, padding="valid")(x)])
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8", block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")
    x = _base.head(x, include_top, pooling, classes, classifier_activation, weights,
                   pool_names=(None, None))
    return _base.build_model(img_input, input_tensor, x, name, weights,
                             _base.keras_apps_file("inception_resnet_v2", "inception_resnet_v2",
                                                   WEIGHTS_HASHES, include_top))


InceptionResNetV2 = _variants.variant(
    __name__, "InceptionResNetV2", _build, "inception_resnet_v2",
    "InceptionResNetV2 (Szegedy et al., 2016) as a functional model, optionally with ImageNet "
    "weights; default input 299x299, at least 75x75.", params=54336736, min_size=75)

preprocess_input = preprocessor("tf")
decode_predictions = decoder()
