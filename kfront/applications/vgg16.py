"""VGG16 (``keras.applications.vgg16``).

Example:
    >>> from kfront.applications import vgg16
    >>> vgg16.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
    (None, 1, 1, 512)
"""
from __future__ import annotations

from kfront.applications import _vgg
from kfront.applications.imagenet_utils import decoder, preprocessor

WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP = _vgg.weights_paths("vgg16")
WEIGHTS_HASHES = ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc")

VGG16 = _vgg.variant(__name__, "VGG16", (2, 2, 3, 3, 3), WEIGHTS_HASHES, 14714688)

preprocess_input = preprocessor("caffe")
decode_predictions = decoder()
