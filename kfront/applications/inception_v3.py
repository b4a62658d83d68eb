"""InceptionV3 (``keras.applications.inception_v3``).

Example:
    >>> from kfront.applications import inception_v3
    >>> m = inception_v3.InceptionV3(weights=None, include_top=False, input_shape=(75, 75, 3))
    >>> m.output_shape
    (None, 1, 1, 2048)
"""
from __future__ import annotations

from kfront import layers
from kfront.applications import _base, _variants
from kfront.applications.imagenet_utils import decoder, preprocessor

WEIGHTS_PATH = (_base.KERAS_APPS + "inception_v3/"
                "inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = (_base.KERAS_APPS + "inception_v3/"
                       "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASHES = ("9a0d58056eeedaa3f26cb7ebd46da564", "bcbd6486424b2319ff4ef7d526e38f63")


def conv2d_bn(x, filters: int, num_row: int, num_col: int, padding: str = "same",
              strides=(1, 1), name: str | None = None):
    """Conv2D (no bias), BatchNormalization (no scale) and ReLU.

    Example:
        >>> from kfront import layers
        >>> from kfront.applications.inception_v3 import conv2d_bn
        >>> conv2d_bn(layers.Input((8, 8, 3)), 4, 1, 7).shape
        (None, 8, 8, 4)
    """
    names = (None, None, None) if name is None else (f"{name}_conv", f"{name}_bn", name)
    return _base.conv_bn(x, filters, (num_row, num_col), strides, padding, names)


def _chain(x, convs):
    """``conv2d_bn`` applied in turn for each (filters, rows, cols[, strides, padding])."""
    for spec in convs:
        filters, rows, cols, *rest = spec
        strides, padding = rest if rest else ((1, 1), "same")
        x = conv2d_bn(x, filters, rows, cols, padding=padding, strides=strides)
    return x


def _avg_branch(x, filters: int):
    x = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(x, filters, 1, 1)


def _mixed(branches, name: str | None):
    return layers.concatenate(branches, axis=_base.bn_axis(), name=name)


def _build(include_top: bool, weights, input_tensor, input_shape, pooling, classes: int,
           classifier_activation, name: str):
    img_input, _ = _base.model_input(input_tensor, input_shape, 299, 75, include_top,
                                     weights, classes)
    valid2 = ((2, 2), "valid")
    x = _chain(img_input, [(32, 3, 3, *valid2), (32, 3, 3, (1, 1), "valid"), (64, 3, 3)])
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _chain(x, [(80, 1, 1, (1, 1), "valid"), (192, 3, 3, (1, 1), "valid")])
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for i, pool_filters in enumerate((32, 64, 64)):  # mixed 0, 1, 2: 35 x 35 x 256/288
        x = _mixed([conv2d_bn(x, 64, 1, 1), _chain(x, [(48, 1, 1), (64, 5, 5)]),
                    _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3)]),
                    _avg_branch(x, pool_filters)], f"mixed{i}")
    x = _mixed([_chain(x, [(384, 3, 3, *valid2)]),
                _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3, *valid2)]),
                layers.MaxPooling2D((3, 3), strides=(2, 2))(x)], "mixed3")
    for i, f in enumerate((128, 160, 160, 192)):  # mixed 4 to 7: 17 x 17 x 768
        x = _mixed([conv2d_bn(x, 192, 1, 1), _chain(x, [(f, 1, 1), (f, 1, 7), (192, 7, 1)]),
                    _chain(x, [(f, 1, 1), (f, 7, 1), (f, 1, 7), (f, 7, 1), (192, 1, 7)]),
                    _avg_branch(x, 192)], f"mixed{4 + i}")
    x = _mixed([_chain(x, [(192, 1, 1), (320, 3, 3, *valid2)]),
                _chain(x, [(192, 1, 1), (192, 1, 7), (192, 7, 1), (192, 3, 3, *valid2)]),
                layers.MaxPooling2D((3, 3), strides=(2, 2))(x)], "mixed8")
    for i in range(2):  # mixed 9, 10: 8 x 8 x 2048
        branch1x1 = conv2d_bn(x, 320, 1, 1)
        branch3x3 = conv2d_bn(x, 384, 1, 1)
        branch3x3 = _mixed([conv2d_bn(branch3x3, 384, 1, 3), conv2d_bn(branch3x3, 384, 3, 1)],
                           f"mixed9_{i}")
        dbl = _chain(x, [(448, 1, 1), (384, 3, 3)])
        dbl = _mixed([conv2d_bn(dbl, 384, 1, 3), conv2d_bn(dbl, 384, 3, 1)], None)
        x = _mixed([branch1x1, branch3x3, dbl, _avg_branch(x, 192)], f"mixed{9 + i}")
    x = _base.head(x, include_top, pooling, classes, classifier_activation, weights,
                   pool_names=(None, None))
    return _base.build_model(img_input, input_tensor, x, name, weights,
                             _base.keras_apps_file("inception_v3", "inception_v3",
                                                   WEIGHTS_HASHES, include_top))


InceptionV3 = _variants.variant(
    __name__, "InceptionV3", _build, "inception_v3",
    "InceptionV3 (Szegedy et al., 2015) as a functional model, optionally with ImageNet "
    "weights; default input 299x299, at least 75x75.", params=21802784, min_size=75)

preprocess_input = preprocessor("tf")
decode_predictions = decoder()
