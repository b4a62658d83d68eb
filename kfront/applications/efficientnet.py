"""EfficientNetB0 to B7 (``keras.applications.efficientnet``). The models rescale and
normalize their input inside, so ``preprocess_input`` is the identity.

Example:
    >>> from kfront.applications import efficientnet
    >>> m = efficientnet.EfficientNetB0(weights=None, include_top=False, input_shape=(32, 32, 3))
    >>> m.output_shape
    (None, 1, 1, 1280)
"""
from __future__ import annotations

import math

from kfront import layers
from kfront.applications import _base, _variants
from kfront.applications.imagenet_utils import decoder, preprocessor

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
WEIGHTS_HASHES = {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac",
           "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540",
           "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad",
           "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0",
           "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc",
           "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a",
           "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5",
           "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99",
           "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}

# (kernel_size, repeats, filters_in, filters_out, expand_ratio, strides) of the seven stages;
# every block has id_skip=True and se_ratio=0.25
DEFAULT_BLOCKS_ARGS = [
    {"kernel_size": k, "repeats": r, "filters_in": fi, "filters_out": fo, "expand_ratio": e,
     "id_skip": True, "strides": s, "se_ratio": 0.25}
    for k, r, fi, fo, e, s in ((3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2),
                               (3, 3, 40, 80, 6, 2), (5, 3, 80, 112, 6, 1),
                               (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1))]
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out",
                                      "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out",
                                       "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]


def round_filters(filters: float, width_coefficient: float, divisor: int = 8) -> int:
    """``filters`` scaled by the width coefficient, rounded to a multiple of ``divisor``.

    Example:
        >>> from kfront.applications.efficientnet import round_filters
        >>> round_filters(32, 1.1), round_filters(1280, 2.0)
        (32, 2560)
    """
    filters *= width_coefficient
    new_filters = max(divisor, int(filters + divisor / 2) // divisor * divisor)
    if new_filters < 0.9 * filters:
        new_filters += divisor
    return int(new_filters)


def block(inputs, activation="swish", drop_rate: float = 0.0, name: str = "",
          filters_in: int = 32, filters_out: int = 16, kernel_size: int = 3, strides: int = 1,
          expand_ratio: int = 1, se_ratio: float = 0.0, id_skip: bool = True):
    """One inverted residual block (MBConv) with squeeze-and-excitation.

    Example:
        >>> from kfront import layers
        >>> from kfront.applications.efficientnet import block
        >>> block(layers.Input((8, 8, 16)), filters_in=16, filters_out=16, se_ratio=0.25,
        ...       name="b_").shape
        (None, 8, 8, 16)
    """
    axis = _base.bn_axis()
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}expand_conv")(x)
        x = layers.BatchNormalization(axis=axis, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    if strides == 2:
        x = layers.ZeroPadding2D(padding=_base.correct_pad(x, kernel_size),
                                 name=f"{name}dwconv_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides,
                               padding="valid" if strides == 2 else "same", use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=axis, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        filters_se = max(1, int(filters_in * se_ratio))
        se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
        se_shape = (1, 1, filters) if axis == 3 else (filters, 1, 1)
        se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
        se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                           kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_reduce")(se)
        se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                           kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_expand")(se)
        x = layers.multiply([x, se], name=f"{name}se_excite")
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=axis, name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def EfficientNet(width_coefficient: float, depth_coefficient: float, default_size: int,
                 dropout_rate: float = 0.2, drop_connect_rate: float = 0.2,
                 depth_divisor: int = 8, activation="swish", blocks_args="default",
                 name: str = "efficientnet", include_top: bool = True, weights="imagenet",
                 input_tensor=None, input_shape=None, pooling=None, classes: int = 1000,
                 classifier_activation="softmax", weights_name: str | None = None):
    """The EfficientNet builder behind B0 to B7 (Keras's ``efficientnet.EfficientNet``).

    Example:
        >>> from kfront.applications.efficientnet import EfficientNet
        >>> EfficientNet(1.0, 1.0, 224, weights=None, include_top=False,
        ...              input_shape=(32, 32, 3)).name
        'efficientnet'
    """
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS
    img_input, _ = _base.model_input(input_tensor, input_shape, default_size, 32, include_top,
                                     weights, classes)
    axis = _base.bn_axis()

    def repeats_of(args) -> int:
        return int(math.ceil(depth_coefficient * args["repeats"]))

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=axis)(x)
    if weights == "imagenet":
        x = layers.Rescaling([1.0 / math.sqrt(s) for s in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=_base.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(round_filters(32, width_coefficient, depth_divisor), 3, strides=2,
                      padding="valid", use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
                      name="stem_conv")(x)
    x = layers.BatchNormalization(axis=axis, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)
    b, blocks = 0, float(sum(repeats_of(args) for args in blocks_args))
    for i, args in enumerate(blocks_args):
        if args["repeats"] <= 0:
            raise ValueError("The number of repeats in `EfficientNet` must be > 0. "
                             f"Received: repeats={args['repeats']}")
        args = dict(args)
        args["filters_in"] = round_filters(args["filters_in"], width_coefficient, depth_divisor)
        args["filters_out"] = round_filters(args["filters_out"], width_coefficient,
                                            depth_divisor)
        for j in range(repeats_of(args)):
            if j > 0:
                args["strides"], args["filters_in"] = 1, args["filters_out"]
            kwargs = {k: v for k, v in args.items() if k != "repeats"}
            x = block(x, activation, drop_connect_rate * b / blocks,
                      name=f"block{i + 1}{chr(j + 97)}_", **kwargs)
            b += 1
    x = layers.Conv2D(round_filters(1280, width_coefficient, depth_divisor), 1, padding="same",
                      use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
                      name="top_conv")(x)
    x = layers.BatchNormalization(axis=axis, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    x = _base.head(x, include_top, pooling, classes, classifier_activation, weights,
                   dropout=dropout_rate, kernel_initializer=DENSE_KERNEL_INITIALIZER)
    imagenet = None
    if weights == "imagenet":
        imagenet = _base.named_file(BASE_WEIGHTS_PATH, name, WEIGHTS_HASHES[weights_name],
                                    include_top)
    return _base.build_model(img_input, input_tensor, x, name, weights, imagenet)


def _variant(index: int, width: float, depth: float, size: int, dropout: float,
             params: int | None = None):
    public_name, weights_name = f"EfficientNetB{index}", f"b{index}"

    def build(**kwargs):
        return EfficientNet(width, depth, size, dropout, weights_name=weights_name, **kwargs)

    about = (f"{public_name} (Tan & Le, 2019) as a functional model, optionally with "
             f"ImageNet weights; default input {size}x{size}. It takes images with values in "
             "[0, 255].")
    return _variants.variant(__name__, public_name, build, f"efficientnet{weights_name}", about,
                             params=params)


EfficientNetB0 = _variant(0, 1.0, 1.0, 224, 0.2, 4049571)
EfficientNetB1 = _variant(1, 1.0, 1.1, 240, 0.2)
EfficientNetB2 = _variant(2, 1.1, 1.2, 260, 0.3)
EfficientNetB3 = _variant(3, 1.2, 1.4, 300, 0.3)
EfficientNetB4 = _variant(4, 1.4, 1.8, 380, 0.4)
EfficientNetB5 = _variant(5, 1.6, 2.2, 456, 0.4)
EfficientNetB6 = _variant(6, 1.8, 2.6, 528, 0.5)
EfficientNetB7 = _variant(7, 2.0, 3.1, 600, 0.5)


preprocess_input = preprocessor(None)
decode_predictions = decoder()
