"""MobileNetV2 (``keras.applications.mobilenet_v2``).

Example:
    >>> from kfront.applications import mobilenet_v2
    >>> mobilenet_v2.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3)).name
    'mobilenetv2_1.00_32'
"""
from __future__ import annotations

import warnings

from kfront import layers
from kfront.applications import _base, _variants
from kfront.applications.imagenet_utils import decoder, preprocessor
from kfront.applications.mobilenet import _rows

BASE_WEIGHT_PATH = _base.KERAS_APPS + "mobilenet_v2/"

# (filters, stride, expansion) of the 17 inverted residual blocks
_BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6),
           (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6),
           (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6))


def make_divisible(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """``v`` rounded to a multiple of ``divisor``, never below 90% of ``v`` (Keras's rule).

    Example:
        >>> from kfront.applications.mobilenet_v2 import make_divisible
        >>> make_divisible(32 * 0.35), make_divisible(1280 * 1.4)
        (16, 1792)
    """
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _bn(name: str):
    return layers.BatchNormalization(axis=_base.channel_axis(), epsilon=1e-3, momentum=0.999,
                                     name=name)


def _inverted_res_block(inputs, expansion: int, stride: int, alpha: float, filters: int,
                        block_id: int):
    in_channels = inputs.shape[_base.channel_axis()]
    pointwise_filters = make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same", use_bias=False,
                          activation=None, name=f"{prefix}expand")(x)
        x = _bn(f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=_base.correct_pad(x, 3), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = _bn(f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=f"{prefix}project")(x)
    x = _bn(f"{prefix}project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def _default_size(input_shape, input_tensor) -> int:
    if input_shape is None and input_tensor is not None:
        shape = input_tensor.shape[1:] if _base.is_keras_tensor(input_tensor) else None
        return _rows(shape, (96, 128, 160, 192, 224))
    return _rows(input_shape, (96, 128, 160, 192, 224))


def _build(input_shape, alpha: float, include_top: bool, weights, input_tensor, pooling,
           classes: int, classifier_activation, name):
    _base.check_weights(weights, include_top, classes)
    if input_shape is not None and input_tensor is not None:
        if not _base.is_keras_tensor(input_tensor):
            raise ValueError(f"input_tensor is not a Keras tensor; Received "
                             f"`input_tensor={input_tensor}`")
        axis = 2 if _base.channels_last() else 1
        if input_tensor.shape[axis] != input_shape[1]:
            raise ValueError(f"input_tensor.shape[{axis}] must equal input_shape[1]; Received "
                             f"`input_tensor.shape={input_tensor.shape}`, "
                             f"`input_shape={input_shape}`")
    input_shape = _base.obtain_input_shape(input_shape, _default_size(input_shape, input_tensor),
                                           32, include_top, weights)
    rows, cols = input_shape[:2] if _base.channels_last() else input_shape[1:3]
    if weights == "imagenet":
        if alpha not in [0.35, 0.50, 0.75, 1.0, 1.3, 1.4]:
            raise ValueError("If imagenet weights are being loaded, alpha must be one of "
                             "`0.35`, `0.50`, `0.75`, `1.0`, `1.3` or `1.4` only; Received "
                             f"`alpha={alpha}`")
        if rows != cols or rows not in [96, 128, 160, 192, 224]:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in "
                          "[96, 128, 160, 192, 224]. Weights for input shape (224, 224) will "
                          "be loaded as the default.", stacklevel=2)
    img_input = _base.image_input(input_tensor, input_shape)
    x = layers.Conv2D(make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2),
                      padding="same", use_bias=False, name="Conv1")(img_input)
    x = layers.ReLU(6.0, name="Conv1_relu")(_bn("bn_Conv1")(x))
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id)
    last = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.ReLU(6.0, name="out_relu")(_bn("Conv_1_bn")(x))
    x = _base.head(x, include_top, pooling, classes, classifier_activation, weights,
                   pool_names=(None, None), top_pool_name=None)
    if name is None:
        name = f"mobilenetv2_{alpha:0.2f}_{rows}"
    top = "" if include_top else "_no_top"
    file_name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{top}.h5"
    return _base.build_model(img_input, input_tensor, x, name, weights,
                             (file_name, BASE_WEIGHT_PATH + file_name, None))


MobileNetV2 = _variants.variant(
    __name__, "MobileNetV2", _build, None,
    "MobileNetV2 (Sandler et al., 2018) as a functional model, optionally with ImageNet "
    "weights.", ("input_shape", "alpha") + _variants.STANDARD[:3] + _variants.STANDARD[4:],
    params=2257984,
    extra={"alpha": (1.0, float, "Width multiplier (ImageNet weights: 0.35, 0.5, 0.75, 1.0, "
                                 "1.3 or 1.4)."),
           "name": (None, "str | None", "The model's name (default "
                                        "``mobilenetv2_{alpha:0.2f}_{rows}``).")})


preprocess_input = preprocessor("tf")
decode_predictions = decoder()
