"""``RandAugment``: a random choice among eleven image augmentations, applied ``num_ops``
times (Keras's policy); also the augmentation set that ``AugMix`` shares."""
from __future__ import annotations

from kfront import ops, random
from kfront.layers.preprocessing.random_color import (AutoContrast, Equalization,
                                                      RandomColorDegeneration,
                                                      RandomPosterization, RandomSharpness,
                                                      Solarization)
from kfront.layers.preprocessing.random_geometry import (RandomRotation, RandomShear,
                                                         RandomTranslation)
from kfront.layers.preprocessing.random_image import (BaseRandomImageLayer, RandomBrightness,
                                                      RandomContrast, factor_range,
                                                      value_range_pair)

__all__ = ["RandAugment"]

INTERPOLATIONS = ("nearest", "bilinear")


def augmentation_layers(who: str, names, value_range, factor: tuple, interpolation: str,
                        seed, data_format, dtype) -> dict:
    """Keras's RandAugment / AugMix sub-layers named ``names``, each of strength ``factor``
    (a (low, high) range in [0, 1]) and seeded with ``seed``."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"{who}: interpolation must be one of {INTERPOLATIONS}, got "
                         f"{interpolation!r}")
    common = dict(seed=seed, data_format=data_format, dtype=dtype)
    colour = dict(value_range=value_range, **common)
    geometry = dict(interpolation=interpolation, **common)
    make = {
        "random_shear": lambda: RandomShear(x_factor=factor, y_factor=factor, **geometry),
        "random_translation": lambda: RandomTranslation(height_factor=factor,
                                                        width_factor=factor, **geometry),
        "random_rotation": lambda: RandomRotation(factor=factor, **geometry),
        "random_brightness": lambda: RandomBrightness(factor=factor, **colour),
        "random_color_degeneration": lambda: RandomColorDegeneration(factor=factor, **colour),
        "random_contrast": lambda: RandomContrast(factor=factor, **colour),
        "random_sharpness": lambda: RandomSharpness(factor=factor, **colour),
        "random_posterization": lambda: RandomPosterization(
            factor=max(1, int(8 * factor[1])), **colour),
        "solarization": lambda: Solarization(addition_factor=factor, threshold_factor=factor,
                                             **colour),
        "auto_contrast": lambda: AutoContrast(value_range=value_range,
                                              data_format=data_format, dtype=dtype),
        "equalization": lambda: Equalization(value_range=value_range, data_format=data_format,
                                             dtype=dtype),
    }
    return {name: make[name]() for name in names}


def apply_one_of(augmentations, index, images):
    """``augmentations[index]`` applied to the (batch, ...) ``images``; ``index`` a scalar
    tensor, so each augmentation runs and ``where`` keeps the chosen one (works in compiled
    steps; an index past the end keeps the images)."""
    out = images
    for i, layer in enumerate(augmentations):
        out = ops.where(ops.equal(index, i), layer.augment(images), out)
    return out


class RandAugment(BaseRandomImageLayer):
    """RandAugment (Cubuk et al., 2019), as Keras: ``num_ops`` times, one augmentation drawn
    per batch among RandomShear, RandomTranslation, RandomRotation, RandomBrightness,
    RandomColorDegeneration, RandomContrast, RandomSharpness, RandomPosterization,
    Solarization, AutoContrast and Equalization is applied, each with strength ``factor``
    (in [0, 1]; a number ``f`` means ``[0, f]``) and pixels in ``value_range``; an
    augmentation chosen twice draws its parameters again (Keras's reuses them). Inputs pass
    unchanged at inference.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> x = np.random.default_rng(0).uniform(0, 255, (2, 8, 8, 3)).astype("float32")
        >>> y = layers.RandAugment(seed=1)(x)
        >>> y.shape, bool(0 <= y.min() and y.max() <= 255)
        ((2, 8, 8, 3), True)
    """

    NAMES = ("random_shear", "random_translation", "random_rotation", "random_brightness",
             "random_color_degeneration", "random_contrast", "random_sharpness",
             "random_posterization", "solarization", "auto_contrast", "equalization")

    def __init__(self, value_range=(0, 255), num_ops: int = 2, factor=0.5,
                 interpolation: str = "bilinear", seed: int | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.value_range = value_range_pair(self.who, value_range)
        if not isinstance(num_ops, int) or isinstance(num_ops, bool) or num_ops < 0:
            raise ValueError(f"{self.who}: num_ops must be a non-negative int, got "
                             f"{num_ops!r}")
        self.num_ops = num_ops
        self.factor = factor_range(self.who, factor, (0, 1))
        self.interpolation = interpolation
        self.augmentations = list(augmentation_layers(
            self.who, self.NAMES, self.value_range, self.factor, interpolation, seed,
            self.data_format, self.dtype_policy).values())

    def augment(self, images):
        images = ops.cast(images, self.dtype)
        choices = random.randint((self.num_ops,), 0, len(self.NAMES), seed=self.generator)
        for i in range(self.num_ops):
            images = apply_one_of(self.augmentations, choices[i], images)
        return ops.cast(images, self.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "num_ops": self.num_ops, "factor": self.factor,
                "interpolation": self.interpolation}
