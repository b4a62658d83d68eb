"""VGG19 (``keras.applications.vgg19``).

Example:
    >>> from kfront.applications import vgg19
    >>> vgg19.VGG19(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
    (None, 1, 1, 512)
"""
from __future__ import annotations

from kfront.applications import _vgg
from kfront.applications.imagenet_utils import decoder, preprocessor

WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP = _vgg.weights_paths("vgg19")
WEIGHTS_HASHES = ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6")

VGG19 = _vgg.variant(__name__, "VGG19", (2, 2, 4, 4, 4), WEIGHTS_HASHES, 20024384)

preprocess_input = preprocessor("caffe")
decode_predictions = decoder()
