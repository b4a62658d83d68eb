"""``pad``'s arguments and index modes, shared by every backend (host-side numpy, no tensors).

``pad_widths`` turns any ``pad_width`` that numpy and Keras accept into one ``(before, after)``
per axis; ``source_indices`` says which source position each position of a padded axis reads
in the index modes ("reflect", "symmetric", "edge", "wrap", as ``numpy.pad``); ``gather_pad``
pads with a backend's ``take``, one axis after the other, so each framework's gather gives the
gradient (the adjoint scatters-adds the border back onto the positions it read).

Example:
    >>> from kfront.backends.common.padding import pad_widths, source_indices
    >>> pad_widths(((1, 2),), 2)
    ((1, 2), (1, 2))
    >>> source_indices(3, 2, 3, "reflect").tolist()
    [2, 1, 0, 1, 2, 1, 0, 1]
"""
from __future__ import annotations

import functools

import numpy

INDEX_MODES = ("reflect", "symmetric", "edge", "wrap")
BACKEND_MODES = ("constant",) + INDEX_MODES


def pad_widths(pad_width, ndim: int) -> tuple[tuple[int, int], ...]:
    """One ``(before, after)`` per axis from an int, a ``(before, after)`` pair, ``(pad,)``,
    ``((before, after),)`` or one pair (or ``(pad,)``) per axis, as numpy.pad broadcasts them."""
    try:
        widths = numpy.asarray(pad_width)
    except ValueError:  # ragged
        widths = None
    if widths is None or widths.dtype == object or widths.size == 0:
        raise ValueError(f"pad: `pad_width` must be an int, a (before, after) pair or one such "
                         f"pair per axis, got pad_width={pad_width!r}")
    if widths.dtype.kind not in "iu":
        raise TypeError(f"pad: `pad_width` must hold integers, got pad_width={pad_width!r} "
                        f"(dtype {widths.dtype})")
    try:
        widths = numpy.broadcast_to(widths, (ndim, 2))
    except ValueError:
        raise ValueError(f"pad: `pad_width` must be an int, a (before, after) pair or one such "
                         f"pair per axis ({ndim} for an input of rank {ndim}), got "
                         f"pad_width={pad_width!r}") from None
    if (widths < 0).any():
        raise ValueError(f"pad: `pad_width` must be non-negative, got pad_width={pad_width!r}")
    return tuple((int(before), int(after)) for before, after in widths)


def check(shape, widths, mode: str, modes=BACKEND_MODES) -> None:
    """``mode`` is one of ``modes``; an index mode extends only axes of known, non-zero size."""
    if mode not in modes:
        raise ValueError(f"pad: `mode` must be one of {', '.join(map(repr, modes))}, got "
                         f"mode={mode!r}")
    if mode == "constant":
        return
    for axis, (size, (before, after)) in enumerate(zip(shape, widths)):
        if (before or after) and not size:
            what = "unknown" if size is None else "empty"
            raise ValueError(f"pad: mode={mode!r} cannot extend the {what} axis {axis} (size "
                             f"{size}) by pad_width {(before, after)}; only mode 'constant' "
                             f"can")


@functools.lru_cache(maxsize=256)
def source_indices(size: int, before: int, after: int, mode: str) -> numpy.ndarray:
    """The source position (``0 <= i < size``) read by each of the ``before + size + after``
    positions of an axis padded in index mode ``mode`` (numpy.pad's rule, also for pads wider
    than the axis). Read-only (cached)."""
    index = numpy.pad(numpy.arange(size), (before, after), mode=mode)
    index.setflags(write=False)
    return index


def gather_pad(x, shape, widths, mode: str, take):
    """``x`` (of ``shape``) padded in index ``mode``, one axis after the other, by
    ``take(x, indices, axis)``, the backend's differentiable gather."""
    check(shape, widths, mode)
    for axis, (before, after) in enumerate(widths):
        if before or after:
            x = take(x, source_indices(shape[axis], before, after, mode), axis)
    return x
