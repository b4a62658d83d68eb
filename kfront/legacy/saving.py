"""``keras.legacy.saving``: tf.keras 2's object (de)serialization, the same functions as
``kfront.utils.legacy`` (as in Keras, where both names export one implementation).

Example:
    >>> import kfront
    >>> from kfront.legacy.saving import deserialize_keras_object, serialize_keras_object
    >>> config = serialize_keras_object(kfront.layers.Dense(2, name="d"))
    >>> config["class_name"], deserialize_keras_object(
    ...     config, module_objects={"Dense": kfront.layers.Dense}).units
    ('Dense', 2)
"""
from kfront.utils.legacy import deserialize_keras_object, serialize_keras_object

__all__ = ["deserialize_keras_object", "serialize_keras_object"]
