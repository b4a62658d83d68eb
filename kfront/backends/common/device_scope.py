"""``kfront.device``: the device scope in which the active backend places new tensors and
variables.

A device name is ``"cpu"``, ``"gpu"`` (``"cuda"`` is the same) or ``"tpu"``, optionally with an
index (``"gpu:1"``), in any case. The scope is the framework's own: ``torch.device`` (the default
device of tensors torch creates, and of new kfront variables), ``tf.device`` (with TensorFlow's
soft placement: on a machine without the device, ops run on the CPU, as in Keras),
``jax.default_device``. The native engine runs on the CPU with NumPy or on a CUDA GPU with CuPy:
``"cpu"`` is a no-op there and ``"gpu:N"`` enters CuPy's device N. The scopes open now are kept
here (``current()``), so backends can read where new arrays belong.
"""
from __future__ import annotations

import re

_KINDS = {"cpu": "cpu", "gpu": "gpu", "cuda": "gpu", "tpu": "tpu"}
_stack: list[tuple[str, int | None]] = []


def parse(device_name) -> tuple[str, int | None]:
    """``(kind, index)`` of a device name: ``"GPU:1"`` -> ``("gpu", 1)``, ``"cpu"`` ->
    ``("cpu", None)``; a clear ValueError for anything else."""
    if not isinstance(device_name, str):
        raise ValueError(f"device: argument `device_name` must be a string like 'cpu', 'cpu:0' "
                         f"or 'gpu:1'; got {device_name!r} of type {type(device_name).__name__}")
    match = re.fullmatch(r"([a-z]+)(?::(\d+))?", device_name.strip().lower())
    if match is None or match.group(1) not in _KINDS:
        raise ValueError(f"device: unknown device name {device_name!r}; expected 'cpu', 'gpu' "
                         f"(or 'cuda') or 'tpu', optionally with an index: 'cpu:0', 'gpu:1'")
    index = match.group(2)
    return _KINDS[match.group(1)], None if index is None else int(index)


def current() -> tuple[str, int | None] | None:
    """The innermost open device scope's ``(kind, index)``, or None outside any."""
    return _stack[-1] if _stack else None


def missing(device_name: str, found: str) -> RuntimeError:
    """The error for a well-formed name of a device this machine does not have."""
    return RuntimeError(f"device({device_name!r}): no such device on this machine for the "
                        f"active kfront backend ({found})")


class DeviceScope:
    """The context manager ``kfront.device(name)`` returns: it enters the active backend's
    device scope (``B.device_scope(kind, index, name)``) and records it in ``current()``."""

    def __init__(self, device_name: str):
        self.kind, self.index = parse(device_name)
        self.name = device_name
        self._scope = None

    def __enter__(self):
        from kfront.backends import B
        self._scope = B.device_scope(self.kind, self.index, self.name)
        value = self._scope.__enter__()
        _stack.append((self.kind, self.index))
        return value

    def __exit__(self, *exc):
        _stack.pop()
        scope, self._scope = self._scope, None
        return scope.__exit__(*exc)

    def __repr__(self) -> str:
        return f"<kfront.device {self.name!r}>"


def device(device_name: str) -> DeviceScope:
    """A context manager placing new tensors and variables on ``device_name``
    (``keras.device``): ``"cpu"``, ``"cpu:0"``, ``"gpu:1"``...

    On the native engine ``"cpu"`` changes nothing and ``"gpu:N"`` needs CuPy
    (``pip install 'kfront[cupy]'``) and a CUDA device. A malformed name is a ValueError, a
    device this machine lacks a RuntimeError (TensorFlow places ops softly, on the CPU, as
    in Keras).

    Example:
        >>> import kfront
        >>> with kfront.device("cpu:0"):
        ...     x = kfront.ops.ones((2, 2))
        >>> float(kfront.ops.convert_to_numpy(x).sum())
        4.0
    """
    return DeviceScope(device_name)
