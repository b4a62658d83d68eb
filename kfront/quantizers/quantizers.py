"""Quantizer functions and classes (``keras.quantizers``): abs-max int8/int4 quantization,
int4 packing, float8 scaling and fake quantization, written once on ``kfront.ops``.

Example:
    >>> import numpy as np
    >>> from kfront.quantizers import abs_max_quantize
    >>> q, scale = abs_max_quantize(np.array([[1.0, -2.0]], "float32"), axis=-1)
    >>> q.tolist()
    [[64, -127]]
"""
from __future__ import annotations

import math

import numpy as np

from kfront import ops
from kfront.backends import B

_EPSILON = 1e-7  # keras.config.epsilon() when Keras's defaults are evaluated
_FLOAT8 = {  # name: (largest finite value, mantissa bits, smallest normal exponent)
    "float8_e4m3fn": (448.0, 3, -6),
    "float8_e5m2": (57344.0, 2, -14),
}


class Quantizer:
    """Base class of quantizers: ``quantizer(x)`` returns the quantized form of ``x``
    (the base class returns ``x``).

    Example:
        >>> from kfront.quantizers import Quantizer
        >>> Quantizer()(3.0)
        3.0
    """

    def __init__(self, output_dtype: str = "int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        return x

    @classmethod
    def from_config(cls, config: dict) -> "Quantizer":
        return cls(**config)

    def get_config(self) -> dict:
        raise NotImplementedError(f"{self} does not implement get_config()")


def _host_axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def abs_max_quantize(inputs, axis, value_range=(-127, 127), dtype: str = "int8",
                     epsilon: float = _EPSILON, to_numpy: bool = False):
    """``(round(inputs * scale) clipped to value_range as dtype, scale)`` with
    ``scale = value_range[1] / (max |inputs| along axis + epsilon)`` (Keras's scheme).

    Example:
        >>> import numpy as np
        >>> from kfront.quantizers import abs_max_quantize
        >>> q, s = abs_max_quantize(np.array([[0.5], [-1.0]], "float32"), axis=0)
        >>> q.ravel().tolist(), round(float(s.ravel()[0]), 3)
        ([63, -127], 127.0)
    """
    if to_numpy:
        original = ops.standardize_dtype(ops.dtype(inputs))
        x = ops.convert_to_numpy(inputs)
        scale = np.divide(value_range[1],
                          np.add(np.max(np.abs(x), axis=_host_axis(axis), keepdims=True),
                                 epsilon))
        out = np.clip(np.round(np.multiply(x, scale)), value_range[0], value_range[1])
        return (ops.convert_to_tensor(out.astype(dtype)),
                ops.convert_to_tensor(scale, dtype=original))
    # one compiled program on JAX (B.composite), as eager JAX compiles each op on its own
    return B.composite(_abs_max_quantize, ops.convert_to_tensor(inputs),
                       axis=tuple(axis) if isinstance(axis, list) else axis,
                       value_range=tuple(value_range), dtype=dtype, epsilon=epsilon)


def _abs_max_quantize(inputs, axis, value_range, dtype, epsilon):
    scale = ops.divide(value_range[1],
                       ops.add(ops.max(ops.abs(inputs), axis=axis, keepdims=True), epsilon))
    scale = ops.cast(scale, ops.dtype(inputs))
    out = ops.clip(ops.round(ops.multiply(inputs, scale)), value_range[0], value_range[1])
    return ops.cast(out, dtype), scale


def abs_max_quantize_grouped_with_zero_point(inputs, block_size: int, value_range=(-8, 7),
                                             dtype: str = "int8", epsilon: float = _EPSILON,
                                             to_numpy: bool = False):
    """Asymmetric quantization of a 2D ``(input_dim, output_dim)`` tensor in groups of
    ``block_size`` rows: ``(quantized, scale, zero_point)``, the last two of shape
    ``(ceil(input_dim / block_size), output_dim)``.

    Example:
        >>> import numpy as np
        >>> from kfront.quantizers import abs_max_quantize_grouped_with_zero_point
        >>> q, s, z = abs_max_quantize_grouped_with_zero_point(
        ...     np.arange(8, dtype="float32").reshape(4, 2), block_size=2)
        >>> q.shape, s.shape, z.shape
        ((4, 2), (2, 2), (2, 2))
    """
    shape = tuple(ops.shape(inputs))
    if len(shape) != 2:
        raise ValueError("abs_max_quantize_grouped_with_zero_point: inputs must be 2D "
                         f"(input_dim, output_dim), got shape {shape}")
    if not isinstance(block_size, int) or block_size <= 0:
        raise ValueError("abs_max_quantize_grouped_with_zero_point: block_size must be a "
                         f"positive int, got {block_size!r}")
    original = ops.standardize_dtype(ops.dtype(inputs))
    input_dim, output_dim = shape
    n_groups = math.ceil(input_dim / block_size)
    padded = n_groups * block_size
    qmin, qmax = value_range
    if to_numpy:
        x = ops.convert_to_numpy(inputs)
        x = np.concatenate([x, np.zeros((padded - input_dim, output_dim), x.dtype)], axis=0)
        x = x.reshape(n_groups, block_size, output_dim)
        lo, hi = x.min(axis=1, keepdims=True), x.max(axis=1, keepdims=True)
        scale = np.divide(np.subtract(hi, lo) + epsilon, qmax - qmin)
        zero = np.clip(np.round(np.divide(-lo, scale)) + qmin, qmin, qmax)
        out = np.clip(np.round(np.divide(x, scale)) + zero, qmin, qmax).astype(dtype)
        return (ops.convert_to_tensor(out.reshape(padded, output_dim)[:input_dim]),
                ops.convert_to_tensor(np.squeeze(scale, axis=1), dtype=original),
                ops.convert_to_tensor(np.squeeze(zero, axis=1).astype("int8")))
    x = ops.convert_to_tensor(inputs)
    if padded > input_dim:
        x = ops.concatenate([x, ops.zeros((padded - input_dim, output_dim), original)], axis=0)
    x = ops.reshape(x, (n_groups, block_size, output_dim))
    lo, hi = ops.min(x, axis=1), ops.max(x, axis=1)
    same = ops.equal(lo, hi)  # Keras's compute_quantization_parameters widens empty ranges
    lo, hi = ops.where(same, lo - 1, lo), ops.where(same, hi + 1, hi)
    levels = ops.cast(2 ** int(math.log2(qmax - qmin + 1)) - 1, original)
    scale = ops.divide(ops.add(ops.subtract(hi, lo), epsilon), levels)
    scale = ops.where(ops.less_equal(scale, 0), 1e-8, scale)
    zero = ops.clip(ops.add(ops.round(ops.divide(ops.negative(lo), scale)), qmin), qmin, qmax)
    out = ops.add(ops.round(ops.divide(x, ops.expand_dims(scale, 1))), ops.expand_dims(zero, 1))
    out = ops.cast(ops.clip(out, qmin, qmax), dtype)
    out = ops.reshape(out, (padded, output_dim))[:input_dim]
    return out, scale, ops.cast(zero, "int8")


class AbsMaxQuantizer(Quantizer):
    """Abs-max quantizer: ``quantizer(x, axis=None)`` returns ``(quantized, scale)`` through
    :func:`abs_max_quantize` (``axis`` from the call, else the constructor, else -1).

    Example:
        >>> import numpy as np
        >>> from kfront.quantizers import AbsMaxQuantizer
        >>> q, s = AbsMaxQuantizer()(np.array([[2.0, -1.0]], "float32"))
        >>> q.tolist()
        [[127, -64]]
    """

    def __init__(self, axis=None, value_range=(-127, 127), epsilon: float = _EPSILON,
                 output_dtype: str = "int8"):
        super().__init__(output_dtype=output_dtype)
        self.axis = None if axis is None else tuple((axis,) if isinstance(axis, int) else axis)
        self.value_range = value_range
        self.epsilon = epsilon
        if output_dtype == "int8" and (value_range[0] < -128 or value_range[1] > 127):
            raise ValueError("Quantizer with output_dtype='int8' requires value_range to be "
                             f"within the interval [-128, 127]. Received: "
                             f"value_range={value_range}")

    def __call__(self, x, axis=None, to_numpy: bool = False):
        axis = self.axis if axis is None else axis
        return abs_max_quantize(x, -1 if axis is None else axis, self.value_range,
                                self.output_dtype, self.epsilon, to_numpy)

    def get_config(self) -> dict:
        config = {"value_range": self.value_range, "epsilon": self.epsilon,
                  "output_dtype": self.output_dtype}
        if self.axis is not None:
            config["axis"] = self.axis
        return config


# ----------------------------------------------------------------------------- fake quant
def _adjust_and_nudge(min_range, max_range, num_bits: int, narrow_range: bool):
    quant_max = (1 << num_bits) - 1
    quant_min = 1 if narrow_range else 0
    diff = ops.subtract(max_range, min_range)
    scale = ops.divide(diff, quant_max - quant_min)
    inv_scale = ops.divide(quant_max - quant_min, diff)
    zero_point = ops.round(ops.clip(quant_min - ops.divide(min_range, scale),
                                    quant_min, quant_max))
    nudged_min = ops.multiply(ops.subtract(quant_min, zero_point), scale)
    nudged_max = ops.multiply(ops.subtract(quant_max, zero_point), scale)
    return nudged_min, nudged_max, scale, inv_scale


def fake_quant_with_min_max_vars(inputs, min_vals, max_vals, num_bits: int = 8,
                                 narrow_range: bool = False, axis: int | None = None):
    """Quantize ``inputs`` into ``[min_vals, max_vals]`` on ``2**num_bits`` levels and back
    (per tensor, or per channel along ``axis``), with straight-through gradients for the
    inputs inside the range and gradients for ``min_vals`` / ``max_vals`` from the clipped ones.

    Example:
        >>> import numpy as np
        >>> from kfront.quantizers import fake_quant_with_min_max_vars
        >>> y = fake_quant_with_min_max_vars(np.array([0.0, 0.3, 2.0], "float32"), 0.0, 1.0,
        ...                                  num_bits=2)
        >>> [round(float(v), 4) for v in np.asarray(y)]
        [0.0, 0.3333, 1.0]
    """
    inputs = ops.convert_to_tensor(inputs)
    dtype = ops.standardize_dtype(ops.dtype(inputs))
    compute = "float64" if dtype == "float64" else "float32"
    min_vals = ops.cast(ops.convert_to_tensor(min_vals), compute)
    max_vals = ops.cast(ops.convert_to_tensor(max_vals), compute)
    num_bits = int(num_bits)
    ndim = len(ops.shape(inputs))
    if axis is not None:
        if not -ndim <= axis < ndim:
            raise ValueError(f"fake_quant_with_min_max_vars: axis {axis} is out of range for "
                             f"inputs of rank {ndim}")
        axis = axis % ndim
    if axis is not None and axis != ndim - 1:  # per-channel values broadcast on the last axis
        inputs = ops.swapaxes(inputs, axis, ndim - 1)
        out = fake_quant_with_min_max_vars(inputs, min_vals, max_vals, num_bits, narrow_range,
                                           ndim - 1)
        return ops.swapaxes(out, axis, ndim - 1)

    @ops.custom_gradient
    def fake_quant(x, lo, hi):
        nudged_min, nudged_max, scale, inv_scale = _adjust_and_nudge(lo, hi, num_bits,
                                                                     narrow_range)
        quant_zero = ops.floor(ops.add(ops.multiply(ops.negative(nudged_min), inv_scale), 0.5))
        shifted = ops.subtract(ops.clip(ops.cast(x, compute), nudged_min, nudged_max),
                               nudged_min)
        result = ops.multiply(ops.floor(ops.add(ops.subtract(ops.multiply(shifted, inv_scale),
                                                             quant_zero), 0.5)), scale)
        xc = ops.cast(x, compute)
        inside = ops.logical_and(ops.greater_equal(xc, nudged_min),
                                 ops.less_equal(xc, nudged_max))
        below, above = ops.less_equal(xc, nudged_min), ops.greater_equal(xc, nudged_max)

        def grad(upstream):
            zero = ops.zeros_like(upstream)
            reduce = None if axis is None else tuple(range(ndim - 1))
            d_lo = ops.sum(ops.cast(ops.where(below, upstream, zero), compute), axis=reduce)
            d_hi = ops.sum(ops.cast(ops.where(above, upstream, zero), compute), axis=reduce)
            return (ops.where(inside, upstream, zero), ops.reshape(d_lo, ops.shape(lo)),
                    ops.reshape(d_hi, ops.shape(hi)))

        return ops.cast(result, dtype), grad

    return fake_quant(inputs, min_vals, max_vals)


# ----------------------------------------------------------------------------- float8
def compute_float8_scale(amax, scale, dtype_max, margin: int = 0):
    """The new float8 scale from the amax history's maximum ``amax``: ``amax * 2**margin /
    dtype_max`` where ``amax`` is positive and finite, else ``scale`` unchanged.

    Example:
        >>> from kfront.quantizers import compute_float8_scale
        >>> round(float(compute_float8_scale(4.0, 1.0, 448.0)) * 448.0, 5)
        4.0
    """
    amax = ops.convert_to_tensor(amax, "float32")
    scale = ops.reciprocal(ops.convert_to_tensor(scale, "float32"))
    sf = ops.divide(ops.divide(dtype_max, amax), 2 ** margin)
    sf = ops.where(ops.greater(amax, 0.0), sf, scale)
    sf = ops.where(ops.isfinite(amax), sf, scale)
    return ops.reciprocal(sf)


def compute_float8_amax_history(x, amax_history):
    """``amax_history`` rolled one step left with ``max |x|`` written at index 0.

    Example:
        >>> import numpy as np
        >>> from kfront.quantizers import compute_float8_amax_history
        >>> h = compute_float8_amax_history(np.array([-3.0, 1.0]), np.array([1.0, 2.0, 0.0]))
        >>> np.asarray(h).tolist()
        [3.0, 0.0, 1.0]
    """
    amax_history = ops.convert_to_tensor(amax_history)
    amax = ops.cast(ops.max(ops.abs(x)), ops.dtype(amax_history))
    return ops.scatter_update(ops.roll(amax_history, shift=-1), [[0]], ops.reshape(amax, [1]))


def _round_to_format(x, mantissa_bits: int, min_exponent: int):
    """``x`` rounded to the nearest value with ``mantissa_bits`` stored mantissa bits and
    exponents from ``min_exponent`` (below it: that exponent's fixed step, as subnormals), ties
    to even: what a cast to such a float format gives for values within its range."""
    magnitude = ops.abs(x)
    tiny = ops.cast(2.0 ** min_exponent, ops.dtype(x))
    exponent = ops.floor(ops.log2(ops.maximum(magnitude, tiny)))
    # log2 may be off by one next to a power of two: correct the exponent exactly
    exponent = ops.where(ops.less(magnitude, ops.power(2.0, exponent)), exponent - 1, exponent)
    exponent = ops.where(ops.greater_equal(magnitude, ops.power(2.0, exponent + 1)),
                         exponent + 1, exponent)
    exponent = ops.maximum(exponent, float(min_exponent))
    step = ops.cast(ops.power(2.0, exponent - mantissa_bits), ops.dtype(x))
    return ops.multiply(ops.round(ops.divide(x, step)), step)


def _round_to_float8(x, quantized_dtype: str):
    _, mantissa_bits, min_exponent = _FLOAT8[quantized_dtype]
    return _round_to_format(x, mantissa_bits, min_exponent)


def quantize_and_dequantize(inputs, scale, quantized_dtype: str, compute_dtype: str):
    """``inputs / scale`` clipped to the range of ``quantized_dtype`` (``"float8_e4m3fn"`` or
    ``"float8_e5m2"``), rounded to that format, times ``scale``, in ``compute_dtype``.

    Example:
        >>> import numpy as np
        >>> from kfront.quantizers import quantize_and_dequantize
        >>> y = quantize_and_dequantize(np.array([1.1, 500.0], "float32"), 1.0,
        ...                             "float8_e4m3fn", "float32")
        >>> np.asarray(y).tolist()
        [1.125, 448.0]
    """
    if quantized_dtype not in _FLOAT8:
        raise ValueError(f"quantize_and_dequantize: quantized_dtype must be one of "
                         f"{sorted(_FLOAT8)}, got {quantized_dtype!r}")
    return B.composite(_quantize_and_dequantize, ops.convert_to_tensor(inputs),
                       ops.convert_to_tensor(scale), quantized_dtype=quantized_dtype,
                       compute_dtype=compute_dtype)


def _quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    dtype_max = _FLOAT8[quantized_dtype][0]
    scale = ops.cast(scale, compute_dtype)
    x = ops.divide(ops.cast(inputs, compute_dtype), scale)
    x = _round_to_float8(ops.clip(x, -dtype_max, dtype_max), quantized_dtype)
    return ops.multiply(x, scale)


# ----------------------------------------------------------------------------- int4 packing
def _check_int4_dtype(dtype: str) -> None:
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")


def pack_int4(arr, axis: int = 0, dtype: str = "int8"):
    """Pack int4 values (int8 in ``[-8, 7]``) two per byte along ``axis``: the first of each
    pair in the low nibble. Returns ``(packed, packed_shape, orig_len)``.

    Example:
        >>> import numpy as np
        >>> from kfront.quantizers import pack_int4
        >>> packed, shape, n = pack_int4(np.array([[-3, 7], [2, -8], [1, 0]], "int8"))
        >>> packed.tolist(), shape, n
        ([[45, -121], [1, 0]], (2, 2), 3)
    """
    _check_int4_dtype(dtype)
    got = ops.standardize_dtype(ops.dtype(arr))
    if got != dtype:
        raise TypeError(f"Expected {dtype} tensor for packing, got {got}.")
    x = np.moveaxis(ops.convert_to_numpy(arr), axis, 0)
    n = x.shape[0]
    if n % 2:
        x = np.concatenate([x, np.zeros((1,) + x.shape[1:], x.dtype)], axis=0)
    np_dtype = np.dtype(dtype)
    low = np.bitwise_and(x[::2].astype(np_dtype), np_dtype.type(0x0F))
    high = np.bitwise_and(x[1::2].astype(np_dtype), np_dtype.type(0x0F))
    packed = np.moveaxis(np.bitwise_or(low, np.left_shift(high, np_dtype.type(4))).astype(
        np_dtype), 0, axis)
    return ops.convert_to_tensor(packed), tuple(packed.shape), n


def unpack_int4(packed, orig_len: int, axis: int = 0, dtype: str = "int8"):
    """Undo :func:`pack_int4`: the int4 values (as ``dtype``) with ``orig_len`` entries
    along ``axis``.

    Example:
        >>> import numpy as np
        >>> from kfront.quantizers import unpack_int4
        >>> unpack_int4(np.array([[45, -121], [1, 0]], "int8"), 3).tolist()
        [[-3, 7], [2, -8], [1, 0]]
    """
    _check_int4_dtype(dtype)
    got = ops.standardize_dtype(ops.dtype(packed))
    if got not in ("int8", "uint8"):
        raise TypeError(f"Expected int8 or uint8 tensor for unpacking, got {got}")
    packed = ops.convert_to_tensor(packed)
    return B.composite(_unpack_int4, packed, orig_len=int(orig_len),
                       axis=axis % len(ops.shape(packed)), dtype=dtype, packed_dtype=got)


def _unpack_int4(packed, orig_len, axis, dtype, packed_dtype):
    got = packed_dtype
    x = ops.moveaxis(packed, axis, 0) if axis else packed
    mask = ops.convert_to_tensor(np.array(0x0F, got))
    low = ops.bitwise_and(x, mask)
    high = ops.bitwise_and(ops.right_shift(x, 4), mask)
    if dtype == "int8":
        eight = ops.convert_to_tensor(np.array(8, got))
        low = ops.subtract(ops.bitwise_xor(low, eight), eight)
        high = ops.subtract(ops.bitwise_xor(high, eight), eight)
    both = ops.stack([ops.cast(low, dtype), ops.cast(high, dtype)], axis=1)
    out = ops.reshape(both, (-1,) + tuple(ops.shape(x)[1:]))[:orig_len]
    return ops.moveaxis(out, 0, axis) if axis else out
