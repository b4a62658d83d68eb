"""Quantization of ``Dense``, ``EinsumDense`` and ``Embedding`` (Keras 3's ``layer.quantize``):
the float weight is replaced by Keras's quantized variables (names, shapes, dtypes and saving
order as Keras's), the layer's dtype policy becomes ``"<mode>_from_<policy>"``, and calls run
the quantized computation.

- ``int8``: weights abs-max quantized per output channel (``kernel`` int8 + ``kernel_scale``);
  Dense/EinsumDense inputs are quantized per row too and the product runs int8 x int8 -> int32
  (on the native engine a float32 BLAS GEMM over slices of at most 1024 along the contraction,
  which is exact: see ``kfront/backends/numpy/quantized.py``), then is de-scaled.
- ``int4``: two values per byte along the output axis; ``block_size`` groups with zero points
  (default 128) or one scale per channel (EinsumDense: on its kernel flattened to 2D, as
  Keras).
- ``float8``: inputs and kernel quantize-dequantized through float8_e4m3fn with their scales
  (Dense and EinsumDense). kfront keeps the scales and amax histories as non-trainable
  weights; in training the inputs' and kernel's are updated in the forward pass with Keras's
  delayed-scaling rule (Keras overwrites them with their "gradients"); output gradients go
  back through float8_e5m2 with their scale, which (with its history) is not updated.
- ``gptq`` / ``awq``: the configs and policies exist; ``quantize`` raises NotImplementedError.

Example:
    >>> import numpy as np
    >>> from kfront import layers
    >>> layer = layers.Dense(3)
    >>> _ = layer(np.ones((2, 4), "float32"))
    >>> layer.quantize("int8")
    >>> layer.dtype_policy.name, [w.name for w in layer.weights]
    ('int8_from_float32', ['bias', 'kernel', 'kernel_scale'])
"""
from __future__ import annotations

import math

import numpy as np

from kfront import ops
from kfront.backends import B
from kfront.dtype_policies.dtype_policy import QUANTIZATION_MODES
from kfront.dtype_policies.quantized import (ALL_OBJECTS as _POLICY_CLASSES, Int4DTypePolicy,
                                             QuantizedDTypePolicy, QuantizedFloat8DTypePolicy,
                                             _get_quantized_dtype_policy_by_str)
from kfront.quantizers import quantizers as q
from kfront.quantizers.quantization_config import (Int4QuantizationConfig, QuantizationConfig,
                                                   validate_and_resolve_config)

_POLICIES = {cls.__name__: cls for cls in _POLICY_CLASSES}
_FLOAT8_VARIABLES = ("inputs_scale", "inputs_amax_history", "kernel_scale",
                     "kernel_amax_history", "outputs_grad_scale", "outputs_grad_amax_history")


def quantized_policy(dtype) -> QuantizedDTypePolicy | None:
    """The quantized policy a layer's ``dtype`` argument names (a policy, a name such as
    ``"int8_from_float32"`` or a Keras config dict), ``None`` for any other ``dtype``."""
    if isinstance(dtype, QuantizedDTypePolicy):
        return dtype
    if isinstance(dtype, str) and dtype.startswith(QUANTIZATION_MODES):
        return _get_quantized_dtype_policy_by_str(dtype)
    if isinstance(dtype, dict) and dtype.get("class_name") in _POLICIES:
        return _POLICIES[dtype["class_name"]].from_config(dict(dtype.get("config") or {}))
    return None


def _as_config(config):
    if config is None or isinstance(config, QuantizationConfig):
        return config
    if isinstance(config, dict):
        from kfront import quantizers
        return quantizers.deserialize(config)
    raise TypeError(f"quantization_config must be a QuantizationConfig, its config dict or None, "
                    f"got {config!r}")


def _round_bfloat16(x):
    """``x`` rounded to bfloat16 and back (Keras rounds a float32 bias so for float8 layers);
    magnitudes below 2**-100 keep that exponent's step (frameworks flush bfloat16's own
    smallest exponents to zero)."""
    return q._round_to_format(x, 7, -100)


def _straight_through_qdq(x, scale, quantized_dtype: str, compute_dtype: str):
    """float8 quantize-dequantize whose gradient passes through unchanged (Keras's)."""
    @ops.custom_gradient
    def qdq(value):
        return (q.quantize_and_dequantize(value, scale, quantized_dtype, compute_dtype),
                lambda upstream: upstream)
    return qdq(x)


def _dequantize_channels(unpacked, scale, embedding: bool, dtype: str):
    if embedding:
        scale = ops.expand_dims(scale, -1)
    return ops.divide(ops.cast(unpacked, dtype), scale)


def _dequantize_groups(unpacked, scale, zero, g_idx, axis: int, dtype: str):
    groups = ops.cast(g_idx, "int32")
    scale = ops.take(scale, groups, axis=axis)
    zero = ops.take(ops.cast(zero, ops.dtype(scale)), groups, axis=axis)
    return ops.cast(ops.multiply(ops.subtract(ops.cast(unpacked, dtype), zero), scale), dtype)


class QuantizedLayerMixin:
    """What ``Dense``, ``EinsumDense`` and ``Embedding`` share to be quantized (put before
    ``Layer`` in the bases): ``quantize``, ``quantization_mode``, ``dtype_policy``, building a
    quantized layer from its config, the quantized call and Keras's saving order."""

    _quantizable_name = "Dense"  # the class quantize() accepts (not its subclasses)
    _quantized_name = "kernel"  # the weight quantization replaces
    _quantization_kind = "dense"  # "dense", "einsum" or "embedding"
    _supported_modes: tuple = ("int8", "int4", "float8")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        kind = {"Dense": "dense", "EinsumDense": "einsum", "Embedding": "embedding",
                "ReversibleEmbedding": "embedding"}.get(cls.__name__)
        if kind is not None:
            cls._quantizable_name = cls.__name__
            cls._quantization_kind = kind
            cls._quantized_name = "embeddings" if kind == "embedding" else "kernel"
            cls._supported_modes = {"dense": ("int8", "int4", "float8"),
                                    "einsum": ("int8", "int4", "float8"),
                                    "embedding": ("int8", "int4")}[kind]
            if cls.__name__ == "ReversibleEmbedding":
                cls._supported_modes = ("int8",)

    def __init__(self, *args, quantization_config=None, **kwargs):
        self._is_quantized = False
        super().__init__(*args, **kwargs)
        self.quantization_config = _as_config(quantization_config)

    # ---- policy ----------------------------------------------------------------------------
    @property
    def quantization_mode(self) -> str | None:
        """The quantization mode of this layer, ``None`` if not quantized."""
        # the policy the base property keeps (a plain attribute: torch.compile traces it)
        return getattr(self._dtype_policy, "quantization_mode", None)

    def _layer_policy_property(self):
        return getattr(super(QuantizedLayerMixin, type(self)), "dtype_policy")

    @property
    def dtype_policy(self):
        """The layer's dtype policy (a quantized one once quantized)."""
        return self._layer_policy_property().fget(self)

    @dtype_policy.setter
    def dtype_policy(self, value) -> None:
        policy = quantized_policy(value)
        if policy is not None and self.built and not self._is_quantized:
            if policy.quantization_mode in ("gptq", "awq"):
                raise ValueError(f"Implicitly enabling {policy.quantization_mode.upper()} "
                                 f"quantization by setting `dtype_policy` to '{policy.name}' "
                                 "is not supported. Please use the `.quantize(mode, "
                                 "config=...)` method on the layer or model instead.")
            self.quantize(policy.quantization_mode)
            return
        self._layer_policy_property().fset(self, value)

    # ---- quantize ---------------------------------------------------------------------------
    def quantize(self, mode: str | None = None, type_check: bool = True, config=None) -> None:
        """Quantize the layer's weights in ``mode`` (``"int8"``, ``"int4"``, ``"float8"``),
        or as ``config`` (a ``QuantizationConfig``) says. The layer must be built."""
        config = validate_and_resolve_config(mode, config)
        mode = config.mode
        self._check_quantize_args(mode, self.compute_dtype)
        if type_check and type(self).__name__ != self._quantizable_name:
            raise NotImplementedError(f"Layer {type(self).__name__} does not have a `quantize` "
                                      "method implemented.")
        if mode in ("gptq", "awq"):
            raise NotImplementedError(
                f"Layer {type(self).__name__}: quantization mode '{mode}' (calibrated post-"
                "training quantization) is not implemented in kfront; use 'int8', 'int4' or "
                "'float8'.")
        if mode not in self._supported_modes:
            raise self._quantization_mode_error(mode)
        if (mode == "int4" and self._quantization_kind == "einsum"
                and config.activation_quantizer is not None):
            raise NotImplementedError(f"Layer {type(self).__name__}: int4 with an activation "
                                      "quantizer is not implemented in kfront for EinsumDense")
        self.quantization_config = config
        source = self.dtype_policy.name
        if mode == "int4":
            block = self._int4_block_size(config)
            name = f"int4/{-1 if block is None else block}_from_{source}"
        else:
            name = f"{mode}_from_{source}"
        self._layer_policy_property().fset(self, _get_quantized_dtype_policy_by_str(name))
        self._quantized_build(mode, config, self._float_values())

    def _check_quantize_args(self, mode: str, compute_dtype: str) -> None:
        if not self.built:
            raise ValueError(f"Cannot quantize a layer that isn't yet built. Layer "
                             f"'{self.name}' (of type '{type(self).__name__}') is not built "
                             "yet.")
        if self._is_quantized:
            raise ValueError(f"Layer '{self.name}' is already quantized with "
                             f"dtype_policy='{self.dtype_policy.name}'. Received: mode={mode}")
        if mode not in QUANTIZATION_MODES:
            raise ValueError(f"Invalid quantization mode. Expected one of "
                             f"{QUANTIZATION_MODES}. Received: mode={mode}")
        if mode == "int8" and compute_dtype == "float16":
            raise ValueError(f"Quantization mode='{mode}' doesn't work well with "
                             "compute_dtype='float16'. Consider loading model/layer with "
                             "another dtype policy such as 'mixed_bfloat16' or "
                             "'mixed_float16' before calling `quantize()`.")

    def _quantization_mode_error(self, mode) -> NotImplementedError:
        return NotImplementedError(f"Invalid quantization mode. Expected one of "
                                   f"{self._supported_modes}. Received: "
                                   f"quantization_mode={mode}")

    def _int4_block_size(self, config) -> int | None:
        if isinstance(config, Int4QuantizationConfig):
            block = config.block_size
        elif isinstance(self.dtype_policy, Int4DTypePolicy):
            block = self.dtype_policy.block_size
        else:
            block = None  # Keras's legacy per-channel int4
        return None if block in (None, -1) else block

    def _maybe_build(self, shapes) -> None:
        was_built = self.built
        super()._maybe_build(shapes)
        mode = self.quantization_mode
        if not was_built and mode is not None and not self._is_quantized:
            if mode not in self._supported_modes:
                raise self._quantization_mode_error(mode)
            self._quantized_build(mode, self.quantization_config, None)

    def _float_values(self):
        return ops.convert_to_numpy(getattr(self, self._quantized_name))

    # ---- the quantized variables ------------------------------------------------------------
    def _replace_float_weight(self):
        old = getattr(self, self._quantized_name)
        for group in (self._trainable_weights, self._non_trainable_weights):
            if any(v is old for v in group):
                group[:] = [v for v in group if v is not old]
        return tuple(old.shape)

    def _constant(self, shape, name, dtype, value):
        var = self.add_weight(shape=shape, initializer="zeros", dtype=dtype, trainable=False,
                              name=name)
        if value is not None:
            var.assign(np.asarray(value, dtype=dtype).reshape(shape))
        return var

    def _quantized_build(self, mode: str, config, weights) -> None:
        """Create the variables of ``mode`` (from the float ``weights``; zeros when ``None``,
        before loading saved values)."""
        kind = self._quantization_kind
        name = self._quantized_name
        scale_dtype = self.variable_dtype
        if mode == "float8":
            length = (self.dtype_policy.amax_history_length
                      if isinstance(self.dtype_policy, QuantizedFloat8DTypePolicy)
                      else QuantizedFloat8DTypePolicy.default_amax_history_length)
            for var_name in _FLOAT8_VARIABLES:
                shape = (length,) if var_name.endswith("history") else ()
                value = np.zeros(shape) if var_name.endswith("history") else np.ones(shape)
                setattr(self, var_name, self._constant(shape, var_name, "float32", value))
            self._is_quantized = True
            return
        reverse = self._untied_reverse_weight()
        reverse_values = None if reverse is None or weights is None else reverse.numpy()
        shape = self._replace_float_weight()
        w = None if weights is None else np.asarray(weights)
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(
            config, q.AbsMaxQuantizer() if mode == "int8" and (
                kind != "embedding" or self._quantizable_name == "ReversibleEmbedding") else None)
        reduce_axes = self._weight_reduced_axes(shape)
        values = {}
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, q.AbsMaxQuantizer(axis=reduce_axes))
            stored = shape
            scale_shape = self._int8_scale_shape(shape, reduce_axes)
            if w is not None:
                qw, scale = quantizer(w, to_numpy=True)
                values = {name: ops.convert_to_numpy(qw),
                          f"{name}_scale": ops.convert_to_numpy(scale)}
            setattr(self, name, self._constant(stored, name, "int8", values.get(name)))
            setattr(self, f"{name}_scale", self._constant(scale_shape, f"{name}_scale",
                                                          scale_dtype,
                                                          values.get(f"{name}_scale")))
            if reverse is not None:  # ReversibleEmbedding(tie_weights=False)
                self._int8_reverse_build(reverse, reverse_values, config, scale_dtype)
        else:
            self._kernel_shape = shape
            if kind == "einsum":  # Keras's int4 EinsumDense: the kernel flattened to 2D,
                reduced = self._weight_reduced_axes(shape)  # (reduced axes, the others)
                rows = math.prod(shape[i] for i in reduced)
                shape = (rows, math.prod(shape) // rows)
                w = None if w is None else w.reshape(shape)
            self._int4_build(shape, config, w, scale_dtype)
        self._is_quantized = True

    def _untied_reverse_weight(self):
        if self._quantizable_name != "ReversibleEmbedding" or self.tie_weights:
            return None
        return self.reverse_embeddings

    def _int8_reverse_build(self, reverse, values, config, scale_dtype) -> None:
        """ReversibleEmbedding's separate ``reverse_embeddings`` (output_dim, input_dim) in
        int8 with one scale per vocabulary entry (Keras's)."""
        for group in (self._trainable_weights, self._non_trainable_weights):
            group[:] = [v for v in group if v is not reverse]
        shape = tuple(reverse.shape)
        quantized = scale = None
        if values is not None:
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, q.AbsMaxQuantizer(axis=0))
            quantized, scale = (ops.convert_to_numpy(v) for v in quantizer(values,
                                                                           to_numpy=True))
        self.reverse_embeddings = self._constant(shape, "reverse_embeddings", "int8", quantized)
        self.reverse_embeddings_scale = self._constant((shape[1],), "reverse_embeddings_scale",
                                                       scale_dtype, scale)

    def quantized_reverse_call(self, inputs):
        """ReversibleEmbedding's logits ``inputs @ embeddings.T`` in int8 (Keras's
        ``_int8_call(reverse=True)``), soft cap included."""
        if self.tie_weights:
            kernel = ops.transpose(ops.convert_to_tensor(self.embeddings))
            scale = ops.convert_to_tensor(self.embeddings_scale)
        else:
            kernel = ops.convert_to_tensor(self.reverse_embeddings)
            scale = ops.convert_to_tensor(self.reverse_embeddings_scale)
        compute = self.compute_dtype
        if self.inputs_quantizer:
            qx, x_scale = self.inputs_quantizer(inputs)
            logits = B.quantized_matmul(qx, kernel, dtype=compute)
            logits = ops.divide(logits, ops.multiply(x_scale, scale))
        else:
            logits = ops.divide(ops.matmul(inputs, ops.cast(kernel, compute)), scale)
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = ops.multiply(ops.tanh(ops.divide(logits, cap)), cap)
        return logits

    def _int4_build(self, shape, config, w, scale_dtype) -> None:
        name = self._quantized_name
        rows, cols = shape
        block = self._int4_block_size(config)
        group_rows = self._quantization_kind != "embedding"  # Dense groups input rows
        values = {}
        if block is None:
            scale_shape = (cols,) if group_rows else (rows,)
            if w is not None:
                quantizer = QuantizationConfig.weight_quantizer_or_default(
                    config, q.AbsMaxQuantizer(axis=0 if group_rows else -1, value_range=(-8, 7)))
                qw, scale = quantizer(w, to_numpy=True)
                values = {"q": ops.convert_to_numpy(qw), "scale": ops.convert_to_numpy(scale)}
        else:
            groups = math.ceil((rows if group_rows else cols) / block)
            scale_shape = (groups, cols) if group_rows else (rows, groups)
            if w is not None:
                qw, scale, zero = q.abs_max_quantize_grouped_with_zero_point(
                    w if group_rows else w.T, block_size=block, to_numpy=True)
                qw, scale, zero = (ops.convert_to_numpy(v) for v in (qw, scale, zero))
                values = ({"q": qw, "scale": scale, "zero": zero} if group_rows else
                          {"q": qw.T, "scale": scale.T, "zero": zero.T})
        packed = None if w is None else ops.convert_to_numpy(q.pack_int4(
            ops.convert_to_tensor(values["q"].astype("int8")), axis=-1)[0])
        setattr(self, name, self._constant((rows, (cols + 1) // 2), name, "int8", packed))
        setattr(self, f"{name}_scale", self._constant(scale_shape, f"{name}_scale", scale_dtype,
                                                      values.get("scale")))
        if block is not None:
            setattr(self, f"{name}_zero", self._constant(scale_shape, f"{name}_zero", "int8",
                                                         values.get("zero")))
            length = rows if group_rows else cols
            self.g_idx = self._constant((length,), "g_idx", "float32",
                                        np.floor_divide(np.arange(length), block))
        self._int4_shape = (rows, cols)
        self._int4_block = block

    def _weight_reduced_axes(self, shape):
        """The axes of the float weight that one scale spans (Keras's)."""
        if self._quantization_kind == "dense":
            return 0
        if self._quantization_kind == "embedding":
            return -1
        w_spec, reduced = self._einsum_specs()[1], self._einsum_reduced()
        return tuple(w_spec.index(c) for c in reduced)

    def _int8_scale_shape(self, shape, reduce_axes):
        if self._quantization_kind == "dense":
            return (shape[1],)
        if self._quantization_kind == "embedding":
            return (shape[0],)
        in_spec, w_spec, out_spec = self._einsum_specs()
        sizes = dict(zip(w_spec, shape))
        return tuple(sizes[c] if c in w_spec and c not in self._einsum_reduced() else 1
                     for c in out_spec)

    # ---- einsum bookkeeping --------------------------------------------------------------------
    def _einsum_specs(self, input_rank: int | None = None):
        from kfront.layers.einsum_dense import _expand_ellipsis
        if input_rank is None:
            input_rank = len(self._build_shapes) if self._build_shapes is not None else 0
        lhs = self.equation.replace(" ", "").split("->")[0].split(",")
        w_rank = len(lhs[1])
        (in_spec, w_spec), out_spec = _expand_ellipsis(self.equation, (input_rank, w_rank))
        return in_spec, w_spec, out_spec

    def _einsum_reduced(self) -> list:
        in_spec, w_spec, out_spec = self._einsum_specs()
        return [c for c in w_spec if c in in_spec and c not in out_spec]

    # ---- calls ---------------------------------------------------------------------------------
    def quantized_call(self, inputs, training=None):
        """The layer's output in its quantization mode (before bias and activation for Dense
        and EinsumDense, which ``call`` adds)."""
        mode = self.quantization_mode
        if self._quantization_kind == "embedding":
            return self._embedding_call(inputs, mode)
        if mode == "float8":
            return self._float8_product(inputs, training)
        if mode == "int4" and self.inputs_quantizer is None:
            return self._product(inputs, self._dequantized_kernel())
        compute = self.compute_dtype
        q_kernel = (self._unpacked() if mode == "int4"
                    else ops.convert_to_tensor(getattr(self, self._quantized_name)))
        scale = ops.convert_to_tensor(self.kernel_scale)
        quantizer = self.inputs_quantizer
        rank = len(ops.shape(inputs))

        @ops.custom_gradient
        def product(x):
            def grad(upstream):  # through the dequantized kernel, made only when needed
                return self._inputs_gradient(upstream, self._kernel_from(q_kernel, scale), rank)
            if quantizer:
                qx, x_scale = quantizer(x, axis=self._input_reduced_axes(x))
                y = self._int_product(qx, q_kernel)
                y = ops.divide(y, ops.multiply(self._align_input_scale(x_scale), scale))
            else:
                y = ops.divide(self._product(x, ops.cast(q_kernel, compute)), scale)
            return y, grad

        return product(inputs)

    def _input_reduced_axes(self, x):
        if self._quantization_kind == "dense":
            return -1
        in_spec = self._einsum_specs(len(ops.shape(x)))[0]
        return tuple(in_spec.index(c) for c in self._einsum_reduced())

    def _align_input_scale(self, x_scale):
        """An input scale (input rank, 1 on reduced axes) laid out to broadcast on outputs."""
        if self._quantization_kind == "dense":
            return x_scale
        in_spec, _, out_spec = self._einsum_specs(len(ops.shape(x_scale)))
        reduced = self._einsum_reduced()
        kept = [c for c in in_spec if c not in reduced]
        sizes = dict(zip(in_spec, ops.shape(x_scale)))
        x_scale = ops.reshape(x_scale, [sizes[c] for c in kept])
        order = [c for c in out_spec if c in kept]
        perm = [kept.index(c) for c in order]
        if perm != list(range(len(perm))):
            x_scale = ops.transpose(x_scale, perm)
        return ops.reshape(x_scale, [sizes[c] if c in kept else 1 for c in out_spec])

    def _kernel_from(self, q_kernel, scale):
        """The float kernel ``q_kernel / scale`` (scale laid out on the kernel's axes)."""
        compute = self.compute_dtype
        if self._quantization_kind == "einsum":
            in_spec, w_spec, out_spec = self._einsum_specs()
            reduced = self._einsum_reduced()
            kept = [c for c in out_spec if c in w_spec and c not in reduced]
            sizes = dict(zip(w_spec, ops.shape(q_kernel)))
            scale = ops.reshape(scale, [sizes[c] for c in kept])
            order = [c for c in w_spec if c in kept]
            perm = [kept.index(c) for c in order]
            if perm != list(range(len(perm))):
                scale = ops.transpose(scale, perm)
            scale = ops.reshape(scale, [1 if c in reduced else sizes[c] for c in w_spec])
        return ops.divide(ops.cast(q_kernel, compute), scale)

    def _product(self, x, kernel):
        if self._quantization_kind == "dense":
            return ops.matmul(x, kernel)
        from kfront.layers.einsum_dense import einsum2
        return einsum2(self.equation, x, kernel)

    def _int_product(self, qx, q_kernel):
        """The exact integer product of int8 inputs and kernel, in the compute dtype."""
        if self._quantization_kind == "dense":
            return B.quantized_matmul(qx, q_kernel, dtype=self.compute_dtype)
        # einsum: int8 products summed in a float type whose mantissa holds the sum exactly
        k = math.prod(ops.shape(q_kernel)[self._einsum_specs()[1].index(c)]
                      for c in self._einsum_reduced())
        exact = "float32" if k * 2 ** 14 < 2 ** 24 else "float64"
        return ops.cast(self._product(ops.cast(qx, exact), ops.cast(q_kernel, exact)),
                        self.compute_dtype)

    def _inputs_gradient(self, upstream, float_kernel, rank: int):
        if self._quantization_kind == "dense":
            return ops.matmul(upstream, ops.transpose(float_kernel))
        in_spec, w_spec, out_spec = self._einsum_specs(rank)
        return ops.einsum(f"{out_spec},{w_spec}->{in_spec}", upstream, float_kernel)

    def _unpacked(self):
        rows, cols = self._int4_shape
        return q.unpack_int4(ops.convert_to_tensor(getattr(self, self._quantized_name)), cols,
                             axis=-1)

    def _dequantized_kernel(self):
        """The float weight an int4 layer holds: per channel ``q / scale``; in groups
        ``(q - zero) * scale`` with each row's (Dense) or column's (Embedding) group."""
        name = self._quantized_name
        unpacked = self._unpacked()
        scale = ops.convert_to_tensor(getattr(self, f"{name}_scale"))
        embedding = self._quantization_kind == "embedding"
        if self._int4_block is None:
            kernel = B.composite(_dequantize_channels, unpacked, scale, embedding=embedding,
                                 dtype=self.compute_dtype)
        else:
            kernel = B.composite(_dequantize_groups, unpacked, scale,
                                 ops.convert_to_tensor(getattr(self, f"{name}_zero")),
                                 ops.convert_to_tensor(self.g_idx),
                                 axis=-1 if embedding else 0, dtype=self.compute_dtype)
        return ops.reshape(kernel, self._kernel_shape)

    def _embedding_call(self, inputs, mode):
        ids = inputs
        if ops.dtype(ids) not in ("int32", "int64"):
            ids = ops.cast(ids, "int32")
        if mode == "int4":
            return ops.take(self._dequantized_kernel(), ids, axis=0)
        rows = ops.cast(ops.take(ops.convert_to_tensor(self.embeddings), ids, axis=0),
                        self.compute_dtype)
        scale = ops.take(ops.convert_to_tensor(self.embeddings_scale), ids, axis=0)
        return ops.divide(rows, ops.expand_dims(scale, -1))

    def _float8_product(self, inputs, training=None):
        compute = self.compute_dtype
        kernel_value = ops.convert_to_tensor(self.kernel)
        x = _straight_through_qdq(inputs, ops.convert_to_tensor(self.inputs_scale),
                                  "float8_e4m3fn", compute)
        kernel = _straight_through_qdq(kernel_value, ops.convert_to_tensor(self.kernel_scale),
                                       "float8_e4m3fn", compute)
        if training:  # delayed scaling: the next step's scales from the amax histories
            for prefix, value in (("inputs", inputs), ("kernel", kernel_value)):
                self._update_float8_scale(prefix, ops.stop_gradient(value))
        grad_scale = ops.convert_to_tensor(self.outputs_grad_scale)

        @ops.custom_gradient
        def outputs(y):  # the output gradient goes back through float8_e5m2 (Keras's)
            return y, lambda upstream: q.quantize_and_dequantize(upstream, grad_scale,
                                                                 "float8_e5m2", compute)
        return outputs(self._product(x, kernel))

    def _update_float8_scale(self, prefix: str, value) -> None:
        """Keras's float8 training update of ``<prefix>_scale`` and ``<prefix>_amax_history``
        (Keras delivers them as gradients that overwrite the variables; kfront assigns them
        in the forward pass, as BatchNormalization its statistics). The output-gradient
        scale is not updated."""
        scale, history = getattr(self, f"{prefix}_scale"), getattr(self, f"{prefix}_amax_history")
        old_scale, old_history = ops.convert_to_tensor(scale), ops.convert_to_tensor(history)
        scale.assign(q.compute_float8_scale(ops.max(old_history, axis=0), old_scale,
                                            q._FLOAT8["float8_e4m3fn"][0]))
        history.assign(q.compute_float8_amax_history(value, old_history))

    def _bias_for_call(self):
        """The bias as ``call`` adds it (a float8 layer rounds a float32 bias to bfloat16 and
        back, as Keras does)."""
        if self.quantization_mode == "float8" and self.compute_dtype == "float32":
            return _round_bfloat16(ops.convert_to_tensor(self.bias))
        return self.bias

    # ---- config and saving -----------------------------------------------------------------
    def get_config(self) -> dict:
        from kfront import quantizers
        config = super().get_config()
        config["quantization_config"] = quantizers.serialize(self.quantization_config)
        return config

    def _variables_in_saving_order(self) -> list:
        """The variables in Keras's ``save_own_variables`` order for the layer's mode: as
        Keras, only those of its serialization spec (a subclass's extra variables are not
        saved by this layer's default)."""
        mode = self.quantization_mode
        mine = list(self._trainable_weights) + list(self._non_trainable_weights)
        if mode == "float8":
            return mine
        name = self._quantized_name
        order = [name, "bias", f"{name}_scale", f"{name}_zero", "g_idx", "reverse_embeddings",
                 "reverse_embeddings_scale"]
        by_name = {v.name: v for v in mine}
        return [by_name[n] for n in order if n in by_name]


def should_quantize_layer(layer, filters) -> bool:
    """Does ``filters`` (None, a regex on layer names, a list of them, or a callable) select
    ``layer``? (Keras's rule.)"""
    import re
    if filters is None:
        return True
    if isinstance(filters, str):
        return bool(re.search(filters, layer.name))
    if isinstance(filters, (list, tuple)):
        return any(re.search(pattern, layer.name) for pattern in filters)
    return bool(filters(layer)) if callable(filters) else True


def quantize_model(model, mode=None, config=None, filters=None, **kwargs) -> None:
    """``model.quantize``: every leaf layer that ``filters`` selects is quantized; layers that
    cannot be (or not in this mode) are skipped with Keras's warning."""
    import warnings
    type_check = kwargs.pop("type_check", True)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments passed to {type(model).__name__}: "
                         f"{kwargs}")
    if filters is not None and not isinstance(filters, (str, list, tuple)) \
            and not callable(filters):
        raise ValueError("The `filters` argument must be a regex string, a list of regex "
                         f"strings, or a callable. Received: {type(filters)}")
    config = validate_and_resolve_config(mode, config)
    mode = config.mode
    if not model.built:
        raise ValueError(f"Cannot quantize a layer that isn't yet built. Layer '{model.name}' "
                         f"(of type '{type(model).__name__}') is not built yet.")
    if mode in ("gptq", "awq"):
        raise NotImplementedError(f"Model.quantize: mode '{mode}' (calibrated post-training "
                                  "quantization) is not implemented in kfront; use 'int8', "
                                  "'int4' or 'float8'.")
    modified = False
    for layer in model._layers_flat():
        if not should_quantize_layer(layer, filters) or len(layer._layers_flat()) != 1:
            continue
        try:
            layer.quantize(mode, type_check=type_check, config=config)
            modified = True
        except NotImplementedError as e:
            warnings.warn(str(e), stacklevel=2)
    if modified and isinstance(getattr(model, "_compiled_fns", None), dict):
        model._compiled_fns.clear()  # compiled steps captured the float variables
