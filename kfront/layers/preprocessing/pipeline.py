"""``Pipeline``: preprocessing layers applied in sequence (Keras's ``keras.layers.Pipeline``)."""
from __future__ import annotations

from kfront.layers.layer import Layer

__all__ = ["Pipeline"]


class Pipeline(Layer):
    """Applies ``layers`` one after the other, passing ``training`` to those that take it
    (unlike ``Sequential``, it is not a model: a preprocessing stage for data or inside a
    model).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> pipe = layers.Pipeline([layers.Rescaling(1 / 255), layers.RandomFlip(seed=0)])
        >>> float(pipe(np.full((1, 2, 2, 1), 255, "uint8"), training=False).max())
        1.0
    """

    def __init__(self, layers: list, name: str | None = None):
        super().__init__(name=name)
        if not isinstance(layers, (list, tuple)) or not all(isinstance(x, Layer)
                                                            for x in layers):
            raise TypeError(f'Pipeline "{self.name}": layers must be a list of layers, got '
                            f"{layers!r}")
        self._pipeline_layers = list(layers)
        self._sublayers.extend(self._pipeline_layers)
        self.built = True

    @property
    def layers(self) -> list:
        return self._pipeline_layers

    def _convert_inputs(self, inputs):
        return inputs  # each layer converts its own inputs (string layers keep host data)

    def call(self, inputs, training=True):
        for layer in self._pipeline_layers:
            kwargs = {"training": training} if layer._call_has_training and \
                training is not None else {}
            inputs = layer(inputs, **kwargs)
        return inputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self) -> dict:
        from kfront.saving.serialization_lib import serialize_keras_object
        return {"layers": [serialize_keras_object(x) for x in self._pipeline_layers],
                "name": self.name}

    @classmethod
    def from_config(cls, config: dict):
        from kfront.saving.serialization_lib import deserialize_keras_object
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError("Pipeline: the config must map `layers` to a list of serialized "
                             f"layers, got {layers!r}")
        return cls(**{**config, "layers": [deserialize_keras_object(x) for x in layers]})
