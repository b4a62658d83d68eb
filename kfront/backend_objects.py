"""``kfront.Variable`` and ``kfront.GradientTape``: the active backend's classes."""
from __future__ import annotations

from kfront.backends import B
from kfront.backends.common.variables import KVariable


class _Dispatch(type):
    def __call__(cls, *args, **kwargs):
        return getattr(B, cls.__name__)(*args, **kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, getattr(B, cls.__name__))


class Variable(metaclass=_Dispatch):
    """A mutable tensor on the active backend (``keras.Variable``).

    ``Variable(initializer, shape=None, dtype=None, trainable=True, name=None)``; the
    initializer is a value or a callable ``(shape, dtype) -> value``.

    Example:
        >>> import kfront
        >>> w = kfront.Variable([[1.0, 2.0]], name="w")
        >>> w.shape
        (1, 2)
    """


class GradientTape(metaclass=_Dispatch):
    """Records ops for differentiation (``tf.GradientTape``); see the backend's class for details.

    Example:
        >>> import kfront
        >>> w = kfront.Variable(3.0)
        >>> with kfront.GradientTape() as tape:
        ...     y = w * w
        >>> float(tape.gradient(y, w))
        6.0
    """


__all__ = ["Variable", "GradientTape", "KVariable"]
