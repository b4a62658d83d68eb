"""Keras's pretrained image models (``keras.applications``), built from ``kfront.layers`` with
Keras's layer names and weight shapes, so that Keras's ImageNet weight files load.

Example:
    >>> from kfront import applications
    >>> m = applications.MobileNetV3Small(weights=None, include_top=False,
    ...                                   input_shape=(32, 32, 3))
    >>> m.output_shape
    (None, 1, 1, 576)
"""
from kfront.applications import imagenet_utils, resnet, resnet50, resnet_v2, vgg16, vgg19
from kfront.applications.resnet import ResNet50, ResNet101, ResNet152
from kfront.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from kfront.applications.vgg16 import VGG16
from kfront.applications.vgg19 import VGG19
from kfront.applications import efficientnet, mobilenet, mobilenet_v2, mobilenet_v3
from kfront.applications.efficientnet import (EfficientNetB0, EfficientNetB1, EfficientNetB2,
                                              EfficientNetB3, EfficientNetB4, EfficientNetB5,
                                              EfficientNetB6, EfficientNetB7)
from kfront.applications.mobilenet import MobileNet
from kfront.applications.mobilenet_v2 import MobileNetV2
from kfront.applications.mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
from kfront.applications import densenet, xception
from kfront.applications.densenet import DenseNet121, DenseNet169, DenseNet201
from kfront.applications.xception import Xception
from kfront.applications import inception_resnet_v2, inception_v3
from kfront.applications.inception_resnet_v2 import InceptionResNetV2
from kfront.applications.inception_v3 import InceptionV3
from kfront.applications import convnext
from kfront.applications.convnext import (ConvNeXtBase, ConvNeXtLarge, ConvNeXtSmall,
                                          ConvNeXtTiny, ConvNeXtXLarge)
from kfront.applications import efficientnet_v2
from kfront.applications.efficientnet_v2 import (EfficientNetV2B0, EfficientNetV2B1,
                                                 EfficientNetV2B2, EfficientNetV2B3,
                                                 EfficientNetV2L, EfficientNetV2M,
                                                 EfficientNetV2S)
from kfront.applications import nasnet
from kfront.applications.nasnet import NASNetLarge, NASNetMobile

__all__ = ["ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny", "ConvNeXtXLarge",
           "DenseNet121", "DenseNet169", "DenseNet201", "EfficientNetB0", "EfficientNetB1",
           "EfficientNetB2", "EfficientNetB3", "EfficientNetB4", "EfficientNetB5",
           "EfficientNetB6", "EfficientNetB7", "EfficientNetV2B0", "EfficientNetV2B1",
           "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2L", "EfficientNetV2M",
           "EfficientNetV2S", "InceptionResNetV2", "InceptionV3", "MobileNet", "MobileNetV2",
           "MobileNetV3Large", "MobileNetV3Small", "NASNetLarge", "NASNetMobile", "ResNet101",
           "ResNet101V2", "ResNet152", "ResNet152V2", "ResNet50", "ResNet50V2", "VGG16", "VGG19",
           "Xception", "convnext", "densenet", "efficientnet", "efficientnet_v2",
           "imagenet_utils", "inception_resnet_v2", "inception_v3", "mobilenet", "mobilenet_v2",
           "mobilenet_v3", "nasnet", "resnet", "resnet50", "resnet_v2", "vgg16", "vgg19",
           "xception"]
