"""``AugMix``: a mix of the image with chains of random augmentations (Keras's)."""
from __future__ import annotations

from kfront import ops, random
from kfront.layers.preprocessing.rand_augment import augmentation_layers
from kfront.layers.preprocessing.random_image import (BaseRandomImageLayer, factor_range,
                                                      value_range_pair)

__all__ = ["AugMix"]

# the geometric and histogram augmentations; ``all_ops=True`` adds the four colour ones
BASIC = ("random_shear", "random_translation", "random_rotation", "random_posterization",
         "solarization", "auto_contrast", "equalization")
ALL = BASIC + ("random_brightness", "random_color_degeneration", "random_contrast",
               "random_sharpness")


class AugMix(BaseRandomImageLayer):
    """AugMix (Hendrycks et al., 2020), as Keras: ``num_chains`` chains, each of up to
    ``chain_depth`` augmentations (at each step one drawn per batch among the augmentations
    or none) of strength ``factor`` (in [0, 1]; a number ``f`` means ``[0, f]``), are mixed
    with Dirichlet(``alpha``) weights, and the mix is blended with the image by a
    Beta(``alpha``, ``alpha``) weight, then clipped to ``value_range``. ``all_ops=False``
    leaves out RandomBrightness, RandomColorDegeneration, RandomContrast and
    RandomSharpness. As Keras (Python's ``random``), the chains are drawn on the host, so
    only their augmentations run, and inside a compiled step they stay as drawn when it
    was traced; here the draws are seeded by ``seed``. Inputs pass unchanged at inference.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> x = np.random.default_rng(0).uniform(0, 255, (2, 8, 8, 3)).astype("float32")
        >>> y = layers.AugMix(num_chains=2, chain_depth=2, seed=1)(x)
        >>> y.shape, bool(0 <= y.min() and y.max() <= 255)
        ((2, 8, 8, 3), True)
    """

    def __init__(self, value_range=(0, 255), num_chains: int = 3, chain_depth: int = 3,
                 factor=0.3, alpha: float = 1.0, all_ops: bool = True,
                 interpolation: str = "bilinear", seed: int | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.value_range = value_range_pair(self.who, value_range)
        for name, value, least in (("num_chains", num_chains, 1),
                                   ("chain_depth", chain_depth, 0)):
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"{self.who}: {name} must be an int >= {least}, got "
                                 f"{value!r}")
        self.num_chains, self.chain_depth = num_chains, chain_depth
        self.factor = factor_range(self.who, factor, (0, 1))
        if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or alpha <= 0:
            raise ValueError(f"{self.who}: alpha must be a positive number, got {alpha!r}")
        self.alpha, self.all_ops, self.interpolation = alpha, bool(all_ops), interpolation
        self.augmentations = list(augmentation_layers(
            self.who, ALL if self.all_ops else BASIC, self.value_range, self.factor,
            interpolation, seed, self.data_format, self.dtype_policy).values())

    def augment(self, images):
        images = ops.cast(images, self.dtype)
        gamma = random.gamma((self.num_chains,), self.alpha, dtype=self.dtype,
                             seed=self.generator)
        chain_weights = ops.divide(gamma, ops.sum(gamma))
        image_weight = random.beta((), self.alpha, self.alpha, dtype=self.dtype,
                                   seed=self.generator)
        # each step: one of the augmentations, or none (index len(augmentations))
        chains = self.generator.next().integers(0, len(self.augmentations) + 1,
                                                (self.num_chains, self.chain_depth))
        mixed = ops.zeros_like(images)
        for chain, steps in enumerate(chains):
            augmented = images
            for step in steps:
                if step < len(self.augmentations):
                    augmented = self.augmentations[step].augment(augmented)
            mixed = ops.add(mixed, ops.multiply(augmented, chain_weights[chain]))
        images = ops.add(ops.multiply(image_weight, images),
                         ops.multiply(ops.subtract(1.0, image_weight), mixed))
        return ops.cast(ops.clip(images, self.value_range[0], self.value_range[1]), self.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "num_chains": self.num_chains, "chain_depth": self.chain_depth,
                "factor": self.factor, "alpha": self.alpha, "all_ops": self.all_ops,
                "interpolation": self.interpolation}
