"""``Embedding``: integer ids -> rows of a trainable ``(input_dim, output_dim)`` matrix."""
from __future__ import annotations

import numpy as np

from kfront import constraints, initializers, ops, regularizers
from kfront.layers.layer import Layer
from kfront.layers.lora import LoraMixin, lora_weight
from kfront.layers.quantized import QuantizedLayerMixin

__all__ = ["Embedding", "ReversibleEmbedding"]


def _concrete(x):
    """``x`` as a numpy array when its values are known now (eager), else None (traced)."""
    try:
        return np.asarray(ops.convert_to_numpy(x))
    except Exception:  # noqa: BLE001  (each framework raises its own error on symbolic values)
        return None


class Embedding(LoraMixin, QuantizedLayerMixin, Layer):
    """Maps ids in ``[0, input_dim)`` to ``output_dim``-vectors: ``(...) -> (..., output_dim)``.

    Ids must be integers (floats holding whole numbers are accepted and cast, as Keras does);
    ids out of range are a ValueError whenever their values are known (eager calls). With
    ``mask_zero=True``, id 0 is padding: ``compute_mask`` gives ``ids != 0`` and ``input_dim``
    must count it. ``lora_rank`` / ``enable_lora`` adapt the embeddings with LoRA
    (``lora_embeddings_a`` / ``_b``; ``kfront/layers/lora.py``).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> emb = layers.Embedding(10, 4, mask_zero=True)
        >>> emb(np.array([[1, 2, 0]])).shape
        (1, 3, 4)
        >>> emb.compute_mask(np.array([[1, 2, 0]])).tolist()
        [[True, True, False]]
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero: bool = False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        super().__init__(quantization_config=quantization_config, **kwargs)
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f'Embedding "{self.name}": {arg} must be a positive int, got '
                                 f"{value!r}")
        self._init_lora(lora_rank, lora_alpha)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.autocast = False  # ids stay integers
        if weights is not None:
            self.build()
            self.set_weights(weights if isinstance(weights, list) else [weights])

    _lora_target, _lora_prefix = "embeddings", "lora_embeddings"
    embeddings = lora_weight("embeddings")

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint,
                                          name="embeddings")
        self.built = True
        self._build_lora()

    def _ids(self, inputs):
        dtype = ops.dtype(inputs)
        values = _concrete(inputs)
        if not dtype.startswith(("int", "uint")):
            if not dtype.startswith(("float", "bfloat")) or (
                    values is not None and not np.array_equal(values, np.round(values))):
                raise TypeError(f'Embedding "{self.name}" expects integer ids, got {dtype} '
                                f"inputs of shape {ops.shape(inputs)}"
                                + (" with non-integer values" if values is not None else ""))
            inputs = ops.cast(inputs, "int32")
        if values is not None and values.size and (values.min() < 0
                                                   or values.max() >= self.input_dim):
            raise ValueError(f'Embedding "{self.name}": ids must lie in [0, {self.input_dim}) '
                             f"(input_dim={self.input_dim}), got ids in [{values.min():g}, "
                             f"{values.max():g}] in inputs of shape {ops.shape(inputs)}")
        return inputs

    def call(self, inputs):
        if self.quantization_mode:
            ids = self._ids(inputs)
            return self._lora_output(ids, self.quantized_call(ids))
        return ops.take(self.embeddings, self._ids(inputs), axis=0)

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` with ``mask_zero=True``, else None."""
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict:
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "mask_zero": self.mask_zero, **self._lora_config()}


class ReversibleEmbedding(Embedding):
    """An ``Embedding`` that also maps vectors back to logits over the vocabulary:
    ``layer(ids)`` embeds, ``layer(vectors, reverse=True)`` is ``vectors @ embeddings.T`` (or a
    separate ``reverse_embeddings`` (output_dim, input_dim) weight with ``tie_weights=False``),
    optionally soft-capped as ``tanh(logits / cap) * cap``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> emb = layers.ReversibleEmbedding(10, 4)
        >>> h = emb(np.array([[1, 2, 3]]))
        >>> h.shape, emb(h, reverse=True).shape
        ((1, 3, 4), (1, 3, 10))
    """

    def __init__(self, input_dim: int, output_dim: int, tie_weights: bool = True,
                 embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero: bool = False, reverse_dtype=None,
                 logit_soft_cap: float | None = None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights, self.reverse_dtype = tie_weights, reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim), initializer=self.embeddings_initializer,
                name="reverse_embeddings")

    def call(self, inputs, reverse: bool = False):
        if not reverse:
            return super().call(inputs)
        if ops.shape(inputs)[-1] != self.output_dim:
            raise ValueError(f'ReversibleEmbedding "{self.name}": reverse=True expects vectors '
                             f"of size {self.output_dim} on the last axis, got inputs of shape "
                             f"{tuple(ops.shape(inputs))}")
        if self.quantization_mode:
            return self.quantized_reverse_call(inputs)
        kernel = (ops.transpose(self.embeddings) if self.tie_weights
                  else self.reverse_embeddings)
        if self.reverse_dtype is not None:
            inputs, kernel = ops.cast(inputs, self.reverse_dtype), ops.cast(kernel,
                                                                            self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = ops.multiply(ops.tanh(ops.divide(logits, cap)), cap)
        return logits

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` for integer ids with ``mask_zero`` (none for reversed vectors)."""
        if not ops.dtype(inputs).startswith(("int", "uint")):
            return None
        return super().compute_mask(inputs, mask)

    def __call__(self, inputs, *args, **kwargs):
        # a symbolic call infers its output shape from compute_output_shape(input_shape)
        self._reverse_call = bool(args[0] if args else kwargs.get("reverse", False))
        return super().__call__(inputs, *args, **kwargs)

    def compute_output_shape(self, input_shape, reverse: bool | None = None):
        if reverse is None:
            reverse = getattr(self, "_reverse_call", False)
        if reverse:
            return tuple(input_shape[:-1]) + (self.input_dim,)
        return super().compute_output_shape(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "tie_weights": self.tie_weights,
                "reverse_dtype": self.reverse_dtype, "logit_soft_cap": self.logit_soft_cap}
