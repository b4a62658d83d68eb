"""Weight initializers with Keras 3's names, formulas, configs and seeding rules.

Random values are drawn on the host with numpy (``kfront.backends.common.random``), so the same
seed gives the same values on every backend, then converted with ``kfront.ops.convert_to_tensor``.

Seeding follows Keras 3: an initializer built with an int seed, *or with no seed*, returns the
same values on every call (an unseeded one picks its seed once, at construction, from the global
generator that ``kfront.utils.set_random_seed`` controls); pass a ``kfront.random.SeedGenerator``
to get fresh values on each call.

Example:
    >>> from kfront import initializers, ops
    >>> init = initializers.get("glorot_uniform")
    >>> ops.shape(init((3, 4)))
    (3, 4)
    >>> initializers.serialize(initializers.Ones())["class_name"]
    'Ones'
"""
from __future__ import annotations

import math

import numpy as np

from kfront import config, ops
from kfront.backends.common import random as _rnd
from kfront.backends.common.dtypes import FLOAT_TYPES, standardize_dtype
from kfront.utils.registry import Registry, function_config

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "Identity", "RandomNormal",
           "RandomUniform", "TruncatedNormal", "VarianceScaling", "GlorotUniform",
           "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal",
           "compute_fans", "get", "serialize", "deserialize", "STFT", "STFTInitializer", "stft"]

# Keras divides the truncated-normal stddev by this: the stddev of a unit normal truncated to
# [-2, 2], so the values *after* truncation have the requested variance.
_TRUNCATION_STDDEV = 0.87962566103423978


def _shape_tuple(shape, who: str) -> tuple:
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"{who}: shape must be a tuple of ints, got {shape!r}") from None


def _float_dtype(dtype, who: str) -> str:
    dtype = standardize_dtype(dtype if dtype is not None else config.floatx())
    if dtype not in FLOAT_TYPES:
        raise ValueError(f"{who}: expected a float dtype ({', '.join(FLOAT_TYPES)}), "
                         f"got dtype={dtype!r}")
    return dtype


def _serialize_value(value):
    """A Constant's value as Keras writes it: Python scalars as is, arrays as ``__numpy__``."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.ndarray, list, tuple)) or ops.is_tensor(value):
        arr = np.asarray(ops.convert_to_numpy(value) if ops.is_tensor(value) else value)
        return {"class_name": "__numpy__", "config": {"value": arr.tolist(),
                                                      "dtype": arr.dtype.name}}
    return value


def _deserialize_value(value):
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        cfg = value["config"]
        return np.asarray(cfg["value"], dtype=cfg.get("dtype"))
    return value


class Initializer:
    """Base class of initializers: ``init(shape, dtype=None)`` returns a tensor.

    Subclasses implement ``__call__``; ``get_config`` returns the constructor arguments, so the
    default ``from_config`` (``cls(**config)``) rebuilds them.

    Example:
        >>> from kfront import initializers, ops
        >>> class Twos(initializers.Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return ops.full(shape, 2.0, dtype=dtype)
        >>> ops.convert_to_numpy(Twos()((2,))).tolist()
        [2.0, 2.0]
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(
            f"{type(self).__name__}: Initializer subclasses must implement __call__(shape, dtype)")

    def get_config(self) -> dict:
        """The constructor arguments, JSON-serializable."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild an initializer from ``get_config()`` output."""
        return cls(**config)

    def clone(self):
        """A new initializer with the same config."""
        return self.__class__.from_config(self.get_config())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


# ---- constant initializers -------------------------------------------------------------------
class Zeros(Initializer):
    """All zeros (alias ``zeros``, ``zero``).

    Example:
        >>> from kfront import initializers, ops
        >>> ops.convert_to_numpy(initializers.Zeros()((2,))).tolist()
        [0.0, 0.0]
    """

    def __call__(self, shape, dtype=None):
        return ops.zeros(_shape_tuple(shape, "Zeros"), dtype=standardize_dtype(dtype))


class Ones(Initializer):
    """All ones (alias ``ones``, ``one``).

    Example:
        >>> from kfront import initializers, ops
        >>> ops.convert_to_numpy(initializers.Ones()((2,), dtype="int32")).tolist()
        [1, 1]
    """

    def __call__(self, shape, dtype=None):
        return ops.ones(_shape_tuple(shape, "Ones"), dtype=standardize_dtype(dtype))


class Constant(Initializer):
    """Every element equal to ``value`` (a scalar, or an array broadcastable to the shape).

    Example:
        >>> from kfront import initializers, ops
        >>> ops.convert_to_numpy(initializers.Constant(3.0)((2,))).tolist()
        [3.0, 3.0]
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        dtype = standardize_dtype(dtype)
        shape = _shape_tuple(shape, "Constant")
        value = ops.cast(ops.convert_to_tensor(self.value), dtype)
        return ops.multiply(value, ops.ones(shape, dtype=dtype))

    def get_config(self) -> dict:
        return {"value": _serialize_value(self.value)}

    @classmethod
    def from_config(cls, config: dict):
        return cls(_deserialize_value(config.get("value", 0.0)))


class Identity(Initializer):
    """``gain * eye(rows, cols)`` for 2-D shapes (alias ``identity``, ``IdentityInitializer``).

    Example:
        >>> from kfront import initializers, ops
        >>> ops.convert_to_numpy(initializers.Identity(gain=2.0)((2, 2))).tolist()
        [[2.0, 0.0], [0.0, 2.0]]
    """

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape_tuple(shape, "Identity")
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        dtype = standardize_dtype(dtype)
        return ops.multiply(ops.cast(ops.convert_to_tensor(self.gain), dtype),
                            ops.eye(shape[0], shape[1], dtype=dtype))

    def get_config(self) -> dict:
        # Keras 3.15 returns {} here and so loses ``gain`` on a round trip; we keep it.
        return {"gain": self.gain}


# ---- random initializers ---------------------------------------------------------------------
def _serialize_seed(seed):
    if isinstance(seed, _rnd.SeedGenerator):
        return {"module": "keras.random", "class_name": "SeedGenerator",
                "config": {"seed": seed.seed, "name": seed.name or "seed_generator"},
                "registered_name": None}
    return seed


class RandomInitializer(Initializer):
    """Base of the random initializers: holds the seed (int, SeedGenerator or None).

    ``None`` draws an int seed now, from the global generator, so the initializer still returns
    the same values on every call (Keras 3's rule); ``get_config`` keeps ``None``.
    """

    def __init__(self, seed=None):
        self._init_seed = seed
        if seed is None:
            seed = int(_rnd.generator(None).integers(1, 10**9))
        elif isinstance(seed, dict):
            seed = _rnd.SeedGenerator(**{k: v for k, v in seed.get("config", {}).items()
                                         if k in ("seed", "name")})
            self._init_seed = seed
        elif isinstance(seed, (bool, float)) or not isinstance(
                seed, (int, np.integer, _rnd.SeedGenerator)):
            raise ValueError(f"{type(self).__name__}: `seed` argument should be an instance of "
                             f"kfront.random.SeedGenerator or an integer. Received: seed={seed!r}")
        self.seed = int(seed) if isinstance(seed, np.integer) else seed

    def get_config(self) -> dict:
        return {"seed": _serialize_seed(self._init_seed)}


class RandomNormal(RandomInitializer):
    """Samples from N(mean, stddev**2) (alias ``random_normal``, ``normal``).

    Example:
        >>> from kfront import initializers, ops
        >>> init = initializers.RandomNormal(mean=0.0, stddev=1.0, seed=1)
        >>> ops.shape(init((2, 2)))
        (2, 2)
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype, "RandomNormal")
        arr = _rnd.normal(_shape_tuple(shape, "RandomNormal"), mean=self.mean,
                          stddev=self.stddev, seed=self.seed, dtype=dtype)
        return ops.convert_to_tensor(arr, dtype=dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """N(mean, stddev**2) with values further than 2 stddev from the mean redrawn
    (alias ``truncated_normal``).

    Example:
        >>> import numpy as np
        >>> from kfront import initializers, ops
        >>> w = ops.convert_to_numpy(initializers.TruncatedNormal(stddev=1.0, seed=0)((100,)))
        >>> bool(np.abs(w).max() <= 2.0)
        True
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype, "TruncatedNormal")
        arr = _rnd.truncated_normal(_shape_tuple(shape, "TruncatedNormal"), mean=self.mean,
                                    stddev=self.stddev, seed=self.seed)
        return ops.convert_to_tensor(arr, dtype=dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Samples from U[minval, maxval) (alias ``random_uniform``, ``uniform``).

    Example:
        >>> import numpy as np
        >>> from kfront import initializers, ops
        >>> w = ops.convert_to_numpy(initializers.RandomUniform(0.0, 1.0, seed=0)((100,)))
        >>> bool(w.min() >= 0.0 and w.max() < 1.0)
        True
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype, "RandomUniform")
        arr = _rnd.uniform(_shape_tuple(shape, "RandomUniform"), minval=self.minval,
                           maxval=self.maxval, seed=self.seed, dtype=dtype)
        return ops.convert_to_tensor(arr, dtype=dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight shape, as Keras computes them.

    Scalars: (1, 1); vectors: (n, n); matrices: (rows, cols); higher ranks (conv kernels
    ``(*spatial, in, out)``): each multiplied by the receptive field ``prod(spatial)``.
    ``input_axes``/``output_axes`` (both given) name the axes to multiply instead.

    Example:
        >>> from kfront.initializers import compute_fans
        >>> compute_fans((3, 3, 16, 32))
        (144, 288)
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        fan_in = math.prod(shape[a] for a in input_axes)
        fan_out = math.prod(shape[a] for a in output_axes)
        return int(fan_in), int(fan_out)
    if len(shape) < 1:
        fan_in = fan_out = 1
    elif len(shape) == 1:
        fan_in = fan_out = shape[0]
    elif len(shape) == 2:
        fan_in, fan_out = shape
    else:
        receptive_field_size = math.prod(shape[:-2])
        fan_in = shape[-2] * receptive_field_size
        fan_out = shape[-1] * receptive_field_size
    return int(fan_in), int(fan_out)


class VarianceScaling(RandomInitializer):
    """Scale-aware initializer (alias ``variance_scaling``).

    ``n`` is fan_in, fan_out or their average (``mode``), at least 1. ``"truncated_normal"``
    (or ``"normal"``) draws a normal truncated at 2 stddev with stddev
    ``sqrt(scale / n) / 0.87962566``; ``"untruncated_normal"`` uses stddev ``sqrt(scale / n)``;
    ``"uniform"`` draws from ``[-limit, limit]`` with ``limit = sqrt(3 * scale / n)``.

    Example:
        >>> from kfront import initializers, ops
        >>> init = initializers.VarianceScaling(scale=0.1, mode="fan_in", distribution="uniform")
        >>> ops.shape(init((2, 2)))
        (2, 2)
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed=None, input_axes=None,
                 output_axes=None):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        allowed_modes = {"fan_in", "fan_out", "fan_avg"}
        if mode not in allowed_modes:
            raise ValueError(f"Invalid `mode` argument: {mode}. "
                             f"Please use one of {sorted(allowed_modes)}")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed = {"uniform", "truncated_normal", "untruncated_normal"}
        if distribution not in allowed:
            raise ValueError(f"Invalid `distribution` argument: {distribution}. "
                             f"Please use one of {sorted(allowed)}")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def _scaled(self, shape) -> float:
        """``scale / max(1, n)`` for this shape (the target variance)."""
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        if self.mode == "fan_in":
            return self.scale / max(1.0, fan_in)
        if self.mode == "fan_out":
            return self.scale / max(1.0, fan_out)
        return self.scale / max(1.0, (fan_in + fan_out) / 2.0)

    def __call__(self, shape, dtype=None):
        who = type(self).__name__
        dtype = _float_dtype(dtype, who)
        shape = _shape_tuple(shape, who)
        scale = self._scaled(shape)
        if self.distribution == "truncated_normal":
            arr = _rnd.truncated_normal(shape, mean=0.0,
                                        stddev=math.sqrt(scale) / _TRUNCATION_STDDEV,
                                        seed=self.seed)
        elif self.distribution == "untruncated_normal":
            arr = _rnd.normal(shape, mean=0.0, stddev=math.sqrt(scale), seed=self.seed,
                              dtype=dtype)
        else:
            limit = math.sqrt(3.0 * scale)
            arr = _rnd.uniform(shape, minval=-limit, maxval=limit, seed=self.seed, dtype=dtype)
        return ops.convert_to_tensor(arr, dtype=dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class _FixedVarianceScaling(VarianceScaling):
    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(scale=self._scale, mode=self._mode, distribution=self._distribution,
                         seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self) -> dict:
        return {"seed": _serialize_seed(self._init_seed), "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class GlorotUniform(_FixedVarianceScaling):
    """Glorot/Xavier uniform: U[-limit, limit], ``limit = sqrt(6 / (fan_in + fan_out))``
    (alias ``glorot_uniform``; the default kernel initializer).

    Example:
        >>> import math, numpy as np
        >>> from kfront import initializers, ops
        >>> w = ops.convert_to_numpy(initializers.GlorotUniform(seed=0)((4, 5)))
        >>> bool(np.abs(w).max() <= math.sqrt(6 / 9))
        True
    """
    _scale, _mode, _distribution = 1.0, "fan_avg", "uniform"


class GlorotNormal(_FixedVarianceScaling):
    """Glorot/Xavier normal: truncated normal, ``stddev = sqrt(2 / (fan_in + fan_out)) /
    0.87962566`` before truncation (alias ``glorot_normal``).

    Example:
        >>> from kfront import initializers, ops
        >>> ops.shape(initializers.GlorotNormal(seed=0)((4, 5)))
        (4, 5)
    """
    _scale, _mode, _distribution = 1.0, "fan_avg", "truncated_normal"


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal, ``stddev = sqrt(1 / fan_in) / 0.87962566``
    (alias ``lecun_normal``).

    Example:
        >>> from kfront import initializers, ops
        >>> ops.shape(initializers.LecunNormal(seed=0)((4, 5)))
        (4, 5)
    """
    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: U[-limit, limit], ``limit = sqrt(3 / fan_in)`` (alias ``lecun_uniform``).

    Example:
        >>> from kfront import initializers, ops
        >>> ops.shape(initializers.LecunUniform(seed=0)((4, 5)))
        (4, 5)
    """
    _scale, _mode, _distribution = 1.0, "fan_in", "uniform"


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal, ``stddev = sqrt(2 / fan_in) / 0.87962566``
    (alias ``he_normal``).

    Example:
        >>> from kfront import initializers, ops
        >>> ops.shape(initializers.HeNormal(seed=0)((4, 5)))
        (4, 5)
    """
    _scale, _mode, _distribution = 2.0, "fan_in", "truncated_normal"


class HeUniform(_FixedVarianceScaling):
    """He uniform: U[-limit, limit], ``limit = sqrt(6 / fan_in)`` (alias ``he_uniform``).

    Example:
        >>> from kfront import initializers, ops
        >>> ops.shape(initializers.HeUniform(seed=0)((4, 5)))
        (4, 5)
    """
    _scale, _mode, _distribution = 2.0, "fan_in", "uniform"


class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix times ``gain`` (alias ``orthogonal``, ``OrthogonalInitializer``).

    The shape is flattened to ``(prod(shape[:-1]), shape[-1])``; the QR decomposition of a normal
    sample gives orthonormal columns (or rows, when there are fewer rows than columns).

    Example:
        >>> import numpy as np
        >>> from kfront import initializers, ops
        >>> q = ops.convert_to_numpy(initializers.Orthogonal(seed=0)((3, 3)))
        >>> bool(np.allclose(q @ q.T, np.eye(3), atol=1e-5))
        True
    """

    def __init__(self, gain: float = 1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = _shape_tuple(shape, "Orthogonal")
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        dtype = _float_dtype(dtype, "Orthogonal")
        num_rows = math.prod(shape[:-1])
        num_cols = shape[-1]
        flat_shape = (max(num_cols, num_rows), min(num_cols, num_rows))
        a = _rnd.normal(flat_shape, seed=self.seed)
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if num_rows < num_cols:
            q = q.T
        return ops.convert_to_tensor(self.gain * q.reshape(shape), dtype=dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}


# ---- lookup ------------------------------------------------------------------------------------
zeros = zero = Zeros
ones = one = Ones
constant = Constant
identity = IdentityInitializer = Identity
random_normal = normal = RandomNormal
random_uniform = uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = OrthogonalInitializer = Orthogonal

_CLASSES = (Initializer, Zeros, Ones, Constant, Identity, RandomNormal, RandomUniform,
            TruncatedNormal, VarianceScaling, GlorotUniform, GlorotNormal, HeNormal, HeUniform,
            LecunNormal, LecunUniform, Orthogonal)
ALL_OBJECTS_DICT: dict = {c.__name__: c for c in _CLASSES}
ALL_OBJECTS_DICT.update({
    "initializer": Initializer, "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones,
    "constant": Constant, "identity": Identity, "IdentityInitializer": Identity,
    "random_normal": RandomNormal, "normal": RandomNormal, "random_uniform": RandomUniform,
    "uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform, "orthogonal": Orthogonal,
    "OrthogonalInitializer": Orthogonal})


_REGISTRY = Registry("initializer", ALL_OBJECTS_DICT, Initializer)

from kfront.initializers_stft import STFT, STFTInitializer, stft  # noqa: E402 (needs Initializer)

ALL_OBJECTS_DICT.update({"STFT": STFT, "stft": STFT, "STFTInitializer": STFT})


def serialize(initializer) -> dict | None:
    """The Keras 3 config dict of an initializer (``None`` stays ``None``).

    Example:
        >>> from kfront import initializers
        >>> initializers.serialize(initializers.Constant(2.0))
        {'module': 'keras.initializers', 'class_name': 'Constant', 'config': {'value': 2.0}, 'registered_name': None}
    """
    if initializer is None or isinstance(initializer, Initializer):
        return _REGISTRY.serialize(initializer)
    if not callable(initializer):
        raise TypeError(f"Cannot serialize initializer {initializer!r}: expected an Initializer, "
                        f"got {type(initializer).__name__}")
    if getattr(initializer, "__name__", None) in (None, "<lambda>"):
        raise ValueError(f"Cannot serialize initializer {initializer!r}: it is neither an "
                         "Initializer nor a named function")
    return function_config(initializer)


def deserialize(config, custom_objects: dict | None = None):
    """An initializer from ``serialize`` output (or a bare name).

    Example:
        >>> from kfront import initializers
        >>> initializers.deserialize({"class_name": "RandomNormal", "config": {"stddev": 1.0}}).stddev
        1.0
    """
    return _REGISTRY.deserialize(config, custom_objects)


def _value_initializer(value):
    """An initializer function that returns ``value`` (cast), for exactly its shape."""
    value_shape = tuple(ops.shape(value)) if ops.is_tensor(value) else np.shape(value)

    def initialize_fn(shape, dtype=None):
        if tuple(int(s) for s in shape) != tuple(value_shape):
            raise ValueError(f"Expected `shape` to be {tuple(value_shape)} for direct "
                             f"tensor as initializer. Received shape={tuple(shape)}")
        return ops.cast(ops.convert_to_tensor(value), standardize_dtype(dtype))

    return initialize_fn


def get(identifier):
    """An initializer from a name (``"glorot_uniform"``, ``"GlorotUniform"``, ...), a config dict,
    a class, an instance, a callable ``f(shape, dtype=None)`` or an array (its values, for
    exactly its shape). ``None`` gives ``None``.

    Example:
        >>> from kfront import initializers
        >>> type(initializers.get("he_normal")).__name__
        'HeNormal'
    """
    if isinstance(identifier, str):  # built through from_config({}), as Keras does
        identifier = {"class_name": identifier, "config": {}}
    elif isinstance(identifier, (np.ndarray, np.generic)) or ops.is_tensor(identifier):
        identifier = _value_initializer(identifier)
    return _REGISTRY.get(identifier)
