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

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "InputSpec",
           "KerasTensor", "Layer", "Reshape"]
__all__ += ["Lambda", "deserialize", "serialize"]
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


def serialize(layer: Layer) -> dict:
    """The Keras 3 config of a layer (``keras.layers.serialize``).

    Example:
        >>> from kfront import layers
        >>> layers.serialize(layers.Dense(2))["class_name"]
        'Dense'
    """
    from kfront.saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(layer)


def deserialize(config: dict, custom_objects: dict | None = None, safe_mode: bool = True) -> Layer:
    """A layer from its Keras 3 config (``keras.layers.deserialize``); the class must be a
    kfront layer, registered, or in ``custom_objects``.

    Example:
        >>> from kfront import layers
        >>> layers.deserialize(layers.serialize(layers.Dense(2))).units
        2
    """
    from kfront.saving.serialization_lib import deserialize_keras_object
    layer = deserialize_keras_object(config, custom_objects=custom_objects, safe_mode=safe_mode)
    if not isinstance(layer, Layer):
        raise ValueError(f"layers.deserialize: the config describes a {type(layer).__name__}, "
                         "not a layer")
    return layer
