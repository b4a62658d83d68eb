"""The JAX backend: ops on ``jax.Array``, gradients through ``jax.vjp``, steps under ``jax.jit``.

Importing it (``kfront.config.set_backend("jax")`` or ``KFRONT_BACKEND=jax``) enables JAX's
64-bit mode so that float64 works; kfront's own dtype rules (Python float -> floatx, int ->
int32, NumPy promotion) do not depend on it. ``GradientTape`` is not available: use
``kfront.ops.value_and_grad``.
"""
import jax

jax.config.update("jax_enable_x64", True)

from kfront.backends.common.dtypes import standardize_dtype  # noqa: E402
from kfront.backends.jax import random  # noqa: E402
from kfront.backends.jax.core import (NAME, Variable, cast, convert_to_numpy,  # noqa: E402
                                      convert_to_tensor, device_module, dtype, is_tensor, shape)
from kfront.backends.jax.gradients import (GradientTape, no_grad, stop_gradient,  # noqa: E402
                                           value_and_grad, variables_value_and_grad)
from kfront.backends.jax.nn import (binary_crossentropy, categorical_crossentropy,  # noqa: E402
                                    dot_product_attention, dropout, elu, exponential, gelu,
                                    hard_sigmoid, layer_normalization, leaky_relu,
                                    log_sigmoid, log_softmax, relu, relu6, selu, sigmoid,
                                    sigmoid_cross_entropy, silu, softmax, softmax_cross_entropy,
                                    softplus, softsign, sparse_categorical_crossentropy,
                                    sparse_softmax_cross_entropy, swish)
from kfront.backends.jax.numpy import (abs, add, all, any, arange, argmax, argmin,  # noqa: E402
                                       broadcast_to, ceil, clip, concatenate, cos, cumsum,
                                       divide, dot, equal, exp, expand_dims, expm1, eye, flip,
                                       floor, floor_divide, full, getitem, greater,
                                       greater_equal, isfinite, isnan, less, less_equal, log,
                                       log1p, logical_and, logical_not, logical_or, logical_xor,
                                       logsumexp, matmul, max, maximum, mean, min, minimum, mod,
                                       moveaxis, multiply, negative, not_equal, one_hot, ones,
                                       ones_like, pad, power, reciprocal, repeat, reshape, round,
                                       sign, sin, size, split, sqrt, square, squeeze, stack, std,
                                       subtract, sum, swapaxes, take, take_along_axis, tanh,
                                       tensordot, tile, transpose, unstack, var, where, zeros,
                                       zeros_like)
from kfront.backends.jax.linalg import (cholesky, det, eigh, inv, logdet, lu_factor,  # noqa: E402
                                        matrix_rank, norm, pinv, qr, solve,
                                        solve_triangular, svd)
from kfront.backends.jax.math import (erf, erfc, erfinv, extract_sequences, fft,  # noqa: E402
                                      fft2, ifft2, in_top_k, irfft, rfft, rsqrt,
                                      segment_max, segment_min, segment_prod,
                                      segment_sum, top_k)
from kfront.backends.jax.optimizers import optimizer_kernels  # noqa: E402
from kfront.backends.jax.convolution import (average_pool, conv, conv_transpose,  # noqa: E402
                                             depthwise_conv, max_pool, separable_conv)
from kfront.backends.jax.rnn import gru, lstm, simple_rnn  # noqa: E402
from kfront.backends.jax.trainer import compile_stateful, output_spec  # noqa: E402

Tensor = jax.Array

# Variables are pytrees whose one leaf is their value (Keras's JAX loops pass
# model.trainable_variables to jax.jit / jax.grad); unflattening gives the (traced) value
jax.tree_util.register_pytree_node(Variable, lambda v: ((v.value,), None),
                                   lambda _, children: children[0])

__all__ = sorted([
    "GradientTape", "NAME", "Tensor", "Variable", "abs", "add", "all", "any", "arange", "argmax",
    "argmin", "binary_crossentropy", "broadcast_to", "cast", "categorical_crossentropy", "ceil",
    "clip", "compile_stateful", "concatenate", "convert_to_numpy", "convert_to_tensor", "cos",
    "cumsum", "device_module", "divide", "dot", "dot_product_attention", "dropout", "dtype", "elu",
    "equal", "exp", "expand_dims", "expm1", "exponential", "eye", "flip", "floor", "floor_divide",
    "full", "gelu", "getitem", "greater", "greater_equal", "hard_sigmoid", "is_tensor", "isfinite",
    "isnan", "layer_normalization", "leaky_relu", "less", "less_equal", "log", "log1p",
    "log_sigmoid", "log_softmax",
    "logical_and", "logical_not", "logical_or", "logical_xor", "logsumexp", "matmul", "max",
    "maximum", "mean", "min", "minimum", "mod", "moveaxis", "multiply", "negative", "no_grad",
    "not_equal", "one_hot", "ones", "ones_like", "optimizer_kernels", "output_spec", "pad",
    "power", "random", "reciprocal", "relu", "relu6", "repeat", "reshape", "round", "selu",
    "shape", "sigmoid", "sigmoid_cross_entropy", "sign", "silu", "sin", "size", "softmax",
    "softmax_cross_entropy", "softplus", "softsign", "sparse_categorical_crossentropy",
    "sparse_softmax_cross_entropy", "split", "sqrt", "square", "squeeze", "stack",
    "standardize_dtype", "std", "stop_gradient", "subtract", "sum", "swapaxes", "swish", "take",
    "take_along_axis", "tanh", "tensordot", "tile", "transpose", "unstack", "value_and_grad",
    "var", "variables_value_and_grad", "where", "zeros", "zeros_like",
    # convolution and pooling (convolution.py), recurrent scans (rnn.py)
    "average_pool", "conv", "conv_transpose", "depthwise_conv", "max_pool", "separable_conv",
    "gru", "lstm", "simple_rnn",

    # math.py, linalg.py
    "cholesky", "det", "eigh", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2",
    "ifft2", "in_top_k", "inv", "irfft", "logdet", "lu_factor", "matrix_rank", "norm", "pinv",
    "qr", "rfft", "rsqrt", "segment_max", "segment_min", "segment_prod", "segment_sum", "solve",
    "solve_triangular", "svd", "top_k",
])

# numpy-style, control-flow and image ops, one module each (their own __all__)
from kfront.backends.jax import arrays, control_flow, elementwise, image, reductions  # noqa: E402
from kfront.backends.jax.arrays import *  # noqa: E402,F401,F403
from kfront.backends.jax.control_flow import *  # noqa: E402,F401,F403
from kfront.backends.jax.elementwise import *  # noqa: E402,F401,F403
from kfront.backends.jax.image import *  # noqa: E402,F401,F403
from kfront.backends.jax.reductions import *  # noqa: E402,F401,F403

__all__ += [*arrays.__all__, *control_flow.__all__, *elementwise.__all__, *image.__all__,
            *reductions.__all__]

# the int8 GEMM of quantized layers (kfront.quantizers)
from kfront.backends.jax import quantized  # noqa: E402
from kfront.backends.jax.quantized import *  # noqa: E402,F401,F403

__all__ += quantized.__all__

# kfront.device and kfront.remat hooks
from kfront.backends.jax.core import device_scope, remat  # noqa: E402

__all__ += ["device_scope", "remat"]

# the layers' fused ops, composed of the ops above (kfront/backends/common/fused.py)
from kfront.backends.common.fused import compose_conv, compose_matmul  # noqa: E402

conv_bias_activation = compose_conv(conv, add, reshape, relu, shape)
matmul_bias_activation = compose_matmul(matmul, add, relu)
__all__ += ["conv_bias_activation", "matmul_bias_activation"]
