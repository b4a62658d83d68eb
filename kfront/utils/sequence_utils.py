"""``pad_sequences``: lists of sequences to one padded array, as ``keras.utils.pad_sequences``."""
from __future__ import annotations

import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0) -> np.ndarray:
    """Pad (or truncate) each sequence to ``maxlen`` (default: the longest) and stack them.

    ``padding`` / ``truncating`` ("pre" or "post") say at which end values are added or
    removed; sequences of vectors keep their trailing shape; ``dtype=object`` pads strings.

    Example:
        >>> from kfront.utils import pad_sequences
        >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2, padding="post").tolist()
        [[1, 0], [2, 3], [5, 6]]
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("pad_sequences: `sequences` must be a list of sequences; got "
                         f"{type(sequences).__name__}")
    for name, choice in (("padding", padding), ("truncating", truncating)):
        if choice not in ("pre", "post"):
            raise ValueError(f'pad_sequences: {name} must be "pre" or "post"; got {choice!r}')
    lengths, sample_shape = [], ()
    for i, s in enumerate(sequences):
        try:
            lengths.append(len(s))
        except TypeError:
            raise ValueError(f"pad_sequences: `sequences` must be a list of iterables; "
                             f"sequence {i} is {s!r}") from None
        if len(s) and not sample_shape:
            sample_shape = np.asarray(s).shape[1:]
    if maxlen is None:
        maxlen = max(lengths, default=0)
    is_text = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_text:
        raise ValueError(f"pad_sequences: `dtype` {dtype} is not compatible with `value`'s type: "
                         f"{type(value)}; use dtype=object for variable-length strings")
    out = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s) or not maxlen:
            continue
        kept = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"pad_sequences: sequence {i} has items of shape "
                             f"{kept.shape[1:]}, expected {sample_shape} (as the first "
                             f"non-empty sequence)")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, -len(kept):] = kept
    return out
