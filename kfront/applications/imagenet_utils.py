"""ImageNet input preprocessing and prediction decoding (``keras.applications.imagenet_utils``).

Example:
    >>> import numpy as np
    >>> from kfront.applications import imagenet_utils
    >>> imagenet_utils.preprocess_input(np.full((1, 1, 1, 3), 255.0), mode="tf").tolist()
    [[[[1.0, 1.0, 1.0]]]]
"""
from __future__ import annotations

import json

import numpy as np

from kfront import config, ops
from kfront.applications import _base

CLASS_INDEX = None
CLASS_INDEX_PATH = ("https://storage.googleapis.com/download.tensorflow.org/"
                    "data/imagenet_class_index.json")
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

_CAFFE_MEAN = [103.939, 116.779, 123.68]
_TORCH_MEAN, _TORCH_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def preprocess_input(x, data_format: str | None = None, mode: str = "caffe"):
    """Preprocesses a batch of images (values in [0, 255]) for an ImageNet model.

    Modes: ``"caffe"`` (RGB to BGR, then minus the ImageNet channel means), ``"tf"`` (scaled
    to [-1, 1]) and ``"torch"`` (scaled to [0, 1], then normalized per channel). A floating
    NumPy array is changed in place, as in Keras; a backend tensor gives a new tensor.

    Args:
        x: A NumPy array or backend tensor, 3D or 4D with 3 channels.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``kfront.config.image_data_format()``.
        mode: ``"caffe"``, ``"tf"`` or ``"torch"``.

    Returns:
        The preprocessed array or tensor.

    Example:
        >>> import numpy as np
        >>> from kfront.applications import imagenet_utils
        >>> x = np.zeros((1, 1, 1, 3))
        >>> imagenet_utils.preprocess_input(x, mode="caffe").round(3).tolist()
        [[[[-103.939, -116.779, -123.68]]]]
    """
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. "
                         f"Received: mode={mode}")
    if data_format is None:
        data_format = config.image_data_format()
    elif data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Expected data_format to be one of `channels_first` or "
                         f"`channels_last`. Received: data_format={data_format}")
    if isinstance(x, np.ndarray):
        return _preprocess_numpy(x, data_format, mode)
    return _preprocess_tensor(x, data_format, mode)


def _mean_std(mode: str):
    return (_TORCH_MEAN, _TORCH_STD) if mode == "torch" else (_CAFFE_MEAN, None)


def _channel_shape(ndim: int, data_format: str) -> tuple:
    if data_format == "channels_last":
        return (1,) * (ndim - 1) + (3,)
    return (3, 1, 1) if ndim == 3 else (1, 3) + (1,) * (ndim - 2)


def _bgr_numpy(x: np.ndarray, data_format: str) -> np.ndarray:
    if data_format == "channels_last":
        return x[..., ::-1]
    return x[::-1, ...] if x.ndim == 3 else x[:, ::-1, ...]


def _preprocess_numpy(x: np.ndarray, data_format: str, mode: str) -> np.ndarray:
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(config.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    mean, std = _mean_std(mode)
    if mode == "torch":
        x /= 255.0
    else:
        x = _bgr_numpy(x, data_format)
    shape = _channel_shape(x.ndim, data_format)
    x -= np.reshape(np.asarray(mean, x.dtype), shape)
    if std is not None:
        x /= np.reshape(np.asarray(std, x.dtype), shape)
    return x


def _preprocess_tensor(x, data_format: str, mode: str):
    x = ops.convert_to_tensor(x)
    if mode == "tf":
        return ops.subtract(ops.divide(x, 127.5), 1.0)
    mean, std = _mean_std(mode)
    ndim = len(x.shape)
    if mode == "torch":
        x = ops.divide(x, 255.0)
    elif data_format == "channels_last":
        x = ops.flip(x, axis=-1)
    else:
        x = ops.flip(x, axis=0 if ndim == 3 else 1)
    shape = _channel_shape(ndim, data_format)
    x = ops.add(x, ops.reshape(ops.convert_to_tensor(-np.array(mean), dtype=x.dtype), shape))
    if std is not None:
        x = ops.divide(x, ops.reshape(ops.convert_to_tensor(np.array(std), dtype=x.dtype),
                                      shape))
    return x


def _class_index() -> dict:
    global CLASS_INDEX
    if CLASS_INDEX is None:
        path = _base.fetch("imagenet_class_index.json", CLASS_INDEX_PATH, CLASS_INDEX_HASH)
        with open(path) as f:
            CLASS_INDEX = json.load(f)
    return CLASS_INDEX


def decode_predictions(preds, top: int = 5) -> list:
    """Decodes a batch of ImageNet predictions into ``(class_name, description, score)``
    tuples, best first. The class index file is fetched once, as in Keras, into
    ``~/.keras/models/imagenet_class_index.json``.

    Args:
        preds: Array of shape ``(samples, 1000)``.
        top: How many top guesses to return per sample.

    Returns:
        One list of tuples per sample.

    Example:
        >>> import numpy as np
        >>> from kfront.applications import imagenet_utils
        >>> imagenet_utils.decode_predictions(np.zeros((1, 10)))
        Traceback (most recent call last):
        ...
        ValueError: `decode_predictions` expects a batch of predictions ... shape: (1, 10)
    """
    if len(preds.shape) != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array "
                         f"of shape (samples, 1000)). Received array with shape: "
                         f"{tuple(preds.shape)}")
    index = _class_index()
    results = []
    for pred in ops.convert_to_numpy(preds):
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(index[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda r: r[2], reverse=True)
        results.append(result)
    return results


def decoder():
    """The ``decode_predictions`` a model module re-exports (Keras's modules all decode with
    the ImageNet class index).

    Example:
        >>> from kfront.applications import imagenet_utils
        >>> imagenet_utils.decoder().__name__
        'decode_predictions'
    """
    def decode(preds, top: int = 5) -> list:
        return decode_predictions(preds, top=top)
    decode.__doc__ = decode_predictions.__doc__
    decode.__name__ = decode.__qualname__ = "decode_predictions"
    return decode


def preprocessor(mode: str | None):
    """The ``preprocess_input(x, data_format=None)`` of a model module: ImageNet
    preprocessing in ``mode``, or the identity when the model rescales inside (``None``)."""
    def preprocess(x, data_format: str | None = None):
        if mode is None:
            return x
        return preprocess_input(x, data_format=data_format, mode=mode)
    what = ("returns `x` unchanged: the model preprocesses inside" if mode is None
            else f'ImageNet preprocessing, mode "{mode}"')
    preprocess.__doc__ = f"""Preprocesses a batch of images for this model: {what}.

    Example:
        >>> import numpy as np
        >>> from kfront.applications import imagenet_utils
        >>> f = imagenet_utils.preprocessor("tf")
        >>> f(np.array([[0.0, 127.5, 255.0]])).tolist()
        [[-1.0, 0.0, 1.0]]
    """
    preprocess.__name__ = preprocess.__qualname__ = "preprocess_input"
    return preprocess
