"""Merge layers: ``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``, ``Minimum``,
``Concatenate``, ``Dot``, and their functional forms ``add(inputs)``, ``concatenate(inputs)``...

Each takes a list of tensors. The elementwise ones broadcast (Keras's rule: equal sizes, or 1,
or unknown, batch axis included).
"""
from __future__ import annotations

import functools

from kfront import ops
from kfront.layers.layer import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]


def _broadcast_shapes(layer, shapes) -> tuple:
    ndim = max(len(s) for s in shapes)
    out = []
    for dims in zip(*[(1,) * (ndim - len(s)) + tuple(s) for s in shapes]):
        known = {d for d in dims if d not in (None, 1)}
        if len(known) > 1:
            raise ValueError(f'{type(layer).__name__} "{layer.name}": inputs with shapes '
                             f"{[tuple(s) for s in shapes]} cannot be broadcast together")
        out.append(known.pop() if known else (None if None in dims else 1))
    return tuple(out)


class Merge(Layer):
    """Base of the merge layers: ``_merge(list_of_tensors)`` combines the inputs."""

    min_inputs, max_inputs = 1, None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_count(self, inputs) -> list:
        if not isinstance(inputs, (list, tuple)) or any(
                d is None or isinstance(d, int) for d in inputs):  # a tensor's shape, not a list
            raise ValueError(f'{type(self).__name__} "{self.name}" must be called on a list of '
                             f"tensors, got {type(inputs).__name__}")
        n = len(inputs)
        if n < self.min_inputs or (self.max_inputs is not None and n > self.max_inputs):
            want = (f"exactly {self.min_inputs}" if self.min_inputs == self.max_inputs
                    else f"at least {self.min_inputs}")
            raise ValueError(f'{type(self).__name__} "{self.name}" needs {want} inputs, got {n}')
        return list(inputs)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def call(self, inputs):
        return self._merge(self._check_count(inputs))

    def compute_output_shape(self, input_shape):
        return _broadcast_shapes(self, self._check_count(input_shape))

    def compute_mask(self, inputs, mask=None):
        """The elementwise OR of the inputs' masks; None unless every input has one (Keras 3)."""
        if mask is None or any(m is None for m in mask):
            return None
        return functools.reduce(ops.logical_or, mask)


def _fold(op):
    return lambda self, xs: functools.reduce(op, xs)


class Add(Merge):
    """Elementwise sum of the inputs.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Add()([np.ones((2, 3)), np.ones((2, 3))]).tolist()
        [[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]
    """

    _merge = _fold(ops.add)


class Subtract(Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Subtract()([np.ones((1, 2)), np.ones((1, 2))]).tolist()
        [[0.0, 0.0]]
    """

    min_inputs = max_inputs = 2
    _merge = _fold(ops.subtract)


class Multiply(Merge):
    """Elementwise product of the inputs.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Multiply()([np.full((1, 2), 2.0), np.full((1, 2), 3.0)]).tolist()
        [[6.0, 6.0]]
    """

    _merge = _fold(ops.multiply)


class Average(Merge):
    """Elementwise mean of the inputs.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Average()([np.zeros((1, 2)), np.ones((1, 2))]).tolist()
        [[0.5, 0.5]]
    """

    def _merge(self, xs):
        return ops.divide(functools.reduce(ops.add, xs), len(xs))


class _MaskedExtremum(Merge):
    """``Maximum`` / ``Minimum``: with masks, masked entries do not take part (Keras 3's
    ``_apply_merge_op_and_or_mask``: an entry masked in one input takes the other's value)."""

    _op = None

    def call(self, inputs, mask=None):
        inputs = self._check_count(inputs)
        masks = [None] * len(inputs) if mask is None else list(mask)
        out, out_mask = None, None
        for x, m in zip(inputs, masks):
            if m is not None:
                m = ops.broadcast_to(ops.expand_dims(m, -1), ops.shape(x))
            if out is None:
                out, out_mask = x, m
                continue
            if m is not None:
                x = ops.where(m, x, out)
            if out_mask is not None:
                out = ops.where(out_mask, out, x)
            out_mask = None if m is None or out_mask is None else ops.logical_or(out_mask, m)
            out = self._op(out, x)
        return out


class Maximum(_MaskedExtremum):
    """Elementwise maximum of the inputs.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Maximum()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).tolist()
        [[3.0, 5.0]]
    """

    _op = staticmethod(ops.maximum)


class Minimum(_MaskedExtremum):
    """Elementwise minimum of the inputs.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Minimum()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).tolist()
        [[1.0, 2.0]]
    """

    _op = staticmethod(ops.minimum)


class Concatenate(Merge):
    """Concatenates the inputs along ``axis`` (other axes must match).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Concatenate()([np.ones((2, 3)), np.ones((2, 4))]).shape
        (2, 7)
    """

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _merge(self, xs):
        return ops.concatenate(xs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in self._check_count(input_shape)]
        ndim = len(shapes[0])
        axis = self.axis % ndim if -ndim <= self.axis < ndim else None
        bad = axis is None or any(len(s) != ndim for s in shapes) or any(
            len({d for d in dims if d is not None}) > 1
            for i, dims in enumerate(zip(*shapes)) if i != axis)
        if bad:
            raise ValueError(f'Concatenate "{self.name}": inputs must have the same rank and '
                             f"matching shapes except along axis {self.axis}; got {shapes}")
        sizes = [s[axis] for s in shapes]
        out = [next((d for d in dims if d is not None), None) for dims in zip(*shapes)]
        out[axis] = None if None in sizes else sum(sizes)
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        """Keras's rule: each input's mask (all true when it has none, widened to the input's
        rank) concatenated along ``axis``, then reduced by ``any`` over the last axis."""
        if mask is None or all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = ops.ones_like(x, dtype="bool")
            elif len(ops.shape(m)) < len(ops.shape(x)):
                m = ops.logical_or(ops.expand_dims(m, -1), ops.zeros_like(x, dtype="bool"))
            masks.append(m)
        return ops.any(ops.concatenate(masks, axis=self.axis), axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


def _l2_normalize(x, axis):
    norm = ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), 1e-12))
    return ops.divide(x, norm)


class Dot(Merge):
    """Batched dot product of two inputs along ``axes`` (an int or a pair; axis 0 is the
    batch). With ``normalize=True`` the inputs are L2-normalized first (cosine proximity).
    ``(b, n) . (b, n) -> (b, 1)``; ``(b, n, m) . (b, m, k)`` with axes (2, 1) -> ``(b, n, k)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Dot(axes=1)([np.ones((2, 3)), np.ones((2, 3))]).tolist()
        [[3.0], [3.0]]
    """

    min_inputs = max_inputs = 2

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int) and (not isinstance(axes, (list, tuple)) or len(axes) != 2):
            raise ValueError(f'Dot "{self.name}": axes must be an int or a pair of ints, got '
                             f"{axes!r}")
        self.axes, self.normalize = axes, bool(normalize)

    def _resolved_axes(self, shapes) -> tuple:
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else tuple(self.axes)
        resolved = tuple(a % len(s) for a, s in zip(axes, shapes))
        if any(a == 0 for a in resolved) or any(len(s) < 2 for s in shapes):
            raise ValueError(f'Dot "{self.name}": cannot contract the batch axis; got axes '
                             f"{self.axes} for inputs of shapes {shapes}")
        d1, d2 = shapes[0][resolved[0]], shapes[1][resolved[1]]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(f'Dot "{self.name}": the contracted axes differ in size ({d1} vs '
                             f"{d2}) for inputs of shapes {shapes} and axes {self.axes}")
        return resolved

    def _merge(self, xs):
        x1, x2 = xs
        s1, s2 = tuple(ops.shape(x1)), tuple(ops.shape(x2))
        a1, a2 = self._resolved_axes([s1, s2])
        if self.normalize:
            x1, x2 = _l2_normalize(x1, a1), _l2_normalize(x2, a2)
        rest1 = [d for i, d in enumerate(s1) if i not in (0, a1)]
        rest2 = [d for i, d in enumerate(s2) if i not in (0, a2)]
        x1 = ops.reshape(ops.moveaxis(x1, a1, -1), (s1[0], -1, s1[a1]))
        x2 = ops.reshape(ops.moveaxis(x2, a2, 1), (s2[0], s2[a2], -1))
        out = ops.reshape(ops.matmul(x1, x2), (s1[0], *rest1, *rest2))
        return out if rest1 or rest2 else ops.reshape(out, (s1[0], 1))

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in self._check_count(input_shape)]
        a1, a2 = self._resolved_axes(shapes)
        rest = [d for i, d in enumerate(shapes[0]) if i not in (0, a1)] + \
            [d for i, d in enumerate(shapes[1]) if i not in (0, a2)]
        return (shapes[0][0], *rest) if rest else (shapes[0][0], 1)

    def get_config(self) -> dict:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _functional(cls):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)
    merge.__name__ = merge.__qualname__ = cls.__name__.lower()
    merge.__doc__ = (f"Functional form of ``{cls.__name__}``: ``{cls.__name__}(**kwargs)(inputs)``"
                     f".\n\n    Example:\n        >>> import numpy as np\n        >>> from kfront "
                     f"import layers\n        >>> layers.{cls.__name__.lower()}([np.ones((2, 3)), "
                     f"np.ones((2, 3))]).shape[0]\n        2\n    ")
    return merge


add, subtract, multiply, average, maximum, minimum = map(
    _functional, (Add, Subtract, Multiply, Average, Maximum, Minimum))


def concatenate(inputs, axis: int = -1, **kwargs):
    """Functional form of ``Concatenate``: ``Concatenate(axis, **kwargs)(inputs)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.concatenate([np.ones((2, 3)), np.ones((2, 1))], axis=1).shape
        (2, 4)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """Functional form of ``Dot``: ``Dot(axes, **kwargs)(inputs)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.dot([np.ones((2, 3)), np.ones((2, 3))], axes=1).shape
        (2, 1)
    """
    return Dot(axes=axes, **kwargs)(inputs)
