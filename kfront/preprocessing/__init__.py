"""``keras.preprocessing``: the data utilities under their older names (``sequence.pad_sequences``,
``image.load_img``, ...); the same functions as in ``kfront.utils``.

Example:
    >>> from kfront.preprocessing.sequence import pad_sequences
    >>> pad_sequences([[1, 2]], maxlen=3).tolist()
    [[0, 1, 2]]
"""
from kfront.preprocessing import image, sequence
from kfront.utils.dataset_utils import (image_dataset_from_directory, text_dataset_from_directory,
                                        timeseries_dataset_from_array)

__all__ = ["image", "image_dataset_from_directory", "sequence", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
