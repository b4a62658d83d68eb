"""Input data of ``fit`` / ``evaluate`` / ``predict``, one adapter per kind (as Keras's
``trainers/data_adapters``): NumPy arrays (and nests of them), Python generators,
``kfront.utils.PyDataset``, ``tf.data.Dataset`` and ``torch.utils.data.DataLoader``. Each turns
its input into the same iterator of ``(x, y, sample_weight)`` batches of NumPy arrays.

Example:
    >>> import numpy as np
    >>> from kfront.models.data_adapters import get_data_adapter
    >>> a = get_data_adapter(np.zeros((5, 2)), np.ones((5, 1)), batch_size=2)
    >>> a.num_batches, [b[0].shape[0] for b in a.get_numpy_iterator()]
    (3, [2, 2, 1])
"""
from __future__ import annotations

from kfront.models.data_adapters.array_data_adapter import ArrayDataAdapter
from kfront.models.data_adapters.data_adapter import DataAdapter, unpack_x_y_sample_weight
from kfront.models.data_adapters.generator_data_adapter import GeneratorDataAdapter
from kfront.models.data_adapters.iterable_adapters import (TFDatasetAdapter,
                                                           TorchDataLoaderAdapter,
                                                           is_tf_dataset,
                                                           is_torch_dataloader)
from kfront.models.data_adapters.py_dataset_adapter import PyDatasetAdapter
from kfront.utils.py_dataset import PyDataset

__all__ = ["ArrayDataAdapter", "DataAdapter", "GeneratorDataAdapter", "PyDatasetAdapter",
           "TFDatasetAdapter", "TorchDataLoaderAdapter", "get_data_adapter", "is_array_like",
           "unpack_x_y_sample_weight"]


def get_data_adapter(x, y=None, sample_weight=None, batch_size: int | None = None,
                     steps_per_epoch: int | None = None, shuffle: bool = False,
                     class_weight: dict | None = None, what: str = "fit") -> DataAdapter:
    """The adapter for ``x``'s kind. ``y`` / ``sample_weight`` go with arrays only (the other
    kinds yield them in their batches), and ``batch_size`` too (the others are batched)."""
    if is_array_like(x):
        return ArrayDataAdapter(x, y, sample_weight, batch_size=batch_size or 32,
                                shuffle=shuffle, class_weight=class_weight, what=what)
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None:
            raise ValueError(f"{what}: {name} must not be given when x is a "
                             f"{type(x).__name__} (it yields batches of (x, y, sample_weight) "
                             f"itself); got {name} of type {type(value).__name__}")
    if isinstance(x, PyDataset):
        return PyDatasetAdapter(x, shuffle=shuffle, class_weight=class_weight, what=what)
    if is_tf_dataset(x):
        return TFDatasetAdapter(x, class_weight=class_weight, what=what)
    if is_torch_dataloader(x):
        return TorchDataLoaderAdapter(x, class_weight=class_weight, what=what)
    if hasattr(x, "__next__") or hasattr(x, "__iter__"):
        return GeneratorDataAdapter(x, class_weight=class_weight, what=what)
    raise TypeError(f"{what}: unsupported type of x: {type(x).__name__}; expected NumPy arrays "
                    "(or lists/dicts of them), a Python generator, a kfront.utils.PyDataset, a "
                    "tf.data.Dataset or a torch.utils.data.DataLoader")


def is_array_like(x) -> bool:
    """Arrays and tensors, and lists / tuples / dicts of them (multi-input)."""
    from kfront.backends.common import tree
    if x is None:
        return True
    leaves = tree.flatten(x)[0]
    return bool(leaves) and all(hasattr(v, "shape") or isinstance(v, (int, float, bool))
                                for v in leaves)
