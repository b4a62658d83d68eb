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


ResNet50V2 = resnet.variant(__name__, "ResNet50V2", (3, 4, 6, 3), True,
                            "ResNet50V2 (He et al., 2016), the pre-activation ResNet50, as a "
                            "functional model, optionally with ImageNet weights.", 23564800)
ResNet101V2 = resnet.variant(__name__, "ResNet101V2", (3, 4, 23, 3), True,
                             "ResNet101V2 (He et al., 2016), the pre-activation ResNet101.")
ResNet152V2 = resnet.variant(__name__, "ResNet152V2", (3, 8, 36, 3), True,
                             "ResNet152V2 (He et al., 2016), the pre-activation ResNet152.")


preprocess_input = preprocessor("tf")
decode_predictions = decoder()
