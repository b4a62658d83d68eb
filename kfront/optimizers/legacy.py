"""``keras.optimizers.legacy``: the names exist, but creating one raises ``ImportError`` as in
Keras 3 (the legacy tf.keras 2 optimizers are not supported; use ``kfront.optimizers``).

Example:
    >>> from kfront.optimizers import legacy
    >>> legacy.Adam(learning_rate=0.1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ImportError: `kfront.optimizers.legacy.Adam` is not supported (...): use ...Adam` instead.
"""
from __future__ import annotations

__all__ = ["Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop", "SGD"]


class _LegacyOptimizer:
    """A Keras 2 optimizer name that Keras 3 (and kfront) refuses."""

    def __init__(self, *args, **kwargs):
        name = type(self).__name__
        raise ImportError(f"`kfront.optimizers.legacy.{name}` is not supported (as "
                          f"`keras.optimizers.legacy` in Keras 3): use "
                          f"`kfront.optimizers.{name}` instead.")


Adagrad = type("Adagrad", (_LegacyOptimizer,), {"__module__": __name__})
Adam = type("Adam", (_LegacyOptimizer,), {"__module__": __name__})
Ftrl = type("Ftrl", (_LegacyOptimizer,), {"__module__": __name__})
Optimizer = type("Optimizer", (_LegacyOptimizer,), {"__module__": __name__})
RMSprop = type("RMSprop", (_LegacyOptimizer,), {"__module__": __name__})
SGD = type("SGD", (_LegacyOptimizer,), {"__module__": __name__})
