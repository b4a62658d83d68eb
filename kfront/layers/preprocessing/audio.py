"""``MelSpectrogram``: audio to (log-)mel spectrograms, as Keras (``ops.stft`` with
``center=True``, an HTK mel filter bank, decibels with ``top_db``)."""
from __future__ import annotations

import math

import numpy as np

from kfront import ops
from kfront.layers.layer import Layer

__all__ = ["MelSpectrogram"]

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
