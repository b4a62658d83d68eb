"""Layers (``keras.layers``)."""
from kfront.layers.activation import Activation
from kfront.layers.dense import Dense
from kfront.layers.dropout import Dropout
from kfront.layers.input_layer import Input, InputLayer, KerasTensor
from kfront.layers.layer import InputSpec, Layer
from kfront.layers.reshaping import Flatten, Reshape

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "InputSpec",
           "KerasTensor", "Layer", "Reshape"]
