"""Saving and loading (``keras.saving``): Keras 3's ``.keras`` and ``.weights.h5`` formats, legacy
``.h5`` (Keras 3 and tf.keras 2), configs and the registry of custom objects.

Rooms: ``object_registration`` (custom objects), ``serialization_lib`` (configs, both ways),
``safety`` (safe mode and the allowlist), ``saving_api`` (save/load by file extension), and one
module per file format.
"""
