"""Utilities with the ``keras.utils`` calling conventions.

Example:
    >>> from kfront.utils import to_categorical
    >>> to_categorical([0, 2]).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
"""

from kfront.backend import clear_session, is_keras_tensor, standardize_dtype
from kfront.config import (disable_interactive_logging, enable_interactive_logging,
                           is_interactive_logging_enabled)
from kfront.saving import (CustomObjectScope, custom_object_scope, deserialize_keras_object,
                           get_custom_objects, get_registered_name, get_registered_object,
                           register_keras_serializable, serialize_keras_object)
from kfront.utils import bounding_boxes, legacy
from kfront.utils.config import Config
from kfront.utils.data_utils import pack_x_y_sample_weight, unpack_x_y_sample_weight
from kfront.utils.dataset_utils import (audio_dataset_from_directory,
                                        image_dataset_from_directory, split_dataset,
                                        text_dataset_from_directory,
                                        timeseries_dataset_from_array)
from kfront.utils.feature_space import FeatureSpace
from kfront.utils.file_utils import get_file
from kfront.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from kfront.utils.model_visualization import get_source_inputs, model_to_dot, plot_model
from kfront.utils.numerical_utils import normalize, to_categorical
from kfront.utils.progbar import Progbar
from kfront.utils.py_dataset import PyDataset, Sequence
from kfront.utils.random_seed import set_random_seed
from kfront.utils.sequence_utils import pad_sequences

__all__ = ["Config", "bounding_boxes", "get_source_inputs", "legacy", "model_to_dot", "plot_model",
           "CustomObjectScope", "FeatureSpace", "Progbar", "PyDataset", "Sequence", "array_to_img",
           "audio_dataset_from_directory",
           "clear_session",
           "custom_object_scope", "deserialize_keras_object", "disable_interactive_logging",
           "enable_interactive_logging", "get_custom_objects", "get_file", "get_registered_name",
           "get_registered_object", "image_dataset_from_directory", "img_to_array",
           "is_interactive_logging_enabled", "is_keras_tensor", "load_img",
           "normalize", "pack_x_y_sample_weight", "pad_sequences", "register_keras_serializable",
           "save_img", "serialize_keras_object", "set_random_seed", "split_dataset",
           "standardize_dtype", "text_dataset_from_directory", "timeseries_dataset_from_array",
           "to_categorical", "unpack_x_y_sample_weight"]
