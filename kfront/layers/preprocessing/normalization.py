"""``Normalization`` (with ``adapt``) and ``Discretization``: feature-wise statistics and bins
computed from data on the host, applied with ``kfront.ops`` on every backend."""
from __future__ import annotations

import numpy as np

from kfront import config, ops
from kfront.layers.layer import Layer
from kfront.layers.preprocessing._encoding import (batches, check_not_sparse,
                                                   check_output_mode, encode, encoded_shape)

__all__ = ["Normalization", "Discretization"]


class Normalization(Layer):
    """``(x - mean) / max(sqrt(variance), epsilon)`` per position of ``axis`` (``invert=True``
    undoes it), with ``mean``/``variance`` given or computed by ``adapt(data)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layer = layers.Normalization(axis=None)
        >>> layer.adapt(np.array([1., 2., 3., 4., 5.], "float32"))
        >>> [round(float(v), 4) for v in layer(np.array([1., 2., 3.], "float32"))]
        [-1.4142, -0.7071, 0.0]
    """

    def __init__(self, axis: int | tuple | list | None = -1, mean=None, variance=None,
                 invert: bool = False, **kwargs):
        super().__init__(**kwargs)
        who = f'Normalization "{self.name}"'
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError(f"{who}: mean and variance must be given together, got "
                             f"mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"{who}: mean and variance must have the same shape, got "
                                 f"{np.shape(mean)} and {np.shape(variance)}")
            if np.ndim(mean) > len(self.axis):
                raise ValueError(f"{who}: the rank of mean ({np.ndim(mean)}) must be at most "
                                 f"the number of axes {self.axis}")
        self.input_mean, self.input_variance, self.invert = mean, variance, bool(invert)
        self.supports_masking = True
        self.mean = self.variance = None
        self._build_input_shape = None

    def build(self, input_shape) -> None:
        ndim = len(input_shape)
        who = f'Normalization "{self.name}"'
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(f"{who}: axis {self.axis} is out of range for inputs of rank {ndim}")
        self._build_input_shape = tuple(input_shape)
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        if any(input_shape[a] is None for a in self._keep_axis):
            raise ValueError(f"{who}: the kept axes {self.axis} must have known sizes, got "
                             f"input shape {tuple(input_shape)}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1
                                 for d in range(ndim)]
        self._stats_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._stats_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._stats_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int64",
                                         initializer="zeros", trainable=False)
            self.built = True
            self.finalize_state()
        else:
            expanded = [1] * ndim
            mean = np.asarray(self.input_mean, dtype="float64")
            for i in range(1, mean.ndim + 1):
                expanded[self._keep_axis[-i]] = mean.shape[-i]
            self.mean, self.variance = (
                ops.convert_to_tensor(np.broadcast_to(np.reshape(np.asarray(v, "float64"),
                                                                 expanded),
                                                      self._broadcast_shape).astype(self.dtype))
                for v in (self.input_mean, self.input_variance))

    def adapt(self, data) -> None:
        """Compute the mean and variance of ``data`` (an array, a tensor, or an iterable of
        batches) over every axis but ``axis``, as Keras's ``adapt``.

        Example:
            >>> import numpy as np
            >>> from kfront import layers
            >>> layer = layers.Normalization()
            >>> layer.adapt(np.array([[0., 7.], [2., 9.]], "float32"))
            >>> layer.adapt_mean.numpy().tolist()
            [1.0, 8.0]
        """
        parts = batches(f'Normalization "{self.name}"', data)
        shape = np.shape(parts[0])
        if not self.built:
            self._maybe_build(tuple(shape))
        elif any(shape[d] != self._build_input_shape[d] for d in self._keep_axis):
            raise ValueError(f'Normalization "{self.name}".adapt: the layer was built for inputs '
                             f"of shape {self._build_input_shape}, the data has shape {shape}")
        if self.input_mean is not None:
            raise ValueError(f'Normalization "{self.name}".adapt: the layer was given mean and '
                             "variance; adapt only a layer created without them")
        if len(parts) == 1:
            mean = np.mean(parts[0], axis=self._reduce_axis)
            var = np.var(parts[0], axis=self._reduce_axis)
        else:
            mean = np.zeros(self._stats_shape, self.dtype)
            var = np.zeros(self._stats_shape, self.dtype)
            total = 0
            for batch in parts:
                batch = np.asarray(batch, self.dtype)
                b_mean = np.mean(batch, axis=self._reduce_axis)
                b_var = np.var(batch, axis=self._reduce_axis)
                count = int(np.prod([batch.shape[d] for d in self._reduce_axis]))
                total += count
                w = count / total
                new_mean = mean * (1 - w) + b_mean * w
                var = ((var + (mean - new_mean) ** 2) * (1 - w)
                       + (b_var + (b_mean - new_mean) ** 2) * w)
                mean = new_mean
        self.adapt_mean.assign(np.asarray(mean, self.dtype))
        self.adapt_variance.assign(np.asarray(var, self.dtype))
        self.finalize_state()

    def finalize_state(self) -> None:
        """Refresh the broadcast mean/variance from the adapted weights (after loading)."""
        if self.input_mean is not None or not self.built:
            return
        self.mean = ops.reshape(self.adapt_mean.value, self._broadcast_shape)
        self.variance = ops.reshape(self.adapt_variance.value, self._broadcast_shape)

    def call(self, inputs):
        if self.input_mean is None:
            self.finalize_state()
        inputs = ops.cast(inputs, self.dtype)
        scale = ops.maximum(ops.sqrt(self.variance), config.epsilon())
        if self.invert:
            return ops.add(self.mean, ops.multiply(inputs, scale))
        return ops.divide(ops.subtract(inputs, self.mean), scale)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(),
                "variance": np.array(self.input_variance).tolist()}

    def get_build_config(self) -> dict | None:
        if self._build_input_shape is None:
            return None
        return {"input_shape": list(self._build_input_shape)}


class Discretization(Layer):
    """Buckets numbers by ``bin_boundaries`` (bin ``i`` holds ``[b[i-1], b[i])``), or by
    ``num_bins`` quantile boundaries that ``adapt(data)`` estimates (Keras's summary algorithm,
    so the boundaries equal Keras's); ``output_mode`` ``"int"``, ``"one_hot"``,
    ``"multi_hot"`` or ``"count"``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layer = layers.Discretization(bin_boundaries=[0., 1., 2.])
        >>> layer(np.array([[-1.5, 1.0, 3.4, 0.5]], "float32")).tolist()
        [[0, 2, 3, 1]]
    """

    def __init__(self, bin_boundaries=None, num_bins: int | None = None, epsilon: float = 0.01,
                 output_mode: str = "int", sparse: bool = False, dtype=None,
                 name: str | None = None):
        super().__init__(name=name, dtype=dtype)
        who = f'Discretization "{self.name}"'
        check_not_sparse(who, sparse)
        check_output_mode(who, output_mode, ("int", "one_hot", "multi_hot", "count"))
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"{who}: num_bins must be >= 0, got {num_bins}")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"{who}: give num_bins or bin_boundaries, not both; got "
                             f"num_bins={num_bins} and bin_boundaries={bin_boundaries}")
        if num_bins is None and bin_boundaries is None:
            raise ValueError(f"{who}: give num_bins (then adapt) or bin_boundaries")
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins, self.epsilon = num_bins, epsilon
        self.output_mode, self.sparse = output_mode, sparse
        self.summary = None if self.bin_boundaries else np.array([[], []], "float32")
        self.built = True

    def adapt(self, data, steps: int | None = None) -> None:
        """Estimate ``num_bins`` quantile boundaries of ``data`` (array or batches).

        Example:
            >>> import numpy as np
            >>> from kfront import layers
            >>> layer = layers.Discretization(num_bins=4, epsilon=0.01)
            >>> layer.adapt(np.arange(100, dtype="float32"))
            >>> [round(b, 3) for b in layer.bin_boundaries]
            [24.0, 49.0, 74.0]
        """
        who = f'Discretization "{self.name}"'
        if self.num_bins is None:
            raise ValueError(f"{who}.adapt: the layer was created with bin_boundaries; create "
                             "it with num_bins to adapt it")
        parts = batches(who, data)
        if steps is not None and not hasattr(data, "shape"):
            parts = parts[:steps]
        self.summary = np.array([[], []], "float32")
        for batch in parts:
            part = _summarize(np.asarray(batch).astype("float32"), self.epsilon)
            self.summary = _merge_summaries(part, self.summary, self.epsilon)
        self.bin_boundaries = _compress_summary(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(f'Discretization "{self.name}": give bin_boundaries or call '
                             "adapt(data) before using the layer")
        boundaries = ops.convert_to_tensor(np.asarray(self.bin_boundaries, "float32"))
        x = ops.cast(inputs, "float32")
        # digitize: the number of boundaries <= x
        indices = ops.sum(ops.cast(ops.greater_equal(ops.expand_dims(x, -1), boundaries),
                                   "int32"), axis=-1)
        depth = len(self.bin_boundaries) + 1
        return encode(indices, self.output_mode, depth,
                      "int32" if self.output_mode == "int" else self.dtype)

    def compute_output_shape(self, input_shape):
        depth = (len(self.bin_boundaries) + 1 if self.bin_boundaries is not None
                 else self.num_bins)
        return encoded_shape(input_shape, self.output_mode, depth)

    def get_config(self) -> dict:
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        boundaries = config.pop("bin_boundaries", None)
        if boundaries is not None and config.get("num_bins") is not None:
            layer = cls(**config)
            layer.bin_boundaries = list(boundaries)
            return layer
        return cls(bin_boundaries=boundaries, **config)


def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """Keras's quantile summary of a batch: every ``step``-th sorted value, weight ``step``."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def _merge_summaries(prev: np.ndarray, new: np.ndarray, epsilon: float) -> np.ndarray:
    merged = np.concatenate((prev, new), axis=1)
    return _compress_summary(np.take(merged, np.argsort(merged[0]), axis=1), epsilon)


def _compress_summary(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """Interpolate the summary to ``1/epsilon`` bins of equal weight (Keras's algorithm)."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_percents, summary[0])
    cum_weights = np.interp(percents, cum_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")
