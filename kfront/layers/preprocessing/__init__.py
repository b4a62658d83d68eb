"""Preprocessing layers (``keras.layers.Rescaling``, ``Normalization``, lookups, image
augmentation, ...): one module per family."""
from kfront.layers.preprocessing.category_encoding import CategoryEncoding
from kfront.layers.preprocessing.image_preprocessing import CenterCrop, Rescaling
from kfront.layers.preprocessing.normalization import Discretization, Normalization
from kfront.layers.preprocessing.random_image import (RandomBrightness, RandomContrast,
                                                      RandomCrop, RandomFlip, RandomGrayscale,
                                                      RandomInvert)

__all__ = ["CategoryEncoding", "CenterCrop", "Discretization", "Normalization",
           "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip", "RandomGrayscale",
           "RandomInvert", "Rescaling"]
