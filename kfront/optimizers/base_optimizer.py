"""The ``Optimizer`` base class (Keras 3's ``BaseOptimizer``).

One training step, ``apply(grads, variables)``, runs as in Keras: drop ``None`` gradients (with a
warning; an error if all are ``None``), cast each gradient to its variable's dtype, unscale by
``loss_scale_factor``, clip (``clipnorm`` | ``global_clipnorm`` | ``clipvalue``), apply decoupled
weight decay, update each variable, update the EMA, apply variable constraints, and increment
``iterations``. Optimizer variables are, in order: ``iteration``, ``learning_rate`` (unless a
schedule), EMA averages, gradient accumulators, then the optimizer's slots; a call to
``add_optimizer_variables(vars, [names])`` creates them variable by variable, interleaving the
names (Adam: ``k_momentum, k_velocity, b_momentum, b_velocity``), and later calls follow.

Fast path and backend hook
--------------------------
Everything that does not depend on the variable (learning rate, bias corrections...) is
computed once per step as Python floats by ``_step_hyper(learning_rate, iteration) -> dict``.
The built-in optimizers then call, per variable::

    self._update_step(grad, variable, slots, hyper)

where ``slots`` is the tuple of that variable's optimizer variables (SGD: ``(momentum,)`` or
``()``; Adam: ``(m, v[, v_hat])``; RMSprop: ``(velocity[, momentum][, average_gradient])``;
Adagrad: ``(accumulator,)``) and ``hyper`` holds plain floats/bools. ``_update_step`` is written
with ``kfront.ops`` and ``Variable.assign*`` so it runs on every backend. A backend may provide
fused in-place kernels by exporting ``optimizer_kernels`` (listed in its ``__all__``): a dict from
``Optimizer._kernel_name`` (``"sgd"``, ``"adam"``, ``"rmsprop"``, ``"adagrad"``) to
``kernel(grad, variable, slots, hyper)`` with the same meaning as ``_update_step``; a kernel
returns ``NotImplemented`` to decline (e.g. an unsupported dtype), and the portable code runs.
A kernel with the attribute ``batched = True`` is instead called once per step with lists,
``kernel(grads, variables, slots_per_variable, hyper)``, so that a backend can update every
variable in one compiled call; declining then must leave every variable untouched.
``hyper`` keys (all have ``learning_rate``): SGD ``momentum, nesterov``; Adam ``alpha`` (bias-
corrected step size), ``one_minus_beta_1, one_minus_beta_2, epsilon, amsgrad``; RMSprop
``rho, one_minus_rho, momentum, epsilon, centered``; Adagrad ``epsilon``. The native engine's
kernels (``kfront/backends/numpy/optimizers.py``) update slots in place, which is safe because a
native Variable owns its buffer (``assign`` copies, ``numpy()`` returns a copy).

A subclass that overrides only ``update_step(gradient, variable, learning_rate)`` (the Keras
way to write a custom optimizer) is supported too: that method is then called per variable.
Built-in ``update_step`` methods take their per-step scalars (learning rate, bias corrections)
from ``self._scalars(dtype) -> (t, xp)``: NumPy on the host, ``kfront.ops`` on tensors when
``apply`` runs in a TensorFlow graph being traced (a user's ``tf.function``); there every
setting (clipping, weight decay, EMA, accumulation, loss scaling) runs as ops and the host's
branches as ``ops.cond``, as Keras's ``_backend_apply_gradients``.
"""
from __future__ import annotations

import collections
import inspect
import numbers
import re
import warnings
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from kfront import backends as _backends
from kfront import config as _config
from kfront import ops
from kfront.backend_objects import Variable
from kfront.backends import B, tf_graph
from kfront.backends.common.variables import KVariable
from kfront.optimizers import schedules as _schedules

_uids: collections.Counter = collections.Counter()

# tf.keras 2 optimizer configs carry these keys; Keras 3 does not know them
_LEGACY_CONFIG_KEYS = ("jit_compile", "is_legacy_optimizer")


def _auto_name(cls_name: str) -> str:
    """Keras's ``auto_name``: snake case (so ``RMSprop`` -> ``rm_sprop``) made unique."""
    name = re.sub(r"\W+", "", cls_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    n = _uids[name]
    _uids[name] += 1
    return name if n == 0 else f"{name}_{n}"


def _as_float(x) -> float:
    return float(ops.convert_to_numpy(x))


def _check_is_variable(opt, v) -> None:
    if not isinstance(v, KVariable):
        raise TypeError(f"{opt.name}: can only update kfront Variables, got "
                        f"{type(v).__module__}.{type(v).__name__} ({v!r})")


def _apply_constraints(variables) -> None:
    for v in variables:
        constraint = getattr(v, "constraint", None)
        if constraint is not None:
            v.assign(constraint(v))


class _HostScalars:
    """The scalar functions of ``kfront.ops`` that optimizers use for per-step values, on the
    host: each rounds as the op would in the variables' precision (float32; float64 for
    float64 variables) and returns a Python float, which tensor ops take as a weakly typed
    number. A tensor argument (the learning rate) is read once."""

    _by_precision: dict = {}

    def __init__(self, precision: type):
        self.f = precision

    @classmethod
    def of(cls, dtype) -> "_HostScalars":
        precision = np.float64 if str(dtype) == "float64" else np.float32
        if precision not in cls._by_precision:
            cls._by_precision[precision] = cls(precision)
        return cls._by_precision[precision]

    def _round(self, x):
        if type(x) not in (float, int) and not isinstance(x, np.generic):
            x = ops.convert_to_numpy(x)
        return self.f(x)

    def cast(self, x, dtype=None) -> float:
        return float(self._round(x))

    def add(self, a, b) -> float:
        return float(self._round(a) + self._round(b))

    def subtract(self, a, b) -> float:
        return float(self._round(a) - self._round(b))

    def multiply(self, a, b) -> float:
        return float(self._round(a) * self._round(b))

    def divide(self, a, b) -> float:
        return float(self._round(a) / self._round(b))

    def power(self, a, b) -> float:
        return float(self._round(a) ** self._round(b))

    def minimum(self, a, b) -> float:
        return float(np.minimum(self._round(a), self._round(b)))

    def sqrt(self, a) -> float:
        return float(np.sqrt(self._round(a)))


def _floor_divide(step, k: int):
    """``step // k`` for a host int or a traced tensor."""
    return step // k if isinstance(step, int) else ops.floor_divide(step, k)


def _completes(step, every: int):
    """Whether step number ``step + 1`` is a multiple of ``every``: a bool for a host int, a
    boolean tensor for a traced one."""
    if isinstance(step, int):
        return (step + 1) % every == 0
    return ops.equal(ops.mod(ops.add(step, 1), every), 0)


def _run_if(pred, then: Callable, otherwise: Callable = lambda: None) -> None:
    """``then()`` where ``pred`` holds, else ``otherwise()``: a Python branch for a bool,
    ``ops.cond`` for a tensor of a traced graph (as Keras branches its update)."""
    if isinstance(pred, bool):
        (then if pred else otherwise)()
    else:
        ops.cond(pred, then, otherwise)


def _owner(cls, attr):
    return next((c for c in cls.__mro__ if attr in c.__dict__), None)


class Optimizer:
    """Base class of optimizers (``keras.optimizers.Optimizer``).

    Args:
        learning_rate: a float, a ``kfront.optimizers.schedules.LearningRateSchedule`` or a
            zero-argument callable returning the rate.
        weight_decay: if set, decoupled weight decay: ``w -= w * weight_decay * lr`` each step,
            before the update (see ``exclude_from_weight_decay``).
        clipnorm / clipvalue / global_clipnorm: gradient clipping (at most one): by each
            gradient's L2 norm, by value, or by the global norm of all gradients.
        use_ema, ema_momentum, ema_overwrite_frequency: exponential moving average of the
            weights (``finalize_variable_values`` copies it in).
        loss_scale_factor: gradients are divided by it (``scale_loss`` multiplies the loss).
        gradient_accumulation_steps: update every N calls with the mean gradient.
        name: defaults to the snake-cased class name (``adam``, ``adam_1``...).

    Custom optimizers subclass it, create slots in ``build`` with
    ``add_variable_from_reference`` / ``add_optimizer_variables`` and implement
    ``update_step(gradient, variable, learning_rate)``.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront import ops
        >>> from kfront.optimizers import Optimizer
        >>> class PlainSGD(Optimizer):
        ...     def update_step(self, gradient, variable, learning_rate):
        ...         variable.assign_sub(ops.multiply(gradient, learning_rate))
        >>> w = kfront.Variable(np.ones(2, "float32"))
        >>> opt = PlainSGD(learning_rate=0.5)
        >>> _ = opt.apply_gradients([(np.ones(2, "float32"), w)])
        >>> w.numpy().tolist(), int(opt.iterations.numpy())
        ([0.5, 0.5], 1)
    """

    #: key of this optimizer's fused kernel in a backend's ``optimizer_kernels`` (or None)
    _kernel_name: str | None = None
    #: ``_step_hyper`` keys whose values change from step to step: a compiled train step takes
    #: them as tensors; the other values are compiled in (a new value compiles a new step)
    _per_step_hyper: tuple = ("learning_rate",)
    #: True while ``apply`` runs in a TensorFlow graph being traced (a user's ``tf.function``):
    #: ``_step_iteration`` and the learning rate are tensors then
    _tracing: bool = False

    def __init__(self, learning_rate: float | _schedules.LearningRateSchedule | Callable,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs):
        cls_name = type(self).__name__
        if "lr" in kwargs:
            warnings.warn(f"{cls_name}: the `lr` argument is deprecated (Keras 3 rejects it); "
                          f"use `learning_rate` instead.", UserWarning, stacklevel=3)
            learning_rate = kwargs.pop("lr")
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.",
                          UserWarning, stacklevel=3)
        if kwargs:
            raise ValueError(f"{cls_name}: argument(s) not recognized: {kwargs}")
        if name is None:
            name = _auto_name(cls_name)
        elif not isinstance(name, str):
            raise TypeError(f"{cls_name}: `name` must be a string, got {name!r}")
        self.name = name
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        if gradient_accumulation_steps is not None and not (
                isinstance(gradient_accumulation_steps, int) and gradient_accumulation_steps >= 2):
            raise ValueError(f"{cls_name}: `gradient_accumulation_steps` must be an integer >= 2. "
                             f"Received: gradient_accumulation_steps={gradient_accumulation_steps}")
        if use_ema:
            if not 0 <= ema_momentum <= 1:
                raise ValueError(f"{cls_name}: `ema_momentum` must be in the range [0, 1]. "
                                 f"Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                            or ema_overwrite_frequency < 1):
                raise ValueError(f"{cls_name}: `ema_overwrite_frequency` must be an integer >= 1 "
                                 f"or None. Received: "
                                 f"ema_overwrite_frequency={ema_overwrite_frequency}")
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"{cls_name}: only one of `clipnorm`, `clipvalue` and "
                             f"`global_clipnorm` can be set. Received: clipnorm={clipnorm}, "
                             f"clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        self.built = False
        self._variables: list = []
        self._trainable_variables: list = []
        self._trainable_variables_indices: dict = {}
        self._slots: list = []
        self._fast_path = False
        self._step_iteration = 0
        int_dtype = "int32" if _backends.active_name() == "jax" else "int64"
        self._iterations = self._new_variable(0, None, int_dtype, "iteration")
        self._learning_rate: Any = None
        self._learning_rate = self._make_learning_rate(learning_rate)

    # ------------------------------------------------------------------ variables & state
    def _new_variable(self, initializer, shape, dtype, name):
        v = Variable(initializer, shape=shape, dtype=dtype, trainable=False, name=name)
        v.path = f"{self.name}/{name}"
        self._variables.append(v)
        return v

    def _make_learning_rate(self, learning_rate):
        if isinstance(learning_rate, _schedules.LearningRateSchedule) or (
                callable(learning_rate) and not isinstance(learning_rate, KVariable)):
            return learning_rate
        if isinstance(learning_rate, KVariable) or ops.is_tensor(learning_rate):
            learning_rate = _as_float(learning_rate)
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real):
            raise ValueError(
                f"{type(self).__name__}: argument `learning_rate` should be a float, an instance "
                f"of LearningRateSchedule, or a callable (that takes no argument and returns the "
                f"learning rate). Received instead: learning_rate={learning_rate!r}")
        return self._new_variable(float(learning_rate), None, _config.floatx(), "learning_rate")

    @property
    def iterations(self):
        """The step counter (an int Variable; the update count with gradient accumulation)."""
        if self.gradient_accumulation_steps:
            return ops.floor_divide(self._iterations.value, self.gradient_accumulation_steps)
        return self._iterations

    @property
    def variables(self) -> list:
        """All optimizer variables, in Keras's order (see the module docstring)."""
        return self._variables[:]

    @property
    def learning_rate(self):
        """The current rate: the ``learning_rate`` Variable, or the schedule's value now."""
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            return lr(self._iterations)
        if isinstance(lr, KVariable):
            return lr
        if callable(lr):
            return lr()
        return lr

    @learning_rate.setter
    def learning_rate(self, learning_rate) -> None:
        prev = self._learning_rate if isinstance(self._learning_rate, KVariable) else None
        if isinstance(learning_rate, _schedules.LearningRateSchedule) or (
                callable(learning_rate) and not isinstance(learning_rate, KVariable)):
            self._learning_rate = learning_rate
        else:
            if prev is None:
                raise TypeError(
                    f"{type(self).__name__}: this optimizer was created with a "
                    f"`LearningRateSchedule` (or callable) as its `learning_rate`, hence its "
                    f"learning rate is not settable. Create the optimizer with a float "
                    f"`learning_rate` to set it.")
            if isinstance(learning_rate, KVariable) or ops.is_tensor(learning_rate):
                learning_rate = _as_float(learning_rate)
            prev.assign(float(learning_rate))
        if prev is not None and self._learning_rate is not prev:
            self._variables.remove(prev)

    def _current_learning_rate(self) -> float:
        """The learning rate for this step, as a Python float (read once per step)."""
        lr = self._learning_rate
        if isinstance(lr, KVariable):
            return self._host_learning_rate(lr)
        return _as_float(self.learning_rate)

    def build(self, variables: Sequence) -> None:
        """Create the optimizer variables for ``variables`` (done by the first ``apply``)."""
        variables = list(variables)
        for v in variables:
            _check_is_variable(self, v)
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(
                variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(
                variables, "gradient_accumulator")
        self._trainable_variables_indices = {id(v): i for i, v in enumerate(variables)}
        self._trainable_variables = variables[:]
        self._slots = [()] * len(variables)
        u, f = _owner(type(self), "update_step"), _owner(type(self), "_update_step")
        self._fast_path = f is not None and issubclass(f, u)
        self.built = True

    def __getstate__(self) -> dict:
        """Pickle without the tables keyed by variable identity (``id``), which
        ``__setstate__`` rebuilds from the unpickled variables, so that a model unpickled
        after training can train again."""
        state = dict(self.__dict__)
        state.pop("_trainable_variables_indices", None)
        state.pop("_exclude_from_weight_decay", None)
        state.pop("_exclude_from_weight_decay_cache", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if "_trainable_variables" in state:
            self._trainable_variables_indices = {
                id(v): i for i, v in enumerate(self._trainable_variables)}
        if "_exclude_from_weight_decay_vars" in state:
            self._exclude_from_weight_decay = {id(v) for v in
                                               self._exclude_from_weight_decay_vars}

    def _var_key(self, variable) -> int:
        return id(variable)

    def _get_variable_index(self, variable) -> int:
        return self._trainable_variables_indices[id(variable)]

    def add_variable(self, shape: Sequence[int], initializer: Any = "zeros", dtype=None,
                     aggregation: str = "none", layout=None, name: str | None = None):
        """Add a (non-trainable) optimizer variable.

        ``initializer``: ``"zeros"``, ``"ones"``, a number (constant), or a callable
        ``(shape, dtype) -> value``.
        """
        shape = tuple(int(s) for s in shape)
        dtype = dtype or _config.floatx()
        if isinstance(initializer, str):
            key = initializer.lower()
            if key in ("zeros", "zero"):
                initializer = lambda s, dtype=None: ops.zeros(s, dtype=dtype)  # noqa: E731
            elif key in ("ones", "one"):
                initializer = lambda s, dtype=None: ops.ones(s, dtype=dtype)  # noqa: E731
            else:
                try:
                    from kfront import initializers  # type: ignore[attr-defined]
                except ImportError:
                    raise ValueError(f"{self.name}: unknown initializer {initializer!r} for "
                                     f"optimizer variable {name!r}") from None
                initializer = initializers.get(initializer)
        elif isinstance(initializer, numbers.Number):
            value = initializer
            initializer = lambda s, dtype=None: ops.full(s, value, dtype=dtype)  # noqa: E731
        return self._new_variable(initializer, shape, dtype, name or "variable")

    def add_variable_from_reference(self, reference_variable, name: str | None = None,
                                    initializer: Any = "zeros"):
        """Add an optimizer variable shaped like ``reference_variable``, named
        ``{reference path with / as _}_{name}``."""
        name = name or "var"
        ref = getattr(reference_variable, "path", None) or str(reference_variable.name)
        name = f"{ref.replace('/', '_').replace(':', '_')}_{name}"
        return self.add_variable(shape=reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype, name=name)

    def add_optimizer_variables(self, trainable_variables: Sequence, name: str | Sequence[str],
                                initializer: Any = "zeros"):
        """One optimizer variable per trainable variable and per name, created variable by
        variable (Keras's interleaved order). Returns a list, or a tuple of lists for a list of
        names; variables with ``overwrite_with_gradient`` get ``None``."""
        single = isinstance(name, str)
        names = [name] if single else list(name)
        inits = initializer if isinstance(initializer, (list, tuple)) else [initializer] * len(
            names)
        if len(inits) != len(names):
            raise ValueError(f"{self.name}: the number of provided names must match the number "
                             f"of provided initializers. Received name={name!r}, "
                             f"initializer={initializer!r}")
        out: tuple = tuple([] for _ in names)
        for variable in trainable_variables:
            skip = getattr(variable, "overwrite_with_gradient", False)
            for i, (n, init) in enumerate(zip(names, inits)):
                out[i].append(None if skip else self.add_variable_from_reference(
                    variable, name=n, initializer=init))
        return out[0] if single else out

    def assign(self, variable, value) -> None:
        """``variable.assign(value)``; optimizers use this so backends can specialise it."""
        variable.assign(value)

    def assign_add(self, variable, value) -> None:
        variable.assign_add(value)

    def assign_sub(self, variable, value) -> None:
        variable.assign_sub(value)

    def set_weights(self, weights: Sequence) -> None:
        """Set every optimizer variable (in ``variables`` order) from arrays."""
        if not self.built:
            raise ValueError(f"{self.name}: set_weights() called on an optimizer that is not "
                             f"built yet; call optimizer.build(trainable_variables) first.")
        weights = list(weights)
        if len(weights) != len(self._variables):
            raise ValueError(f"{self.name}: expected {len(self._variables)} weights, "
                             f"got {len(weights)}")
        for variable, w in zip(self._variables, weights):
            w = ops.convert_to_tensor(w, dtype=variable.dtype)
            if tuple(variable.shape) != tuple(ops.shape(w)):
                raise ValueError(f"{self.name}: optimizer variable {variable.path!r} has shape "
                                 f"{variable.shape}, not compatible with provided weight shape "
                                 f"{tuple(ops.shape(w))}.")
            variable.assign(w)

    def save_own_variables(self, store: dict) -> None:
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store) -> None:
        if len(store.keys()) != len(self.variables):
            warnings.warn(f"Skipping variable loading for optimizer '{self.name}', because it has "
                          f"{len(self.variables)} variables whereas the saved optimizer has "
                          f"{len(store.keys())} variables.", stacklevel=2)
            return
        for i, variable in enumerate(self.variables):
            variable.assign(store[str(i)])

    # ------------------------------------------------------------------------- stepping
    def apply_gradients(self, grads_and_vars: Iterable):
        """Apply ``[(gradient, variable), ...]``; returns ``iterations`` (as tf.keras).

        Example:
            >>> import numpy as np, kfront
            >>> from kfront.optimizers import SGD
            >>> w = kfront.Variable(np.ones(3, "float32"))
            >>> _ = SGD(learning_rate=0.1).apply_gradients([(np.ones(3, "float32"), w)])
            >>> w.numpy().astype(float).round(6).tolist()
            [0.9, 0.9, 0.9]
        """
        pairs = list(grads_and_vars)
        if not pairs:
            return self._iterations
        for p in pairs:
            if not (isinstance(p, (tuple, list)) and len(p) == 2):
                raise TypeError(f"{self.name}: apply_gradients expects an iterable of "
                                f"(gradient, variable) pairs, e.g. zip(grads, "
                                f"model.trainable_variables); got an element {p!r}")
        grads, variables = zip(*pairs)
        self.apply(grads, variables)
        return self._iterations

    def apply(self, grads: Sequence, trainable_variables: Sequence | None = None) -> None:
        """Update ``trainable_variables`` (default: those the optimizer was built with) one
        step with ``grads`` (one per variable; ``None`` entries are skipped)."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(f"{self.name}: when passing `grads` without `variables`, the "
                                 f"optimizer must already be built on a list of variables. Call "
                                 f"`optimizer.build(trainable_variables)` first.")
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
            self._build_for(variables, grads)
            index = self._trainable_variables_indices
            for v in variables:
                if id(v) not in index:
                    _check_is_variable(self, v)
                    raise ValueError(f"{self.name}: unknown variable {v!r}. This optimizer can "
                                     f"only be called for the variables it was originally built "
                                     f"with. When working with a new set of variables, create a "
                                     f"new optimizer instance.")
        if len(grads) != len(variables):
            raise ValueError(f"{self.name}: got {len(grads)} gradients for {len(variables)} "
                             f"variables; they must match one to one.")
        if any(g is None for g in grads):
            grads, variables = self._filter_empty_gradients(grads, variables)
        # cast only where needed: comparing the backend's dtype objects is cheap
        grads = [g if getattr(g, "dtype", None) == v.value.dtype else ops.cast(g, v.dtype)
                 for g, v in zip(grads, variables)]
        if tf_graph.has_graph_tensors(grads):
            self._apply_in_graph(grads, variables)
            return
        raw_step = self._host_iterations()
        self._apply_step(grads, variables, raw_step)
        self._advance(raw_step)

    def _build_for(self, variables: list, grads: Sequence) -> None:
        """``build(variables)`` if not built yet; eagerly (outside the graph) when ``grads``
        are tensors of a TensorFlow graph being traced, as Keras creates its slots."""
        if self.built:
            return
        if tf_graph.has_graph_tensors(grads):
            with tf_graph.lifted():
                self.build(variables)
        else:
            self.build(variables)

    def _apply_step(self, grads: list, variables: list, raw_step) -> None:
        """One ``apply`` after the checks: ``raw_step`` (the ``iterations`` count before this
        call) is a Python int on the host, or a tensor in a traced graph, where the branches
        (accumulation, EMA overwrite) become ``ops.cond`` as in Keras."""
        acc_steps = self.gradient_accumulation_steps
        self._step_iteration = _floor_divide(raw_step, acc_steps) if acc_steps else raw_step
        if any(getattr(v, "overwrite_with_gradient", False) for v in variables):
            grads, variables = self._overwrite_variables_directly_with_gradients(
                grads, variables, raw_step)
        if not grads:
            return
        if self.loss_scale_factor is not None:
            grads = [ops.divide(g, self.loss_scale_factor) for g in grads]
        if acc_steps:
            accs = [self._accumulated_gradients[self._get_variable_index(v)] for v in variables]

            def update():
                self._update([ops.divide(ops.add(g, a.value), acc_steps)
                              for g, a in zip(grads, accs)], variables)
                for a in accs:
                    a.assign(ops.zeros(a.shape, dtype=a.dtype))

            def accumulate():
                for g, a in zip(grads, accs):
                    a.assign(ops.add(g, a.value))
            _run_if(_completes(raw_step, acc_steps), update, accumulate)
        else:
            self._update(grads, variables)
        if self.use_ema:
            self._update_model_variables_moving_average(self._trainable_variables)
            freq = self.ema_overwrite_frequency
            if freq:
                _run_if(_completes(self._step_iteration, freq),
                        lambda: self._overwrite_model_variables_with_average_value(
                            self._trainable_variables))
        _apply_constraints(variables)

    # ------------------------------------------------------- update inside a compiled step
    def _can_update_in_graph(self, variables: Sequence) -> bool:
        """Can the update of ``variables`` run inside a compiled train step (the trainer's
        fused path, one compiled call per step)? Only the built-in updates without gradient
        accumulation, EMA, clipping, weight decay, loss scaling or overwrite-with-gradient
        variables, on variables of one dtype; everything else runs through ``apply``."""
        if not self.built:
            self.build(variables)
        return (self._fast_path
                and not (self.gradient_accumulation_steps or self.use_ema or self.weight_decay
                         or self.loss_scale_factor is not None or self.clipnorm is not None
                         or self.clipvalue is not None or self.global_clipnorm is not None)
                and not any(getattr(v, "overwrite_with_gradient", False) for v in variables)
                and len({v.dtype for v in variables}) == 1
                and list(map(id, variables)) == list(map(id, self._trainable_variables)))

    def _begin_step(self) -> tuple[int, dict]:
        """Host side of a step updated in a compiled graph: ``(iteration, hyper)``."""
        raw_step = self._host_iterations()
        self._step_iteration = raw_step
        return raw_step, self._step_hyper(self._current_learning_rate(), raw_step)

    def _update_in_graph(self, grads: Sequence, variables: Sequence, hyper: dict) -> None:
        """The update of one step, traceable: ``hyper``'s numbers may be tensors (see
        ``_can_update_in_graph``), ``iterations`` included; the trainer calls ``_begin_step``
        before and ``_advance(raw_step, assign=False)`` after."""
        slots, index = self._slots, self._trainable_variables_indices
        for g, v in zip(grads, variables):
            g = g if getattr(g, "dtype", None) == v.value.dtype else ops.cast(g, v.dtype)
            self._update_step(g, v, slots[index[id(v)]], hyper)
        _apply_constraints(variables)
        self._iterations.assign_add(1)

    def stateless_apply(self, optimizer_variables: Sequence, grads: Sequence,
                        trainable_variables: Sequence) -> tuple[list, list]:
        """``apply`` on values instead of Variables (Keras 3's stateless API, for JAX-style
        loops): takes the values of ``optimizer.variables`` and of the variables the optimizer
        was built with, and returns their new values ``(trainable_variables,
        optimizer_variables)``; the Variables themselves are left unchanged. Traceable (under
        ``jax.jit``) for the optimizers whose update can run in a compiled step (see
        ``_can_update_in_graph``); the others run their host-side ``apply`` on the values.

        Example:
            >>> import numpy as np, kfront
            >>> w = kfront.Variable(np.ones(2, "float32"))
            >>> opt = kfront.optimizers.SGD(learning_rate=0.5)
            >>> opt.build([w])
            >>> new_w, new_opt = opt.stateless_apply(opt.variables, [np.ones(2, "float32")], [w])
            >>> kfront.ops.convert_to_numpy(new_w[0]).tolist(), w.numpy().tolist()
            ([0.5, 0.5], [1.0, 1.0])
        """
        from kfront.layers.stateless import stateless_apply
        return stateless_apply(self, optimizer_variables, grads, trainable_variables)

    def _apply_traceable(self, grads: list) -> None:
        """``apply(grads)`` to the variables the optimizer was built with, written with ops
        only (iteration and learning rate read as tensors) where the update allows it."""
        variables = self._trainable_variables
        if not self._can_update_in_graph(variables) or any(g is None for g in grads):
            self.apply(grads)
            return
        lr = self.learning_rate
        lr = ops.cast(lr.value if isinstance(lr, KVariable) else lr, variables[0].dtype)
        self._update_in_graph(grads, variables,
                              self._traced_step_hyper(lr, self._iterations.value))

    def _apply_in_graph(self, grads: list, variables: list) -> None:
        """``apply`` while a TensorFlow graph is traced (``apply_gradients`` in a user's
        ``tf.function``, as keras-io's researchers guide writes its train step): iterations
        and learning rate are read as tensors in the graph and every setting runs as ops, the
        host-side branches as ``ops.cond`` (Keras's ``_backend_apply_gradients``)."""
        self._updated_in_graph = True  # iterations now advance where the host cannot count
        host_step, self._tracing = self._step_iteration, True
        try:
            self._apply_step(grads, variables, self._iterations.value)
        finally:
            self._step_iteration, self._tracing = host_step, False
        self._iterations.assign_add(1)

    def _traced_learning_rate(self, dtype):
        """The learning rate read in the graph being traced, as a tensor of ``dtype``."""
        lr = self.learning_rate
        return ops.cast(lr.value if isinstance(lr, KVariable) else lr, dtype)

    def _traced_step_hyper(self, learning_rate, iteration) -> dict:
        """``_step_hyper`` with the learning rate and iteration as tensors, the per-step
        values computed with ops as Keras computes them in its graph (Adam's ``alpha``:
        ``lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)`` in the variables' dtype)."""
        hyper = self._step_hyper(1.0, 0)
        hyper["learning_rate"] = learning_rate
        varying = set(self._per_step_hyper) - {"learning_rate"}
        if varying == {"alpha"}:
            dtype = ops.standardize_dtype(learning_rate.dtype)
            t = ops.cast(ops.add(iteration, 1), dtype)
            beta_1_power = ops.power(ops.cast(self.beta_1, dtype), t)
            beta_2_power = ops.power(ops.cast(self.beta_2, dtype), t)
            hyper["alpha"] = ops.divide(
                ops.multiply(learning_rate, ops.sqrt(ops.subtract(1.0, beta_2_power))),
                ops.subtract(1.0, beta_1_power))
        elif varying:
            raise NotImplementedError(f"{type(self).__name__}: the per-step values "
                                      f"{sorted(varying)} have no traced form")
        return hyper

    def _advance(self, raw_step: int, assign: bool = True) -> None:
        """Count the step: ``iterations`` becomes ``raw_step + 1`` (already done on the
        device by ``_update_in_graph`` when not ``assign``)."""
        if assign:
            self._iterations.assign(raw_step + 1)
        self._iterations_seen = (self._iterations._version, raw_step + 1)

    def _host_iterations(self) -> int:
        """``iterations`` as a Python int, read from the device only when the variable was
        changed from outside (a device read is a synchronisation on compiled backends)."""
        seen = getattr(self, "_iterations_seen", None)
        if seen is not None and seen[0] == getattr(self._iterations, "_version", None) \
                and not self.__dict__.get("_updated_in_graph"):
            return seen[1]
        return int(ops.convert_to_numpy(self._iterations.value))

    def _host_learning_rate(self, lr: KVariable) -> float:
        """The ``learning_rate`` Variable as a float, read from the device only after an
        ``assign`` (a compiled step hands the variable a new buffer each call, and reading it
        would wait for that step to finish)."""
        seen = getattr(self, "_learning_rate_seen", None)
        version = getattr(lr, "_version", None)
        if seen is None or seen[0] != version or seen[1] is not lr:
            seen = self._learning_rate_seen = (version, lr, _as_float(lr.value))
        return seen[2]

    def _update(self, grads, variables):
        """Clip, weight-decay and update (one real update step)."""
        lr = (self._traced_learning_rate(variables[0].dtype) if self._tracing
              else self._current_learning_rate())
        grads = self._clip_gradients(grads)
        self._apply_weight_decay(variables, lr)
        self._backend_update_step(grads, variables, lr)

    def _backend_update_step(self, grads: list, trainable_variables: list,
                             learning_rate: float) -> None:
        """Update every variable: fused backend kernel, portable ``_update_step`` or the
        subclass's ``update_step`` (see the module docstring)."""
        if not self._fast_path:
            # Keras passes a scalar tensor; custom code may ops.cast() it
            lr = (ops.cast(learning_rate, _config.floatx()) if self._tracing else
                  ops.convert_to_tensor(learning_rate, dtype=_config.floatx()))
            for g, v in zip(grads, trainable_variables):
                self.update_step(g, v, lr)
            return
        index, slots, update = self._trainable_variables_indices, self._slots, self._update_step
        if self._tracing:
            hyper = self._traced_step_hyper(learning_rate, self._step_iteration)
            for g, v in zip(grads, trainable_variables):
                update(g, v, slots[index[id(v)]], hyper)
            return
        hyper = self._step_hyper(learning_rate, self._step_iteration)
        kernels = getattr(B, "optimizer_kernels", None)
        kernel = kernels.get(self._kernel_name) if kernels else None
        if getattr(kernel, "batched", False):
            var_slots = [slots[index[id(v)]] for v in trainable_variables]
            if kernel(grads, trainable_variables, var_slots, hyper) is not NotImplemented:
                return
            kernel = None
        if kernel is None:
            for g, v in zip(grads, trainable_variables):
                update(g, v, slots[index[id(v)]], hyper)
        else:
            for g, v in zip(grads, trainable_variables):
                s = slots[index[id(v)]]
                if kernel(g, v, s, hyper) is NotImplemented:
                    update(g, v, s, hyper)

    def _scalars(self, dtype) -> tuple[Any, Any]:
        """``(t, xp)`` for an update of a variable of ``dtype``: this step's number
        (``iterations + 1``, counted in updates; Keras's ``local_step``) and the namespace to
        compute per-step scalars with (learning rate, bias corrections): ``kfront.ops`` in a
        traced ``apply``, where ``t`` is a tensor, else ``_HostScalars`` (NumPy on the host,
        no device op per scalar)."""
        if self._tracing:
            return ops.cast(ops.add(self._step_iteration, 1), dtype), ops
        xp = _HostScalars.of(dtype)
        return xp.cast(self._step_iteration + 1), xp

    def _step_hyper(self, learning_rate: float, iteration: int) -> dict:
        """Per-step constants as Python floats (built-in optimizers override)."""
        return {"learning_rate": learning_rate}

    def update_step(self, gradient, variable, learning_rate) -> None:
        """Update ``variable`` from ``gradient``: Keras's extension point for custom optimizers
        (``learning_rate`` is a scalar tensor, as in Keras)."""
        if _owner(type(self), "_update_step") is not None:
            idx = self._get_variable_index(variable)
            hyper = self._step_hyper(_as_float(learning_rate),
                                     int(ops.convert_to_numpy(self.iterations)))
            self._update_step(ops.cast(gradient, variable.dtype), variable, self._slots[idx],
                              hyper)
            return
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  f"`update_step(gradient, variable, learning_rate)`")

    def _filter_empty_gradients(self, grads, variables):
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        missing = [getattr(v, "path", None) or v.name
                   for g, v in zip(grads, variables) if g is None]
        if not kept:
            raise ValueError(f"{self.name}: no gradients provided for any variable (all "
                             f"{len(grads)} gradients are None; variables: {missing}). Check "
                             f"that the loss depends on the variables and that it was computed "
                             f"inside the GradientTape.")
        warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                      f"loss. If using `model.compile()`, did you forget to provide a `loss` "
                      f"argument?", stacklevel=3)
        return [g for g, _ in kept], [v for _, v in kept]

    def _overwrite_variables_directly_with_gradients(self, grads, variables, raw_step):
        """Variables flagged ``overwrite_with_gradient`` take their gradient as new value."""
        keep_g, keep_v = [], []
        steps = self.gradient_accumulation_steps
        for g, v in zip(grads, variables):
            if not getattr(v, "overwrite_with_gradient", False):
                keep_g.append(g)
                keep_v.append(v)
            elif steps:
                acc = self._accumulated_gradients[self._get_variable_index(v)]

                def overwrite(g=g, v=v, acc=acc):
                    v.assign(ops.maximum(g, acc.value))
                    acc.assign(ops.zeros(acc.shape, dtype=acc.dtype))
                _run_if(_completes(raw_step, steps), overwrite,
                        lambda g=g, acc=acc: acc.assign(ops.maximum(g, acc.value)))
            else:
                v.assign(g)
        return keep_g, keep_v

    # ----------------------------------------------------------- clipping, weight decay
    def _clip_gradients(self, grads: list) -> list:
        if self.clipnorm and self.clipnorm > 0:
            return [self._clip_by_norm(g) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            v = self.clipvalue
            return [ops.clip(g, -v, v) for g in grads]
        return grads

    def _clip_by_norm(self, values):
        l2norm = ops.sqrt(ops.sum(ops.square(values)))
        return ops.divide(ops.multiply(values, self.clipnorm),
                          ops.maximum(l2norm, self.clipnorm))

    def exclude_from_weight_decay(self, var_list: Sequence | None = None,
                                  var_names: Sequence[str] | None = None) -> None:
        """Exclude variables (by identity, or by a substring of their name) from weight decay;
        call before the optimizer is built."""
        if self.built:
            raise ValueError(f"{self.name}: `exclude_from_weight_decay()` can only be configured "
                             f"before the optimizer is built.")
        self._exclude_from_weight_decay_vars = list(var_list or [])
        self._exclude_from_weight_decay = {id(v) for v in self._exclude_from_weight_decay_vars}
        self._exclude_from_weight_decay_pattern = (
            re.compile("|".join(set(var_names))) if var_names else None)
        self._exclude_from_weight_decay_cache: dict = {}

    def _use_weight_decay(self, variable) -> bool:
        cache = self.__dict__.setdefault("_exclude_from_weight_decay_cache", {})
        key = id(variable)
        if key not in cache:
            pattern = getattr(self, "_exclude_from_weight_decay_pattern", None)
            cache[key] = not (key in getattr(self, "_exclude_from_weight_decay", ()) or (
                pattern is not None and re.search(pattern, variable.name) is not None))
        return cache[key]

    def _apply_weight_decay(self, variables, learning_rate: float | None = None) -> None:
        if self.weight_decay is None:
            return
        if learning_rate is None:
            learning_rate = self._current_learning_rate()
        factor = (ops.multiply(learning_rate, float(self.weight_decay)) if self._tracing
                  else float(self.weight_decay) * float(learning_rate))
        for v in variables:
            if self._use_weight_decay(v):
                value = v.value
                v.assign(ops.subtract(value, ops.multiply(value, factor)))

    # ------------------------------------------------------------------------------ EMA
    def _update_model_variables_moving_average(self, trainable_variables) -> None:
        step = self._step_iteration
        if self._tracing:  # Keras's form: momentum 0 on the first step
            momentum = ops.multiply(ops.cast(ops.not_equal(step, 0), _config.floatx()),
                                    float(self.ema_momentum))
            keep = ops.subtract(1.0, momentum)
        else:
            momentum = float(self.ema_momentum) if step != 0 else 0.0
            keep = 1.0 - momentum
        for var, average in zip(trainable_variables, self._model_variables_moving_average):
            if average is not None:
                average.assign(ops.add(ops.multiply(average.value, momentum),
                                       ops.multiply(var.value, keep)))

    def _overwrite_model_variables_with_average_value(self, trainable_variables) -> None:
        averages = self._model_variables_moving_average
        if len(trainable_variables) != len(averages):
            raise ValueError(f"{self.name}: the number of model variables "
                             f"({len(trainable_variables)}) to override does not match the "
                             f"number of averages stored in the optimizer ({len(averages)}).")
        for var, average in zip(trainable_variables, averages):
            if average is not None:
                var.assign(average)  # a copy: the Variables do not share a buffer

    def finalize_variable_values(self, var_list: Sequence) -> None:
        """At the end of training: with ``use_ema``, copy the moving averages into the model."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(list(var_list))

    def scale_loss(self, loss):
        """``loss * loss_scale_factor`` (or ``loss`` when unset)."""
        if self.loss_scale_factor is not None:
            return ops.multiply(loss, self.loss_scale_factor)
        return loss

    # --------------------------------------------------------------------------- config
    def get_config(self) -> dict:
        """Keras-format config: base keys then the optimizer's hyperparameters."""
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            learning_rate: Any = _schedules.serialize(lr)
        elif isinstance(lr, KVariable):
            learning_rate = _as_float(lr.value)
        else:
            learning_rate = lr
        return {"name": self.name, "learning_rate": learning_rate,
                "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "Optimizer":
        """Create an optimizer from ``get_config()`` output (tf.keras 2 configs accepted)."""
        config = dict(config)
        for key in _LEGACY_CONFIG_KEYS:
            config.pop(key, None)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"],
                                                             custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def base_arguments(arguments: dict) -> dict:
    """The ``Optimizer.__init__`` arguments among a subclass constructor's ``locals()``, its
    ``**kwargs`` included: subclasses keep Keras's explicit signatures and forward with
    ``super().__init__(**base_arguments(locals()))`` as their first statement."""
    forwarded = {key: arguments[key] for key in _BASE_ARGUMENTS}
    forwarded.update(arguments.get("kwargs", {}))
    return forwarded


_BASE_ARGUMENTS = tuple(p.name for p in inspect.signature(Optimizer.__init__).parameters.values()
                        if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD)


def global_norm(value_list: Sequence):
    """The L2 norm of all tensors together (``None`` entries skipped)."""
    squared = [ops.sum(ops.square(v)) for v in value_list if v is not None]
    return ops.sqrt(ops.sum(ops.stack(squared)))


def clip_by_global_norm(value_list: Sequence, clip_norm: float) -> list:
    """Scale all tensors by ``clip_norm / max(global_norm, clip_norm)`` (NaN for a non-finite
    norm, as Keras)."""
    norm = global_norm(value_list)
    scale = ops.add(ops.divide(clip_norm, ops.maximum(norm, clip_norm)),
                    ops.subtract(norm, norm))
    return [None if v is None else ops.multiply(v, scale) for v in value_list]


def check_range(optimizer: Optimizer, low: float = 0.0, high: float = 1.0,
                **arguments: float) -> None:
    """Raise a ValueError naming the optimizer and the argument for a value outside
    ``[low, high]`` (or not a real number)."""
    for key, value in arguments.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
                low <= value <= high):
            raise ValueError(f"{type(optimizer).__name__}: argument `{key}` must be a number in "
                             f"[{low}, {high}]. Received: {key}={value!r}")
