"""Callbacks with the ``keras.callbacks`` API: hooks called by ``fit``/``evaluate``/``predict``.

A callback sees the model (``self.model``: ``stop_training``, ``optimizer``, ``get_weights`` /
``set_weights``, ``metrics``) and the run's ``params`` (``verbose``, ``epochs``, ``steps``).
``CallbackList`` calls every hook of every callback in order, with the logs flattened, turned
into Python floats and sorted by name, as Keras does.

Example:
    >>> from kfront import callbacks
    >>> class Model:  # anything with the attributes the callbacks use
    ...     stop_training = False
    >>> model = Model()
    >>> stopper = callbacks.EarlyStopping(monitor="loss", patience=1)
    >>> cbs = callbacks.CallbackList([stopper], add_history=True, model=model)
    >>> cbs.on_train_begin()
    >>> for epoch, loss in enumerate([1.0, 0.5, 0.6, 0.7]):
    ...     cbs.on_epoch_end(epoch, {"loss": loss})
    ...     if model.stop_training:
    ...         break
    >>> epoch, model.history.history["loss"]
    (2, [1.0, 0.5, 0.6])
"""
from __future__ import annotations

import collections
import csv
import json
import os
import shutil
import sys
import warnings
import zlib
from typing import Callable

import numpy as np

from kfront.utils.progbar import Progbar

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping",
           "TerminateOnNaN", "LearningRateScheduler", "ReduceLROnPlateau", "CSVLogger",
           "LambdaCallback", "ModelCheckpoint", "BackupAndRestore", "TensorBoard",
           "SwapEMAWeights", "RemoteMonitor"]


def _print_msg(message: str) -> None:
    sys.stdout.write(f"{message}\n")
    sys.stdout.flush()


def _to_float(value) -> float:
    """A scalar (Python number, numpy/backend tensor, Variable) as a Python float."""
    try:
        return float(value)
    except (TypeError, ValueError):
        from kfront import ops
        return float(ops.convert_to_numpy(value))


def pythonify_logs(logs: dict | None) -> dict:
    """``logs`` flattened (nested dicts merged), values turned into Python floats where
    possible, keys sorted (Keras's ``pythonify_logs``).

    Example:
        >>> import numpy as np
        >>> from kfront.callbacks import pythonify_logs
        >>> pythonify_logs({"loss": np.float32(0.5), "a": {"acc": 1}})
        {'acc': 1.0, 'loss': 0.5}
    """
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
        else:
            try:
                value = _to_float(value)
            except Exception:  # noqa: BLE001  (strings and the like stay as they are)
                pass
            result[key] = value
    return result


class Callback:
    """Base class of callbacks; override the hooks you need (they do nothing by default).

    ``on_train_batch_begin/end`` call ``on_batch_begin/end`` (Keras's backwards compatibility),
    so overriding ``on_batch_end`` hooks training batches.

    Example:
        >>> from kfront import callbacks
        >>> class Printer(callbacks.Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(f"epoch {epoch}: {logs}")
        >>> Printer().on_epoch_end(0, {"loss": 0.5})
        epoch 0: {'loss': 0.5}
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params: dict) -> None:
        self.params = params

    def set_model(self, model) -> None:
        self._model = model

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """A legacy alias of ``on_train_batch_begin``."""

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """A legacy alias of ``on_train_batch_end``."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """At the start of an epoch of ``fit``."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """At the end of an epoch: ``logs`` holds the epoch's metrics (``val_*`` too)."""

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Before a training batch."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """After a training batch: ``logs`` holds the running metrics of the epoch."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Before an ``evaluate`` batch."""

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """After an ``evaluate`` batch."""

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Before a ``predict`` batch."""

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """After a ``predict`` batch."""

    def on_train_begin(self, logs: dict | None = None) -> None:
        """At the start of ``fit``."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """At the end of ``fit``."""

    def on_test_begin(self, logs: dict | None = None) -> None:
        """At the start of ``evaluate``."""

    def on_test_end(self, logs: dict | None = None) -> None:
        """At the end of ``evaluate``."""

    def on_predict_begin(self, logs: dict | None = None) -> None:
        """At the start of ``predict``."""

    def on_predict_end(self, logs: dict | None = None) -> None:
        """At the end of ``predict``."""


class CallbackList(Callback):
    """Calls each hook on every callback of a list, in order.

    Args:
        callbacks: list of ``Callback`` (nested lists are flattened).
        add_history: append a ``History`` unless the list has one.
        add_progbar: append a ``ProgbarLogger`` unless the list has one.
        model: the model handed to every callback (``model.history`` is set to the History).
        **params: the run's parameters (``verbose``, ``epochs``, ``steps``) for ``set_params``.

    Example:
        >>> from kfront import callbacks
        >>> seen = []
        >>> cbs = callbacks.CallbackList([callbacks.LambdaCallback(
        ...     on_epoch_end=lambda epoch, logs: seen.append((epoch, logs)))])
        >>> cbs.on_epoch_end(0, {"loss": 1, "acc": 0.5})
        >>> seen
        [(0, {'acc': 0.5, 'loss': 1.0})]
    """

    def __init__(self, callbacks: list | None = None, add_history: bool = False,
                 add_progbar: bool = False, model=None, **params):
        super().__init__()
        self.callbacks = _flatten(callbacks) if callbacks else []
        self._in_begin_end_block_count = 0
        self._late: list = []  # callbacks given each batch's logs late (``defer_batch_logs``)
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history: bool, add_progbar: bool) -> None:
        self._progbar = None
        self._history = None
        for cb in self.callbacks:
            if isinstance(cb, ProgbarLogger):
                self._progbar = cb
            elif isinstance(cb, History):
                self._history = cb
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def append(self, callback: Callback) -> None:
        self.callbacks.append(callback)

    def set_params(self, params: dict) -> None:
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model) -> None:
        if model is None:
            return
        super().set_model(model)
        if self._history:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _on_begin(self) -> None:
        self._in_begin_end_block_count += 1

    def _on_end(self) -> None:
        self._in_begin_end_block_count -= 1
        if self._in_begin_end_block_count < 0:
            raise ValueError("`on_xxx_end` called without corresponding `on_xxx_begin`")

    def reads_batch_logs(self) -> bool:
        """Does a callback implement ``on_train_batch_end`` (or ``on_batch_end``), other than
        those switched to late logs by ``defer_batch_logs``? When none does, ``fit`` leaves
        each batch's loss and outputs on the device and updates the metrics every few
        batches, without waiting for the device at every step."""
        return any(_reads_batch_logs(cb) for cb in self.callbacks if cb not in self._late)

    def defer_batch_logs(self) -> bool:
        """When every callback that reads batch logs can take them late (its
        ``_takes_late_batch_logs()``: ``TensorBoard`` writing batch scalars), hand them their
        ``on_train_batch_end`` only through ``late_train_batch_end``, and return True: ``fit``
        then updates the metrics every few batches and passes each batch's logs as they were
        after that batch. Else change nothing and return False."""
        readers = [cb for cb in self.callbacks if _reads_batch_logs(cb)]
        if not readers or not all(getattr(cb, "_takes_late_batch_logs", bool)()
                                  for cb in readers):
            return False
        self._late = readers
        return True

    def late_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """``on_train_batch_end(batch, logs)`` of the callbacks that ``defer_batch_logs``
        switched to late logs, once ``fit`` knows the batch's logs."""
        self._call("on_train_batch_end", batch, logs=logs, only=self._late)

    def _call(self, hook: str, *args, logs=None, only=None) -> None:
        logs = pythonify_logs(logs)
        for callback in self.callbacks if only is None else only:
            getattr(callback, hook)(*args, logs)

    def on_batch_begin(self, batch, logs=None):
        self._call("on_batch_begin", batch, logs=logs)

    def on_batch_end(self, batch, logs=None):
        self._call("on_batch_end", batch, logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs=logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs=logs,
                   only=[cb for cb in self.callbacks if cb not in self._late]
                   if self._late else None)

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs=logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, logs=logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs=logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs=logs)

    def on_train_begin(self, logs=None):
        self._on_begin()
        self._call("on_train_begin", logs=logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs=logs)
        self._on_end()

    def on_test_begin(self, logs=None):
        self._on_begin()
        self._call("on_test_begin", logs=logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs=logs)
        self._on_end()

    def on_predict_begin(self, logs=None):
        self._on_begin()
        self._call("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs=logs)
        self._on_end()

    def __iter__(self):
        return iter(self.callbacks)


def _reads_batch_logs(callback: Callback, base: type = Callback) -> bool:
    """Does ``callback`` implement a batch-end hook beyond ``base``'s? A callback whose own
    batch hook ignores the logs answers with its ``_reads_batch_logs()``."""
    own = getattr(callback, "_reads_batch_logs", None)
    if base is Callback and own is not None:
        return own()
    return any(_implements(callback, hook, base) for hook in ("on_train_batch_end",
                                                                "on_batch_end"))


def _implements(callback: Callback, hook: str, base: type = Callback) -> bool:
    """``hook`` overridden by the callback's class (beyond ``base``) or set on the instance
    (LambdaCallback)."""
    return hook in vars(callback) or getattr(type(callback), hook) is not getattr(base, hook)


def _flatten(items) -> list:
    if isinstance(items, (list, tuple)):
        return [c for item in items for c in _flatten(item)]
    return [items]


class History(Callback):
    """Records the epoch logs: ``history`` (dict of lists), ``epoch`` (epoch indices).

    ``fit`` returns it (and sets ``model.history``).

    Example:
        >>> from kfront import callbacks
        >>> h = callbacks.History()
        >>> h.set_model(type("M", (), {})())
        >>> h.on_train_begin()
        >>> h.on_epoch_end(0, {"loss": 0.5}); h.on_epoch_end(1, {"loss": 0.25})
        >>> h.history, h.epoch
        ({'loss': [0.5, 0.25]}, [0, 1])
    """

    def __init__(self):
        super().__init__()
        self.history: dict = {}
        self.epoch: list = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self


class ProgbarLogger(Callback):
    """Prints Keras's progress bar: ``Epoch i/n`` then one bar per epoch.

    Args:
        count_mode: ``"steps"`` (the only mode of Keras 3; kept for Keras 2 code).

    Example:
        >>> from kfront import callbacks
        >>> cb = callbacks.ProgbarLogger()
        >>> cb.set_params({"verbose": 2, "epochs": 1, "steps": 2})
        >>> cb.on_epoch_begin(0); cb.on_train_batch_end(0, {"loss": 1.0})
        >>> cb.on_train_batch_end(1, {"loss": 0.5})
        >>> cb.on_epoch_end(0, {"loss": 0.5})  # doctest: +ELLIPSIS
        2/2 - 0s - ...s/step - loss: 0.5000
    """

    def __init__(self, count_mode: str = "steps"):
        super().__init__()
        if count_mode != "steps":
            raise ValueError(f"ProgbarLogger: unknown count_mode {count_mode!r}; only 'steps' is "
                             "supported (as in Keras 3)")
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params: dict) -> None:
        verbose = params["verbose"]
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params["epochs"]
        self.target = params["steps"]

    def on_train_begin(self, logs=None):
        self._called_in_fit = True  # validation inside fit is silent

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            _print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)  # predictions are not shown

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self) -> None:
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self) -> None:
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step",
                                   stateless_metrics=set())

    def _update_progbar(self, batch, logs=None) -> None:
        logs = logs or {}
        self._maybe_init_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, list(logs.items()), finalize=False)

    def _finalize_progbar(self, logs) -> None:
        logs = logs or {}
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list(logs.items()), finalize=True)


class _MonitorCallback(Callback):
    """Shared logic of callbacks watching one logged quantity (Keras's MonitorCallback)."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto "
                          "mode.", stacklevel=3)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self) -> None:
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            metric_name = self.monitor.removeprefix("val_")
            if metric_name == "loss":
                self.monitor_op = np.less
            for m in _model_metrics(self.model):
                if getattr(m, "name", None) == metric_name and hasattr(m, "_direction"):
                    self.monitor_op = np.greater if m._direction == "up" else np.less
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but it "
                    "cannot tell whether that metric should be maximized or minimized. Pass "
                    "`mode='max'` in order to monitor based on the highest metric value, or "
                    "pass `mode='min'` in order to use the lowest value.")
        if self.monitor_op is np.less:
            self.min_delta *= -1

    def _is_improvement(self, monitor_value, reference_value) -> bool:
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))


def _model_metrics(model) -> list:
    """The model's metric objects, containers (objects with a ``metrics`` list) unpacked."""
    found = []
    for m in list(getattr(model, "metrics", None) or []):
        inner = getattr(m, "metrics", None)
        if isinstance(inner, (list, tuple)):
            found.extend(inner)
        else:
            found.append(m)
    return found


class EarlyStopping(_MonitorCallback):
    """Stop training when ``monitor`` has stopped improving for ``patience`` epochs.

    Args:
        monitor: the logged quantity (``"val_loss"``, ``"val_accuracy"``...).
        min_delta: smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        verbose: 1 prints a message when stopping/restoring.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (loss: min; metrics: their direction).
        baseline: the wait counter only restarts on values better than this.
        restore_best_weights: at the end of training, set the weights of the best epoch.
        start_from_epoch: epochs to wait before watching.

    Example:
        >>> from kfront import callbacks
        >>> class Model:
        ...     stop_training = False
        ...     w = 0
        ...     def get_weights(self): return [self.w]
        ...     def set_weights(self, ws): self.w = ws[0]
        >>> model = Model()
        >>> es = callbacks.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
        >>> es.set_model(model); es.on_train_begin()
        >>> for epoch, loss in enumerate([3.0, 1.0, 2.0, 2.5, 0.5]):
        ...     model.w = epoch
        ...     es.on_epoch_end(epoch, {"loss": loss})
        ...     if model.stop_training:
        ...         break
        >>> es.on_train_end()
        >>> es.stopped_epoch, model.w
        (3, 1)
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.start_from_epoch = start_from_epoch
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()  # delayed until the model's metrics exist
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            _print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                _print_msg("Restoring model weights from the end of the best epoch: "
                           f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(list(logs.keys()))}",
                          stacklevel=2)
        return value


class TerminateOnNaN(Callback):
    """Stop training (or raise, with ``raise_error``) when a batch's loss is NaN or inf.

    Example:
        >>> from kfront import callbacks
        >>> model = type("M", (), {"stop_training": False})()
        >>> cb = callbacks.TerminateOnNaN(); cb.set_model(model)
        >>> cb.on_train_batch_end(3, {"loss": float("nan")})
        Batch 3: Invalid loss, terminating training
        >>> model.stop_training
        True
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (np.isnan(loss) or np.isinf(loss)):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                                   f"{loss}. Terminating training immediately.")
            _print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at the start of each epoch to
    ``schedule(epoch, lr)`` (or ``schedule(epoch)``); logs it as ``learning_rate``.

    Example:
        >>> from kfront import callbacks
        >>> opt = type("Opt", (), {"learning_rate": 0.1})()
        >>> model = type("M", (), {"optimizer": opt})()
        >>> cb = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
        >>> cb.set_model(model)
        >>> cb.on_epoch_begin(0); cb.on_epoch_begin(1); opt.learning_rate
        0.025
    """

    def __init__(self, schedule: Callable, verbose: int = 0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = _to_float(optimizer.learning_rate)
            learning_rate = self.schedule(epoch, learning_rate)
        except TypeError:  # schedule(epoch), the old API
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError("The output of the `schedule` function should be a float. "
                             f"Got: {learning_rate}")
        optimizer.learning_rate = learning_rate
        return learning_rate

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if hasattr(optimizer, "optimizers"):
            for opt in optimizer.optimizers:
                lr = self._update_optimizer_lr(opt, epoch)
                if self.verbose > 0:
                    _print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {opt.name} "
                               f"learning rate to {lr}.")
        else:
            lr = self._update_optimizer_lr(optimizer, epoch)
            if self.verbose > 0:
                _print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate "
                           f"to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        _log_learning_rates(self.model.optimizer, logs)


def _log_learning_rates(optimizer, logs: dict) -> None:
    if hasattr(optimizer, "optimizers"):
        for opt in optimizer.optimizers:
            logs[f"learning_rate_{opt.name}"] = _to_float(opt.learning_rate)
    else:
        logs["learning_rate"] = _to_float(optimizer.learning_rate)


class ReduceLROnPlateau(_MonitorCallback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for
    ``patience`` epochs (then wait ``cooldown`` epochs); never below ``min_lr``.

    Example:
        >>> from kfront import callbacks
        >>> opt = type("Opt", (), {"learning_rate": 1.0})()
        >>> model = type("M", (), {"optimizer": opt})()
        >>> cb = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
        >>> cb.set_model(model); cb.on_train_begin()
        >>> for epoch, loss in enumerate([1.0, 1.0, 1.0]):
        ...     cb.on_epoch_end(epoch, {"loss": loss})
        >>> opt.learning_rate
        0.25
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0, **kwargs):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received "
                             f"factor={factor}")
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self) -> None:
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def _reduce_optimizer_lr(self, optimizer, epoch, name="") -> bool:
        old_lr = _to_float(optimizer.learning_rate)
        if old_lr > np.float32(self.min_lr):
            new_lr = max(old_lr * self.factor, self.min_lr)
            optimizer.learning_rate = new_lr
            if self.verbose > 0:
                name_str = f" {name}" if name else ""
                _print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{name_str} learning "
                           f"rate to {new_lr}.")
            return True
        return False

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        _log_learning_rates(optimizer, logs)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          "which is not available. Available metrics are: "
                          f"{','.join(list(logs.keys()))}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                if hasattr(optimizer, "optimizers"):
                    reduced = any([self._reduce_optimizer_lr(opt, epoch, f"{opt.name}")
                                   for opt in optimizer.optimizers])
                else:
                    reduced = self._reduce_optimizer_lr(optimizer, epoch)
                if reduced:
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0


class CSVLogger(Callback):
    """Stream the epoch logs to a CSV file: a header ``epoch,<sorted keys>`` then one row per
    epoch (``val_*`` columns are added when the first epoch has none, as Keras).

    Example:
        >>> import os, tempfile
        >>> from kfront import callbacks
        >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
        >>> cb = callbacks.CSVLogger(path)
        >>> cb.on_train_begin(); cb.on_epoch_end(0, {"loss": 0.5}); cb.on_train_end()
        >>> open(path).read().splitlines()
        ['epoch,loss,val_loss', '0,0.5,NA']
    """

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}

        def handle_value(k):
            is_zero_dim_ndarray = isinstance(k, np.ndarray) and k.ndim == 0
            if isinstance(k, str):
                return k
            if isinstance(k, collections.abc.Iterable) and not is_zero_dim_ndarray:
                return f'"[{", ".join(map(str, k))}]"'
            return k

        if self.keys is None:
            self.keys = sorted(logs.keys())
            if not any(key.startswith("val_") for key in self.keys) and self.keys:
                self.keys.extend([f"val_{k}" for k in self.keys])
        if not self.writer:
            class CustomDialect(csv.excel):
                delimiter = self.sep

            fieldnames = ["epoch"] + (self.keys or [])
            self.writer = csv.DictWriter(self.csv_file, fieldnames=fieldnames,
                                         dialect=CustomDialect)
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((key, handle_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


class LambdaCallback(Callback):
    """A callback from plain functions: ``on_epoch_begin(epoch, logs)``,
    ``on_epoch_end(epoch, logs)``, ``on_train_begin(logs)``, ``on_train_end(logs)``,
    ``on_train_batch_begin(batch, logs)``, ``on_train_batch_end(batch, logs)``; other
    keyword arguments (e.g. ``on_test_end=...``) become attributes.

    Example:
        >>> from kfront import callbacks
        >>> cb = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs))
        >>> cb.on_epoch_end(2, {"loss": 0.1})
        2 {'loss': 0.1}
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        if on_epoch_begin is not None:
            self.on_epoch_begin = on_epoch_begin
        if on_epoch_end is not None:
            self.on_epoch_end = on_epoch_end
        if on_train_begin is not None:
            self.on_train_begin = on_train_begin
        if on_train_end is not None:
            self.on_train_end = on_train_end
        if on_train_batch_begin is not None:
            self.on_train_batch_begin = on_train_batch_begin
        if on_train_batch_end is not None:
            self.on_train_batch_end = on_train_batch_end


class ModelCheckpoint(_MonitorCallback):
    """Save the model (``model.save``) or its weights (``model.save_weights``) during ``fit``:
    after every epoch, or every ``save_freq`` batches.

    Args:
        filepath: where to save; may hold ``str.format`` fields filled with ``epoch`` (from 1),
            ``batch`` (from 1, batch-level saves) and the logs' keys, e.g.
            ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``. It must end in ``.keras`` (or ``.h5``,
            the legacy format), or in ``.weights.h5`` with ``save_weights_only=True``.
        monitor: the logged quantity that decides what is "best".
        verbose: 1 prints a message at each save decision.
        save_best_only: save only when ``monitor`` improves on the best value so far.
        save_weights_only: save the weights (and optimizer state), not the whole model.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (loss: min; metrics: their direction).
        save_freq: ``"epoch"``, or an int: save every this many batches.
        initial_value_threshold: the "best" value to beat before the first save
            (with ``save_best_only``).

    Example:
        >>> import os, tempfile, numpy as np, kfront
        >>> from kfront import callbacks, layers
        >>> model = kfront.Sequential([layers.Input((3,)), layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> folder = tempfile.mkdtemp()
        >>> ckpt = callbacks.ModelCheckpoint(os.path.join(folder, "w-{epoch:02d}.weights.h5"),
        ...                                  monitor="loss", save_weights_only=True)
        >>> _ = model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=0,
        ...               callbacks=[ckpt])
        >>> sorted(os.listdir(folder))
        ['w-01.weights.h5', 'w-02.weights.h5']
    """

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq: str | int = "epoch",
                 initial_value_threshold: float | None = None):
        super().__init__(monitor, mode, baseline=initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batch_counter = _BatchCounter(save_freq)
        self._current_epoch = 0
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the "
                                 "filepath provided must end in `.weights.h5` (Keras weights "
                                 f"format). Received: filepath={self.filepath}")
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format). "
                             f"Received: filepath={self.filepath}")

    def _reads_batch_logs(self) -> bool:
        return self.save_freq != "epoch" or _reads_batch_logs(self, ModelCheckpoint)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._batch_counter.should_save(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()  # delayed until the model's metrics exist
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_model(self, epoch: int, logs: dict, filepath: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                _print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=3)
            return True
        if len(getattr(current, "shape", ())) > 0:
            warnings.warn(f"Can save best model only when `monitor` is a scalar value. "
                          f"Received: {current}. Falling back to `save_best_only=False`.",
                          stacklevel=3)
            return True
        if self.monitor_op is None:
            self._set_monitor_op()  # a batch-level save before the first epoch's end
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                _print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to "
                           f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            _print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _save_model(self, epoch: int, batch: int | None, logs: dict | None) -> None:
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise IsADirectoryError("Please specify a non-directory filepath for "
                                    "ModelCheckpoint. Filepath used is an existing directory: "
                                    f"{filepath}")
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            _print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch: int, batch: int | None, logs: dict) -> str:
        """``filepath`` formatted with ``epoch`` (from 1), ``batch`` (from 1) and the logs."""
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e}") from None


class _BatchCounter:
    """Counts training batches for ``save_freq``: ``should_save(batch)`` is true every
    ``save_freq`` batches (counted across epochs), never with ``save_freq="epoch"``."""

    def __init__(self, save_freq):
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool)
                                     or save_freq < 1):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are "
                             "'epoch' or a positive integer (a number of batches)")
        self.save_freq = save_freq
        self.seen_since_save = 0
        self.last_batch = None

    def should_save(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        if self.last_batch is None or batch <= self.last_batch:  # a new epoch
            self.seen_since_save += batch + 1
        else:
            self.seen_since_save += batch - self.last_batch
        self.last_batch = batch
        if self.seen_since_save >= self.save_freq:
            self.seen_since_save = 0
            return True
        return False


class BackupAndRestore(Callback):
    """Back up the training state (weights, optimizer state, where training is) in
    ``backup_dir``, and resume from it when ``fit`` is run again after an interruption.

    Every backup is crash-safe: the weights are written next to the last backup, the metadata
    (``training_metadata.json``: ``epoch``, ``batch`` as Keras, and ``step``, the batches of
    that epoch already trained, with the weights file's size and CRC-32) is replaced
    atomically, then the weights file is renamed into place; a restore finishes an interrupted
    rename and checks the weights against the metadata. A batch-level backup resumes at the
    next batch (Keras restarts the epoch); with ``shuffle=True`` the resumed epoch draws a new
    order, so use ``shuffle=False`` (or a fixed seed) for an exact resume.

    Args:
        backup_dir: a folder for this run's backups only (created when needed).
        save_freq: ``"epoch"``, or an int: back up every this many batches.
        double_checkpoint: keep the previous backup too (``*.bkp``), used when the latest one
            cannot be read.
        delete_checkpoint: remove ``backup_dir`` when ``fit`` ends normally.

    Example:
        >>> import os, tempfile, numpy as np, kfront
        >>> from kfront import callbacks, layers
        >>> model = kfront.Sequential([layers.Input((3,)), layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> backup = callbacks.BackupAndRestore(os.path.join(tempfile.mkdtemp(), "backup"),
        ...                                     delete_checkpoint=False)
        >>> class Interrupt(callbacks.Callback):
        ...     def on_epoch_begin(self, epoch, logs=None):
        ...         if epoch == 2:
        ...             raise RuntimeError("interrupted")
        >>> x, y = np.ones((8, 3)), np.ones((8, 1))
        >>> try:
        ...     model.fit(x, y, epochs=4, verbose=0, callbacks=[backup, Interrupt()])
        ... except RuntimeError:
        ...     pass
        >>> history = model.fit(x, y, epochs=4, verbose=0, callbacks=[backup])
        >>> history.epoch  # epochs 0 and 1 were backed up: it resumes at 2
        [2, 3]
    """

    def __init__(self, backup_dir, save_freq: str | int = "epoch",
                 double_checkpoint: bool = False, delete_checkpoint: bool = True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._batch_counter = _BatchCounter(save_freq)
        self._current_epoch = 0
        self._steps_done = 0
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._next_weights_path = os.path.join(self.backup_dir, "next.weights.h5")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"

    def _reads_batch_logs(self) -> bool:  # backups need the weights, not the logs
        return _reads_batch_logs(self, BackupAndRestore)

    def on_train_begin(self, logs=None):
        if not self.model.built:
            raise ValueError("To use the BackupAndRestore callback, your model must be built "
                             f"before you call `fit()`. Model {self.model.name!r} is unbuilt. "
                             "You can build it beforehand by calling it on a batch of data.")
        try:
            self._load_model()
        except (OSError, ValueError) as error:
            if not (self.double_checkpoint and os.path.exists(self._prev_weights_path)):
                raise
            warnings.warn(f"BackupAndRestore: the latest backup in {self.backup_dir} cannot be "
                          f"restored ({error}); restoring the previous one.", stacklevel=2)
            for prev, latest in ((self._prev_weights_path, self._weights_path),
                                 (self._prev_training_metadata_path,
                                  self._training_metadata_path)):
                if os.path.exists(prev):  # the previous backup becomes the latest (as Keras)
                    _copy_atomically(prev, latest)
                elif os.path.exists(latest):
                    os.remove(latest)
            self._load_model()

    def _load_model(self) -> None:
        """Restore the weights and where training is from the latest backup."""
        metadata = None
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path, encoding="utf-8") as f:
                try:
                    metadata = json.load(f)
                except json.JSONDecodeError as error:
                    raise ValueError(f"BackupAndRestore: {self._training_metadata_path} is not "
                                     f"valid JSON ({error})") from None
            self._finish_interrupted_backup(metadata)
            _check_backup(self._weights_path, metadata)
        if os.path.exists(self._weights_path):
            optimizer = getattr(self.model, "optimizer", None)
            if optimizer is not None and not optimizer.built:
                optimizer.build(self.model.trainable_variables)  # its state is in the file
            self.model.load_weights(self._weights_path)
        if metadata is not None:
            self._current_epoch = int(metadata["epoch"])
            self._steps_done = int(metadata.get("step", 0))
            self.model._initial_epoch = self._current_epoch
            self.model._initial_step = self._steps_done

    def _finish_interrupted_backup(self, metadata: dict) -> None:
        """A backup killed after its metadata was replaced but before its weights file was
        renamed into place left the new weights as ``next.weights.h5``: rename them now."""
        if (os.path.exists(self._next_weights_path)
                and _file_signature(self._next_weights_path) == _expected_signature(metadata)):
            os.replace(self._next_weights_path, self._weights_path)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._steps_done = batch + 1
        if self._batch_counter.should_save(batch):
            self._save_model(batch)

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._steps_done = 0
        if self.save_freq == "epoch":
            self._save_model(0)

    def _save_model(self, batch: int) -> None:
        """Back up: new weights beside the old, then the metadata (atomically: the commit),
        then the weights renamed into place (by process 0 alone in a multi-process job)."""
        from kfront import distribution
        from kfront.saving.atomic import atomic_write
        if not distribution.is_chief():
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        self.model.save_weights(self._next_weights_path, overwrite=True)
        size, crc = _file_signature(self._next_weights_path)
        metadata = {"epoch": self._current_epoch, "batch": batch, "step": self._steps_done,
                    "weights_size": size, "weights_crc32": crc}
        if self.double_checkpoint and os.path.exists(self._training_metadata_path):
            _copy_atomically(self._training_metadata_path, self._prev_training_metadata_path)
        with atomic_write(self._training_metadata_path) as tmp:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(metadata, f)
        if self.double_checkpoint and os.path.exists(self._weights_path):
            os.replace(self._weights_path, self._prev_weights_path)
        os.replace(self._next_weights_path, self._weights_path)

    def on_train_end(self, logs=None):
        from kfront import distribution
        if (self.delete_checkpoint and distribution.is_chief()
                and os.path.exists(self.backup_dir)):
            shutil.rmtree(self.backup_dir)


def _copy_atomically(source: str, target: str) -> None:
    from kfront.saving.atomic import atomic_write
    with atomic_write(target) as tmp:
        shutil.copyfile(source, tmp)


def _file_signature(path: str) -> tuple[int, int]:
    """``(size, CRC-32)`` of a file."""
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            crc = zlib.crc32(chunk, crc)
    return os.path.getsize(path), crc


def _expected_signature(metadata: dict) -> tuple | None:
    if "weights_crc32" not in metadata:  # written by Keras
        return None
    return metadata["weights_size"], metadata["weights_crc32"]


def _check_backup(weights_path: str, metadata: dict) -> None:
    """Raise ``ValueError`` unless the weights file is the one the metadata describes."""
    expected = _expected_signature(metadata)
    if expected is None:
        return
    if not os.path.exists(weights_path):
        raise FileNotFoundError(f"BackupAndRestore: {weights_path} is missing; the metadata "
                                f"next to it expects a weights file of {expected[0]} bytes")
    found = _file_signature(weights_path)
    if tuple(found) != tuple(expected):
        raise ValueError(f"BackupAndRestore: {weights_path} is not the backup its metadata "
                         f"describes (size, CRC-32 {found}; expected {tuple(expected)}): the "
                         "file is damaged")


from kfront.tensorboard_logging import TensorBoard  # noqa: E402  (it builds on Callback)
from kfront.callbacks_extra import RemoteMonitor, SwapEMAWeights  # noqa: E402
