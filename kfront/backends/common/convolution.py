"""Convolution and pooling geometry shared by every backend (pure Python, no arrays).

Argument checks and error messages, TensorFlow's ``"same"`` padding rule
(``max((ceil(n / s) - 1) * s + k - n, 0)`` in total, the smaller half before) and Keras's output
length of a transposed convolution, so that every backend accepts, rejects and sizes alike.

Example:
    >>> from kfront.backends.common.convolution import geometry
    >>> geometry((5, 5), (3, 3), (2, 2), (1, 1), "same", "conv", (1, 5, 5, 1))
    ([(1, 1), (1, 1)], (3, 3))
"""
from __future__ import annotations


def ints(value, rank: int, name: str, op: str) -> tuple:
    """An int or a sequence of ``rank`` ints as a tuple of ``rank`` ints."""
    if isinstance(value, int):
        return (value,) * rank
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        value = value * rank
    if len(value) != rank:
        raise ValueError(f"{op}: {name} must be an int or {rank} ints for a {rank}D input, "
                         f"got {value}")
    return value


def padding_mode(padding: str, op: str) -> str:
    """``"valid"`` or ``"same"`` (case-insensitive), else a clear error."""
    mode = str(padding).lower()
    if mode not in ("valid", "same"):
        raise ValueError(f'{op}: padding must be "valid" or "same", got {padding!r}')
    return mode


def geometry(size, k, s, d, padding, op: str, shape) -> tuple[list, tuple]:
    """``(pads, out)``: the (before, after) padding and the output size of each spatial axis.

    A size that is unknown while tracing (``None``) gives ``None`` for both."""
    pads, out = [], []
    for n, kk, ss, dd in zip(size, k, s, d):
        if n is None:
            pads.append(None)
            out.append(None)
            continue
        eff = (kk - 1) * dd + 1
        if padding == "valid":
            o, total = (n - eff) // ss + 1 if n >= eff else 0, 0
        else:
            o = -(-n // ss)
            total = max((o - 1) * ss + eff - n, 0)
        if o <= 0:
            raise ValueError(f"{op}: the window ({tuple(k)}, dilation {tuple(d)}) is larger than "
                             f"the input with shape {tuple(shape)} and padding={padding!r}: the "
                             f"output would be empty")
        pads.append((total // 2, total - total // 2))
        out.append(o)
    return pads, tuple(out)


def transpose_length(n, k, s, d, padding, output_padding):
    """Keras's output length of a transposed convolution along one axis."""
    eff = (k - 1) * d + 1
    if padding == "valid":
        extra = max(eff, s) - eff if output_padding is None else output_padding
        return (n - 1) * s + eff + extra
    if output_padding is None:
        return n * s
    return (n - 1) * s + eff - 2 * (eff // 2) + output_padding


def channels_first(data_format, op: str) -> bool:
    """Whether ``data_format`` (None: ``kfront.config.image_data_format()``) is channels-first."""
    if data_format is None:
        from kfront import config
        data_format = config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f'{op}: data_format must be "channels_last" or "channels_first", got '
                         f"{data_format!r}")
    return data_format == "channels_first"


def spatial_rank(shape, op: str) -> int:
    """1, 2 or 3 for inputs of ``shape`` (batch, *spatial, channels), else a clear error."""
    rank = len(shape) - 2
    if rank not in (1, 2, 3):
        raise ValueError(f"{op}: expected inputs of rank 3, 4 or 5 (batch, *spatial, channels), "
                         f"got shape {tuple(shape)}")
    return rank
