"""Keras's ``initializers.STFT`` (aliases ``stft``, ``STFTInitializer``): windowed DFT bases as
1-D convolution kernels; ``kfront.initializers`` re-exports it."""
from __future__ import annotations

import numpy as np

from kfront import ops
from kfront.backends.common.dtypes import standardize_dtype
from kfront.initializers import Initializer, _shape_tuple

__all__ = ["STFT", "STFTInitializer", "stft"]


class STFT(Initializer):
    """Initializer of ``(frame_length, 1, fft_length // 2 + 1)`` convolution kernels that compute
    the real (``side="real"``, cosines) or imaginary (``"imag"``, sines) part of a short-time
    Fourier transform, times a window (a ``scipy.signal.get_window`` name, an array or
    ``None``) normalised by its L2 norm (``scaling="density"``) or L1 norm (``"spectrum"``).
    Used by ``layers.STFTSpectrogram``.

    Example:
        >>> from kfront import initializers, ops
        >>> init = initializers.STFT("real", "hann", "density", periodic=False)
        >>> ops.shape(init((8, 1, 5)))
        (8, 1, 5)
    """

    def __init__(self, side: str = "real", window="hann", scaling: str | None = "density",
                 periodic: bool = False):
        from kfront.layers.preprocessing.audio import window_values  # noqa: PLC0415 (cycle)

        if side not in ("real", "imag"):
            raise ValueError(f"STFT initializer: side must be 'real' or 'imag', got {side!r}")
        if isinstance(window, str):
            window_values(window, 1, False)  # an unknown name raises here, as in Keras
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError("STFT initializer: scaling must be None, 'density' or "
                             f"'spectrum', got {scaling!r}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        from kfront.layers.preprocessing.audio import stft_kernel  # noqa: PLC0415 (cycle)

        shape = _shape_tuple(shape, "STFT")
        if len(shape) != 3:
            raise ValueError("STFT initializer: shape must be (frame_length, input_channels, "
                             f"fft_length // 2 + 1), got {shape}")
        frame_length, channels, fft_bins = shape
        if self.window is not None and not isinstance(self.window, str) and (
                np.shape(self.window) != (frame_length,)):
            raise ValueError(f"STFT initializer: the window must have shape ({frame_length},) "
                             f"(the frame length), got {np.shape(self.window)}")
        kernel = stft_kernel(self.side, self.window, self.scaling, self.periodic,
                             frame_length, fft_bins)
        kernel = ops.convert_to_tensor(kernel.astype("float64"))
        if channels != 1:  # Keras's kernel broadcasts over the input channels
            kernel = ops.broadcast_to(kernel, shape)
        return ops.cast(kernel, standardize_dtype(dtype))

    def get_config(self) -> dict:
        return {"side": self.side, "window": self.window, "periodic": self.periodic,
                "scaling": self.scaling}


stft = STFTInitializer = STFT
