"""VGG16 (``keras.applications.vgg16``).

Example:
    >>> from kfront.applications import vgg16
    >>> vgg16.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
    (None, 1, 1, 512)
"""
from __future__ import annotations

from kfront.applications import _vgg
from kfront.applications.imagenet_utils import decoder, preprocessor

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                       "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASHES = ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc")


def VGG16(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes: int = 1000, classifier_activation="softmax",
          name: str = "vgg16"):
    """VGG16 (Simonyan & Zisserman, 2014) as a functional model, optionally with ImageNet
    weights.

    Args:
        include_top: Whether to include the three fully connected layers.
        weights: ``None``, ``"imagenet"`` or the path of a weights file.
        input_tensor: A symbolic tensor to use as the model's input.
        input_shape: The input shape without the batch size (at least 32x32) when
            ``include_top=False``.
        pooling: ``None``, ``"avg"`` or ``"max"`` global pooling when ``include_top=False``.
        classes: The number of classes of the classifier.
        classifier_activation: The classifier's activation (``None`` gives logits).
        name: The model's name.

    Example:
        >>> from kfront.applications import VGG16
        >>> VGG16(weights=None, include_top=False, input_shape=(32, 32, 3)).count_params()
        14714688
    """
    return _vgg.build((2, 2, 3, 3, 3), "vgg16", WEIGHTS_HASHES, include_top, weights,
                      input_tensor, input_shape, pooling, classes, classifier_activation, name)


preprocess_input = preprocessor("caffe")
decode_predictions = decoder()
