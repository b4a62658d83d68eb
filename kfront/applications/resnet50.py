"""``keras.applications.resnet50``: ResNet50 with its preprocessing and decoding.

Example:
    >>> from kfront.applications import resnet50
    >>> resnet50.ResNet50.__name__
    'ResNet50'
"""
from kfront.applications.resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
