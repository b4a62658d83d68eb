"""``Hashing`` and ``HashedCrossing``: values to hash bins, with TensorFlow's own hashes
(FarmHash ``Fingerprint64``, SipHash with a ``salt``, ``FingerprintCat64`` for crosses)
computed in Python, so the bins equal Keras's on every backend without TensorFlow.

They run on the host, as the lookup layers: inputs may be numpy arrays, lists or any
backend's tensors; outputs are the active backend's tensors.
"""
from __future__ import annotations

import numpy as np

from kfront import config, ops
from kfront.layers.layer import Layer
from kfront.layers.preprocessing._encoding import (NumpyOps, check_not_sparse,
                                                   check_output_mode, encode, encoded_shape)
from kfront.layers.preprocessing._fingerprint import cross_hash, fingerprint64, siphash
from kfront.layers.preprocessing.lookup import graph_safe, host_array

__all__ = ["Hashing", "HashedCrossing"]


def _as_bytes(value) -> bytes:
    """A value as TensorFlow hashes it: strings in UTF-8, integers in decimal
    (``tf.as_string``)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return str(int(value)).encode()


class Hashing(Layer):
    """Hashes strings or integers into ``num_bins`` bins (``mask_value`` gets bin 0 and the
    others ``1 .. num_bins - 1``; a ``salt`` switches to the keyed SipHash); ``output_mode``
    ``"int"``, ``"one_hot"``, ``"multi_hot"`` or ``"count"``.

    Example:
        >>> from kfront import layers, ops
        >>> ops.convert_to_numpy(layers.Hashing(num_bins=3)([["A"], ["B"], ["C"]])).tolist()
        [[1], [0], [1]]
    """

    supports_jit = False  # runs on the host (Keras: no XLA, eager on JAX)

    def __init__(self, num_bins: int, mask_value=None, salt=None, output_mode: str = "int",
                 sparse: bool = False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else config.floatx()
        super().__init__(**kwargs)
        who = f'Hashing "{self.name}"'
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"{who}: num_bins must be a positive integer, got {num_bins}")
        check_output_mode(who, output_mode, ("int", "one_hot", "multi_hot", "count"))
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(f'{who}: with output_mode="int" the dtype must be int32 or int64, '
                             f"got {self.dtype}")
        if sparse and output_mode == "int":
            raise ValueError(f'{who}: sparse=True is not possible with output_mode="int"')
        check_not_sparse(who, sparse)
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError(f"{who}: salt must be an int or a pair of ints, got {salt!r}")
        self.num_bins, self.mask_value, self.salt = int(num_bins), mask_value, salt
        self.output_mode, self.sparse = output_mode, sparse
        self.built = True

    def _convert_inputs(self, inputs):
        return inputs  # hashed on the host in call()

    def _bins(self, values: np.ndarray) -> np.ndarray:
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = values == self.mask_value
        if values.dtype.kind == "f":
            values = values.astype("int64")
        if self.salt is not None:
            key = (self.salt[0], self.salt[1])
            hashes = [siphash(key, _as_bytes(v)) % bins for v in values.reshape(-1).tolist()]
        else:
            hashes = [fingerprint64(_as_bytes(v)) % bins for v in values.reshape(-1).tolist()]
        out = np.asarray(hashes, "int64").reshape(values.shape)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def compute_output_spec_dtype(self, input_dtype: str) -> str:
        return self.dtype

    @graph_safe
    def call(self, inputs):
        values = host_array(inputs, string=False)
        if values.dtype == object or values.dtype.kind == "S":
            values = host_array(values, string=True)
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        bins = self._bins(values)
        return ops.convert_to_tensor(encode(bins, self.output_mode, self.num_bins, self.dtype,
                                            K=NumpyOps))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        if not input_shape:
            return (self.num_bins,)
        return input_shape[:-1] + (self.num_bins,)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode,
                "sparse": self.sparse}


class HashedCrossing(Layer):
    """Crosses two or more categorical features (strings or integers, each of shape
    ``(batch,)`` or ``(batch, 1)``) into ``num_bins`` hash bins, as
    ``tf.sparse.cross_hashed``; ``output_mode`` ``"int"`` or ``"one_hot"``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers, ops
        >>> layer = layers.HashedCrossing(num_bins=5)
        >>> ops.convert_to_numpy(layer((np.array(["A", "B"]), np.array([101, 7])))).shape
        (2,)
    """

    supports_jit = False  # runs on the host (Keras: no XLA, eager on JAX)

    def __init__(self, num_bins: int, output_mode: str = "int", sparse: bool = False,
                 name: str | None = None, dtype=None, **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        who = f'HashedCrossing "{self.name}"'
        check_output_mode(who, output_mode, ("int", "one_hot"))
        check_not_sparse(who, sparse)
        self.num_bins, self.output_mode, self.sparse = int(num_bins), output_mode, sparse
        self.built = True

    def _convert_inputs(self, inputs):
        return inputs

    def compute_output_spec_dtype(self, input_dtype: str) -> str:
        return self.dtype

    @graph_safe
    def call(self, inputs):
        who = f'HashedCrossing "{self.name}"'
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"{who}: expects a list or tuple of at least two features, got "
                             f"{type(inputs).__name__}")
        arrays = [host_array(x, string=False) for x in inputs]
        arrays = [host_array(a, True) if a.dtype == object or a.dtype.kind == "S" else a
                  for a in arrays]
        shape = arrays[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(f"{who}: each feature must have shape (batch,) or (batch, 1), "
                             f"got {shape}")
        if any(a.shape != shape for a in arrays[1:]):
            raise ValueError(f"{who}: all features must have the same shape, got "
                             f"{[a.shape for a in arrays]}")
        if not all(a.dtype.kind in "iuU" for a in arrays):
            raise ValueError(f"{who}: features must be integers or strings, got "
                             f"{[str(a.dtype) for a in arrays]}")
        rows = zip(*[a.reshape(-1).tolist() for a in arrays])
        bins = np.asarray([cross_hash(list(r)) % self.num_bins for r in rows], "int64")
        bins = bins.reshape(shape)
        return ops.convert_to_tensor(encode(bins, self.output_mode, self.num_bins, self.dtype,
                                            K=NumpyOps))

    def compute_output_shape(self, input_shape):
        return encoded_shape(tuple(input_shape[0]), self.output_mode, self.num_bins)

    def get_config(self) -> dict:
        return {"num_bins": self.num_bins, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}
