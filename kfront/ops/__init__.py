"""The kfront ops interface: one list of backend-agnostic operations.

Every function forwards to the active backend (``kfront.config.backend()``), takes numpy arrays,
Python scalars, kfront Variables or the backend's own tensors, and returns the backend's own
tensor (a numpy/cupy array on the native engine). All are differentiable with
``kfront.GradientTape`` or ``value_and_grad`` unless their docstring says "no gradient".
The modules group them: ``core`` (conversion, gradients), ``numpy`` (array ops), ``nn``, ``rnn``
(recurrent scans), ``math`` (special functions, top-k, segments, FFTs) and ``linalg`` (also
reachable as ``kfront.ops.linalg``).
"""
from kfront.ops.core import *  # noqa: F401,F403
from kfront.ops.core import standardize_dtype, value_and_grad  # noqa: F401
from kfront.ops.nn import *  # noqa: F401,F403
from kfront.ops.numpy import *  # noqa: F401,F403
from kfront.ops.rnn import *  # noqa: F401,F403
from kfront.ops.math import *  # noqa: F401,F403
from kfront.ops.linalg import *  # noqa: F401,F403
from kfront.ops.control_flow import *  # noqa: F401,F403
from kfront.ops import image, linalg, math, numpy  # noqa: F401,E402  (submodules, as keras.ops.linalg)
from kfront.ops.numpy import abs, all, any, max, min, round, sum  # noqa: F401  (shadow builtins)

# ops on symbolic KerasTensors record functional-graph nodes (every public op, wrapped once)
import sys as _sys  # noqa: E402
from kfront.ops import arrays, control_flow, core, elementwise, nn, reductions, rnn  # noqa: E402,F401
from kfront.ops import symbolic as _symbolic  # noqa: E402

_symbolic.install(_sys.modules[__name__], [core, numpy, nn, rnn, math, linalg, control_flow,
                                           arrays, elementwise, reductions, image])
