"""MobileNetV3Small and MobileNetV3Large (``keras.applications.mobilenet_v3``). The models
rescale their input inside (``include_preprocessing=True``), so ``preprocess_input`` is the
identity.

Example:
    >>> from kfront.applications import mobilenet_v3
    >>> m = mobilenet_v3.MobileNetV3Large(weights=None, include_top=False,
    ...                                   input_shape=(32, 32, 3))
    >>> m.output_shape
    (None, 1, 1, 960)
"""
from __future__ import annotations

import warnings

from kfront import layers
from kfront.applications import _base, _variants
from kfront.applications.imagenet_utils import decoder, preprocessor
from kfront.applications.mobilenet_v2 import make_divisible

BASE_WEIGHT_PATH = _base.KERAS_APPS + "mobilenet_v3/"
WEIGHTS_HASHES = {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb",
                             "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7",
                            "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c",
                                         "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7",
                             "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862",
                            "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37",
                                         "cde8136e733e811080d9fcd8a252f7e4"),
}

# (expansion, filters, kernel ("k": 5, or 3 when minimalistic), stride, squeeze-excite,
#  activation ("hs": hard swish, or relu when minimalistic)) of each inverted residual block
_SMALL = ((1, 16, 3, 2, True, "relu"), (72 / 16, 24, 3, 2, False, "relu"),
          (88 / 24, 24, 3, 1, False, "relu"), (4, 40, "k", 2, True, "hs"),
          (6, 40, "k", 1, True, "hs"), (6, 40, "k", 1, True, "hs"), (3, 48, "k", 1, True, "hs"),
          (3, 48, "k", 1, True, "hs"), (6, 96, "k", 2, True, "hs"), (6, 96, "k", 1, True, "hs"),
          (6, 96, "k", 1, True, "hs"))
_LARGE = ((1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"),
          (3, 24, 3, 1, False, "relu"), (3, 40, "k", 2, True, "relu"),
          (3, 40, "k", 1, True, "relu"), (3, 40, "k", 1, True, "relu"),
          (6, 80, 3, 2, False, "hs"), (2.5, 80, 3, 1, False, "hs"), (2.3, 80, 3, 1, False, "hs"),
          (2.3, 80, 3, 1, False, "hs"), (6, 112, 3, 1, True, "hs"), (6, 112, 3, 1, True, "hs"),
          (6, 160, "k", 2, True, "hs"), (6, 160, "k", 1, True, "hs"),
          (6, 160, "k", 1, True, "hs"))


def _relu(x):
    return layers.ReLU()(x)


def _hard_sigmoid(x):
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def _hard_swish(x):
    return layers.Activation("hard_swish")(x)


def _bn(name: str):
    return layers.BatchNormalization(axis=_base.channel_axis(), epsilon=1e-3, momentum=0.999,
                                     name=name)


def _se_block(inputs, filters: int, se_ratio: float, prefix: str):
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(
        inputs)
    x = layers.Conv2D(make_divisible(filters * se_ratio), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv_1")(x)
    x = _hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x, expansion: float, filters: int, kernel_size: int, stride: int,
                        se_ratio, activation, block_id: int):
    axis = _base.channel_axis()
    shortcut = x
    prefix = "expanded_conv_"
    infilters = x.shape[axis]
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(make_divisible(infilters * expansion), kernel_size=1, padding="same",
                          use_bias=False, name=f"{prefix}expand")(x)
        x = activation(_bn(f"{prefix}expand_bn")(x))
    if stride == 2:
        x = layers.ZeroPadding2D(padding=_base.correct_pad(x, kernel_size),
                                 name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride,
                               padding="same" if stride == 1 else "valid", use_bias=False,
                               name=f"{prefix}depthwise")(x)
    x = activation(_bn(f"{prefix}depthwise_bn")(x))
    if se_ratio:
        x = _se_block(x, make_divisible(infilters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False,
                      name=f"{prefix}project")(x)
    x = _bn(f"{prefix}project_bn")(x)
    if stride == 1 and infilters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def _input_shape(input_shape, input_tensor):
    if input_shape is not None and input_tensor is not None:
        if not _base.is_keras_tensor(input_tensor):
            raise ValueError(f"input_tensor specified: {input_tensor} is not a keras tensor")
        axis = 2 if _base.channels_last() else 1
        if input_tensor.shape[axis] != input_shape[1]:
            raise ValueError(f"input_shape[1] must equal input_tensor.shape[{axis}].  Received "
                             f"input_shape={input_shape}, input_tensor.shape="
                             f"{input_tensor.shape}")
    if input_shape is None and input_tensor is not None and _base.is_keras_tensor(input_tensor):
        if _base.channels_last():
            rows, cols = input_tensor.shape[1:3]
            return (cols, rows, 3)
        rows, cols = input_tensor.shape[2:4]
        return (3, cols, rows)
    if input_shape is None:
        return (None, None, 3) if _base.channels_last() else (3, None, None)
    return tuple(input_shape)


def _build(blocks: tuple, last_point_ch: int, model_type: str, input_shape, alpha: float,
           minimalistic: bool, include_top: bool, weights, input_tensor, classes: int, pooling,
           dropout_rate: float, classifier_activation, include_preprocessing: bool, name: str):
    """A MobileNetV3 from its table of inverted residual ``blocks``."""
    _base.check_weights(weights, include_top, classes)
    input_shape = _input_shape(input_shape, input_tensor)
    rows, cols = input_shape[:2] if _base.channels_last() else input_shape[1:3]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape="
                         f"{input_shape}`")
    if weights == "imagenet":
        if (not minimalistic and alpha not in [0.75, 1.0]) or (minimalistic and alpha != 1.0):
            raise ValueError("If imagenet weights are being loaded, alpha can be one of `0.75`, "
                             "`1.0` for non minimalistic or `1.0` for minimalistic only.")
        if rows != cols or rows != 224:
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not 224. "
                          "Weights for input shape (224, 224) will be loaded as the default.",
                          stacklevel=3)
    img_input = _base.image_input(input_tensor, input_shape)
    axis = _base.channel_axis()
    kernel, activation, se_ratio = ((3, _relu, None) if minimalistic
                                    else (5, _hard_swish, 0.25))
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
                      name="conv")(x)
    x = activation(_bn("conv_bn")(x))
    for block_id, (expansion, filters, k, stride, se, act) in enumerate(blocks):
        x = _inverted_res_block(x, expansion, make_divisible(filters * alpha),
                                kernel if k == "k" else k, stride, se_ratio if se else None,
                                activation if act == "hs" else _relu, block_id)
    last_conv_ch = make_divisible(x.shape[axis] * 6)
    if alpha > 1.0:
        last_point_ch = make_divisible(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False,
                      name="conv_1")(x)
    x = activation(_bn("conv_1_bn")(x))
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True,
                          name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        _base.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _base.pooled(x, pooling, "avg_pool", "max_pool")
    imagenet = None
    if weights == "imagenet":
        model_name = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
        suffix = "" if include_top else "_no_top_v2"
        file_name = f"weights_mobilenet_v3_{model_name}{suffix}.h5"
        imagenet = (file_name, BASE_WEIGHT_PATH + file_name,
                    WEIGHTS_HASHES[model_name][0 if include_top else 1])
    return _base.build_model(img_input, input_tensor, x, name, weights, imagenet)


def _variant(size: str, blocks: tuple, last_point_ch: int, params: int | None = None):
    public_name = f"MobileNetV3{size.capitalize()}"

    def build(**kwargs):
        return _build(blocks, last_point_ch, size, **kwargs)

    about = (f"{public_name} (Howard et al., 2019) as a functional model, optionally with "
             "ImageNet weights. It takes images with values in [0, 255].")
    order = ("input_shape", "alpha", "minimalistic", "include_top", "weights", "input_tensor",
             "classes", "pooling", "dropout_rate", "classifier_activation",
             "include_preprocessing")
    extra = {"alpha": (1.0, float, "Width multiplier (ImageNet weights: 0.75 or 1.0; 1.0 when "
                                   "minimalistic)."),
             "minimalistic": (False, bool, "Use 3x3 kernels, ReLU and no squeeze-excite."),
             "dropout_rate": (0.2, float, "Dropout rate before the classifier."),
             "include_preprocessing": (True, bool, "Rescale the input from [0, 255] to [-1, 1] "
                                                   "inside.")}
    return _variants.variant(__name__, public_name, build, public_name, about, order, params,
                             extra=extra)


MobileNetV3Small = _variant("small", _SMALL, 1024, 939120)
MobileNetV3Large = _variant("large", _LARGE, 1280)


preprocess_input = preprocessor(None)
decode_predictions = decoder()
