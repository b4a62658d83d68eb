"""EfficientNetV2B0 to B3, S, M and L (``keras.applications.efficientnet_v2``). The models
rescale their input inside (``include_preprocessing=True``), so ``preprocess_input`` is the
identity.

Example:
    >>> from kfront.applications import efficientnet_v2
    >>> m = efficientnet_v2.EfficientNetV2B0(weights=None, include_top=False,
    ...                                      input_shape=(32, 32, 3))
    >>> m.output_shape
    (None, 1, 1, 1280)
"""
from __future__ import annotations

import math

from kfront import initializers, layers
from kfront.applications import _base, _variants
from kfront.applications.efficientnet import CONV_KERNEL_INITIALIZER, DENSE_KERNEL_INITIALIZER
from kfront.applications.imagenet_utils import decoder, preprocessor

BASE_WEIGHTS_PATH = _base.KERAS_APPS + "efficientnet_v2/"
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}


def _stages(rows) -> list:
    """Block arguments from rows of (conv_type (1: fused), repeats, input_filters,
    output_filters, expand_ratio, se_ratio, strides); every kernel is 3x3."""
    return [{"kernel_size": 3, "num_repeat": r, "input_filters": fi, "output_filters": fo,
             "expand_ratio": e, "se_ratio": se, "strides": s, "conv_type": t}
            for t, r, fi, fo, e, se, s in rows]


_B = _stages([(1, 1, 32, 16, 1, 0, 1), (1, 2, 16, 32, 4, 0, 2), (1, 2, 32, 48, 4, 0, 2),
              (0, 3, 48, 96, 4, 0.25, 2), (0, 5, 96, 112, 6, 0.25, 1),
              (0, 8, 112, 192, 6, 0.25, 2)])
DEFAULT_BLOCKS_ARGS = {
    "efficientnetv2-s": _stages([(1, 2, 24, 24, 1, 0, 1), (1, 4, 24, 48, 4, 0, 2),
                                 (1, 4, 48, 64, 4, 0, 2), (0, 6, 64, 128, 4, 0.25, 2),
                                 (0, 9, 128, 160, 6, 0.25, 1), (0, 15, 160, 256, 6, 0.25, 2)]),
    "efficientnetv2-m": _stages([(1, 3, 24, 24, 1, 0, 1), (1, 5, 24, 48, 4, 0, 2),
                                 (1, 5, 48, 80, 4, 0, 2), (0, 7, 80, 160, 4, 0.25, 2),
                                 (0, 14, 160, 176, 6, 0.25, 1), (0, 18, 176, 304, 6, 0.25, 2),
                                 (0, 5, 304, 512, 6, 0.25, 1)]),
    "efficientnetv2-l": _stages([(1, 4, 32, 32, 1, 0, 1), (1, 7, 32, 64, 4, 0, 2),
                                 (1, 7, 64, 96, 4, 0, 2), (0, 10, 96, 192, 4, 0.25, 2),
                                 (0, 19, 192, 224, 6, 0.25, 1), (0, 25, 224, 384, 6, 0.25, 2),
                                 (0, 7, 384, 640, 6, 0.25, 1)]),
    **{f"efficientnetv2-b{i}": _B for i in range(4)},
}


def round_filters(filters: float, width_coefficient: float, min_depth: int,
                  depth_divisor: int) -> int:
    """``filters`` scaled by the width coefficient, rounded to a multiple of the divisor.

    Example:
        >>> from kfront.applications.efficientnet_v2 import round_filters
        >>> round_filters(32, 1.2, 8, 8)
        40
    """
    filters *= width_coefficient
    minimum = min_depth or depth_divisor
    return int(max(minimum, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def _conv(filters: int, kernel_size: int, name: str, strides: int = 1, **kwargs):
    return layers.Conv2D(filters, kernel_size=kernel_size, strides=strides, padding="same",
                         use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER, name=name,
                         **kwargs)


def _bn_act(x, name: str, bn_momentum: float, activation=None, act_name: str | None = None):
    x = layers.BatchNormalization(axis=_base.bn_axis(), momentum=bn_momentum, name=name)(x)
    return x if activation is None else layers.Activation(activation, name=act_name)(x)


def _squeeze_excite(x, input_filters: int, filters: int, se_ratio: float, activation,
                    name: str):
    filters_se = max(1, int(input_filters * se_ratio))
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se_shape = (1, 1, filters) if _base.bn_axis() == 3 else (filters, 1, 1)
    se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_expand")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def _block(inputs, fused: bool, input_filters: int, output_filters: int, expand_ratio: int,
           kernel_size: int, strides: int, se_ratio: float, bn_momentum: float, activation,
           survival_probability: float, name: str):
    """An MBConv block, or (``fused``) a Fused-MBConv block whose expansion is a full conv."""
    filters = input_filters * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _conv(filters, kernel_size if fused else 1, f"{name}expand_conv",
                  strides=strides if fused else 1)(x)
        x = _bn_act(x, f"{name}expand_bn", bn_momentum, activation, f"{name}expand_activation")
    if not fused:
        x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides,
                                   depthwise_initializer=CONV_KERNEL_INITIALIZER,
                                   padding="same", use_bias=False, name=f"{name}dwconv2")(x)
        x = _bn_act(x, f"{name}bn", bn_momentum, activation, f"{name}activation")
    if 0 < se_ratio <= 1:
        x = _squeeze_excite(x, input_filters, filters, se_ratio, activation, name)
    project_strided = fused and expand_ratio == 1
    x = _conv(output_filters, kernel_size if project_strided else 1, f"{name}project_conv",
              strides=strides if project_strided else 1)(x)
    x = _bn_act(x, f"{name}project_bn", bn_momentum, activation if project_strided else None,
                f"{name}project_activation")
    if strides == 1 and input_filters == output_filters:
        if survival_probability:
            x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1),
                               name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def EfficientNetV2(width_coefficient: float, depth_coefficient: float, default_size: int,
                   dropout_rate: float = 0.2, drop_connect_rate: float = 0.2,
                   depth_divisor: int = 8, min_depth: int = 8, bn_momentum: float = 0.9,
                   activation="swish", blocks_args="default", name: str = "efficientnetv2",
                   include_top: bool = True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes: int = 1000,
                   classifier_activation="softmax", include_preprocessing: bool = True,
                   weights_name: str | None = None):
    """The EfficientNetV2 builder behind the seven variants (Keras's
    ``efficientnet_v2.EfficientNetV2``); ``blocks_args="default"`` takes the variant's table
    from ``weights_name``.

    Example:
        >>> from kfront.applications.efficientnet_v2 import EfficientNetV2
        >>> EfficientNetV2(1.0, 1.0, 224, weights=None, include_top=False, weights_name="b0",
        ...                input_shape=(32, 32, 3)).name
        'efficientnetv2'
    """
    variant = "efficientnetv2" + (f"-{weights_name}" if weights_name and weights_name[0] == "b"
                                  else weights_name or "-b0")
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS[variant]
    img_input, input_shape = _base.model_input(input_tensor, input_shape, default_size, 32,
                                               include_top, weights, classes)
    axis = _base.bn_axis()
    x = img_input
    if include_preprocessing:
        if variant.split("-")[-1].startswith("b") and input_shape[axis - 1] == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=[0.485, 0.456, 0.406],
                                     variance=[0.229 ** 2, 0.224 ** 2, 0.225 ** 2], axis=axis)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)

    def rounded(filters):
        return round_filters(filters, width_coefficient, min_depth, depth_divisor)

    x = _conv(rounded(blocks_args[0]["input_filters"]), 3, "stem_conv", strides=2)(x)
    x = _bn_act(x, "stem_bn", bn_momentum, activation, "stem_activation")
    b, blocks = 0, float(sum(args["num_repeat"] for args in blocks_args))
    for i, args in enumerate(blocks_args):
        if args["num_repeat"] <= 0:
            raise ValueError("The number of repeats in `EfficientNetV2` must be > 0. "
                             f"Received: num_repeat={args['num_repeat']}")
        input_filters, output_filters = rounded(args["input_filters"]), rounded(
            args["output_filters"])
        strides = args["strides"]
        for j in range(int(math.ceil(depth_coefficient * args["num_repeat"]))):
            if j > 0:
                strides, input_filters = 1, output_filters
            x = _block(x, args["conv_type"] == 1, input_filters, output_filters,
                       args["expand_ratio"], args["kernel_size"], strides, args["se_ratio"],
                       bn_momentum, activation, drop_connect_rate * b / blocks,
                       name=f"block{i + 1}{chr(j + 97)}_")
            b += 1
    x = _conv(rounded(1280), 1, "top_conv")(x)
    x = _bn_act(x, "top_bn", bn_momentum, activation, "top_activation")
    x = _base.head(x, include_top, pooling, classes, classifier_activation, weights,
                   dropout=dropout_rate, kernel_initializer=DENSE_KERNEL_INITIALIZER,
                   bias_initializer=initializers.Constant(0.0))
    imagenet = None
    if weights == "imagenet":
        imagenet = _base.named_file(BASE_WEIGHTS_PATH, name, WEIGHTS_HASHES[weights_name],
                                    include_top)
    return _base.build_model(img_input, input_tensor, x, name, weights, imagenet)


def _variant(suffix: str, width: float, depth: float, size: int, params: int | None = None):
    public_name, default_name = f"EfficientNetV2{suffix}", f"efficientnetv2-{suffix.lower()}"
    weights_name = suffix.lower() if suffix[0] == "B" else f"-{suffix.lower()}"

    def build(**kwargs):
        return EfficientNetV2(width_coefficient=width, depth_coefficient=depth,
                              default_size=size, weights_name=weights_name, **kwargs)

    about = (f"{public_name} (Tan & Le, 2021) as a functional model, optionally with "
             f"ImageNet weights; default input {size}x{size}. It takes images with values in "
             "[0, 255].")
    return _variants.variant(__name__, public_name, build, default_name, about,
                             _variants.PREPROCESSING_LAST, params)


EfficientNetV2B0 = _variant("B0", 1.0, 1.0, 224, 5919312)
EfficientNetV2B1 = _variant("B1", 1.0, 1.1, 240)
EfficientNetV2B2 = _variant("B2", 1.1, 1.2, 260)
EfficientNetV2B3 = _variant("B3", 1.2, 1.4, 300)
EfficientNetV2S = _variant("S", 1.0, 1.0, 384)
EfficientNetV2M = _variant("M", 1.0, 1.0, 480)
EfficientNetV2L = _variant("L", 1.0, 1.0, 480)


preprocess_input = preprocessor(None)
decode_predictions = decoder()
