"""The torch backend: kfront's ops on torch tensors, gradients by torch.autograd."""
from kfront.backends.common.dtypes import standardize_dtype
from kfront.backends.torch import convolution, nn, numpy, random, rnn
from kfront.backends.torch.convolution import (average_pool, conv, conv_bias_activation,
                                               conv_transpose, depthwise_conv, max_pool,
                                               separable_conv)
from kfront.backends.torch.core import (NAME, Tensor, Variable, cast, convert_to_numpy,
                                        convert_to_tensor, device_module, dtype, is_tensor, shape)
from kfront.backends.torch.gradients import (GradientTape, no_grad, stop_gradient, value_and_grad,
                                             variables_value_and_grad)
from kfront.backends.torch.nn import (binary_crossentropy, categorical_crossentropy,
                                      dot_product_attention, dropout, elu,
                                      exponential, gelu, hard_sigmoid, layer_normalization,
                                      leaky_relu, log_sigmoid, log_softmax,
                                      matmul_bias_activation, relu, relu6, selu,
                                      sigmoid,
                                      sigmoid_cross_entropy, silu, softmax, softmax_cross_entropy,
                                      softplus, softsign, sparse_categorical_crossentropy,
                                      sparse_softmax_cross_entropy, swish)
from kfront.backends.torch.numpy import (abs, add, all, any, arange, argmax, argmin, broadcast_to,
                                         ceil, clip, concatenate, cos, cumsum, divide, dot, equal,
                                         exp, expand_dims, expm1, eye, flip, floor, floor_divide,
                                         full, getitem, greater, greater_equal, isfinite, isnan,
                                         less, less_equal, log, log1p, logical_and, logical_not,
                                         logical_or, logical_xor, logsumexp, matmul, max, maximum,
                                         mean, min, minimum, mod, moveaxis, multiply, negative,
                                         not_equal, one_hot, ones, ones_like, pad, power,
                                         reciprocal, repeat, reshape, round, sign, sin, size,
                                         split, sqrt, square, squeeze, stack, std, subtract, sum,
                                         swapaxes, take, take_along_axis, tanh, tensordot, tile,
                                         transpose, unstack, var, where, zeros, zeros_like)
from kfront.backends.torch.linalg import (cholesky, det, eigh, inv, logdet, lu_factor, matrix_rank,
                                          norm, pinv, qr, solve, solve_triangular, svd)
from kfront.backends.torch.math import (erf, erfc, erfinv, extract_sequences, fft, fft2, ifft2,
                                        in_top_k, irfft, rfft, rsqrt, segment_max, segment_min,
                                        segment_prod, segment_sum, top_k)
from kfront.backends.torch.optimizers import optimizer_kernels
from kfront.backends.torch.rnn import gru, lstm, simple_rnn
from kfront.backends.common.outputs import output_spec  # noqa: E402
from kfront.backends.torch.trainer import compile_stateful
from kfront.backends.torch.module import TorchLayerBase as layer_base  # noqa: F401

__all__ = [
    "GradientTape", "NAME", "Tensor", "Variable", "abs", "add", "all", "any", "arange", "argmax",
    "argmin", "average_pool", "binary_crossentropy", "broadcast_to", "cast",
    "categorical_crossentropy", "ceil", "clip", "compile_stateful", "concatenate", "conv",
    "output_spec",
    "conv_transpose", "convert_to_numpy", "convert_to_tensor", "cos", "cumsum", "depthwise_conv",
    "device_module", "divide", "dot",
    "dot_product_attention", "dropout", "dtype", "elu", "equal", "exp", "expand_dims",
    "expm1", "exponential", "eye", "flip", "floor", "floor_divide", "full", "gelu", "getitem",
    "greater", "greater_equal", "gru", "hard_sigmoid", "is_tensor", "isfinite", "isnan",
    "layer_normalization", "leaky_relu", "less", "less_equal", "log", "log1p", "log_sigmoid",
    "log_softmax",
    "logical_and", "logical_not", "logical_or", "logical_xor", "logsumexp", "lstm", "matmul",
    "max", "max_pool", "maximum", "mean", "min", "minimum", "mod", "moveaxis", "multiply",
    "negative", "no_grad", "not_equal", "one_hot", "ones", "ones_like", "optimizer_kernels",
    "pad", "power", "random", "reciprocal", "relu", "relu6", "repeat", "reshape", "round", "selu",
    "separable_conv", "shape", "sigmoid", "sigmoid_cross_entropy", "sign", "silu", "simple_rnn",
    "sin", "size", "softmax", "softmax_cross_entropy", "softplus", "softsign",
    "sparse_categorical_crossentropy", "sparse_softmax_cross_entropy", "split", "sqrt", "square",
    "squeeze", "stack", "standardize_dtype", "std", "stop_gradient", "subtract", "sum",
    "swapaxes", "swish", "take", "take_along_axis", "tanh", "tensordot", "tile", "transpose",
    "unstack", "value_and_grad", "var", "variables_value_and_grad", "where", "zeros",
    "zeros_like",
    # math.py, linalg.py
    "cholesky", "det", "eigh", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2",
    "ifft2", "in_top_k", "inv", "irfft", "logdet", "lu_factor", "matrix_rank", "norm", "pinv",
    "qr", "rfft", "rsqrt", "segment_max", "segment_min", "segment_prod", "segment_sum", "solve",
    "solve_triangular", "svd", "top_k",
]

# numpy-style, control-flow and image ops, one module each (their own __all__)
from kfront.backends.torch import arrays, control_flow, elementwise, image, reductions  # noqa: E402
from kfront.backends.torch.arrays import *  # noqa: E402,F401,F403
from kfront.backends.torch.control_flow import *  # noqa: E402,F401,F403
from kfront.backends.torch.elementwise import *  # noqa: E402,F401,F403
from kfront.backends.torch.image import *  # noqa: E402,F401,F403
from kfront.backends.torch.reductions import *  # noqa: E402,F401,F403

__all__ += [*arrays.__all__, *control_flow.__all__, *elementwise.__all__, *image.__all__,
            *reductions.__all__]

# the int8 GEMM of quantized layers (kfront.quantizers)
from kfront.backends.torch import quantized  # noqa: E402
from kfront.backends.torch.quantized import *  # noqa: E402,F401,F403

__all__ += quantized.__all__

# kfront.device and kfront.remat hooks
from kfront.backends.torch.core import device_scope, remat  # noqa: E402

__all__ += ["device_scope", "remat"]

# the layers' fused ops (the bias inside torch's convolution / addmm, the relu in place)
__all__ += ["conv_bias_activation", "matmul_bias_activation"]
