"""Layers (``keras.layers``)."""
from kfront.layers.activation import Activation
from kfront.layers.dense import Dense
from kfront.layers.dropout import Dropout
from kfront.layers.input_layer import Input, InputLayer, KerasTensor
from kfront.layers.lambda_layer import Lambda
from kfront.layers.layer import InputSpec, Layer
from kfront.layers.masking import Masking
from kfront.layers.recurrent import GRU, LSTM, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell
from kfront.layers.reshaping import Flatten, Reshape
from kfront.layers.convolutional import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose,
                                         DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D,
                                         SeparableConv2D)
from kfront.layers.embedding import Embedding
from kfront.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply,
                                   Subtract, add, average, concatenate, dot, maximum, minimum,
                                   multiply, subtract)
from kfront.layers.normalization import BatchNormalization, LayerNormalization
from kfront.layers.pooling import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D,
                                   GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
                                   MaxPooling1D, MaxPooling2D)
from kfront.layers.regularization import (ActivityRegularization, GaussianNoise,
                                          SpatialDropout1D, SpatialDropout2D)
from kfront.layers.reshaping import (Cropping1D, Cropping2D, Permute, RepeatVector,
                                     UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D)
from kfront.layers.wrappers import Bidirectional, TimeDistributed
from kfront.layers.activations_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from kfront.layers.attention import (AdditiveAttention, Attention, GroupedQueryAttention,
                                     GroupQueryAttention, MultiHeadAttention)
from kfront.layers.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from kfront.layers.convolutional import Conv3D, Conv3DTranspose
from kfront.layers.einsum_dense import EinsumDense
from kfront.layers.framework_wrappers import FlaxLayer, JaxLayer, TFSMLayer, TorchModuleWrapper
from kfront.layers.embedding import ReversibleEmbedding
from kfront.layers.identity import Identity
from kfront.layers.normalization_extra import (GroupNormalization, RMSNormalization,
                                               SpectralNormalization, UnitNormalization)
from kfront.layers.pooling import (AdaptiveAveragePooling1D, AdaptiveAveragePooling2D,
                                   AdaptiveAveragePooling3D, AdaptiveMaxPooling1D,
                                   AdaptiveMaxPooling2D, AdaptiveMaxPooling3D, AveragePooling3D,
                                   GlobalAveragePooling3D, GlobalMaxPooling3D, MaxPooling3D)
from kfront.layers.regularization import AlphaDropout, GaussianDropout, SpatialDropout3D
from kfront.layers.reshaping import Cropping3D, UpSampling3D, ZeroPadding3D
from kfront.layers.rnn_generic import RNN, StackedRNNCells
from kfront.layers.wrappers import Wrapper
# Keras's aliases (the same classes under a second name)
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D)
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = (
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose)
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
from kfront.layers import preprocessing as _preprocessing
from kfront.layers.preprocessing import *  # noqa: F401,F403  (names listed in its __all__)

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "InputSpec",
           "KerasTensor", "Layer", "Reshape"]
__all__ += ["Lambda", "deserialize", "serialize"]
__all__ += _preprocessing.__all__
__all__ += ["Bidirectional", "GRU", "GRUCell", "LSTM", "LSTMCell", "Masking", "SimpleRNN",
            "SimpleRNNCell", "TimeDistributed"]
__all__ += ["ActivityRegularization", "Add", "Average", "AveragePooling1D", "AveragePooling2D",
            "BatchNormalization", "Concatenate", "Conv1D", "Conv1DTranspose", "Conv2D",
            "Conv2DTranspose", "Cropping1D", "Cropping2D", "DepthwiseConv1D", "DepthwiseConv2D",
            "Dot", "Embedding", "GaussianNoise", "GlobalAveragePooling1D",
            "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
            "LayerNormalization", "MaxPooling1D", "MaxPooling2D", "Maximum", "Minimum",
            "Multiply", "Permute", "RepeatVector", "SeparableConv1D", "SeparableConv2D",
            "SpatialDropout1D", "SpatialDropout2D", "Subtract", "UpSampling1D", "UpSampling2D",
            "ZeroPadding1D", "ZeroPadding2D", "add", "average", "concatenate", "dot", "maximum",
            "minimum", "multiply", "subtract"]

__all__ += ["AdditiveAttention", "AlphaDropout", "Attention", "AveragePooling3D", "AvgPool1D",
            "AvgPool2D", "AvgPool3D", "Conv3D", "Conv3DTranspose", "Convolution1D",
            "Convolution1DTranspose", "Convolution2D", "Convolution2DTranspose",
            "Convolution3D", "Convolution3DTranspose", "Cropping3D", "ELU", "EinsumDense",
            "GaussianDropout", "GlobalAveragePooling3D", "GlobalAvgPool1D", "GlobalAvgPool2D",
            "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
            "GlobalMaxPooling3D", "GroupNormalization", "GroupQueryAttention", "Identity",
            "LeakyReLU", "MaxPool1D", "MaxPool2D", "MaxPool3D", "MaxPooling3D",
            "MultiHeadAttention", "PReLU", "RMSNormalization", "ReLU", "SeparableConvolution1D",
            "SeparableConvolution2D", "Softmax", "SpatialDropout3D", "SpectralNormalization",
            "UnitNormalization", "UpSampling3D", "Wrapper", "ZeroPadding3D", "RNN",
            "StackedRNNCells", "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D",
            "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D",
            "AdaptiveMaxPooling3D", "ReversibleEmbedding", "ConvLSTM1D", "ConvLSTM2D",
            "ConvLSTM3D", "FlaxLayer", "JaxLayer", "TFSMLayer", "TorchModuleWrapper"]

def serialize(layer: Layer) -> dict:
    """The Keras 3 config of a layer (``keras.layers.serialize``).

    Example:
        >>> from kfront import layers
        >>> layers.serialize(layers.Dense(2))["class_name"]
        'Dense'
    """
    from kfront.saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(layer)


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """A layer from its Keras 3 config (``keras.layers.deserialize``); the class must be a
    kfront layer, registered, or in ``custom_objects``.

    Example:
        >>> from kfront import layers
        >>> layers.deserialize(layers.serialize(layers.Dense(2))).units
        2
    """
    from kfront.saving.serialization_lib import deserialize_keras_object
    layer = deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(layer, Layer):
        raise ValueError(f"layers.deserialize: the config describes a {type(layer).__name__}, "
                         "not a layer")
    return layer
