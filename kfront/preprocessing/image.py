"""``keras.preprocessing.image``: the image utilities (the same functions as in
``kfront.utils``, plus ``smart_resize``). Reading and writing files needs Pillow
(``pip install "kfront[image]"``).

Example:
    >>> import numpy as np
    >>> from kfront.preprocessing.image import img_to_array
    >>> img_to_array(np.zeros((2, 2))).shape
    (2, 2, 1)
"""
from kfront.utils.image_utils import array_to_img, img_to_array, load_img, save_img, smart_resize

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
