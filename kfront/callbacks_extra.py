"""``SwapEMAWeights`` and ``RemoteMonitor`` (exported by ``kfront.callbacks``).

``OrbaxCheckpoint`` is absent: it is Keras's bridge to JAX's Orbax checkpoint manager, with
sharded multi-host saving that kfront's weight files (``ModelCheckpoint``, ``BackupAndRestore``)
do not have; ``ModelCheckpoint`` covers the single-process case.

Example:
    >>> from kfront.callbacks import RemoteMonitor, SwapEMAWeights
    >>> RemoteMonitor(root="http://localhost:9000").path
    '/publish/epoch/end/'
    >>> SwapEMAWeights(swap_on_epoch=True).swap_on_epoch
    True
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from kfront.callbacks import Callback

__all__ = ["SwapEMAWeights", "RemoteMonitor"]


class SwapEMAWeights(Callback):
    """Swaps the model's weights with the optimizer's moving averages (``use_ema=True``) for
    evaluation and prediction, as ``keras.callbacks.SwapEMAWeights``.

    With ``swap_on_epoch=True`` the averages are in the model from each epoch's end to the next
    epoch's start (so checkpoints written at epoch end hold them) and, after the last epoch, the
    averages are finalised into the model. ``evaluate``/``predict`` hooks swap them in and back.

    Args:
        swap_on_epoch: swap at epoch boundaries too.

    Example:
        >>> import numpy as np
        >>> import kfront
        >>> model = kfront.Sequential([kfront.layers.Dense(1, input_shape=(2,))])
        >>> model.compile(optimizer=kfront.optimizers.SGD(use_ema=True), loss="mse")
        >>> swap = SwapEMAWeights(swap_on_epoch=True)
        >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0, callbacks=[swap])
        >>> averages = model.optimizer._model_variables_moving_average
        >>> all(np.allclose(w, a.numpy()) for w, a in zip(model.get_weights(), averages))
        True
    """

    def __init__(self, swap_on_epoch: bool = False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _ema_optimizers(self) -> list:
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if hasattr(optimizer, "optimizers"):
            found = [opt for opt in optimizer.optimizers if getattr(opt, "use_ema", False)]
            if not found:
                raise ValueError("SwapEMAWeights must be used when at least one inner optimizer "
                                 "has `use_ema=True` set. Received a MultiOptimizer with all "
                                 "inner optimizers having `use_ema=False`.")
        else:
            found = [optimizer]
        for opt in found:
            if not getattr(opt, "_model_variables_moving_average", None):
                raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on the "
                                 "optimizer (and the optimizer is built). Received: "
                                 f"use_ema={getattr(opt, 'use_ema', None)}")
        return found

    def _pairs(self):
        for opt in self._ema_optimizers():
            yield from zip(opt._trainable_variables, opt._model_variables_moving_average)

    def _swap_variables(self) -> None:
        from kfront import ops
        for var, average in self._pairs():
            current = ops.convert_to_numpy(var)
            var.assign(average)
            average.assign(current)

    def _finalize_ema_values(self) -> None:
        for var, average in self._pairs():
            average.assign(var)

    def _swap_in(self) -> None:
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def _swap_out(self) -> None:
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._swap_out()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_in()
            if epoch == (self.params or {}).get("epochs", 0) - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        self._swap_in()

    def on_test_end(self, logs=None):
        self._swap_out()

    def on_predict_begin(self, logs=None):
        self._swap_in()

    def on_predict_end(self, logs=None):
        self._swap_out()


class RemoteMonitor(Callback):
    """POSTs each epoch's logs to a server, as ``keras.callbacks.RemoteMonitor`` (with
    ``urllib``; Keras uses ``requests``).

    The body is the form field ``field`` holding ``json.dumps({"epoch": epoch, **logs})`` or,
    with ``send_as_json``, that dict as a JSON body. An unreachable server gives a warning.

    Args:
        root: the server's root URL.
        path: the path the events are sent to.
        field: the form field that holds the JSON data.
        headers: optional extra HTTP headers.
        send_as_json: send a JSON body (``application/json``) instead of a form.

    Example:
        >>> import warnings
        >>> monitor = RemoteMonitor(root="http://127.0.0.1:9")  # nothing listens there
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     monitor.on_epoch_end(0, {"loss": 0.5})
        >>> "Could not reach RemoteMonitor root server" in str(caught[0].message)
        True
    """

    def __init__(self, root: str = "http://localhost:9000", path: str = "/publish/epoch/end/",
                 field: str = "data", headers: dict | None = None, send_as_json: bool = False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}",
                          stacklevel=2)
