"""``MelSpectrogram``: audio to (log-)mel spectrograms, as Keras (``ops.stft`` with
``center=True``, an HTK mel filter bank, decibels with ``top_db``); ``STFTSpectrogram``: a
trainable STFT as two 1-D convolutions whose kernels start as windowed DFT bases."""
from __future__ import annotations

import math

import numpy as np

from kfront import config, ops
from kfront.layers.convolutional import normalize_data_format
from kfront.layers.layer import InputSpec, Layer

__all__ = ["MelSpectrogram", "STFTSpectrogram"]

_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _hertz_to_mel(hz):
    return _MEL_HIGH_FREQUENCY_Q * np.log(1.0 + hz / _MEL_BREAK_FREQUENCY_HERTZ)


def linear_to_mel_weight_matrix(num_mel_bins: int, num_spectrogram_bins: int,
                                sampling_rate: float, lower_edge_hertz: float,
                                upper_edge_hertz: float) -> np.ndarray:
    """Keras's (TensorFlow's) HTK mel filter bank, (num_spectrogram_bins, num_mel_bins),
    float32, triangles peaking at 1; bin 0 (DC) gets no weight."""
    f32 = np.float32
    linear = np.linspace(f32(0), f32(sampling_rate) / f32(2), num_spectrogram_bins,
                         dtype=f32)[1:]
    bins_mel = _hertz_to_mel(linear)[:, None]
    edges = np.linspace(_hertz_to_mel(f32(lower_edge_hertz)),
                        _hertz_to_mel(f32(upper_edge_hertz)), num_mel_bins + 2, dtype=f32)
    lower, center, upper = (edges[i:i + num_mel_bins][None, :] for i in range(3))
    lower_slopes = (bins_mel - lower) / (center - lower)
    upper_slopes = (upper - bins_mel) / (upper - center)
    weights = np.maximum(f32(0), np.minimum(lower_slopes, upper_slopes))
    return np.pad(weights, [[1, 0], [0, 0]]).astype(f32)


class MelSpectrogram(Layer):
    """Mel spectrograms of 1-D signals (``(samples,)`` or ``(batch, samples)``): STFT
    magnitudes to the power ``mag_exp``, ``num_mel_bins`` mel bands between ``min_freq`` and
    ``max_freq``, and (``power_to_db``) decibels relative to ``ref_power`` floored at
    ``top_db`` below the maximum; output ``(batch, num_mel_bins, frames)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layer = layers.MelSpectrogram(fft_length=64, sequence_stride=16, num_mel_bins=8)
        >>> layer(np.random.rand(2, 160).astype("float32")).shape
        (2, 8, 11)
    """

    def __init__(self, fft_length: int = 2048, sequence_stride: int = 512,
                 sequence_length: int | None = None, window: str | None = "hann",
                 sampling_rate: int = 16000, num_mel_bins: int = 128, min_freq: float = 20.0,
                 max_freq: float | None = None, power_to_db: bool = True,
                 top_db: float = 80.0, mag_exp: float = 2.0, min_power: float = 1e-10,
                 ref_power: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.fft_length, self.sequence_stride = fft_length, sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(f'MelSpectrogram "{self.name}": fft_length ({fft_length}) must be '
                             f">= sequence_length ({self.sequence_length})")
        self.window, self.sampling_rate, self.num_mel_bins = window, sampling_rate, num_mel_bins
        self.min_freq, self.max_freq = min_freq, max_freq or int(sampling_rate / 2)
        self.power_to_db, self.top_db, self.mag_exp = power_to_db, top_db, mag_exp
        self.min_power, self.ref_power = min_power, ref_power
        self.built = True

    def call(self, inputs):
        dtype = self.dtype if self.dtype in ("float32", "float64") else "float32"
        x = ops.cast(inputs, dtype)
        real, imag = ops.stft(x, self.sequence_length, self.sequence_stride, self.fft_length,
                              window=self.window, center=True)
        spec = ops.power(ops.sqrt(ops.add(ops.square(real), ops.square(imag))), self.mag_exp)
        matrix = linear_to_mel_weight_matrix(self.num_mel_bins, ops.shape(spec)[-1],
                                             self.sampling_rate, self.min_freq, self.max_freq)
        out = ops.tensordot(spec, ops.cast(ops.convert_to_tensor(matrix), dtype), axes=1)
        if self.power_to_db:
            ln10 = math.log(10.0)
            log_spec = ops.multiply(ops.log(ops.maximum(out, self.min_power)), 10.0 / ln10)
            ref = max(abs(self.ref_power), self.min_power)
            log_spec = ops.subtract(log_spec, 10.0 * math.log10(ref))
            out = ops.maximum(log_spec, ops.subtract(ops.max(log_spec), self.top_db))
        return ops.cast(ops.swapaxes(out, -1, -2), self.dtype)

    def compute_output_shape(self, input_shape):
        frames = (None if input_shape[-1] is None
                  else (input_shape[-1] + self.sequence_stride + 1) // self.sequence_stride)
        if len(input_shape) == 1:
            return (self.num_mel_bins, frames)
        return (input_shape[0], self.num_mel_bins, frames)

    def get_config(self) -> dict:
        return {**super().get_config(), "fft_length": self.fft_length,
                "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length, "window": self.window,
                "sampling_rate": self.sampling_rate, "num_mel_bins": self.num_mel_bins,
                "min_freq": self.min_freq, "max_freq": self.max_freq,
                "power_to_db": self.power_to_db, "top_db": self.top_db,
                "mag_exp": self.mag_exp, "min_power": self.min_power,
                "ref_power": self.ref_power}


def window_values(window, length: int, periodic: bool) -> np.ndarray:
    """``scipy.signal.get_window(window, length, fftbins=periodic)`` for ``"hann"`` and
    ``"hamming"`` (no SciPy needed), an array given as it is; other names ask SciPy."""
    if not isinstance(window, str):
        return np.asarray(window, "float64")
    if window in ("hann", "hamming"):
        n = length + 1 if periodic else length
        a = 0.5 if window == "hann" else 0.54
        values = a - (1 - a) * np.cos(2 * np.pi * np.arange(n) / max(n - 1, 1))
        return values[:length] if periodic else values
    try:
        import scipy.signal  # noqa: PLC0415  (optional: other window names)
    except ImportError:
        raise NotImplementedError(f'STFTSpectrogram: window "{window}" needs SciPy; without '
                                  'it use "hann", "hamming", None or an array') from None
    return scipy.signal.get_window(window, length, fftbins=periodic)


def stft_kernel(side: str, window, scaling, periodic: bool, frame_length: int,
                fft_bins: int) -> np.ndarray:
    """Keras's ``initializers.STFT``: the (frame_length, 1, fft_bins) cosine (``"real"``) or
    sine (``"imag"``) DFT basis, times the window, over its norm (``"density"``) or sum
    (``"spectrum"``)."""
    freq = np.arange(fft_bins, dtype="float64").reshape(1, 1, -1) / ((fft_bins - 1) * 2)
    time = np.arange(frame_length, dtype="float64").reshape(-1, 1, 1)
    args = -2 * time * freq * np.pi
    kernel = np.cos(args) if side == "real" else np.sin(args)
    if window is not None:
        win = window_values(window, frame_length, periodic)
        if win.shape != (frame_length,):
            raise ValueError(f"STFTSpectrogram: the window must have shape ({frame_length},), "
                             f"got {win.shape}")
        win = win.reshape(-1, 1, 1)
        scale = (np.sqrt(np.sum(win ** 2)) if scaling == "density"
                 else np.sum(np.abs(win)) if scaling == "spectrum" else 1.0)
        kernel = kernel * win / scale
    return kernel


class STFTSpectrogram(Layer):
    """Short-time Fourier transform of (batch, time, channels) signals as two strided 1-D
    convolutions with trainable kernels (``real_kernel``, ``imag_kernel``) initialised to the
    windowed DFT basis, as Keras; ``mode`` ``"log"``, ``"magnitude"``, ``"psd"``,
    ``"real"``, ``"imag"``, ``"angle"`` or ``"stft"``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layer = layers.STFTSpectrogram(frame_length=16, frame_step=8)
        >>> layer(np.random.rand(2, 64, 1).astype("float32")).shape
        (2, 7, 9)
    """

    MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")

    def __init__(self, mode: str = "log", frame_length: int = 256,
                 frame_step: int | None = None, fft_length: int | None = None,
                 window="hann", periodic: bool = False, scaling: str | None = "density",
                 padding: str = "valid", expand_dims: bool = False,
                 data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        who = f'STFTSpectrogram "{self.name}"'
        if frame_step is not None and not 1 <= frame_step <= frame_length:
            raise ValueError(f"{who}: frame_step must be in [1, frame_length={frame_length}], "
                             f"got {frame_step}")
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(f"{who}: fft_length must be >= frame_length={frame_length}, got "
                             f"{fft_length}")
        if mode not in self.MODES:
            raise ValueError(f"{who}: mode must be one of {self.MODES}, got {mode!r}")
        if scaling not in (None, "density", "spectrum"):
            raise ValueError(f'{who}: scaling must be None, "density" or "spectrum", got '
                             f"{scaling!r}")
        if padding not in ("valid", "same"):
            raise ValueError(f'{who}: padding must be "valid" or "same", got {padding!r}')
        self.mode, self.frame_length, self.frame_step = mode, frame_length, frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window, self.periodic, self.scaling = window, periodic, scaling
        self.padding, self.expand_dims = padding, expand_dims
        self.data_format = normalize_data_format(data_format, who)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape) -> None:
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        for side in ("real", "imag"):
            if self.mode != ("imag" if side == "real" else "real"):
                kernel = stft_kernel(side, self.window, self.scaling, self.periodic, *shape[::2])
                setattr(self, f"{side}_kernel", self.add_weight(
                    name=f"{side}_kernel", shape=shape,
                    initializer=lambda s, dtype=None, k=kernel: k.astype(dtype or "float32")))

    def _conv(self, inputs, kernel):
        if self.data_format == "channels_last":
            _, time, channels = ops.shape(inputs)
            x = ops.reshape(ops.transpose(inputs, [0, 2, 1]), [-1, time, 1])
        else:
            _, channels, time = ops.shape(inputs)
            x = ops.reshape(inputs, [-1, 1, time])
        out = ops.conv(x, ops.cast(kernel, ops.dtype(inputs)), strides=self._frame_step,
                       padding=self.padding, data_format=self.data_format)
        if self.data_format == "channels_last":
            out = ops.transpose(out, [0, 2, 1])
        _, freq, steps = ops.shape(out)
        return ops.reshape(out, [-1, channels, freq, steps])

    def _adjust(self, out):
        _, channels, freq, steps = ops.shape(out)
        if self.data_format == "channels_last":
            if self.expand_dims:
                return ops.transpose(out, [0, 3, 2, 1])
            return ops.transpose(ops.reshape(out, [-1, channels * freq, steps]), [0, 2, 1])
        if self.expand_dims:
            return ops.transpose(out, [0, 1, 3, 2])
        return ops.reshape(out, [-1, channels * freq, steps])

    def call(self, inputs):
        real = self._conv(inputs, self.real_kernel) if self.mode != "imag" else None
        imag = self._conv(inputs, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            return self._adjust(real)
        if self.mode == "imag":
            return self._adjust(imag)
        if self.mode == "angle":
            return self._adjust(ops.arctan2(imag, real))
        if self.mode == "stft":
            return self._adjust(ops.concatenate([real, imag], axis=2))
        power = ops.add(ops.square(real), ops.square(imag))
        if self.mode == "psd":
            inner = ops.pad(power[:, :, 1:-1, :], [[0, 0], [0, 0], [1, 1], [0, 0]])
            return self._adjust(ops.add(power, inner))
        magnitude = self._adjust(ops.sqrt(ops.maximum(power, config.epsilon())))
        if self.mode == "magnitude":
            return magnitude
        return ops.log(ops.maximum(magnitude, config.epsilon()))

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length,
                "window": self.window, "periodic": self.periodic, "scaling": self.scaling,
                "padding": self.padding, "data_format": self.data_format,
                "expand_dims": self.expand_dims}
