"""``CategoryEncoding``: integer ids to one-hot, multi-hot or count vectors."""
from __future__ import annotations

from kfront import ops
from kfront.layers.layer import Layer
from kfront.layers.preprocessing._encoding import (check_not_sparse, check_output_mode, encode,
                                                   encoded_shape)

__all__ = ["CategoryEncoding"]


class CategoryEncoding(Layer):
    """Encodes integer ids in ``[0, num_tokens)`` as ``"multi_hot"`` (default), ``"one_hot"``
    or ``"count"`` vectors of length ``num_tokens`` (``"count"`` takes ``count_weights``).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.CategoryEncoding(4, output_mode="one_hot")(np.array([3, 0])).tolist()
        [[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]]
    """

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot",
                 sparse: bool = False, **kwargs):
        super().__init__(**kwargs)
        who = f'CategoryEncoding "{self.name}"'
        if output_mode == "binary":
            output_mode = "multi_hot"
        check_output_mode(who, output_mode, ("count", "one_hot", "multi_hot"))
        check_not_sparse(who, sparse)
        if num_tokens is None:
            raise ValueError(f"{who}: num_tokens must be set; for an unknown number of tokens "
                             "use IntegerLookup")
        if num_tokens < 1:
            raise ValueError(f"{who}: num_tokens must be >= 1, got {num_tokens}")
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, sparse
        self.built = True

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f'CategoryEncoding "{self.name}": count_weights are used only '
                                 f'with output_mode="count", got output_mode='
                                 f"{self.output_mode!r}")
            count_weights = ops.cast(ops.convert_to_tensor(count_weights), self.dtype)
        return encode(inputs, self.output_mode, self.num_tokens, self.dtype, count_weights)

    def _convert_inputs(self, inputs):
        return ops.convert_to_tensor(inputs)  # ids stay integers

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode}
