"""Dataset builders of ``keras.utils``: ``timeseries_dataset_from_array``,
``image_dataset_from_directory``, ``text_dataset_from_directory`` and ``split_dataset``.

Keras returns ``tf.data.Dataset`` objects; kfront returns an ``IndexedDataset``, a
``kfront.utils.PyDataset`` whose items are batches of NumPy arrays (single samples when
``batch_size=None``), which ``fit`` / ``evaluate`` / ``predict`` accept on every backend.
Files are read lazily, one batch at a time. Sample order follows Keras: the same
seeded global shuffle of the file list (``index_directory``) and of the timeseries start
positions; Keras's additional per-epoch ``tf.data`` buffer shuffle has no counterpart
(the order is the same every epoch).

Example:
    >>> import numpy as np
    >>> from kfront.utils import timeseries_dataset_from_array
    >>> ds = timeseries_dataset_from_array(np.arange(10), None, sequence_length=3,
    ...                                    batch_size=4)
    >>> len(ds), ds[0].tolist()
    (2, [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]])
"""
from __future__ import annotations

import os
import random
from typing import Any, Callable, Sequence

import numpy as np

from kfront.utils.progbar import _print
from kfront.utils.py_dataset import PyDataset

__all__ = ["IndexedDataset", "audio_dataset_from_directory", "image_dataset_from_directory", "split_dataset",
           "text_dataset_from_directory", "timeseries_dataset_from_array"]

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


class HostArray(np.ndarray):
    """A NumPy array with ``numpy()`` (the plain array), as the tensors a ``tf.data.Dataset``
    yields: iterating an ``IndexedDataset`` gives these, so code written against Keras's
    ``tf.data`` results (``inputs.numpy().shape``) runs.

    Example:
        >>> import numpy as np
        >>> from kfront.utils.dataset_utils import HostArray
        >>> type(np.arange(3).view(HostArray)[1:].numpy()).__name__
        'ndarray'
    """

    def numpy(self) -> np.ndarray:
        """The values as a plain ``np.ndarray`` (no copy)."""
        return np.asarray(self)


class IndexedDataset(PyDataset):
    """A dataset of ``size`` samples read by index, in batches of ``batch_size``.

    ``make_batch(indices)`` returns the batch (an array, or a tuple / dict of arrays) for
    a list of sample indices. With ``batch_size=None`` each item is one sample.

    Args:
        size: Number of samples.
        make_batch: Function from a list of sample indices to a batch.
        batch_size: Samples per batch, or ``None`` for single samples.
        **kwargs: ``workers``, ``use_multiprocessing``, ``max_queue_size`` (``PyDataset``).

    Example:
        >>> import numpy as np
        >>> from kfront.utils.dataset_utils import IndexedDataset
        >>> x = np.arange(5)
        >>> ds = IndexedDataset(5, lambda i: x[i], batch_size=2)
        >>> [b.tolist() for b in ds]
        [[0, 1], [2, 3], [4]]
        >>> [int(s) for s in ds.unbatch()]
        [0, 1, 2, 3, 4]
    """

    def __init__(self, size: int, make_batch: Callable[[list], Any],
                 batch_size: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                       or batch_size <= 0):
            raise ValueError(f"IndexedDataset: batch_size must be a positive integer or None; "
                             f"received {batch_size!r}")
        self.size, self.make_batch, self.batch_size = int(size), make_batch, batch_size

    def __len__(self) -> int:
        if self.batch_size is None:
            return self.size
        return -(-self.size // self.batch_size)

    def __getitem__(self, index: int):
        if not -len(self) <= index < len(self):
            raise IndexError(f"IndexedDataset: batch index {index} out of range for "
                             f"{len(self)} batches")
        index %= len(self)
        if self.batch_size is None:
            from kfront import tree
            element = tree.map_structure(lambda a: a[0], self.make_batch([index]))
        else:
            start = index * self.batch_size
            element = self.make_batch(list(range(start, min(start + self.batch_size,
                                                            self.size))))
        for map_func in self._maps:
            element = map_func(*element) if isinstance(element, tuple) else map_func(element)
        return element

    _maps: tuple = ()

    def __iter__(self):
        from kfront import tree
        for element in super().__iter__():
            yield tree.map_structure(
                lambda a: a.view(HostArray) if type(a) is np.ndarray else a, element)

    def take(self, count: int) -> "IndexedDataset":
        """The first ``count`` elements (all for ``-1``), as ``tf.data.Dataset.take``."""
        count = len(self) if count < 0 else min(int(count), len(self))
        size = count if self.batch_size is None else min(count * self.batch_size, self.size)
        return self._derive(size, self.batch_size, self._maps)

    def map(self, map_func: Callable, num_parallel_calls: int | None = None,
            deterministic: bool | None = None, name: str | None = None) -> "IndexedDataset":
        """Each element passed through ``map_func`` as it is read, as ``tf.data.Dataset.map``
        (a tuple element is passed as positional arguments). ``num_parallel_calls``,
        ``deterministic`` and ``name`` are accepted for compatibility: elements are mapped
        in order, in the reading thread."""
        return self._derive(self.size, self.batch_size, self._maps + (map_func,))

    def prefetch(self, buffer_size: int, name: str | None = None) -> "IndexedDataset":
        """The dataset itself (``fit`` reads ahead by ``workers``), as
        ``tf.data.Dataset.prefetch``."""
        return self

    def cache(self, filename: str = "", name: str | None = None) -> "IndexedDataset":
        """The dataset itself (its elements are read again each epoch), as
        ``tf.data.Dataset.cache``."""
        return self

    def cardinality(self) -> int:
        """The number of elements, as ``tf.data.Dataset.cardinality``."""
        return len(self)

    def batch(self, batch_size: int) -> "IndexedDataset":
        """The same samples in batches of ``batch_size`` (as ``tf.data.Dataset.batch``)."""
        return self._like(batch_size)

    def unbatch(self) -> "IndexedDataset":
        """The same samples one at a time."""
        return self._like(None)

    def _like(self, batch_size: int | None) -> "IndexedDataset":
        if self._maps:
            raise NotImplementedError("IndexedDataset: batch() / unbatch() of a mapped dataset "
                                      "is not supported; call map() after batching")
        return self._derive(self.size, batch_size, ())

    def _derive(self, size: int, batch_size: int | None, maps: tuple) -> "IndexedDataset":
        new = IndexedDataset(size, self.make_batch, batch_size, workers=self.workers,
                             use_multiprocessing=self.use_multiprocessing,
                             max_queue_size=self.max_queue_size)
        new.__dict__.update({k: v for k, v in self.__dict__.items()
                             if k in ("class_names", "file_paths")})
        new._maps = maps
        return new


def timeseries_dataset_from_array(data: Any, targets: Any, sequence_length: int,
                                  sequence_stride: int = 1, sampling_rate: int = 1,
                                  batch_size: int | None = 128, shuffle: bool = False,
                                  seed: int | None = None, start_index: int | None = None,
                                  end_index: int | None = None, format: str = "tf"
                                  ) -> IndexedDataset:
    """Sliding windows over a timeseries, like ``keras.utils.timeseries_dataset_from_array``.

    Window ``i`` holds ``data[start_index + p : ... : sampling_rate]`` (``sequence_length``
    steps) where ``p`` is its start position; its target is ``targets[start_index + p]``.
    Returns an ``IndexedDataset`` (a ``PyDataset`` of NumPy batches, Keras: a
    ``tf.data.Dataset``); ``format`` is accepted for Keras compatibility.

    Args:
        data: Array-like of timesteps (first axis is time).
        targets: Targets aligned with ``data``, or ``None`` (the dataset yields only
            the windows).
        sequence_length: Timesteps per window.
        sequence_stride: Steps between window starts.
        sampling_rate: Steps between timesteps inside a window.
        batch_size: Windows per batch (``None``: single windows).
        shuffle: Shuffle the window order (``np.random.RandomState(seed)``, as Keras).
        seed: Shuffle seed.
        start_index, end_index: Use only ``data[start_index:end_index]``.
        format: ``"tf"`` or ``"grain"`` (same result here).

    Returns:
        An ``IndexedDataset`` of ``windows`` or ``(windows, targets)`` batches.

    Example:
        >>> import numpy as np
        >>> from kfront.utils import timeseries_dataset_from_array
        >>> x, y = timeseries_dataset_from_array(np.arange(10), np.arange(10) * 10, 4,
        ...                                      sampling_rate=2, batch_size=None)[1]
        >>> x.tolist(), int(y)
        ([1, 3, 5, 7], 10)
    """
    n = len(data)
    where = "timeseries_dataset_from_array"
    if start_index:
        if start_index < 0:
            raise ValueError(f"{where}: start_index must be 0 or greater; received {start_index}")
        if start_index >= n:
            raise ValueError(f"{where}: start_index must be lower than the length of the data "
                             f"({n}); received {start_index}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"{where}: end_index must be higher than start_index; received "
                             f"start_index={start_index}, end_index={end_index}")
        if end_index >= n:
            raise ValueError(f"{where}: end_index must be lower than the length of the data "
                             f"({n}); received {end_index}")
    elif end_index is not None and end_index <= 0:
        raise ValueError(f"{where}: end_index must be higher than 0; received {end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"{where}: {name} must be higher than 0; received {value}")
        if value >= n:
            raise ValueError(f"{where}: {name} must be lower than the length of the data "
                             f"({n}); received {value}")
    if format not in ("tf", "grain"):
        raise ValueError(f'{where}: format should be either "tf" or "grain"; received {format!r}')
    start_index = start_index or 0
    end_index = n if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride)
    if shuffle:
        np.random.RandomState(np.random.randint(1e6) if seed is None else seed).shuffle(
            positions)
    data = np.asarray(data)[start_index:end_index]
    steps = np.arange(sequence_length) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)[start_index:end_index]

    def make_batch(indices: list):
        starts = positions[indices]
        windows = data[starts[:, None] + steps]
        return windows if targets is None else (windows, targets[starts])

    return IndexedDataset(len(positions), make_batch, batch_size)


def _check_split_args(where: str, validation_split, subset, shuffle, seed) -> None:
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"{where}: validation_split must be between 0 and 1; received "
                         f"{validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(f"{where}: if subset is set, validation_split must be set, and "
                         "inversely")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'{where}: subset must be "training", "validation" or "both"; '
                         f"received {subset!r}")
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{where}: with validation_split and shuffle=True, pass a seed so that "
                         "the training and validation subsets do not overlap")


def index_directory(directory: str, labels: Any, formats: tuple, class_names=None,
                    shuffle: bool = True, seed: int | None = None, follow_links: bool = False,
                    verbose: bool = True, where: str = "index_directory"):
    """The file paths, labels and class names of a class-per-subfolder directory, as Keras.

    Example:
        >>> import os, tempfile
        >>> from kfront.utils.dataset_utils import index_directory
        >>> d = tempfile.mkdtemp()
        >>> for c in ("cat", "dog"):
        ...     os.makedirs(os.path.join(d, c))
        ...     _ = open(os.path.join(d, c, "a.txt"), "w").write("x")
        >>> paths, labels, names = index_directory(d, "inferred", (".txt",), shuffle=False,
        ...                                        verbose=False)
        >>> names, labels.tolist()
        (['cat', 'dog'], [0, 1])
    """
    if not os.path.isdir(directory):
        raise ValueError(f"{where}: directory {directory!r} does not exist or is not a folder")
    if labels == "inferred":
        subdirs = [s for s in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, s)) and not s.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(f"{where}: class_names {list(class_names)} do not match the "
                                 f"subdirectories of {directory!r}: expected {subdirs} (or a "
                                 "subset of it)")
            subdirs = list(class_names)
    else:
        if class_names is not None:
            raise ValueError(f"{where}: class_names can only be passed with "
                             f'labels="inferred"; received labels={labels!r}')
        subdirs = [""]
    class_indices = {name: i for i, name in enumerate(subdirs)}
    filenames, found_labels = [], []
    for subdir in subdirs:
        base = os.path.join(directory, subdir)
        for root, _, files in sorted(os.walk(base, followlinks=follow_links),
                                     key=lambda w: w[0]):
            for fname in sorted(files):
                if fname.lower().endswith(formats):
                    filenames.append(os.path.join(os.path.basename(base), os.path.relpath(
                        os.path.join(root, fname), base)))
                    found_labels.append(class_indices[subdir])
    if labels == "inferred":
        labels = np.array(found_labels, dtype="int32")
        class_names = subdirs
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(f"{where}: expected len(labels) to match the number of files in "
                             f"{directory!r}; len(labels) is {len(labels)} while "
                             f"{len(filenames)} files were found")
        class_names = [str(label) for label in sorted(set(labels))]
    if verbose:
        _print(f"Found {len(filenames)} files.\n" if labels is None else
               f"Found {len(filenames)} files belonging to {len(class_names)} classes.\n")
    file_paths = [os.path.join(directory, f) for f in filenames]
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def _split(samples, labels, validation_split, subset):
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        _print(f"Using {len(samples) - num_val} files for training.\n")
        return samples[:-num_val], None if labels is None else labels[:-num_val]
    _print(f"Using {num_val} files for validation.\n")
    return samples[-num_val:], None if labels is None else labels[-num_val:]


def _encode_labels(labels, label_mode: str | None, num_classes: int) -> np.ndarray | None:
    if label_mode is None or labels is None:
        return None
    labels = np.asarray(labels)
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels]
    return labels.astype("int32")


def _from_directory(where: str, directory: str, labels, label_mode, class_names, batch_size,
                    shuffle, seed, validation_split, subset, follow_links, verbose, formats,
                    load: Callable[[list], np.ndarray]):
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError(f"{where}: labels must be \"inferred\", None, or a list/tuple of "
                         f"integer labels, one per file; received {labels!r}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f'{where}: label_mode must be one of "int", "categorical", "binary", '
                         f"or None; received {label_mode!r}")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    _check_split_args(where, validation_split, subset, shuffle, seed)
    seed = np.random.randint(1e6) if seed is None else seed
    paths, labels, class_names = index_directory(
        directory, labels, formats, class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links, verbose=verbose, where=where)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'{where}: label_mode="binary" needs exactly 2 classes; received '
                         f"class_names={class_names}")

    def build(subset_name):
        sub_paths, sub_labels = _split(paths, labels, validation_split, subset_name)
        if not sub_paths:
            raise ValueError(f"{where}: no {subset_name or ''} files found in directory "
                             f"{directory!r}; allowed formats: {formats}")
        encoded = _encode_labels(sub_labels, label_mode, len(class_names or ()))

        def make_batch(indices: list):
            x = load([sub_paths[i] for i in indices])
            return x if encoded is None else (x, encoded[indices])

        ds = IndexedDataset(len(sub_paths), make_batch, batch_size)
        ds.class_names, ds.file_paths = class_names, list(sub_paths)
        return ds

    if subset == "both":
        return build("training"), build("validation")
    return build(subset)


def image_dataset_from_directory(directory: str, labels: Any = "inferred",
                                 label_mode: str | None = "int", class_names=None,
                                 color_mode: str = "rgb", batch_size: int | None = 32,
                                 image_size: Sequence[int] | int = (256, 256),
                                 shuffle: bool = True, seed: int | None = None,
                                 validation_split: float | None = None,
                                 subset: str | None = None, interpolation: str = "bilinear",
                                 follow_links: bool = False, crop_to_aspect_ratio: bool = False,
                                 pad_to_aspect_ratio: bool = False,
                                 data_format: str | None = None, format: str = "tf",
                                 verbose: bool = True):
    """Image classification dataset from a folder of class sub-folders, like Keras.

    ``directory/<class>/<image>`` files (bmp, gif, jpeg, jpg, png) are read with Pillow
    (optional: ``pip install "kfront[image]"``), resized to ``image_size`` with
    ``kfront.ops.image.resize`` and returned as float32 batches (uint8 with
    ``interpolation="nearest"``, as Keras). Returns an
    ``IndexedDataset`` (a ``PyDataset`` of NumPy batches; Keras: a ``tf.data.Dataset``)
    with ``class_names`` and ``file_paths`` attributes (a pair with ``subset="both"``).

    Args:
        directory: The root folder.
        labels: ``"inferred"`` (from the sub-folders), ``None``, or a list of int labels
            in the sorted order of the files.
        label_mode: ``"int"``, ``"categorical"`` (one-hot), ``"binary"`` (float 0/1)
            or ``None`` (images only).
        class_names: Sub-folders to use, in label order (with ``labels="inferred"``).
        color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"``.
        batch_size: Images per batch (``None``: single images).
        image_size: ``(height, width)`` or one int.
        shuffle: Shuffle the files (seeded as Keras).
        seed: Shuffle seed.
        validation_split: Fraction held out for validation.
        subset: ``"training"``, ``"validation"`` or ``"both"``.
        interpolation: As ``kfront.ops.image.resize``.
        follow_links: Follow symlinked folders.
        crop_to_aspect_ratio: Centre-crop to the target aspect ratio first.
        pad_to_aspect_ratio: Pad to the target aspect ratio first.
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: global).
        format: ``"tf"`` or ``"grain"`` (same result here).
        verbose: Print how many files were found.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from kfront.utils import image_dataset_from_directory, save_img
        >>> d = tempfile.mkdtemp()
        >>> for c in ("a", "b"):
        ...     os.makedirs(os.path.join(d, c))
        ...     save_img(os.path.join(d, c, "0.png"), np.ones((4, 6, 3)) * 100, scale=False)
        >>> ds = image_dataset_from_directory(d, image_size=(2, 3), shuffle=False,
        ...                                   verbose=False)
        >>> x, y = ds[0]
        >>> x.shape, y.tolist(), ds.class_names, float(x.max())
        ((2, 2, 3, 3), [0, 1], ['a', 'b'], 100.0)
    """
    from kfront import ops
    from kfront.utils.image_utils import _data_format, load_img
    where = "image_dataset_from_directory"
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError(f'{where}: color_mode must be one of "rgb", "rgba", "grayscale"; '
                         f"received {color_mode!r}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"{where}: image_size must be a tuple of 2 integers; received "
                         f"{image_size!r}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError(f"{where}: only one of pad_to_aspect_ratio and crop_to_aspect_ratio "
                         "can be True")
    if format not in ("tf", "grain"):
        raise ValueError(f'{where}: format should be either "tf" or "grain"; received {format!r}')
    data_format = _data_format(data_format, where)
    interpolation = interpolation.lower()
    dtype = "uint8" if interpolation == "nearest" else "float32"  # as tf.image.resize

    def load(paths: list) -> np.ndarray:
        images = []
        for path in paths:
            img = np.asarray(load_img(path, color_mode=color_mode), dtype="float32")
            img = img.reshape(img.shape[:2] + (channels,))
            img = ops.image.resize(img, tuple(image_size), interpolation=interpolation,
                                   crop_to_aspect_ratio=crop_to_aspect_ratio,
                                   pad_to_aspect_ratio=pad_to_aspect_ratio,
                                   data_format="channels_last")
            img = ops.convert_to_numpy(img).astype(dtype)
            images.append(img.transpose(2, 0, 1) if data_format == "channels_first" else img)
        return np.stack(images)

    return _from_directory(where, directory, labels, label_mode, class_names, batch_size,
                           shuffle, seed, validation_split, subset, follow_links, verbose,
                           IMAGE_FORMATS, load)


def text_dataset_from_directory(directory: str, labels: Any = "inferred",
                                label_mode: str | None = "int", class_names=None,
                                batch_size: int | None = 32, max_length: int | None = None,
                                shuffle: bool = True, seed: int | None = None,
                                validation_split: float | None = None,
                                subset: str | None = None, follow_links: bool = False,
                                format: str = "tf", verbose: bool = True):
    """Text classification dataset from a folder of class sub-folders of ``.txt`` files.

    Returns an ``IndexedDataset`` (a ``PyDataset`` of NumPy batches; Keras: a
    ``tf.data.Dataset`` of byte strings) whose texts are an object array of Python
    ``str`` (decoded as UTF-8), with ``class_names`` and ``file_paths`` attributes.

    Args:
        directory: The root folder.
        labels: ``"inferred"``, ``None``, or a list of int labels (sorted file order).
        label_mode: ``"int"``, ``"categorical"``, ``"binary"`` or ``None``.
        class_names: Sub-folders to use, in label order.
        batch_size: Texts per batch (``None``: single texts).
        max_length: Keep at most this many characters of each text.
        shuffle: Shuffle the files (seeded as Keras).
        seed: Shuffle seed.
        validation_split: Fraction held out for validation.
        subset: ``"training"``, ``"validation"`` or ``"both"``.
        follow_links: Follow symlinked folders.
        format: ``"tf"`` or ``"grain"`` (same result here).
        verbose: Print how many files were found.

    Example:
        >>> import os, tempfile
        >>> from kfront.utils import text_dataset_from_directory
        >>> d = tempfile.mkdtemp()
        >>> for c, text in (("neg", "bad film"), ("pos", "great film")):
        ...     os.makedirs(os.path.join(d, c))
        ...     _ = open(os.path.join(d, c, "0.txt"), "w").write(text)
        >>> x, y = text_dataset_from_directory(d, shuffle=False, verbose=False)[0]
        >>> x.tolist(), y.tolist()
        (['bad film', 'great film'], [0, 1])
    """
    where = "text_dataset_from_directory"
    if format not in ("tf", "grain"):
        raise ValueError(f'{where}: format should be either "tf" or "grain"; received {format!r}')

    def load(paths: list) -> np.ndarray:
        texts = np.empty(len(paths), dtype=object)
        for i, path in enumerate(paths):
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", errors="replace")
            texts[i] = text if max_length is None else text[:max_length]
        return texts

    return _from_directory(where, directory, labels, label_mode, class_names, batch_size,
                           shuffle, seed, validation_split, subset, follow_links, verbose,
                           (".txt",), load)


def _read_wav(path: str, length: int | None) -> np.ndarray:
    """A 16-bit PCM WAV file as float32 ``(samples, channels)`` in [-1, 1), as
    ``tf.audio.decode_wav`` (zero-padded or cut to ``length`` when given)."""
    import wave
    try:
        with wave.open(path, "rb") as f:
            if f.getsampwidth() != 2:
                raise ValueError(f"{8 * f.getsampwidth()}-bit samples (only 16-bit PCM is read)")
            channels = f.getnchannels()
            frames = f.readframes(f.getnframes())
    except (wave.Error, EOFError, ValueError) as e:
        raise ValueError(f"audio_dataset_from_directory: {path!r} is not a readable 16-bit PCM "
                         f"WAV file: {e}") from e
    audio = np.frombuffer(frames, dtype="<i2").reshape(-1, channels).astype("float32") / 32768
    if length is not None:
        audio = np.pad(audio[:length], ((0, max(0, length - len(audio))), (0, 0)))
    return audio


def audio_dataset_from_directory(directory: str, labels: Any = "inferred",
                                 label_mode: str | None = "int", class_names=None,
                                 batch_size: int | None = 32, sampling_rate: int | None = None,
                                 output_sequence_length: int | None = None,
                                 ragged: bool = False, shuffle: bool = True,
                                 seed: int | None = None, validation_split: float | None = None,
                                 subset: str | None = None, follow_links: bool = False,
                                 verbose: bool = True):
    """Audio classification dataset from a folder of class sub-folders of ``.wav`` files.

    16-bit PCM WAV files are decoded as ``tf.audio.decode_wav`` does (float32 in [-1, 1),
    shape ``(samples, channels)``) and each batch is zero-padded to its longest clip, or
    every clip cut / padded to ``output_sequence_length``. Returns an ``IndexedDataset``
    (a ``PyDataset`` of NumPy batches; Keras: a ``tf.data.Dataset``) with ``class_names``
    and ``file_paths``. Resampling (``sampling_rate``) and ``ragged=True`` are not
    supported here (``NotImplementedError``).

    Args:
        directory: The root folder.
        labels: ``"inferred"``, ``None``, or a list of int labels (sorted file order).
        label_mode: ``"int"``, ``"categorical"``, ``"binary"`` or ``None``.
        class_names: Sub-folders to use, in label order.
        batch_size: Clips per batch (``None``: single clips).
        sampling_rate: Must be ``None`` (no resampling).
        output_sequence_length: Cut / zero-pad every clip to this many samples.
        ragged: Must be ``False``.
        shuffle: Shuffle the files (seeded as Keras).
        seed: Shuffle seed.
        validation_split: Fraction held out for validation.
        subset: ``"training"``, ``"validation"`` or ``"both"``.
        follow_links: Follow symlinked folders.
        verbose: Print how many files were found.

    Example:
        >>> import os, tempfile, wave
        >>> import numpy as np
        >>> from kfront.utils import audio_dataset_from_directory
        >>> d = tempfile.mkdtemp()
        >>> for c, n in (("no", 3), ("yes", 5)):
        ...     os.makedirs(os.path.join(d, c))
        ...     with wave.open(os.path.join(d, c, "0.wav"), "wb") as f:
        ...         f.setnchannels(1); f.setsampwidth(2); f.setframerate(8000)
        ...         f.writeframes(np.full(n, 16384, "<i2").tobytes())
        >>> x, y = audio_dataset_from_directory(d, shuffle=False, verbose=False)[0]
        >>> x.shape, x[0, :, 0].tolist(), y.tolist()
        ((2, 5, 1), [0.5, 0.5, 0.5, 0.0, 0.0], [0, 1])
    """
    where = "audio_dataset_from_directory"
    if ragged and output_sequence_length is not None:
        raise ValueError(f"{where}: cannot set both ragged and output_sequence_length")
    if ragged:
        raise NotImplementedError(f"{where}: ragged=True is not supported by kfront (batches "
                                  "are NumPy arrays); leave ragged=False for zero-padded "
                                  "batches")
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int) or sampling_rate <= 0:
            raise ValueError(f"{where}: sampling_rate should be a positive integer; received "
                             f"{sampling_rate!r}")
        raise NotImplementedError(f"{where}: resampling (sampling_rate={sampling_rate}) is not "
                                  "supported by kfront; pass sampling_rate=None")

    def load(paths: list) -> np.ndarray:
        clips = [_read_wav(p, output_sequence_length) for p in paths]
        longest = max(len(c) for c in clips)
        return np.stack([np.pad(c, ((0, longest - len(c)), (0, 0))) for c in clips])

    return _from_directory(where, directory, labels, label_mode, class_names, batch_size,
                           shuffle, seed, validation_split, subset, follow_links, verbose,
                           (".wav",), load)


def _split_sizes(left_size, right_size, total: int) -> tuple[int, int]:
    where = "split_dataset"
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"{where}: {name} must be an int, a float or None; received "
                            f"{type(size).__name__}")
        if size is not None and ((type(size) is int and not 0 < size < total)
                                 or (type(size) is float and not 0 < size < 1)):
            raise ValueError(f"{where}: {name} must be a positive integer smaller than {total}, "
                             f"or a float in (0, 1); received {size}")
    if left_size is None and right_size is None:
        raise ValueError(f"{where}: at least one of left_size and right_size must be given")
    if type(left_size) is type(right_size) is float and left_size + right_size > 1:
        raise ValueError(f"{where}: left_size + right_size is greater than 1")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"{where}: left_size + right_size ({left + right}) exceeds the "
                         f"dataset length {total}")
    if left == 0 or right == 0:
        raise ValueError(f"{where}: with a dataset of length {total}, left_size={left} and "
                         f"right_size={right}: one side would be empty")
    return int(left), int(right)


def split_dataset(dataset: Any, left_size: int | float | None = None,
                  right_size: int | float | None = None, shuffle: bool = False,
                  seed: int | None = None, preferred_backend: str | None = None
                  ) -> tuple[IndexedDataset, IndexedDataset]:
    """Splits a dataset of samples in two, like ``keras.utils.split_dataset``.

    ``dataset`` is an array, a tuple / list / dict of arrays with the same first
    dimension, or a ``PyDataset`` (its batches are split into samples). Float sizes are
    fractions, ints are sample counts; the shuffle is Keras's (``random.Random(seed)``).
    Returns two unbatched ``IndexedDataset`` objects (Keras: ``tf.data.Dataset``); call
    ``.batch(n)`` on them before ``fit``. A batched ``IndexedDataset`` input keeps its
    batch size. ``preferred_backend`` is accepted for Keras compatibility.

    Example:
        >>> import numpy as np
        >>> from kfront.utils import split_dataset
        >>> left, right = split_dataset(np.arange(10), left_size=0.8)
        >>> len(left), [int(s) for s in right]
        (8, [8, 9])
    """
    from kfront import tree
    batch_size = None
    if isinstance(dataset, PyDataset):
        batch_size = getattr(dataset, "batch_size", None)
        batches = list(dataset)
        if not batches:
            raise ValueError("split_dataset: the dataset is empty")
        flat = [tree.flatten(b) for b in batches]
        columns = [np.concatenate([np.asarray(f[k]) for f in flat]) for k in range(len(flat[0]))]
        structure = batches[0]
    elif isinstance(dataset, (np.ndarray, list, tuple, dict)) or hasattr(dataset, "__array__"):
        structure = dataset if isinstance(dataset, (list, tuple, dict)) else np.asarray(dataset)
        columns = [np.asarray(c) for c in tree.flatten(structure)]
    else:
        raise TypeError(f"split_dataset: dataset must be an array, a tuple/list/dict of arrays "
                        f"or a PyDataset; received {type(dataset).__name__}")
    total = len(columns[0])
    if any(len(c) != total for c in columns):
        raise ValueError(f"split_dataset: the arrays must have the same length; received "
                         f"lengths {[len(c) for c in columns]}")
    order = list(range(total))
    if shuffle:
        random.Random(random.randint(0, int(1e6)) if seed is None else seed).shuffle(order)
    left, right = _split_sizes(left_size, right_size, total)

    def side(indices: list) -> IndexedDataset:
        cols = [c[indices] for c in columns]
        return IndexedDataset(len(indices), lambda i: tree.pack_sequence_as(
            structure, [c[i] for c in cols]), batch_size)

    return side(order[:left]), side(order[-right:])
