"""``initializers.STFT`` equals Keras's for every side, window, scaling and periodicity."""
import itertools

import numpy as np
import pytest

from kfront import initializers, ops

OPTIONS = list(itertools.product(("real", "imag"), ("hann", "hamming", "blackman", None,
                                                     "array"),
                                 ("density", "spectrum", None), (False, True)))
SHAPE = (12, 1, 9)
WINDOW = np.linspace(0.1, 1.0, 12)


def _window(window):
    return WINDOW if window == "array" else window


@pytest.fixture(scope="module")
def keras_values(keras):
    return {opts: keras.ops.convert_to_numpy(keras.initializers.STFT(
        opts[0], _window(opts[1]), *opts[2:])(SHAPE)) for opts in OPTIONS}


def test_stft_values_equal_keras(backend, keras_values):
    for side, window, scaling, periodic in OPTIONS:
        init = initializers.STFT(side, _window(window), scaling, periodic)
        got = ops.convert_to_numpy(init(SHAPE))
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, keras_values[side, window, scaling, periodic],
                                   atol=1e-5, err_msg=str((side, window, scaling, periodic)))


def test_stft_aliases_config_and_errors(keras):
    assert initializers.stft is initializers.STFTInitializer is initializers.STFT
    init = initializers.get("STFTInitializer")
    assert isinstance(init, initializers.STFT)
    ours = initializers.serialize(initializers.STFT("imag", "hamming", None, True))
    theirs = keras.initializers.serialize(keras.initializers.STFT("imag", "hamming", None, True))
    assert ours == theirs
    again = initializers.deserialize(ours)
    assert (again.side, again.window, again.scaling, again.periodic) == ("imag", "hamming",
                                                                         None, True)
    with pytest.raises(ValueError, match="side"):
        initializers.STFT("both")
    with pytest.raises(ValueError, match="scaling"):
        initializers.STFT(scaling="l2")
    with pytest.raises(ValueError):
        initializers.STFT(window="no-such-window")
    with pytest.raises(ValueError, match="STFT initializer: the window must have shape"):
        initializers.STFT(window=np.ones(3))((4, 1, 3))
    got = ops.convert_to_numpy(initializers.STFT()((4, 1, 3), dtype="float64"))
    assert got.dtype == np.float64
