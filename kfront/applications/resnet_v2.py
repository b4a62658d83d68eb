"""ResNet50V2, ResNet101V2 and ResNet152V2 (``keras.applications.resnet_v2``): pre-activation
ResNets.

Example:
    >>> from kfront.applications import resnet_v2
    >>> m = resnet_v2.ResNet50V2(weights=None, include_top=False, input_shape=(32, 32, 3))
    >>> m.output_shape
    (None, 1, 1, 2048)
"""
from __future__ import annotations

from kfront.applications import resnet
from kfront.applications.imagenet_utils import decoder, preprocessor


def ResNet50V2(include_top: bool = True, weights="imagenet", input_tensor=None,
               input_shape=None, pooling=None, classes: int = 1000,
               classifier_activation="softmax", name: str = "resnet50v2"):
    """ResNet50V2 (He et al., 2016); arguments as for ``ResNet50``.

    Example:
        >>> from kfront.applications import ResNet50V2
        >>> ResNet50V2(weights=None, include_top=False, input_shape=(32, 32, 3)).count_params()
        23564800
    """
    return resnet._build((3, 4, 6, 3), True, "resnet50v2", include_top, weights, input_tensor,
                         input_shape, pooling, classes, classifier_activation, name)


def ResNet101V2(include_top: bool = True, weights="imagenet", input_tensor=None,
                input_shape=None, pooling=None, classes: int = 1000,
                classifier_activation="softmax", name: str = "resnet101v2"):
    """ResNet101V2 (He et al., 2016); arguments as for ``ResNet50``.

    Example:
        >>> import inspect
        >>> from kfront.applications import ResNet101V2
        >>> inspect.signature(ResNet101V2).parameters["name"].default
        'resnet101v2'
    """
    return resnet._build((3, 4, 23, 3), True, "resnet101v2", include_top, weights, input_tensor,
                         input_shape, pooling, classes, classifier_activation, name)


def ResNet152V2(include_top: bool = True, weights="imagenet", input_tensor=None,
                input_shape=None, pooling=None, classes: int = 1000,
                classifier_activation="softmax", name: str = "resnet152v2"):
    """ResNet152V2 (He et al., 2016); arguments as for ``ResNet50``.

    Example:
        >>> import inspect
        >>> from kfront.applications import ResNet152V2
        >>> inspect.signature(ResNet152V2).parameters["name"].default
        'resnet152v2'
    """
    return resnet._build((3, 8, 36, 3), True, "resnet152v2", include_top, weights, input_tensor,
                         input_shape, pooling, classes, classifier_activation, name)


preprocess_input = preprocessor("tf")
decode_predictions = decoder()
