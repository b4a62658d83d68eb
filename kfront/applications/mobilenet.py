"""MobileNet (``keras.applications.mobilenet``).

Example:
    >>> from kfront.applications import mobilenet
    >>> mobilenet.MobileNet(weights=None, include_top=False, input_shape=(32, 32, 3)).name
    'mobilenet_1.00_32'
"""
from __future__ import annotations

import warnings

from kfront import layers
from kfront.applications import _base, _variants
from kfront.applications.imagenet_utils import decoder, preprocessor

BASE_WEIGHT_PATH = _base.KERAS_APPS + "mobilenet/"

# (pointwise filters, strides) of the 13 depthwise-separable blocks
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def _rows(input_shape, sizes) -> int:
    """Keras's default size: the input's side when it is square and one of ``sizes``."""
    if input_shape is None:
        return 224
    rows, cols = input_shape[:2] if _base.channels_last() else input_shape[1:3]
    return rows if rows == cols and rows in sizes else 224


def _depthwise_block(x, filters: int, alpha: float, depth_multiplier: int, stride: int,
                     block_id: int):
    axis = _base.channel_axis()
    if stride != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if stride == 1 else "valid",
                               depth_multiplier=depth_multiplier, strides=(stride, stride),
                               use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(filters * alpha), (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def _build(input_shape, alpha: float, depth_multiplier: int, dropout: float, include_top: bool,
           weights, input_tensor, pooling, classes: int, classifier_activation, name):
    _base.check_weights(weights, include_top, classes)
    input_shape = _base.obtain_input_shape(input_shape, _rows(input_shape, (128, 160, 192, 224)),
                                           32, include_top, weights)
    rows, cols = input_shape[:2] if _base.channels_last() else input_shape[1:3]
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("If imagenet weights are being loaded, depth multiplier must be 1."
                             f"  Received depth_multiplier={depth_multiplier}")
        if alpha not in [0.25, 0.50, 0.75, 1.0]:
            raise ValueError("If imagenet weights are being loaded, alpha can be one of`0.25`, "
                             f"`0.50`, `0.75` or `1.0` only.  Received alpha={alpha}")
        if rows != cols or rows not in [128, 160, 192, 224]:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in "
                          "[128, 160, 192, 224]. Weights for input shape (224, 224) will be "
                          "loaded as the default.", stacklevel=2)
    img_input = _base.image_input(input_tensor, input_shape)
    x = layers.Conv2D(int(32 * alpha), (3, 3), padding="same", use_bias=False, strides=(2, 2),
                      name="conv1")(img_input)
    x = layers.BatchNormalization(axis=_base.channel_axis(), name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for block_id, (filters, stride) in enumerate(_BLOCKS, 1):
        x = _depthwise_block(x, filters, alpha, depth_multiplier, stride, block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        _base.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _base.pooled(x, pooling)
    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{rows}"
    alpha_text = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0"}.get(alpha, "2_5")
    file_name = f"mobilenet_{alpha_text}_{rows}_tf{'' if include_top else '_no_top'}.h5"
    return _base.build_model(img_input, input_tensor, x, name, weights,
                             (file_name, BASE_WEIGHT_PATH + file_name, None))


MobileNet = _variants.variant(
    __name__, "MobileNet", _build, None,
    "MobileNet (Howard et al., 2017) as a functional model, optionally with ImageNet weights.",
    ("input_shape", "alpha", "depth_multiplier", "dropout") + _variants.STANDARD[:3]
    + _variants.STANDARD[4:], params=3228864,
    extra={"alpha": (1.0, float, "Width multiplier of every layer (ImageNet weights: 0.25, "
                                 "0.5, 0.75 or 1.0)."),
           "depth_multiplier": (1, int, "Depth multiplier of the depthwise convolutions."),
           "dropout": (1e-3, float, "Dropout rate before the classifier."),
           "name": (None, "str | None", "The model's name (default "
                                        "``mobilenet_{alpha:0.2f}_{rows}``).")})


preprocess_input = preprocessor("tf")
decode_predictions = decoder()
