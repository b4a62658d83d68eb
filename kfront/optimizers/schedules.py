"""Learning-rate schedules (``keras.optimizers.schedules``).

A schedule is a callable ``schedule(step) -> learning rate`` that an optimizer evaluates once per
step with its ``iterations`` counter. The formulas, dtypes (the rate has the dtype of the initial
learning rate, float32 for a Python float) and configs are Keras 3's.

Example:
    >>> from kfront.optimizers import schedules
    >>> s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> round(float(s(10)), 6)
    0.05
"""
from __future__ import annotations

import math
from typing import Any

from kfront import ops

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "InverseTimeDecay", "PolynomialDecay", "CosineDecay", "CosineDecayRestarts",
           "serialize", "deserialize"]


def _as(x, dtype):
    """``x`` (Python number, Variable or tensor) as a tensor of ``dtype``."""
    return ops.cast(ops.convert_to_tensor(x), dtype)


class LearningRateSchedule:
    """Base class of learning-rate schedules: override ``__call__(step)`` and ``get_config()``.

    Example:
        >>> import kfront.optimizers as optimizers
        >>> class Halving(optimizers.schedules.LearningRateSchedule):
        ...     def __call__(self, step):
        ...         return 0.1 / (1 + step)
        ...     def get_config(self):
        ...         return {}
        >>> opt = optimizers.SGD(learning_rate=Halving())
        >>> float(opt.learning_rate)
        0.1
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  f"`__call__(self, step)`.")

    def get_config(self) -> dict:
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  f"`get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config: dict) -> "LearningRateSchedule":
        return cls(**config)


def _check_decay_steps(obj, decay_steps, arg: str = "decay_steps"):
    if decay_steps <= 0:
        raise ValueError(f"{type(obj).__name__}: argument `{arg}` must be > 0. "
                         f"Received: {arg}={decay_steps}")


class _StepDecay(LearningRateSchedule):
    """What ``ExponentialDecay`` and ``InverseTimeDecay`` share: their five arguments (and
    config), and the progress ``step / decay_steps`` (floored with ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_decay_steps(self, decay_steps)

    def _progress(self, step):
        """``(initial learning rate tensor, its dtype, step / decay_steps in that dtype)``."""
        initial = ops.convert_to_tensor(self.initial_learning_rate)
        dtype = ops.dtype(initial)
        p = ops.divide(_as(step, dtype), _as(self.decay_steps, dtype))
        if self.staircase:
            p = ops.floor(p)
        return initial, dtype, p

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (floored with ``staircase``).

    Example:
        >>> from kfront.optimizers import schedules
        >>> s = schedules.ExponentialDecay(1.0, decay_steps=2, decay_rate=0.5, staircase=True)
        >>> [float(s(k)) for k in (0, 1, 2, 3, 4)]
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        initial, dtype, p = self._progress(step)
        return ops.multiply(initial, ops.power(_as(self.decay_rate, dtype), p))


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[1]`` up to ``boundaries[1]``, ...

    Boundaries are cast to the step's dtype (as Keras: float boundaries are truncated for an
    integer step); the result has the dtype of ``values[0]``.

    Example:
        >>> from kfront.optimizers import schedules
        >>> s = schedules.PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1])
        >>> [float(s(k)) for k in (0, 2, 3, 5, 6)]
        [1.0, 1.0, 0.5, 0.5, 0.10000000149011612]
    """

    def __init__(self, boundaries: list, values: list, name: str = "PiecewiseConstant"):
        super().__init__()
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: the length of boundaries should be 1 less than the "
                f"length of values. Received: boundaries={boundaries} of length "
                f"{len(boundaries)}, and values={values} of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = ops.convert_to_tensor(step)
        step_dtype = ops.dtype(step)
        values = [ops.convert_to_tensor(v) for v in self.values]
        dtype = ops.dtype(values[0])
        values = [ops.cast(v, dtype) for v in values]
        bounds = [_as(b, step_dtype) for b in self.boundaries]
        result = ops.multiply(ops.cast(ops.less_equal(step, bounds[0]), dtype), values[0])
        result = ops.add(result, ops.multiply(
            ops.cast(ops.greater(step, bounds[-1]), dtype), values[-1]))
        for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1]):
            inside = ops.logical_and(ops.greater(step, low), ops.less_equal(step, high))
            result = ops.add(result, ops.multiply(ops.cast(inside, dtype), value))
        return result

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class InverseTimeDecay(_StepDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (floored with staircase).

    Example:
        >>> from kfront.optimizers import schedules
        >>> s = schedules.InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)
        >>> round(float(s(2)), 6)
        0.05
    """

    def __init__(self, initial_learning_rate: float, decay_steps: float, decay_rate: float,
                 staircase: bool = False, name: str = "InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        initial, dtype, p = self._progress(step)
        denom = ops.add(_as(1, dtype), ops.multiply(_as(self.decay_rate, dtype), p))
        return ops.divide(initial, denom)


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step / decay_steps) ** power + end``; the step is capped at
    ``decay_steps``, or with ``cycle`` ``decay_steps`` is multiplied by ``ceil(step /
    decay_steps)``.

    Example:
        >>> from kfront.optimizers import schedules
        >>> s = schedules.PolynomialDecay(1.0, decay_steps=4, end_learning_rate=0.0)
        >>> [float(s(k)) for k in (0, 2, 4, 8)]
        [1.0, 0.5, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int,
                 end_learning_rate: float = 0.0001, power: float = 1.0, cycle: bool = False,
                 name: str = "PolynomialDecay"):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_decay_steps(self, decay_steps)

    def __call__(self, step):
        initial = ops.convert_to_tensor(self.initial_learning_rate)
        dtype = ops.dtype(initial)
        end = _as(self.end_learning_rate, dtype)
        step = _as(step, dtype)
        decay_steps = _as(self.decay_steps, dtype)
        if self.cycle:
            multiplier = ops.where(ops.equal(step, 0), _as(1, dtype),
                                   ops.ceil(ops.divide(step, decay_steps)))
            decay_steps = ops.multiply(decay_steps, multiplier)
        else:
            step = ops.minimum(step, decay_steps)
        p = ops.divide(step, decay_steps)
        return ops.add(ops.multiply(ops.subtract(initial, end),
                                    ops.power(ops.subtract(_as(1, dtype), p),
                                              _as(self.power, dtype))), end)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


def _cosine(fraction, dtype, alpha):
    """``(1 - alpha) * 0.5 * (1 + cos(pi * fraction)) + alpha`` in ``dtype``."""
    cosine = ops.multiply(_as(0.5, dtype), ops.add(_as(1, dtype), ops.cos(
        ops.multiply(_as(math.pi, dtype), fraction))))
    return ops.add(ops.multiply(_as(1 - alpha, dtype), cosine), _as(alpha, dtype))


class CosineDecay(LearningRateSchedule):
    """Cosine decay from the initial rate (or, after a linear warmup of ``warmup_steps`` to
    ``warmup_target``, from that target) to ``alpha`` times it over ``decay_steps``.

    Example:
        >>> from kfront.optimizers import schedules
        >>> s = schedules.CosineDecay(0.0, 4, warmup_target=1.0, warmup_steps=2)
        >>> [round(float(s(k)), 4) for k in (0, 1, 2, 4, 6, 9)]
        [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,
                 name: str = "CosineDecay", warmup_target: float | None = None,
                 warmup_steps: int = 0):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_decay_steps(self, decay_steps)
        if warmup_steps < 0:
            raise ValueError(f"CosineDecay: argument `warmup_steps` must be >= 0. "
                             f"Received: warmup_steps={warmup_steps}")

    def __call__(self, step):
        initial = ops.convert_to_tensor(self.initial_learning_rate)
        dtype = ops.dtype(initial)
        decay_steps = _as(self.decay_steps, dtype)
        step = _as(step, dtype)
        if self.warmup_target is None:
            step = ops.minimum(step, decay_steps)
            return ops.multiply(initial, _cosine(ops.divide(step, decay_steps), dtype,
                                                 self.alpha))
        target = _as(self.warmup_target, dtype)
        warmup_steps = _as(self.warmup_steps, dtype)
        step = ops.minimum(step, ops.add(decay_steps, warmup_steps))
        in_warmup = ops.less(step, warmup_steps)
        # the warmup fraction's denominator is 1 where it is not used (no 0 / 0)
        warmup = ops.add(ops.multiply(ops.subtract(target, initial), ops.divide(
            step, ops.where(in_warmup, warmup_steps, _as(1, dtype)))), initial)
        decay = ops.multiply(target, _cosine(ops.divide(ops.subtract(step, warmup_steps),
                                                        decay_steps), dtype, self.alpha))
        return ops.where(in_warmup, warmup, decay)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods of ``first_decay_steps * t_mul**i``
    steps, the i-th starting from ``initial_learning_rate * m_mul**i``.

    Example:
        >>> from kfront.optimizers import schedules
        >>> s = schedules.CosineDecayRestarts(1.0, 2, t_mul=1.0, m_mul=0.5)
        >>> [round(float(s(k)), 4) for k in (0, 1, 2, 3, 4)]
        [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, initial_learning_rate: float, first_decay_steps: int, t_mul: float = 2.0,
                 m_mul: float = 1.0, alpha: float = 0.0, name: str = "SGDRDecay"):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        _check_decay_steps(self, first_decay_steps, "first_decay_steps")

    def __call__(self, step):
        initial = ops.convert_to_tensor(self.initial_learning_rate)
        dtype = ops.dtype(initial)
        t_mul = _as(self._t_mul, dtype)
        one = _as(1, dtype)
        fraction = ops.divide(_as(step, dtype), _as(self.first_decay_steps, dtype))
        if float(self._t_mul) == 1.0:
            i_restart = ops.floor(fraction)
            fraction = ops.subtract(fraction, i_restart)
        else:
            i_restart = ops.floor(ops.divide(
                ops.log(ops.subtract(one, ops.multiply(fraction, ops.subtract(one, t_mul)))),
                ops.log(t_mul)))
            sum_r = ops.divide(ops.subtract(one, ops.power(t_mul, i_restart)),
                               ops.subtract(one, t_mul))
            fraction = ops.divide(ops.subtract(fraction, sum_r), ops.power(t_mul, i_restart))
        m_fac = ops.power(_as(self._m_mul, dtype), i_restart)
        cosine = ops.multiply(ops.multiply(_as(0.5, dtype), m_fac), ops.add(one, ops.cos(
            ops.multiply(_as(math.pi, dtype), fraction))))
        alpha = _as(self.alpha, dtype)
        return ops.multiply(initial, ops.add(ops.multiply(ops.subtract(one, alpha), cosine),
                                             alpha))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_BUILTIN = {c.__name__: c for c in (ExponentialDecay, PiecewiseConstantDecay, InverseTimeDecay,
                                    PolynomialDecay, CosineDecay, CosineDecayRestarts)}


def serialize(learning_rate_schedule: LearningRateSchedule) -> dict:
    """The schedule as a Keras-format dict ``{"module", "class_name", "config", ...}``.

    Example:
        >>> from kfront.optimizers import schedules
        >>> schedules.serialize(schedules.InverseTimeDecay(0.1, 1, 0.5))["class_name"]
        'InverseTimeDecay'
    """
    cls = type(learning_rate_schedule)
    module = "keras.optimizers.schedules" if cls in _BUILTIN.values() else cls.__module__
    return {"module": module, "class_name": cls.__name__,
            "config": learning_rate_schedule.get_config(), "registered_name": None}


def deserialize(config: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """Inverse of ``serialize`` (also accepts custom classes via ``custom_objects``).

    Example:
        >>> from kfront.optimizers import schedules
        >>> s = schedules.deserialize(schedules.serialize(schedules.ExponentialDecay(1.0, 5, 0.5)))
        >>> s.decay_steps
        5
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Learning rate schedule config must be a dict with a 'class_name' key, "
                         f"got {config!r}")
    name = config["class_name"]
    cls: Any = (custom_objects or {}).get(name) or _BUILTIN.get(name)
    if cls is None:
        raise ValueError(f"Unknown learning rate schedule {name!r}: expected one of "
                         f"{sorted(_BUILTIN)} or a class passed in custom_objects")
    return cls.from_config(dict(config.get("config", {})))
