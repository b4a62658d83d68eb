"""Saving and loading (``keras.saving``): Keras 3's ``.keras`` and ``.weights.h5`` formats, legacy
``.h5`` (Keras 3 and tf.keras 2), configs and the registry of custom objects.

Rooms: ``object_registration`` (custom objects), ``serialization_lib`` (configs, both ways, from
an allowlist), ``safety`` (safe mode), ``legacy_config`` (tf.keras 2 / legacy ``.h5`` model
configs), ``saving_api`` (save/load by file extension), and one module per file format.

Example:
    >>> import kfront
    >>> from kfront import saving
    >>> loss = saving.deserialize_keras_object(saving.serialize_keras_object(kfront.losses.Huber()))
    >>> type(loss).__name__
    'Huber'
"""
from kfront.saving.object_registration import (CustomObjectScope, custom_object_scope,
                                               get_custom_objects, get_registered_name,
                                               get_registered_object,
                                               register_keras_serializable)
from kfront.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

_SAVING_API = ("save_model", "load_model", "save_weights", "load_weights")

__all__ = ["CustomObjectScope", "KerasFileEditor", "custom_object_scope",
           "deserialize_keras_object", "get_custom_objects", "get_registered_name",
           "get_registered_object", "register_keras_serializable", "serialize_keras_object",
           *_SAVING_API]


def __getattr__(name: str):
    if name == "KerasFileEditor":
        from kfront.saving.file_editor import KerasFileEditor
        return KerasFileEditor
    if name in _SAVING_API:  # imported on first use (the formats import h5py)
        from kfront.saving import saving_api
        return getattr(saving_api, name)
    raise AttributeError(f"module 'kfront.saving' has no attribute {name!r}")
