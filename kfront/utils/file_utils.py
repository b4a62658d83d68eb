"""``get_file``: download a file once into the Keras cache, check its hash, extract archives.

Same cache layout as ``keras.utils.get_file`` (``$KERAS_HOME/datasets``, default
``~/.keras/datasets``), so files Keras has downloaded are found and used as they are.
Archives are extracted with members that would land outside the target folder (absolute
paths, ``..``, links pointing out) refused.

Example:
    >>> import os, tempfile
    >>> from kfront.utils import get_file
    >>> cache = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(cache, "datasets"))
    >>> with open(os.path.join(cache, "datasets", "data.txt"), "w") as f:
    ...     _ = f.write("hello")
    >>> path = get_file("data.txt", origin="https://example.invalid/data.txt", cache_dir=cache)
    >>> open(path).read()
    'hello'
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

__all__ = ["get_file", "hash_file", "validate_file", "extract_archive"]


def keras_home() -> str:
    """``$KERAS_HOME`` or ``~/.keras``, read at call time as Keras does.

    Example:
        >>> from kfront.utils.file_utils import keras_home
        >>> isinstance(keras_home(), str)
        True
    """
    return os.path.expanduser(os.environ.get("KERAS_HOME") or os.path.join("~", ".keras"))


def _resolve_hasher(algorithm: str, file_hash: str | None = None):
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None
                                 and len(file_hash) == 64):
        return hashlib.sha256()
    if algorithm in ("md5", "auto"):
        return hashlib.md5()
    raise ValueError(f"get_file: hash_algorithm must be 'md5', 'sha256' or 'auto'; "
                     f"received {algorithm!r}")


def hash_file(fpath: str, algorithm: str = "sha256", chunk_size: int = 65535) -> str:
    """Hex digest of a file, like ``keras.utils.file_utils.hash_file``.

    Args:
        fpath: The file.
        algorithm: ``"sha256"``, ``"md5"`` or ``"auto"`` (sha256).
        chunk_size: Bytes read at a time.

    Returns:
        The hexadecimal digest.

    Example:
        >>> import os, tempfile
        >>> from kfront.utils.file_utils import hash_file
        >>> p = os.path.join(tempfile.mkdtemp(), "f")
        >>> _ = open(p, "wb").write(b"abc")
        >>> hash_file(p, "md5")
        '900150983cd24fb0d6963f7d28e17f72'
    """
    hasher = _resolve_hasher("sha256" if algorithm == "auto" else algorithm)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath: str, file_hash: str, algorithm: str = "auto",
                  chunk_size: int = 65535) -> bool:
    """Whether a file's md5 or sha256 digest equals ``file_hash``.

    Args:
        fpath: The file.
        file_hash: The expected hex digest.
        algorithm: ``"md5"``, ``"sha256"`` or ``"auto"`` (by the digest's length).
        chunk_size: Bytes read at a time.

    Returns:
        ``True`` when the digests match.

    Example:
        >>> import os, tempfile
        >>> from kfront.utils.file_utils import validate_file
        >>> p = os.path.join(tempfile.mkdtemp(), "f")
        >>> _ = open(p, "wb").write(b"abc")
        >>> validate_file(p, "900150983cd24fb0d6963f7d28e17f72")
        True
    """
    hasher = _resolve_hasher(algorithm, file_hash)
    return hash_file(fpath, hasher.name, chunk_size) == str(file_hash).lower()


def _inside(base: str, target: str) -> bool:
    base = os.path.realpath(base)
    return os.path.commonpath([base, os.path.realpath(target)]) == base


def _safe_members(archive, path: str, names, link_of) -> None:
    for name, link in ((n, link_of(n)) for n in names):
        target = os.path.join(path, name)
        if os.path.isabs(name) or not _inside(path, target):
            raise ValueError(f"extract_archive: refusing archive member {name!r}: it would be "
                             f"written outside {path!r}")
        if link is not None and not _inside(path, os.path.join(os.path.dirname(target), link)):
            raise ValueError(f"extract_archive: refusing archive member {name!r}: it links to "
                             f"{link!r}, outside {path!r}")


def extract_archive(file_path: str, path: str = ".", archive_format: str | list | None = "auto"
                    ) -> bool:
    """Extracts a tar (plain, gz, bz2, xz) or zip archive, refusing path traversal.

    Args:
        file_path: The archive.
        path: The folder to extract into.
        archive_format: ``"auto"`` (tar then zip), ``"tar"``, ``"zip"``, a list of those,
            or ``None`` (nothing is extracted).

    Returns:
        ``True`` if the file was an archive of an accepted format and was extracted.

    Raises:
        ValueError: a member would land outside ``path`` (absolute name, ``..``, or a link
            pointing out); the message names the member.

    Example:
        >>> import os, tempfile, zipfile
        >>> from kfront.utils.file_utils import extract_archive
        >>> d = tempfile.mkdtemp()
        >>> with zipfile.ZipFile(os.path.join(d, "a.zip"), "w") as z:
        ...     z.writestr("x/y.txt", "hi")
        >>> extract_archive(os.path.join(d, "a.zip"), os.path.join(d, "out"))
        True
        >>> open(os.path.join(d, "out", "x", "y.txt")).read()
        'hi'
    """
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    for fmt in archive_format:
        if fmt == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                members = {m.name: m for m in archive.getmembers()}
                _safe_members(archive, path, members,
                              lambda n: members[n].linkname if (members[n].issym()
                                                                or members[n].islnk()) else None)
                _extract(lambda: archive.extractall(path, filter="data")
                         if hasattr(tarfile, "data_filter") else archive.extractall(path), path)
            return True
        if fmt == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                _safe_members(archive, path, archive.namelist(), lambda n: None)
                _extract(lambda: archive.extractall(path), path)
            return True
        if fmt not in ("tar", "zip"):
            raise ValueError(f"extract_archive: archive_format must be 'auto', 'tar', 'zip' or "
                             f"None; received {fmt!r}")
    return False


def _extract(run, path: str) -> None:
    existed = os.path.exists(path)
    try:
        run()
    except BaseException:
        if not existed and os.path.isdir(path):
            shutil.rmtree(path)
        raise


def _download(origin: str, target: str) -> None:
    from kfront.utils.progbar import Progbar, _print
    _print(f"Downloading data from {origin}\n")
    bar = [None]

    def hook(block_num: int, block_size: int, total_size: int) -> None:
        total = None if total_size == -1 else total_size
        if bar[0] is None:
            bar[0] = Progbar(total)
        current = block_num * block_size
        bar[0].update(min(current, total) if total else current)

    try:
        urllib.request.urlretrieve(origin, target, hook)
    except (Exception, KeyboardInterrupt) as e:
        if os.path.exists(target):
            os.remove(target)
        if isinstance(e, (urllib.error.URLError, OSError)):
            raise OSError(
                f"get_file: could not download {origin!r} to {target!r} ({e}). If this machine "
                f"is offline, place the file at {target!r} (the same path Keras caches it at)"
            ) from e
        raise


def get_file(fname: str | None = None, origin: str | None = None, untar: bool = False,
             md5_hash: str | None = None, file_hash: str | None = None,
             cache_subdir: str = "datasets", hash_algorithm: str = "auto",
             extract: bool = False, archive_format: str = "auto",
             cache_dir: str | None = None, force_download: bool = False) -> str:
    """Downloads a file from a URL if it is not already in the cache, like ``keras.utils.get_file``.

    The file goes to ``cache_dir/cache_subdir/fname`` (``cache_dir`` defaults to
    ``$KERAS_HOME`` or ``~/.keras``); a file already there is used as is, or downloaded
    again when ``file_hash`` is given and does not match. A download shows a
    ``Progbar``. With ``extract=True`` the archive (tar or zip) is extracted next to it
    and the extraction folder is returned, named as Keras names it (``fname`` without
    its extension plus ``_extracted`` when ``fname`` has one, else ``fname``, with the
    archive itself saved as ``fname + "_archive"``).

    Args:
        fname: The file name in the cache (no folders). Default: the URL's last part.
        origin: The URL.
        untar: Deprecated; ``extract=True`` with ``archive_format="tar"``.
        md5_hash: Deprecated; ``file_hash`` with ``hash_algorithm="md5"``.
        file_hash: Expected md5 or sha256 hex digest, checked after download.
        cache_subdir: Sub-folder of ``cache_dir``.
        hash_algorithm: ``"md5"``, ``"sha256"`` or ``"auto"`` (by the digest's length).
        extract: Whether to extract the file as an archive.
        archive_format: ``"auto"``, ``"tar"``, ``"zip"`` or ``None``.
        cache_dir: Cache root (default ``$KERAS_HOME`` or ``~/.keras``).
        force_download: Download again even if the file is cached.

    Returns:
        The path of the file, or of the extraction folder with ``extract=True``.

    Raises:
        ValueError: no ``origin``; ``fname`` holds a folder; the downloaded file's hash
            does not match.
        OSError: the download failed (offline): the message names the file and the path
            where to put it by hand.

    Example:
        >>> import os, tempfile
        >>> from kfront.utils import get_file
        >>> cache = tempfile.mkdtemp()
        >>> os.makedirs(os.path.join(cache, "datasets"))
        >>> _ = open(os.path.join(cache, "datasets", "a.bin"), "wb").write(b"abc")
        >>> get_file("a.bin", "https://example.invalid/a.bin", cache_dir=cache,
        ...          file_hash="900150983cd24fb0d6963f7d28e17f72").endswith("a.bin")
        True
    """
    if origin is None:
        raise ValueError('get_file: please specify the "origin" argument (the URL of the file '
                         "to download)")
    if cache_dir is None:
        cache_dir = keras_home()
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = os.path.join(os.path.expanduser(os.fspath(cache_dir)), cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    provided = fname
    fname = os.fspath(fname) if fname else ""
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"get_file: cannot parse a file name from origin={origin!r}; "
                             "pass fname")
    elif os.sep in fname or "/" in fname:
        raise ValueError(f"get_file: fname must be a file name, not a path (use cache_dir for "
                         f"the folder); received fname={fname!r}")
    if extract or untar:
        if provided and "." in fname:
            target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            target = os.path.join(datadir, f"{fname}_archive")
    else:
        target = os.path.join(datadir, fname)

    download = force_download or not os.path.exists(target)
    if (extract or untar) and not force_download and not os.path.exists(target) \
            and os.path.isdir(extraction_dir) and os.listdir(extraction_dir):
        return extraction_dir  # extracted by hand (or by Keras) and the archive removed
    if not download and file_hash is not None and not validate_file(target, file_hash,
                                                                    hash_algorithm):
        from kfront.utils.progbar import _print
        _print(f"A local file was found, but it seems to be incomplete or outdated because the "
               f"{hash_algorithm} file hash does not match the original value of {file_hash} "
               "so we will re-download the data.\n")
        download = True
    if download:
        _download(origin, target)
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            raise ValueError(f"get_file: incomplete or corrupted file {target!r}: its "
                             f"{hash_algorithm} hash does not match the expected {file_hash}")
    if extract or untar:
        if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
            warnings.warn(f"get_file: could not extract {target!r} (not a tar or zip archive)",
                          stacklevel=2)
        return extraction_dir
    return target
