"""The TensorFlow backend: ops on ``tf.Tensor``, ``tf.Variable`` storage, ``tf.GradientTape``
autodiff and ``tf.function`` compilation of train steps (see notes/CONTRACTS.md)."""
import tensorflow as tf

from kfront.backends.common.dtypes import standardize_dtype
from kfront.backends.tensorflow import random
from kfront.backends.tensorflow.convolution import (average_pool, conv, conv_transpose,
                                                    depthwise_conv, max_pool, separable_conv)
from kfront.backends.tensorflow.core import (NAME, Variable, cast, convert_to_numpy,
                                             convert_to_tensor, device_module, dtype, is_tensor,
                                             shape)
from kfront.backends.tensorflow.gradients import (GradientTape, no_grad, stop_gradient,
                                                  value_and_grad, variables_value_and_grad)
from kfront.backends.tensorflow.nn import (
    binary_crossentropy, categorical_crossentropy,
    dot_product_attention, dropout, elu, exponential, gelu,
    hard_sigmoid, layer_normalization, leaky_relu, log_sigmoid, log_softmax, relu, relu6, selu,
    sigmoid,
    sigmoid_cross_entropy, silu, softmax, softmax_cross_entropy, softplus, softsign,
    sparse_categorical_crossentropy, sparse_softmax_cross_entropy, swish)
from kfront.backends.tensorflow.numpy import (
    abs, add, all, any, arange, argmax, argmin, broadcast_to, ceil, clip, concatenate, cos,
    cumsum, divide, dot, equal, exp, expand_dims, expm1, eye, flip, floor, floor_divide, full,
    getitem, greater, greater_equal, isfinite, isnan, less, less_equal, log, log1p, logical_and,
    logical_not, logical_or, logical_xor, logsumexp, matmul, max, maximum, mean, min, minimum,
    mod, moveaxis, multiply, negative, not_equal, one_hot, ones, ones_like, pad, power,
    reciprocal, repeat, reshape, round, sign, sin, size, split, sqrt, square, squeeze, stack, std,
    subtract, sum, swapaxes, take, take_along_axis, tanh, tensordot, tile, transpose, unstack,
    var, where, zeros, zeros_like)
from kfront.backends.tensorflow.linalg import (cholesky, det, eigh, inv, logdet, lu_factor,
                                               matrix_rank, norm, pinv, qr, solve,
                                               solve_triangular, svd)
from kfront.backends.tensorflow.math import (erf, erfc, erfinv, extract_sequences, fft, fft2,
                                             ifft2, in_top_k, irfft, rfft, rsqrt, segment_max,
                                             segment_min, segment_prod, segment_sum, top_k)
from kfront.backends.tensorflow.optimizers import optimizer_kernels
from kfront.backends.tensorflow.rnn import gru, lstm, simple_rnn
from kfront.backends.tensorflow.trainer import compile_stateful, output_spec

Tensor = tf.Tensor

__all__ = [
    "GradientTape", "NAME", "Tensor", "Variable", "abs", "add", "all", "any", "arange", "argmax",
    "argmin", "binary_crossentropy", "broadcast_to", "cast", "categorical_crossentropy", "ceil",
    "clip", "compile_stateful", "concatenate", "convert_to_numpy", "convert_to_tensor", "cos",
    "output_spec",
    "cumsum", "device_module", "divide", "dot",
    "dot_product_attention", "dropout", "dtype", "elu", "equal", "exp",
    "expand_dims", "expm1", "exponential", "eye", "flip", "floor", "floor_divide", "full",
    "gelu", "getitem", "greater", "greater_equal", "hard_sigmoid", "is_tensor", "isfinite",
    "isnan", "layer_normalization", "leaky_relu", "less", "less_equal", "log", "log1p",
    "log_sigmoid", "log_softmax",
    "logical_and", "logical_not", "logical_or", "logical_xor", "logsumexp", "matmul", "max",
    "maximum", "mean", "min", "minimum", "mod", "moveaxis", "multiply", "negative", "no_grad",
    "not_equal", "one_hot", "ones", "ones_like", "optimizer_kernels", "pad", "power", "random",
    "reciprocal", "relu", "relu6", "repeat", "reshape", "round", "selu", "shape", "sigmoid",
    "sigmoid_cross_entropy", "sign", "silu", "sin", "size", "softmax", "softmax_cross_entropy",
    "softplus", "softsign", "sparse_categorical_crossentropy", "sparse_softmax_cross_entropy",
    "split", "sqrt", "square", "squeeze", "stack", "standardize_dtype", "std", "stop_gradient",
    "subtract", "sum", "swapaxes", "swish", "take", "take_along_axis", "tanh", "tensordot",
    "tile", "transpose", "unstack", "value_and_grad", "var", "variables_value_and_grad", "where",
    "zeros", "zeros_like",

    # math.py, linalg.py
    "cholesky", "det", "eigh", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2",
    "ifft2", "in_top_k", "inv", "irfft", "logdet", "lu_factor", "matrix_rank", "norm", "pinv",
    "qr", "rfft", "rsqrt", "segment_max", "segment_min", "segment_prod", "segment_sum", "solve",
    "solve_triangular", "svd", "top_k",
]
# convolution and pooling (convolution.py) and the recurrent scans (rnn.py)
__all__ = sorted(__all__ + ["average_pool", "conv", "conv_transpose", "depthwise_conv", "gru",
                            "lstm", "max_pool", "separable_conv", "simple_rnn"])

# numpy-style, control-flow and image ops, one module each (their own __all__)
from kfront.backends.tensorflow import arrays, control_flow, elementwise, image, reductions  # noqa: E402
from kfront.backends.tensorflow.arrays import *  # noqa: E402,F401,F403
from kfront.backends.tensorflow.control_flow import *  # noqa: E402,F401,F403
from kfront.backends.tensorflow.elementwise import *  # noqa: E402,F401,F403
from kfront.backends.tensorflow.image import *  # noqa: E402,F401,F403
from kfront.backends.tensorflow.reductions import *  # noqa: E402,F401,F403

__all__ += [*arrays.__all__, *control_flow.__all__, *elementwise.__all__, *image.__all__,
            *reductions.__all__]

# the int8 GEMM of quantized layers (kfront.quantizers)
from kfront.backends.tensorflow import quantized  # noqa: E402
from kfront.backends.tensorflow.quantized import *  # noqa: E402,F401,F403

__all__ += quantized.__all__

# kfront.device and kfront.remat hooks
from kfront.backends.tensorflow.core import device_scope, remat  # noqa: E402

__all__ += ["device_scope", "remat"]

# the layers' fused ops, composed of the ops above (kfront/backends/common/fused.py)
from kfront.backends.common.fused import compose_conv, compose_matmul  # noqa: E402

conv_bias_activation = compose_conv(conv, add, reshape, relu, shape)
matmul_bias_activation = compose_matmul(matmul, add, relu)
__all__ += ["conv_bias_activation", "matmul_bias_activation"]
