"""``kfront.name_scope``: Keras's sub-namespaces for variable paths.

A Variable created inside ``with name_scope("a"):`` gets the path ``"a/<name>"`` (a layer's
weight ``"a/<layer>/<name>"``), as in Keras. Unlike Keras on TensorFlow and JAX, the scope does
not also open the framework's own name scope (``tf.name_scope`` / ``jax.named_scope``): it names
variables, not graph ops.
"""
from __future__ import annotations

_stack: list[name_scope] = []


class name_scope:
    """Creates a sub-namespace for variable paths (``keras.name_scope``).

    Args:
        name: the scope's name (a string without ``/``).
        caller: the object opening the scope (e.g. a layer instance).
        deduplicate: with ``caller`` given, re-entering the scope of the same caller and name
            that is open innermost opens no new level.
        override_parent: an absolute path replacing the scopes opened before this one.

    Example:
        >>> import kfront
        >>> with kfront.name_scope("outer"):
        ...     with kfront.name_scope("inner"):
        ...         v = kfront.Variable(1.0, name="w")
        >>> v.path
        'outer/inner/w'
    """

    def __init__(self, name: str, caller=None, deduplicate: bool = True,
                 override_parent: str | None = None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"name_scope: argument `name` must be a string without '/'; got "
                             f"name={name!r}")
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = override_parent
        if override_parent is None and deduplicate \
                and getattr(caller, "_parent_path", None) is not None:
            self.override_parent = caller._parent_path
        self._pop_on_exit = False

    def __enter__(self) -> name_scope:
        if self.deduplicate and _stack and self.caller is not None \
                and self.caller is _stack[-1].caller and self.name == _stack[-1].name:
            return self
        _stack.append(self)
        self._pop_on_exit = True
        return self

    def __exit__(self, *exc) -> None:
        if self._pop_on_exit and _stack:
            _stack.pop()
            self._pop_on_exit = False


def current_path() -> str:
    """The path of the open scopes, ``"outer/inner"`` (``""`` outside any)."""
    parts: list[str] = []
    for entry in _stack:
        if entry.override_parent is not None:
            parts = [p for p in entry.override_parent.split("/") if p]
        parts.append(entry.name)
    return "/".join(parts)


def scoped(name: str) -> str:
    """``name`` under the open scopes (``"outer/inner/name"``)."""
    path = current_path()
    return f"{path}/{name}" if path else name
