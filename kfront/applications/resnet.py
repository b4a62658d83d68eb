"""ResNet50, ResNet101 and ResNet152 (``keras.applications.resnet``), and the residual stacks
that ``resnet_v2`` shares.

Example:
    >>> from kfront.applications import resnet
    >>> m = resnet.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    >>> m.output_shape
    (None, 1, 1, 2048)
"""
from __future__ import annotations

from kfront import layers
from kfront.applications import _base, _variants
from kfront.applications.imagenet_utils import decoder, preprocessor

BASE_WEIGHTS_PATH = _base.KERAS_APPS + "resnet/"
WEIGHTS_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
    "resnext50": ("67a5b30d522ed92f75a1f16eef299d1a", "62527c363bdd9ec598bed41947b379fc"),
    "resnext101": ("34fb605428fcc7aa4d62f44404c11509", "0f678c91647380debd923963594981b3"),
}

_EPS = 1.001e-5


def _bn(name: str):
    return layers.BatchNormalization(axis=_base.bn_axis(), epsilon=_EPS, name=name)


def _block_v1(x, filters: int, stride: int = 1, conv_shortcut: bool = True, name: str = ""):
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = _bn(f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(_bn(f"{name}_1_bn")(x))
    x = layers.Conv2D(filters, 3, padding="SAME", name=f"{name}_2_conv")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(_bn(f"{name}_2_bn")(x))
    x = _bn(f"{name}_3_bn")(layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x))
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def _block_v2(x, filters: int, stride: int = 1, conv_shortcut: bool = False, name: str = ""):
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(_bn(f"{name}_preact_bn")(x))
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = layers.Activation("relu", name=f"{name}_1_relu")(_bn(f"{name}_1_bn")(x))
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, 3, strides=stride, use_bias=False, name=f"{name}_2_conv")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(_bn(f"{name}_2_bn")(x))
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def _stack_v1(x, filters: int, blocks: int, stride1: int = 2, name: str = ""):
    """A stack of ``blocks`` bottleneck blocks (ResNet v1); the first one strides."""
    x = _block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = _block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def _stack_v2(x, filters: int, blocks: int, stride1: int = 2, name: str = ""):
    """A stack of ``blocks`` pre-activation blocks (ResNet v2); the last one strides."""
    x = _block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = _block_v2(x, filters, name=f"{name}_block{i}")
    return _block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _build(depths: tuple, preact: bool, weights_name: str, include_top: bool, weights,
           input_tensor, input_shape, pooling, classes: int, classifier_activation, name: str):
    """A ResNet (v1 when ``preact`` is False, else v2) with ``depths`` blocks per stage."""
    img_input, _ = _base.model_input(input_tensor, input_shape, 224, 32, include_top,
                                     weights, classes)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=True, name="conv1_conv")(x)
    if not preact:
        x = layers.Activation("relu", name="conv1_relu")(_bn("conv1_bn")(x))
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, (filters, blocks) in enumerate(zip((64, 128, 256, 512), depths)):
        stage_name = f"conv{stage + 2}"
        if preact:
            x = _stack_v2(x, filters, blocks, stride1=1 if stage == 3 else 2, name=stage_name)
        else:
            x = _stack_v1(x, filters, blocks, stride1=1 if stage == 0 else 2, name=stage_name)
    if preact:
        x = layers.Activation("relu", name="post_relu")(_bn("post_bn")(x))
    x = _base.head(x, include_top, pooling, classes, classifier_activation, weights)
    imagenet = _base.keras_apps_file("resnet", weights_name, WEIGHTS_HASHES[weights_name],
                                     include_top)
    return _base.build_model(img_input, input_tensor, x, name, weights, imagenet)


def variant(module: str, public_name: str, depths: tuple, preact: bool, about: str,
            params: int | None = None):
    """The public function of one ResNet (``resnet`` and ``resnet_v2``): ``depths`` blocks
    per stage, pre-activation (v2) when ``preact``.

    Example:
        >>> from kfront.applications import resnet
        >>> f = resnet.variant(__name__, "ResNet50", (3, 4, 6, 3), False, "ResNet50.")
        >>> f(weights=None, include_top=False, input_shape=(32, 32, 3)).count_params()
        23587712
    """
    weights_name = public_name.lower()

    def build(**kwargs):
        return _build(depths, preact, weights_name, **kwargs)

    return _variants.variant(module, public_name, build, weights_name, about, params=params)


ResNet50 = variant(__name__, "ResNet50", (3, 4, 6, 3), False,
                   "ResNet50 (He et al., 2015) as a functional model, optionally with ImageNet "
                   "weights.", 23587712)
ResNet101 = variant(__name__, "ResNet101", (3, 4, 23, 3), False,
                    "ResNet101 (He et al., 2015), as ``ResNet50`` with 23 blocks in stage 4.")
ResNet152 = variant(__name__, "ResNet152", (3, 8, 36, 3), False,
                    "ResNet152 (He et al., 2015), as ``ResNet50`` with 8 and 36 blocks in stages "
                    "3 and 4.")


preprocess_input = preprocessor("caffe")
decode_predictions = decoder()
