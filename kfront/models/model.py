"""``Model``: a Layer with the training API; ``Model(inputs, outputs)`` builds a functional model."""
from __future__ import annotations

from kfront.layers.layer import Layer
from kfront.models.trainer import Trainer


class Model(Trainer, Layer):
    """A trainable stack of layers.

    Three ways to make one, as in Keras: ``Sequential``; functional ``Model(inputs, outputs)``;
    or subclassing, with layers made in ``__init__`` and used in ``call``.

    Example (subclassing):
        >>> import numpy as np, kfront
        >>> from kfront import layers
        >>> class MLP(kfront.Model):
        ...     def __init__(self, num_classes=10):
        ...         super().__init__(name="MLP")
        ...         self.dense_1 = layers.Dense(8, activation="relu")
        ...         self.dense_2 = layers.Dense(num_classes, activation="softmax")
        ...     def call(self, inputs):
        ...         return self.dense_2(self.dense_1(inputs))
        >>> MLP(3)(np.ones((2, 4), "float32")).shape
        (2, 3)
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from kfront.models.functional import Functional
            return Functional.__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        super().__init__(**kwargs)

    @property
    def layers(self) -> list:
        """The model's direct sublayers, in the order they were set."""
        return list(self._sublayers)

    def get_layer(self, name: str | None = None, index: int | None = None):
        """A layer by name or by index."""
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f'Model "{self.name}" has no layer named {name!r}; its layers are '
                         f"{[layer.name for layer in self.layers]}")

    def build(self, input_shape) -> None:
        """Build a subclassed model by calling it on zeros of ``input_shape``."""
        if not self.built:
            self.built = True  # so that the dummy call below runs call() instead of build()
            try:
                self.compute_output_shape(input_shape)
            except Exception:
                self.built = False
                raise

    def _maybe_build(self, shapes) -> None:
        # a subclassed model called on real data builds its sublayers by running call()
        if not self.built and type(self).build is Model.build:
            self._build_shapes = shapes
            self.built = True
            return
        super()._maybe_build(shapes)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None) -> None:
        """Print Keras's table of layers, output shapes and parameter counts."""
        from kfront.models.summary import print_summary
        print_summary(self, line_length=line_length, print_fn=print_fn)

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable}
