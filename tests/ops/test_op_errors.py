"""Bad arguments to the core ops give, on every backend, one clear error naming the op, the
argument, what was expected and what came (``kfront/ops/errors.py`` rewrites the backend's own
complaint; the backend's error stays attached as the cause)."""
from __future__ import annotations

import numpy as np
import pytest

from kfront import ops

M23 = np.ones((2, 3), "float32")

# (call, exception type, pattern every backend's message must match)
CASES = [
    (lambda: ops.add(np.ones(3), np.ones(4)), ValueError,
     r"^add: `x1` and `x2` must have broadcastable shapes; got \(3,\) and \(4,\)$"),
    (lambda: ops.multiply(M23, np.ones(4)), ValueError,
     r"^multiply: `x1` and `x2` must have broadcastable shapes; got \(2, 3\) and \(4,\)$"),
    (lambda: ops.where(np.ones(3) > 0, np.ones(3), np.ones(4)), ValueError,
     r"^where: `condition` and `x1` and `x2` must have broadcastable shapes"),
    (lambda: ops.sum(M23, axis=2), ValueError,
     r"^sum: `axis`=2 is out of range for `x` of rank 2; expected integers in \[-2, 2\)$"),
    (lambda: ops.mean(M23, axis=(0, -3)), ValueError, r"^mean: `axis`=\(0, -3\) is out of range"),
    (lambda: ops.argmax(M23, axis=5), ValueError, r"^argmax: `axis`=5 is out of range"),
    (lambda: ops.cumsum(np.ones(3), axis=1), ValueError, r"^cumsum: `axis`=1 is out of range"),
    (lambda: ops.take(M23, np.array([0]), axis=3), ValueError, r"^take: `axis`=3 is out of range"),
    (lambda: ops.softmax(M23, axis=3), ValueError, r"^softmax: `axis`=3 is out of range"),
    (lambda: ops.expand_dims(M23, 4), ValueError,
     r"^expand_dims: `axis`=4 is out of range for the result's rank 3"),
    (lambda: ops.matmul(M23, np.ones((4, 5), "float32")), ValueError,
     r"^matmul: the last axis of `x1` \(3\) must equal the second-to-last axis of `x2` \(4\)"),
    (lambda: ops.dot(M23, M23), ValueError, r"^dot: the last axis of `x1` \(3\) must equal"),
    (lambda: ops.reshape(M23, (4, 2)), ValueError,
     r"^reshape: invalid arguments \(x: shape \(2, 3\) float32, newshape=\(4, 2\)\): \S"),
    (lambda: ops.concatenate([M23, np.ones((2, 4), "float32")], axis=0), ValueError,
     r"^concatenate: invalid arguments \(xs: list of shapes \[\(2, 3\), \(2, 4\)\], axis=0\): \S"),
    (lambda: ops.stack([np.ones(2), np.ones(3)]), ValueError,
     r"^stack: invalid arguments \(x: list of shapes \[\(2,\), \(3,\)\]\): \S"),
    (lambda: ops.squeeze(M23, 0), ValueError, r"^squeeze: axis 0 of shape \(2, 3\) has size 2, not 1"),
]


@pytest.mark.parametrize("call,kind,pattern", CASES, ids=[c[2][1:30] for c in CASES])
def test_bad_arguments_name_the_op_and_argument(backend, call, kind, pattern):
    with pytest.raises(kind, match=pattern) as info:
        call()
    chained = info.value.__cause__
    assert chained is None or "invalid arguments" in str(info.value) or \
        type(chained) is not type(info.value) or str(chained) != str(info.value)


def test_errors_of_correct_calls_are_untouched(backend):
    """An op's own clear message (it names the op) and non-argument errors pass unchanged."""
    with pytest.raises(ValueError, match=r"^squeeze: axis 0 of shape"):
        ops.squeeze(M23, 0)
    with pytest.raises(ZeroDivisionError):
        ops.cond(True, lambda: 1 / 0, lambda: 0.0)
