"""Attention layers: ``Attention`` (Luong), ``AdditiveAttention`` (Bahdanau),
``MultiHeadAttention`` and ``GroupQueryAttention`` (Keras 3's weights, masks and formulas)."""
from __future__ import annotations

import math
import string

from kfront import constraints, initializers, ops, regularizers
from kfront.backends.common.random import SeedGenerator
from kfront.layers.activations_layers import masked_softmax
from kfront.layers.einsum_dense import EinsumDense, einsum2
from kfront.layers.layer import Layer, unique_name

__all__ = ["AdditiveAttention", "Attention", "GroupQueryAttention", "GroupedQueryAttention",
           "MultiHeadAttention"]


def _shape(x) -> tuple:
    return tuple(x.shape) if type(x).__name__ == "KerasTensor" else tuple(ops.shape(x))


def _bool(mask):
    return mask if mask is None or ops.dtype(mask) == "bool" else ops.cast(mask, "bool")


def causal_mask(q_len: int, v_len: int):
    """``(1, q_len, v_len)`` boolean lower-triangular mask (query i sees keys 0..i)."""
    rows = ops.reshape(ops.arange(q_len, dtype="int32"), (1, q_len, 1))
    cols = ops.reshape(ops.arange(v_len, dtype="int32"), (1, 1, v_len))
    return ops.greater_equal(rows, cols)


def _take_sublayer_names() -> None:
    """Takes the automatic names of the Softmax and Dropout sublayers Keras's attention
    layers make in ``build`` (its weights-free ``softmax``/``dropout`` are ops here), so
    that the layers created afterwards get Keras's names (``dropout_1`` after one
    MultiHeadAttention)."""
    unique_name("softmax")
    unique_name("dropout")


# ------------------------------------------------------------------------------------ Attention
class Attention(Layer):
    """Dot-product (Luong) attention over ``[query, value]`` or ``[query, value, key]``:
    ``softmax(query @ key^T) @ value`` (``score_mode="concat"``: ``sum(tanh(q + k))``).
    ``mask=[query_mask, value_mask]`` zeroes padded queries and hides padded keys.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> q, v = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")
        >>> layers.Attention()([q, v]).shape
        (2, 3, 4)
    """

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f'{type(self).__name__} "{self.name}": score_mode must be "dot" or '
                             f'"concat", got {score_mode!r}')
        self.use_scale, self.score_mode = bool(use_scale), score_mode
        self.dropout, self.seed = float(dropout), seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    def _validate(self, inputs, mask=None) -> None:
        who = f'{type(self).__name__} "{self.name}"'
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            raise ValueError(f"{who}: call it on a list [query, value] or [query, value, key], "
                             f"got {type(inputs).__name__}")
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise ValueError(f"{who}: mask must be a list [query_mask, value_mask], got {mask!r}")
        shapes = [_shape(x) if not _is_shape(x) else tuple(x) for x in inputs]
        q, v = shapes[0], shapes[1]
        k = shapes[2] if len(shapes) > 2 else v
        if q[-1] is not None and k[-1] is not None and q[-1] != k[-1]:
            raise ValueError(f"{who}: query and key must have the same last dimension, got "
                             f"query {q} and key {k}")
        if k[-2] is not None and v[-2] is not None and k[-2] != v[-2]:
            raise ValueError(f"{who}: key and value must have the same number of steps, got "
                             f"key {k} and value {v}")
        if mask is not None:
            for name, m, shape in (("query", mask[0], q), ("value", mask[1], v)):
                if m is not None and tuple(ops.shape(m)) != tuple(shape[:-1]):
                    raise ValueError(f"{who}: the {name} mask must have shape {shape[:-1]} "
                                     f"(the {name} without its last axis), got "
                                     f"{tuple(ops.shape(m))}")

    def build(self, input_shape):
        self._validate(input_shape)
        self.scale = (self.add_weight(shape=(), initializer="ones", name="scale")
                      if self.use_scale else None)
        self.concat_score_weight = (
            self.add_weight(shape=(), initializer="ones", name="concat_score_weight")
            if self.score_mode == "concat" else None)

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        s = ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3))
        if self.scale is not None:
            s = ops.multiply(self.scale, s)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(s), axis=-1))

    def call(self, inputs, mask=None, training=False, return_attention_scores: bool = False,
             use_causal_mask: bool = False):
        self._validate(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask, v_mask = (_bool(mask[0]), _bool(mask[1])) if mask else (None, None)
        scores = self._scores(q, k)
        shape = ops.shape(scores)
        score_mask = None if v_mask is None else ops.expand_dims(v_mask, -2)
        if use_causal_mask:
            c = causal_mask(shape[-2], shape[-1])
            score_mask = c if score_mask is None else ops.logical_and(score_mask, c)
        if score_mask is not None:
            big = 65504.0 if ops.standardize_dtype(scores.dtype) == "float16" else 1e9  # as Keras
            scores = ops.where(score_mask, scores, ops.subtract(scores, big))
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = ops.dropout(weights, self.dropout, seed=self.seed_generator)
        out = ops.matmul(weights, v)
        if q_mask is not None:
            out = ops.where(ops.expand_dims(q_mask, -1), out, 0.0)
        return (out, weights) if return_attention_scores else out

    def compute_mask(self, inputs, mask=None):
        return None if mask is None or mask[0] is None else mask[0]

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], input_shape[1][-1])

    def get_config(self) -> dict:
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


def _is_shape(s) -> bool:
    return isinstance(s, (tuple, list)) and all(d is None or isinstance(d, int) for d in s)


class AdditiveAttention(Attention):
    """Additive (Bahdanau) attention: scores ``sum(scale * tanh(query + key), -1)``, with a
    ``scale`` weight of shape ``(dim,)`` when ``use_scale``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> q, v = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")
        >>> layers.AdditiveAttention()([q, v]).shape
        (2, 3, 4)
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate(input_shape)
        self.scale = (self.add_weight(shape=(input_shape[0][-1],), initializer="glorot_uniform",
                                      name="scale") if self.use_scale else None)
        self.concat_score_weight = None

    def _scores(self, query, key):
        s = ops.tanh(ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3)))
        if self.scale is not None:
            s = ops.multiply(self.scale, s)
        return ops.sum(s, axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["score_mode"]
        return config


# --------------------------------------------------------------------------- MultiHeadAttention
def _proj_equation(free_dims: int, bound_dims: int, output_dims: int) -> tuple:
    """Keras's projection einsum: (equation, bias axes, output rank)."""
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims:free_dims + bound_dims]
    out = letters[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out, free_dims + output_dims


def _attention_equations(rank: int, attn_axes: tuple) -> tuple:
    """Keras's query-key and combine einsums, and the rank of the scores."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    source, offset = "", rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += letters[offset]
            offset += 1
    product = ("".join(target[i] for i in batch_dims) + "".join(target[i] for i in attn_axes)
               + "".join(source[i] for i in attn_axes))
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


class _MultiInput:
    """``layer(query, value, key=None, ...)``: built from every input's shape (Keras's
    ``build(query_shape, value_shape, key_shape)``), and symbolic calls learn the other
    inputs' shapes and whether scores are returned."""

    def __call__(self, query, value, key=None, **kwargs):
        shapes = (_shape(query), _shape(value), None if key is None else _shape(key))
        if not self.built:
            self._build_shapes = shapes
            self.build(*shapes)
            self.built = True
        self._call_shapes = (shapes, bool(kwargs.get("return_attention_scores")))
        return Layer.__call__(self, query, value, key, **kwargs)

    def _call_with_mask(self, inputs, mask, *args, **kwargs):
        """In a model: the query's propagated mask is ``query_mask``, and also ``value_mask``
        when the value is the query itself (self-attention)."""
        if mask is not None:
            kwargs = dict(kwargs)
            kwargs.setdefault("query_mask", mask)
            value = args[0] if args else kwargs.get("value")
            if value is inputs:
                kwargs.setdefault("value_mask", mask)
        return self(inputs, *args, **kwargs), mask

    def compute_mask(self, query, mask=None):
        return mask

    def get_build_config(self) -> dict | None:
        if self._build_shapes is None:
            return None
        names = ("query_shape", "value_shape", "key_shape")
        return {"shapes_dict": {n: list(s) for n, s in zip(names, self._build_shapes)
                                if s is not None}}

    def build_from_config(self, config: dict) -> None:
        shapes = (config or {}).get("shapes_dict")
        if shapes and not self.built:
            self._build_shapes = tuple(None if shapes.get(n) is None else tuple(shapes[n])
                                       for n in ("query_shape", "value_shape", "key_shape"))
            self.build(*self._build_shapes)
        self.built = True


class _HeadsAttention(_MultiInput, Layer):
    """Shared by ``MultiHeadAttention`` and ``GroupedQueryAttention``: arguments, projections,
    masks and the attention itself."""

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None,
                 dropout: float = 0.0, use_bias: bool = True, output_shape=None,
                 attention_axes=None, sliding_window: int | None = None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate: bool = False,
                 seed=None, **kwargs):
        for arg, val, ok in (("num_heads", num_heads, True), ("key_dim", key_dim, True),
                             ("value_dim", value_dim, value_dim is not None)):
            if ok and (not isinstance(val, int) or isinstance(val, bool) or val <= 0):
                raise ValueError(f"MultiHeadAttention: {arg} must be a positive int, got "
                                 f"{val!r}")
        super().__init__(**kwargs)
        if flash_attention and dropout > 0:
            raise ValueError(f'{type(self).__name__} "{self.name}": dropout is not supported '
                             "when flash attention is enabled (as in Keras); set dropout=0.0 to "
                             f"use flash_attention=True, got dropout={dropout!r}")
        if sliding_window is not None and (not isinstance(sliding_window, int)
                                           or sliding_window <= 0):
            raise ValueError(f'MultiHeadAttention "{self.name}": sliding_window must be None or '
                             f"a positive int, got {sliding_window!r}")
        self.supports_masking = True
        self._num_heads, self._key_dim = num_heads, key_dim
        self._value_dim = value_dim or key_dim
        self._dropout, self._use_bias, self._use_gate = float(dropout), use_bias, use_gate
        if output_shape and isinstance(output_shape, int):
            output_shape = (output_shape,)
        self._output_shape = tuple(output_shape) if output_shape else None
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(f'MultiHeadAttention "{self.name}": attention_axes must be an int, '
                             f"list or tuple, got {attention_axes!r}")
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        self._sliding_window = sliding_window
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)

    def _dense(self, rank: int, bound: int, out_dims: list, name: str, activation=None):
        """Keras's projection sublayer: ``bound`` contracted axes, ``out_dims`` new ones."""
        eq, bias_axes, out_rank = _proj_equation(rank - 1, bound, len(out_dims))
        return self._einsum_dense(eq, [None] * (out_rank - 1 - len(out_dims)) + out_dims,
                                  bias_axes, name, activation)

    def _einsum_dense(self, equation: str, output_shape, bias_axes: str, name: str,
                      activation=None) -> EinsumDense:
        layer = EinsumDense(equation, output_shape=output_shape,
                            bias_axes=bias_axes if self._use_bias else None, name=name,
                            activation=activation, dtype=self.dtype_policy,
                            kernel_initializer=initializers.get(
                                initializers.serialize(self._kernel_initializer)),
                            bias_initializer=initializers.get(
                                initializers.serialize(self._bias_initializer)),
                            kernel_regularizer=self._kernel_regularizer,
                            bias_regularizer=self._bias_regularizer,
                            activity_regularizer=self._activity_regularizer,
                            kernel_constraint=self._kernel_constraint,
                            bias_constraint=self._bias_constraint)
        self._sublayers.append(layer)
        return layer

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        who = f'{type(self).__name__} "{self.name}"'
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"{who}: all dimensions of value and key but the last must be "
                             f"equal, got value_shape={tuple(value_shape)} and "
                             f"key_shape={tuple(key_shape)}")
        if len(query_shape) != len(value_shape):
            raise ValueError(f"{who}: query and value must have the same rank, got "
                             f"query_shape={tuple(query_shape)} and "
                             f"value_shape={tuple(value_shape)}")
        rank = len(query_shape)
        self._query_dense = self._dense(rank, 1, [self._num_heads, self._key_dim], "query")
        self._query_dense._maybe_build(query_shape)
        self._key_dense = self._dense(len(key_shape), 1, [self._num_heads, self._key_dim], "key")
        self._key_dense._maybe_build(key_shape)
        if self._use_gate:
            self._gate_dense = self._dense(rank, 1, [self._num_heads, self._value_dim], "gate",
                                           activation="sigmoid")
            self._gate_dense._maybe_build(query_shape)
        self._value_dense = self._dense(len(value_shape), 1,
                                        [self._num_heads, self._value_dim], "value")
        self._value_dense._maybe_build(value_shape)
        proj_rank = rank + 1
        axes = (tuple(range(1, proj_rank - 2)) if self._attention_axes is None else
                tuple(a if a >= 0 else proj_rank - 1 + a for a in self._attention_axes))
        self._attention_axes = axes
        self._dot_product_equation, self._combine_equation, scores_rank = \
            _attention_equations(proj_rank, axes)
        self._norm_axes = tuple(range(scores_rank - len(axes), scores_rank))
        _take_sublayer_names()
        out = list(self._output_shape or [query_shape[-1]])
        self._output_dense = self._dense(rank, 2, out, "attention_output")
        self._output_dense._maybe_build(tuple(query_shape[:-1])
                                        + (self._num_heads, self._value_dim))

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):
        auto = None
        for m, axis in ((query_mask, -1), (value_mask, -2), (key_mask, -2)):
            if m is not None:
                m = ops.expand_dims(_bool(m), axis)
                auto = m if auto is None else ops.logical_and(auto, m)
        q_len, v_len = ops.shape(query)[1], ops.shape(value)[1]
        if use_causal_mask:
            c = causal_mask(q_len, v_len)
            auto = c if auto is None else ops.logical_and(auto, c)
        if self._sliding_window is not None:
            rows = ops.reshape(ops.arange(q_len, dtype="int32"), (1, q_len, 1))
            cols = ops.reshape(ops.arange(v_len, dtype="int32"), (1, 1, v_len))
            band = ops.less(ops.abs(ops.subtract(rows, cols)), self._sliding_window)
            auto = band if auto is None else ops.logical_and(auto, band)
        if attention_mask is not None:
            attention_mask = _bool(attention_mask)
            return attention_mask if auto is None else ops.logical_and(attention_mask, auto)
        return auto

    def _check_masks(self, query, value, **masks) -> None:
        who = f'{type(self).__name__} "{self.name}"'
        q, v = ops.shape(query), ops.shape(value)
        expect = {"query_mask": tuple(q[:-1]), "value_mask": tuple(v[:-1]),
                  "key_mask": tuple(v[:-1])}
        for name, m in masks.items():
            if m is None:
                continue
            got = tuple(ops.shape(m))
            if name == "attention_mask":
                target = (q[0], *q[1:-1], *v[1:-1])
                ok = len(got) <= len(target) and all(
                    g in (1, t) or None in (g, t) for g, t in zip(got[::-1], target[::-1]))
            else:
                target = expect[name]
                ok = len(got) == len(target) and all(
                    None in (g, t) or g == t for g, t in zip(got, target))
            if not ok:
                raise ValueError(f"{who}: {name} must have shape {target} (or broadcast to "
                                 f"it), got {got}")

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_scores: bool = True):
        """(output, scores or None). As Keras, without dropout or returned scores on rank-4
        projections the fused ``ops.dot_product_attention`` runs (a fully masked query then
        attends uniformly; the explicit softmax path gives it zero weights)."""
        mask = attention_mask
        if mask is not None:  # broadcast against the scores (batch..., heads, T..., S...)
            axis = -len(self._attention_axes) * 2 - 1
            for _ in range(self._norm_axes[-1] + 1 - len(ops.shape(mask))):
                mask = ops.expand_dims(mask, axis)
        if (not return_scores and self._dropout == 0 and len(ops.shape(query)) == 4
                and ops.shape(query)[-1] == ops.shape(value)[-1]):
            return ops.dot_product_attention(query, key, value, mask=mask,
                                             scale=self._inverse_sqrt_key_dim,
                                             flash_attention=self._flash_attention), None
        query = ops.multiply(query, self._inverse_sqrt_key_dim)
        scores = masked_softmax(einsum2(self._dot_product_equation, key, query), mask,
                                self._norm_axes)
        final = (ops.dropout(scores, self._dropout, seed=self.seed_generator)
                 if training and self._dropout > 0 else scores)
        return einsum2(self._combine_equation, final, value), scores

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores: bool = False, training=None,
             use_causal_mask: bool = False):
        if self._flash_attention and return_attention_scores:
            raise ValueError(f'{type(self).__name__} "{self.name}": return_attention_scores=True '
                             "is not supported when flash attention is enabled (as in Keras); "
                             "create the layer with flash_attention=None or False to get scores")
        key = value if key is None else key
        q_dim = ops.shape(query)[-1]
        if self._query_dense.kernel.shape[0] != q_dim:
            raise ValueError(f'{type(self).__name__} "{self.name}": the query\'s last '
                             f"dimension must be {self._query_dense.kernel.shape[0]} (the "
                             f"dimension it was built with), got query of shape "
                             f"{tuple(ops.shape(query))}")
        self._check_masks(query, value, query_mask=query_mask, value_mask=value_mask,
                          key_mask=key_mask, attention_mask=attention_mask)
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        gate = self._gate_dense(query) if self._use_gate else None
        out, scores = self._attend(self._query_dense(query), self._key_dense(key),
                                   self._value_dense(value), mask, training,
                                   return_attention_scores)
        if gate is not None:
            out = ops.multiply(out, gate)
        out = self._output_dense(out)
        return (out, scores) if return_attention_scores else out

    def _attend(self, query, key, value, mask, training, return_scores):
        return self._compute_attention(query, key, value, mask, training, return_scores)

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        out = query_shape[:-1] + self._output_shape if self._output_shape else query_shape
        (_, v_shape, _), scores = getattr(self, "_call_shapes", ((None, None, None), False))
        if not scores:
            return out
        return [out, (query_shape[0], self._num_heads, *query_shape[1:-1], *v_shape[1:-1])]

    def get_config(self) -> dict:
        return {**super().get_config(), "num_heads": self._num_heads, "key_dim": self._key_dim,
                "value_dim": self._value_dim, "dropout": self._dropout,
                "use_bias": self._use_bias, "use_gate": self._use_gate,
                "output_shape": self._output_shape,
                "attention_axes": self._attention_axes, "sliding_window": self._sliding_window,
                "kernel_initializer": initializers.serialize(self._kernel_initializer),
                "bias_initializer": initializers.serialize(self._bias_initializer),
                "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self._bias_regularizer),
                "activity_regularizer": regularizers.serialize(self._activity_regularizer),
                "kernel_constraint": constraints.serialize(self._kernel_constraint),
                "bias_constraint": constraints.serialize(self._bias_constraint),
                "seed": self.seed}


class MultiHeadAttention(_HeadsAttention):
    """Multi-head attention (Vaswani et al.) as Keras's: ``query``/``key``/``value``
    projections to ``num_heads`` heads (EinsumDense sublayers ``query``, ``key``, ``value``,
    ``attention_output``, in that weight order), scaled dot-product attention over
    ``attention_axes``, and an output projection back to the query's last dimension (or
    ``output_shape``).

    Call: ``layer(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
    attention_mask=None, return_attention_scores=False, training=None,
    use_causal_mask=False)``; boolean masks, ``attention_mask`` of shape ``(B, T, S)``.

    ``flash_attention=True`` gives the same values as ``False`` on every backend: flash
    attention is exact attention computed in blocks, and kfront runs each backend's fused
    kernel where it has one (see ``ops.dot_product_attention``), where Keras 3.15 raises on a
    machine without a flash kernel (any CPU). As Keras, it refuses ``dropout > 0`` and
    ``return_attention_scores=True`` (ValueError). Also for ``GroupQueryAttention``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> mha = layers.MultiHeadAttention(num_heads=2, key_dim=4)
        >>> x = np.ones((2, 5, 8), "float32")
        >>> out, scores = mha(x, x, return_attention_scores=True)
        >>> out.shape, scores.shape
        ((2, 5, 8), (2, 2, 5, 5))
    """

    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)


class GroupedQueryAttention(_HeadsAttention):
    """Grouped-query attention (Ainslie et al.): ``num_query_heads`` query heads share
    ``num_key_value_heads`` key/value heads, each of size ``head_dim``; sublayers ``query``,
    ``key``, ``value``, ``attention_output`` as Keras's. Call as ``MultiHeadAttention``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> gqa = layers.GroupQueryAttention(head_dim=4, num_query_heads=4,
        ...                                  num_key_value_heads=2)
        >>> x = np.ones((2, 5, 8), "float32")
        >>> gqa(x, x).shape, tuple(gqa.weights[2].shape)
        ((2, 5, 8), (8, 2, 4))
    """

    _keras_export_name = "GroupQueryAttention"  # its class_name in Keras's files

    def __init__(self, head_dim: int, num_query_heads: int, num_key_value_heads: int,
                 dropout: float = 0.0, use_bias: bool = True, sliding_window: int | None = None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate: bool = False, seed=None, **kwargs):
        if (not isinstance(num_key_value_heads, int) or num_key_value_heads <= 0
                or not isinstance(num_query_heads, int)
                or num_query_heads % num_key_value_heads):
            raise ValueError("GroupQueryAttention: num_query_heads must be a multiple of the "
                             f"positive int num_key_value_heads, got {num_query_heads!r} and "
                             f"{num_key_value_heads!r}")
        super().__init__(num_query_heads, head_dim, dropout=dropout, use_bias=use_bias,
                         sliding_window=sliding_window, flash_attention=flash_attention,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         use_gate=use_gate, seed=seed, **kwargs)
        self.head_dim, self.num_query_heads = head_dim, num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f'GroupQueryAttention "{self.name}": all dimensions of value and '
                             f"key but the last must be equal, got value_shape="
                             f"{tuple(value_shape)} and key_shape={tuple(key_shape)}")
        self.feature_dim = query_shape[-1]
        q_heads = (None, self.num_query_heads, self.head_dim)
        kv_heads = (None, self.num_key_value_heads, self.head_dim)
        self._query_dense = self._einsum_dense("bqm,muh->bquh", q_heads, "uh", "query")
        self._query_dense._maybe_build(query_shape)
        self._key_dense = self._einsum_dense("bkm,mvh->bkvh", kv_heads, "vh", "key")
        self._key_dense._maybe_build(key_shape)
        if self._use_gate:
            self._gate_dense = self._einsum_dense("bqm,muh->bquh", q_heads, "uh", "gate",
                                                  activation="sigmoid")
            self._gate_dense._maybe_build(query_shape)
        self._value_dense = self._einsum_dense("bkm,mvh->bkvh", kv_heads, "vh", "value")
        self._value_dense._maybe_build(value_shape)
        _take_sublayer_names()
        self._output_dense = self._einsum_dense("bquh,uhm->bqm", (None, self.feature_dim), "m",
                                                "attention_output")
        self._output_dense._maybe_build((None, None, self.num_query_heads, self.head_dim))
        self._attention_axes, self._norm_axes = (1,), (3,)
        self._dot_product_equation = "bkuh,bquh->buqk"
        self._combine_equation = "buqk,bkuh->bquh"

    def _attend(self, query, key, value, mask, training, return_scores):
        key = ops.repeat(key, self.num_repeats, axis=2)
        value = ops.repeat(value, self.num_repeats, axis=2)
        return self._compute_attention(query, key, value, mask, training, return_scores)

    def get_config(self) -> dict:
        config = super().get_config()
        for k in ("num_heads", "key_dim", "value_dim", "output_shape", "attention_axes"):
            del config[k]
        return {**config, "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads}


GroupQueryAttention = GroupedQueryAttention  # Keras's export name (and saved class_name); its
# weights group is named after the class (grouped_query_attention), as in Keras's files
