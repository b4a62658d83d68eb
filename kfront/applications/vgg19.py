"""VGG19 (``keras.applications.vgg19``).

Example:
    >>> from kfront.applications import vgg19
    >>> vgg19.VGG19(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
    (None, 1, 1, 512)
"""
from __future__ import annotations

from kfront.applications import _vgg
from kfront.applications.imagenet_utils import decoder, preprocessor

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                       "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASHES = ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6")


def VGG19(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes: int = 1000, classifier_activation="softmax",
          name: str = "vgg19"):
    """VGG19 (Simonyan & Zisserman, 2014) as a functional model, optionally with ImageNet
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
        >>> from kfront.applications import VGG19
        >>> VGG19(weights=None, include_top=False, input_shape=(32, 32, 3)).count_params()
        20024384
    """
    return _vgg.build((2, 2, 4, 4, 4), "vgg19", WEIGHTS_HASHES, include_top, weights,
                      input_tensor, input_shape, pooling, classes, classifier_activation, name)


preprocess_input = preprocessor("caffe")
decode_predictions = decoder()
