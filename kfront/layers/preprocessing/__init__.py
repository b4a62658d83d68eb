"""Preprocessing layers (``keras.layers.Rescaling``, ``Normalization``, lookups, image
augmentation, ...): one module per family."""
from kfront.layers.preprocessing.audio import MelSpectrogram, STFTSpectrogram
from kfront.layers.preprocessing.aug_mix import AugMix
from kfront.layers.preprocessing.bounding_boxes import MaxNumBoundingBoxes
from kfront.layers.preprocessing.category_encoding import CategoryEncoding
from kfront.layers.preprocessing.clahe import ContrastLimitedAdaptiveHistogramEqualization
from kfront.layers.preprocessing.hashing import HashedCrossing, Hashing
from kfront.layers.preprocessing.image_preprocessing import CenterCrop, Rescaling, Resizing
from kfront.layers.preprocessing.lookup import IntegerLookup, StringLookup
from kfront.layers.preprocessing.mixing import CutMix, MixUp
from kfront.layers.preprocessing.normalization import Discretization, Normalization
from kfront.layers.preprocessing.pipeline import Pipeline
from kfront.layers.preprocessing.rand_augment import RandAugment
from kfront.layers.preprocessing.random_color import (AutoContrast, Equalization,
                                                      RandomColorDegeneration,
                                                      RandomColorJitter, RandomHue,
                                                      RandomPosterization, RandomSaturation,
                                                      RandomSharpness, Solarization)
from kfront.layers.preprocessing.random_elastic_transform import RandomElasticTransform
from kfront.layers.preprocessing.random_filters import RandomErasing, RandomGaussianBlur
from kfront.layers.preprocessing.random_geometry import (RandomPerspective, RandomRotation,
                                                         RandomShear, RandomTranslation,
                                                         RandomZoom)
from kfront.layers.preprocessing.random_image import (RandomBrightness, RandomContrast,
                                                      RandomCrop, RandomFlip, RandomGrayscale,
                                                      RandomInvert)
from kfront.layers.preprocessing.text_vectorization import TextVectorization

__all__ = ["AugMix", "ContrastLimitedAdaptiveHistogramEqualization", "RandAugment",
           "RandomElasticTransform", "AutoContrast", "CategoryEncoding", "CenterCrop", "CutMix",
           "Discretization",
           "Equalization", "HashedCrossing", "Hashing", "IntegerLookup", "MaxNumBoundingBoxes",
           "MelSpectrogram", "MixUp",
           "Normalization", "Pipeline", "RandomBrightness", "RandomColorDegeneration",
           "RandomColorJitter", "RandomContrast", "RandomCrop", "RandomErasing", "RandomFlip",
           "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert",
           "RandomPerspective", "RandomPosterization", "RandomRotation", "RandomSaturation",
           "RandomSharpness", "RandomShear", "RandomTranslation", "RandomZoom", "Rescaling",
           "Resizing", "STFTSpectrogram", "Solarization", "StringLookup", "TextVectorization"]
