"""Safe mode: whether loading may turn serialized Python bytecode (a ``Lambda``'s function)
back into code.

Safe mode never widens what a file may name: classes and functions are resolved from kfront's
allowlist, the registry and ``custom_objects`` whatever the mode (see ``serialization_lib``).
``safe_mode=False`` (or ``kfront.config.enable_unsafe_deserialization()``) only lets a
``Lambda`` unmarshal the bytecode it carries.

Example:
    >>> from kfront.saving import safety
    >>> with safety.SafeModeScope(False):
    ...     safety.in_safe_mode()
    False
    >>> safety.in_safe_mode() is None   # no scope open and no global switch
    True
"""
from __future__ import annotations

import threading

_state = threading.local()
_global_safe_mode: list = [None]   # set to False by enable_unsafe_deserialization()


def _stack() -> list:
    if not hasattr(_state, "stack"):
        _state.stack = []
    return _state.stack


def in_safe_mode() -> bool | None:
    """The safe mode of the innermost open ``SafeModeScope``, else the global setting
    (``False`` after ``enable_unsafe_deserialization()``), else ``None`` (unset: loaders then
    use their ``safe_mode`` argument)."""
    stack = _stack()
    return stack[-1] if stack else _global_safe_mode[0]


def resolve_safe_mode(safe_mode: bool | None) -> bool:
    """The safe mode a loader runs in: the global switch or an open scope wins over its
    ``safe_mode`` argument, as in Keras; anything but an explicit ``False`` is safe."""
    scoped = in_safe_mode()
    effective = scoped if scoped is not None else safe_mode
    return effective is not False


class SafeModeScope:
    """Run nested deserialization with ``safe_mode`` (Keras's ``SafeModeScope``).

    Example:
        >>> from kfront.saving.safety import SafeModeScope, in_safe_mode
        >>> with SafeModeScope(True):
        ...     in_safe_mode()
        True
    """

    def __init__(self, safe_mode: bool | None = True):
        self.safe_mode = safe_mode

    def __enter__(self) -> "SafeModeScope":
        _stack().append(self.safe_mode)
        return self

    def __exit__(self, *exc) -> None:
        _stack().pop()


def enable_unsafe_deserialization() -> None:
    """Turn safe mode off for the whole process: ``Lambda`` layers holding bytecode load
    (``kfront.config.enable_unsafe_deserialization``). Nothing in a file can call this."""
    _global_safe_mode[0] = False


def lambda_refused(what: str) -> ValueError:
    """The error for serialized bytecode met in safe mode."""
    return ValueError(
        f"Refused to load {what}: it holds serialized Python bytecode (a Python lambda), which "
        "would run arbitrary code. If you trust the file, pass safe_mode=False to the loading "
        "function or call kfront.config.enable_unsafe_deserialization().")
