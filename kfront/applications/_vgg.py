"""The VGG builder behind ``vgg16`` and ``vgg19``."""
from __future__ import annotations

from kfront import layers
from kfront.applications import _base, _variants


def weights_paths(weights_name: str) -> tuple:
    """Keras's ``WEIGHTS_PATH`` and ``WEIGHTS_PATH_NO_TOP`` of a VGG module.

    Example:
        >>> from kfront.applications import _vgg
        >>> _vgg.weights_paths("vgg16")[1].rsplit("/", 1)[-1]
        'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5'
    """
    return tuple(_base.keras_apps_file(weights_name, weights_name, (None, None), top)[1]
                 for top in (True, False))


def variant(module: str, public_name: str, convs_per_block: tuple, hashes: tuple,
            params: int):
    """The public function of one VGG: ``convs_per_block`` convolutions in each block."""
    weights_name = public_name.lower()

    def model(**kwargs):
        return build(convs_per_block, weights_name, hashes, **kwargs)

    about = (f"{public_name} (Simonyan & Zisserman, 2014) as a functional model, optionally "
             f"with ImageNet weights: {sum(convs_per_block)} 3x3 convolutions in five blocks, "
             "then (with the top) three fully connected layers.")
    return _variants.variant(module, public_name, model, weights_name, about, params=params)


def build(convs_per_block: tuple, weights_name: str, hashes: tuple, include_top: bool, weights,
          input_tensor, input_shape, pooling, classes: int, classifier_activation, name: str):
    """A VGG net with ``convs_per_block`` 3x3 convolutions in each of its five blocks."""
    img_input, _ = _base.model_input(input_tensor, input_shape, 224, 32, include_top,
                                     weights, classes)
    x = img_input
    for block, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), 1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = _base.dense_top(x, classes, classifier_activation, weights)
    else:
        x = _base.pooled(x, pooling)
    imagenet = _base.keras_apps_file(weights_name, weights_name, hashes, include_top)
    return _base.build_model(img_input, input_tensor, x, name, weights, imagenet)
