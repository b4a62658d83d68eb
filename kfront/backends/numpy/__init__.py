"""The native engine: numpy (or cupy) arrays with kfront's own reverse-mode autodiff."""
from kfront.backends.common.dtypes import standardize_dtype
from kfront.backends.numpy import blas, engine, linalg, math, nn, numpy, random, rnn
from kfront.backends.numpy.core import (NAME, Variable, cast, convert_to_numpy, convert_to_tensor,
                                        device_module, dtype, is_tensor, shape)
from kfront.backends.numpy.engine import Tensor
from kfront.backends.numpy.gradients import (GradientTape, no_grad, stop_gradient, value_and_grad,
                                             variables_value_and_grad)
from kfront.backends.numpy.optimizers import optimizer_kernels
from kfront.backends.common.outputs import output_spec
from kfront.backends.numpy.trainer import compile_stateful

_OWN = ["NAME", "Variable", "Tensor", "GradientTape", "no_grad", "stop_gradient",
        "value_and_grad", "variables_value_and_grad", "cast", "convert_to_numpy",
        "convert_to_tensor", "device_module", "dtype", "is_tensor", "shape", "standardize_dtype",
        "optimizer_kernels", "compile_stateful", "output_spec"]
_MODULES = {"numpy": numpy, "nn": nn, "rnn": rnn, "math": math, "linalg": linalg}
_public = {k: getattr(m, k) for m in (numpy, nn, rnn, math, linalg) for k in dir(m)
           if not k.startswith("_") and callable(getattr(m, k)) and k not in ("primitive",
           "elementwise", "get_xp", "raw", "Tensor", "annotations")
           and getattr(getattr(m, k), "__module__", "").startswith("kfront.backends.numpy")}
globals().update(_public)
__all__ = sorted(set(_OWN) | set(_public) | {"random"})

engine._install_operators(Tensor, numpy)


def on_activate() -> None:
    """Process setting for the native engine: OpenBLAS runs on one thread while kfront's own
    threads split the GEMMs (``blas.py``)."""
    blas.take_over()

# numpy-style, control-flow and image ops, one module each (their own __all__)
from kfront.backends.numpy import arrays, control_flow, elementwise, image, reductions  # noqa: E402
from kfront.backends.numpy.arrays import *  # noqa: E402,F401,F403
from kfront.backends.numpy.control_flow import *  # noqa: E402,F401,F403
from kfront.backends.numpy.elementwise import *  # noqa: E402,F401,F403
from kfront.backends.numpy.image import *  # noqa: E402,F401,F403
from kfront.backends.numpy.reductions import *  # noqa: E402,F401,F403

__all__ += [*arrays.__all__, *control_flow.__all__, *elementwise.__all__, *image.__all__,
            *reductions.__all__]

# the int8 GEMM of quantized layers (kfront.quantizers)
from kfront.backends.numpy import quantized  # noqa: E402
from kfront.backends.numpy.quantized import *  # noqa: E402,F401,F403

__all__ += quantized.__all__

# kfront.device and kfront.remat hooks
from kfront.backends.numpy.core import device_scope, remat  # noqa: E402

__all__ += ["device_scope", "remat"]

# the layers' fused ops: the convolution's native (convolution.py), the composition of the
# ops above (kfront/backends/common/fused.py) where it does not apply, and Dense's
from kfront.backends.common.fused import compose_conv, compose_matmul  # noqa: E402
from kfront.backends.numpy.convolution import fused_conv  # noqa: E402

conv_bias_activation = fused_conv(compose_conv(conv, add, reshape, relu, shape))
matmul_bias_activation = compose_matmul(matmul, add, relu)
__all__ += ["conv_bias_activation", "matmul_bias_activation"]
