"""``_keras_mask`` on eager tensors, as Keras 3's ``backend.set_keras_mask`` / ``get_keras_mask``.

A layer that supports masking attaches its output mask to the tensors it returns, and a layer
called on such a tensor receives it as ``mask=``. Tensors that take attributes (torch, TF, JAX
arrays) carry it as the attribute ``_keras_mask``. Those that refuse attributes (numpy
``ndarray``) get it through a table keyed by ``id``, cleared when the tensor dies, which is
what Keras's numpy backend does. The numpy engine's tracked ``Tensor`` (made while gradients
are recorded) refuses weak references too: its masks are held, with the tensor, in a second
table that ``Layer.__call__`` trims at each outermost call to the masks of that call's inputs
(see ``retain_only``), so a mask lives from the call that makes it to the next one that reads it.
"""
from __future__ import annotations

import weakref

ATTR = "_keras_mask"
_by_id: dict = {}        # id(tensor) -> mask, for weak-referenceable tensors without attributes
_held: dict = {}         # id(tensor) -> (tensor, mask), for tensors without either


def set_keras_mask(x, mask) -> None:
    """Attach ``mask`` to ``x`` (``None`` removes it)."""
    try:
        setattr(x, ATTR, mask)
        return
    except (AttributeError, TypeError):
        pass
    key = id(x)
    _by_id.pop(key, None)
    _held.pop(key, None)
    if mask is None:
        return
    try:
        weakref.finalize(x, _by_id.pop, key, None)
    except TypeError:
        _held[key] = (x, mask)
        return
    _by_id[key] = mask


def get_keras_mask(x):
    """The mask attached to ``x``, or ``None``."""
    mask = getattr(x, ATTR, None)
    if mask is not None or not (_by_id or _held):
        return mask
    key = id(x)
    if key in _by_id:
        return _by_id[key]
    held = _held.get(key)
    return held[1] if held is not None and held[0] is x else None


def retain_only(tensors) -> None:
    """Forget the held masks (see the module docstring) except those of the tensors in the
    (nested) ``tensors``."""
    if _held:
        from kfront.backends.common import tree
        keep = {id(t) for t in tree.flatten(tensors)[0]}
        for key in [k for k in _held if k not in keep]:
            del _held[key]
