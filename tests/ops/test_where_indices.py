"""``ops.where(condition)`` without ``x1``/``x2``: the indices of the true entries, as Keras."""
import numpy as np
import pytest

import keras
from kfront import ops


def test_where_condition_only_gives_indices_as_keras(backend):
    cond = np.array([[True, False, True], [False, False, True]])
    got = [ops.convert_to_numpy(i).tolist() for i in ops.where(cond)]
    want = [np.asarray(i).tolist() for i in keras.ops.where(cond)]
    assert got == want == [[0, 0, 1], [0, 2, 2]]
    assert ops.convert_to_numpy(ops.where(cond, 1.0, 0.0)).tolist() == [[1, 0, 1], [0, 0, 1]]
    for args in ((1.0, None), (None, 0.0)):
        with pytest.raises(ValueError, match="where: `x1` and `x2` must both be None"):
            ops.where(cond, *args)
