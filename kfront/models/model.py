"""``Model``: a Layer with the training API; ``Model(inputs, outputs)`` builds a functional model."""
from __future__ import annotations

import inspect

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
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if _functional_arguments(args, kwargs):
            # a Model subclass built functionally, ``CustomModel(inputs, outputs)``: as Keras,
            # its class then derives from Functional instead of Model
            from kfront.models.functional import Functional
            _inject_functional(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        super().__init__(**kwargs)

    def quantize(self, mode: str | None = None, config=None, filters=None, **kwargs) -> None:
        """Quantize the model's ``Dense``, ``EinsumDense`` and ``Embedding`` layers in ``mode``
        (``"int8"``, ``"int4"``, ``"float8"``) or as ``config`` says, those ``filters`` (a
        regex on layer names, a list of them, or a callable) selects; others are skipped with
        a warning (Keras's ``Model.quantize``). The model must be built.

        Example:
            >>> import numpy as np, kfront
            >>> from kfront import layers
            >>> model = kfront.Sequential([layers.Input((4,)), layers.Dense(2)])
            >>> model.quantize("int8")
            >>> model.layers[0].dtype_policy.name
            'int8_from_float32'
        """
        from kfront.layers.quantized import quantize_model
        quantize_model(self, mode, config, filters, **kwargs)

    def __getstate__(self) -> dict:
        """Pickle without the cached train/test/predict step functions (local closures,
        rebuilt on first use), so that a model that has run fit or predict pickles."""
        state = dict(super().__getstate__() or {})
        if "_compiled_fns" in state:
            state["_compiled_fns"] = {}
        return state

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
        """Print Keras's table of layers, output shapes and parameter counts (see
        ``kfront.models.summary.print_summary``: ``print_fn`` gets the whole text at once)."""
        from kfront.models.summary import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        """A model from its config: a functional config (``layers``, ``input_layers``,
        ``output_layers``) is rebuilt as a graph, as Keras does, when ``cls`` takes the
        functional constructor; otherwise ``cls(**config)`` (a subclassed model)."""
        from kfront.models.functional import Functional, functional_from_config
        is_functional = all(k in config for k in ("layers", "input_layers", "output_layers"))
        params = list(inspect.signature(cls.__init__).parameters)[1:]
        if is_functional and (cls in (Functional, Model) or params[:2] == ["inputs", "outputs"]
                              or params == ["args", "kwargs"]):
            return functional_from_config(cls, config, custom_objects)
        return super().from_config(config)

    def build_from_config(self, config: dict) -> None:
        """Build from ``get_build_config()`` output: a subclassed model runs ``build`` (or a
        call on zeros) on the saved input shape, so its weights exist before loading."""
        shape = (config or {}).get("input_shape")
        if shape is not None and not self.built:
            from kfront.layers.layer import _shape_tuples
            self.build(_shape_tuples(shape))

    def save(self, filepath, overwrite: bool = True, zipped: bool | None = None,
             **kwargs) -> None:
        """Save the whole model: ``.keras`` (Keras 3's zip) or legacy ``.h5`` (see
        ``kfront.saving.save_model``).

        Example:
            >>> import os, tempfile, kfront
            >>> from kfront import layers
            >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
            >>> m.save(os.path.join(tempfile.mkdtemp(), "model.keras"))
        """
        from kfront import distribution
        from kfront.saving import saving_api
        if distribution.is_chief():  # in a multi-process job, process 0 writes
            saving_api.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite: bool = True, max_shard_size=None) -> None:
        """Save the weights: ``.weights.h5`` (Keras 3) or another ``.h5`` name (tf.keras 2's
        layout); see ``kfront.saving.save_weights``.

        Example:
            >>> import os, tempfile, kfront
            >>> from kfront import layers
            >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
            >>> m.save_weights(os.path.join(tempfile.mkdtemp(), "model.weights.h5"))
        """
        from kfront import distribution
        from kfront.saving import saving_api
        if distribution.is_chief():  # in a multi-process job, process 0 writes
            saving_api.save_weights(self, filepath, overwrite=overwrite,
                                    max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch: bool = False, **kwargs) -> None:
        """Load weights from ``.weights.h5``, ``.keras`` or legacy ``.h5`` (``by_name=True``
        there); see ``kfront.saving.load_weights``. Nothing is assigned unless the whole file
        fits the model.

        Example:
            >>> import os, tempfile, kfront
            >>> from kfront import layers
            >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
            >>> path = os.path.join(tempfile.mkdtemp(), "w.h5")
            >>> m.save_weights(path)
            >>> m.load_weights(path, by_name=True)
        """
        from kfront.saving import saving_api
        saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def to_json(self, **kwargs) -> str:
        """The model's Keras 3 config (``serialize_keras_object``) as a JSON string;
        ``kwargs`` go to ``json.dumps``.

        Example:
            >>> import kfront
            >>> from kfront import layers
            >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
            >>> kfront.models.model_from_json(m.to_json()).output_shape
            (None, 2)
        """
        import json
        from kfront.saving.serialization_lib import serialize_keras_object
        return json.dumps(serialize_keras_object(self), **kwargs)

    def export(self, filepath, format: str = "tf_saved_model", verbose: bool | None = None,
               input_signature=None, **kwargs) -> None:
        """Export the model's forward pass for inference as a TensorFlow SavedModel whose
        endpoint ``serve`` (also ``serving_default``) computes it; ``tf.saved_model.load``
        reloads it without kfront. ``input_signature``: a list of ``InputSpec`` /
        ``KerasTensor`` / tensor structures, one per argument (default: the model's inputs).
        On the numpy, torch and jax backends the model is rebuilt on TensorFlow from its
        config and weights. Formats "onnx", "openvino", "litert" and "torch" are not
        supported (see ``kfront.export.ExportArchive`` for custom endpoints).

        Example:
            >>> import tempfile, kfront
            >>> from kfront import layers
            >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
            >>> m.export(tempfile.mkdtemp(), verbose=False)
        """
        formats = ("tf_saved_model", "onnx", "openvino", "litert", "torch")
        if format not in formats:
            raise ValueError(f"Unrecognized format={format}. Supported formats are: "
                             f"{list(formats)}.")
        if format != "tf_saved_model":
            raise NotImplementedError(f'Model.export(format="{format}") is not supported by '
                                      'kfront; use format="tf_saved_model"')
        from kfront.export import export_saved_model
        export_saved_model(self, filepath, verbose=verbose, input_signature=input_signature,
                           **kwargs)


def _functional_arguments(args, kwargs) -> bool:
    """Keras's test for ``Model(inputs, outputs)`` arguments."""
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


def _inject_functional(cls):
    """Make ``cls`` (a Model subclass) derive from Functional where it derived from Model."""
    from kfront.models.functional import Functional
    if cls is Model:
        return Functional
    if cls is object or issubclass(cls, Functional):
        return cls
    cls.__bases__ = tuple(_inject_functional(base) for base in cls.__bases__)
    return cls
