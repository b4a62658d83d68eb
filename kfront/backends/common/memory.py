"""Keep freed memory in the process: a training step allocates the same large temporaries
(im2col columns, activations, gradients, XLA's buffers) at every step, and glibc's defaults
hand blocks of more than a few MB back to the system on ``free`` and fault the pages in again
at the next ``malloc`` (a fifth of a native CNN step here; on JAX, the IMDB LSTM's (20000, 128)
embedding gradient and its (T*B, 4*units) input projection are faulted in at every step).
Raising the mmap and trim thresholds keeps them, as the frameworks' own caching allocators do.
Set whenever a backend is activated (``kfront.backends.activate``). Linux/glibc only;
``KFRONT_KEEP_FREED_MEMORY=0`` (or ``KFRONT_HOST_TUNING=0``, ``host.py``) leaves malloc alone.

Example:
    >>> from kfront.backends.common import memory
    >>> memory.keep_freed_memory() in (True, False)
    True
"""
from __future__ import annotations

import ctypes
import os
import sys

from kfront.backends.common import host

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_ABOVE = 256 << 20   # blocks larger than this still get their own mapping
_TRIM_ABOVE = 1 << 30     # free memory at the top of the heap kept up to this size
_GLIBC_DEFAULT = 128 << 10  # glibc's initial mmap and trim thresholds
_done: list = []
_reset: list = []


def keep_freed_memory() -> bool:
    """Set glibc's thresholds once per process; True if they were set."""
    if not _done:
        _done.append(_set_thresholds())
    return _done[0]


def _set_thresholds() -> bool:
    if (not sys.platform.startswith("linux") or not host.enabled()
            or os.environ.get("KFRONT_KEEP_FREED_MEMORY") == "0"):
        return False
    return _mallopt(_MMAP_ABOVE, _TRIM_ABOVE)


def _mallopt(mmap_threshold: int, trim_threshold: int) -> bool:
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and bool(
        mallopt(_M_TRIM_THRESHOLD, trim_threshold))


def release() -> None:
    """Set glibc's default thresholds again if ``keep_freed_memory`` raised them (and keep them
    from being raised later)."""
    if not _done:
        _done.append(False)
    elif _done[0] and not _reset:
        _reset.append(_mallopt(_GLIBC_DEFAULT, _GLIBC_DEFAULT))


def host_setting() -> dict:
    """This setting's entry of ``host.settings()``."""
    if not (_done and _done[0]):
        return {"changed": False, "value": "glibc's own thresholds"}
    if _reset:
        return {"changed": True, "value": "glibc's default thresholds set again (128 KiB; the "
                "dynamic mmap threshold that any mallopt turns off stays off)"}
    return {"changed": True, "value": f"glibc keeps freed memory: M_MMAP_THRESHOLD "
            f"{_MMAP_ABOVE >> 20} MiB, M_TRIM_THRESHOLD {_TRIM_ABOVE >> 20} MiB"}
