"""Atomic saves: write to a temporary file in the target's folder, flush and fsync it, then
``os.replace`` it over the target and fsync the folder. A save killed at any point leaves the
previous file whole (or no file), never a partial one.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Iterator

_UMASK = os.umask(0o022)
os.umask(_UMASK)


def check_target_folder(path: str | os.PathLike) -> str:
    """``path`` as a string, after checking that its folder exists (``FileNotFoundError``
    naming the folder and the path otherwise) and that ``path`` is not a folder itself."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Cannot save to {path!r}: the folder {folder!r} does not exist; "
                                f"create it first (os.makedirs)")
    return path


def _fsync_path(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: str) -> None:
    for root, _, files in os.walk(path):
        for name in files:
            _fsync_path(os.path.join(root, name))
        _fsync_path(root)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, directory: bool = False) -> Iterator[str]:
    """Yield a temporary path next to ``path``; when the block ends without an error the
    temporary file (or folder, with ``directory=True``) is fsynced and renamed to ``path``;
    on an error it is removed and ``path`` is left as it was.

    Example:
        >>> import os, tempfile
        >>> from kfront.saving.atomic import atomic_write
        >>> target = os.path.join(tempfile.mkdtemp(), "notes.txt")
        >>> with atomic_write(target) as tmp:
        ...     with open(tmp, "w") as f:
        ...         _ = f.write("saved")
        >>> open(target).read()
        'saved'
    """
    path = check_target_folder(path)
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    if directory:
        tmp = tempfile.mkdtemp(prefix=f".{base}.", suffix=".tmp", dir=folder)
    else:
        fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=folder)
        os.close(fd)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes it private; a saved file is not
    try:
        yield tmp
        if directory:
            _fsync_tree(tmp)
            old = None
            if os.path.isdir(path):  # a folder cannot be replaced in one rename
                old = tempfile.mkdtemp(prefix=f".{base}.", suffix=".old", dir=folder)
                os.replace(path, os.path.join(old, base))
            os.replace(tmp, path)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        else:
            _fsync_path(tmp)
            os.replace(tmp, path)
        _fsync_path(folder)
    except BaseException:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.exists(tmp):
            os.remove(tmp)
        raise
