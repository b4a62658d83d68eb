"""``FeatureSpace``: Keras 3's one-stop preprocessing and encoding of structured (tabular) data,
built on kfront's preprocessing layers (``Normalization``, ``Discretization``, ``Rescaling``,
``StringLookup``, ``IntegerLookup``, ``Hashing``, ``HashedCrossing``, ``CategoryEncoding``).

Keras runs a FeatureSpace through TensorFlow on every backend; kfront's preprocessing layers
run on the host (NumPy), so a FeatureSpace needs no TensorFlow: it adapts on a dict of arrays,
a list or generator of dict batches, a ``kfront.utils.PyDataset`` of dicts, or a
``tf.data.Dataset`` (read through ``as_numpy_iterator``, TensorFlow never imported here), and
returns the active backend's tensors. For the same reason a model built on ``get_inputs()``
runs its preprocessing eagerly: call it, or compile it with ``run_eagerly=True`` for
``predict`` / ``fit`` on the jax and tensorflow backends (their compiled steps cannot hold
host lookups); train on the FeatureSpace's outputs, as keras-io's example does.

Example:
    >>> import numpy as np
    >>> from kfront.utils import FeatureSpace
    >>> data = {"x": np.array([0.0, 2.0, 4.0]), "c": np.array(["a", "b", "a"])}
    >>> fs = FeatureSpace({"x": "float_normalized", "c": "string_categorical"})
    >>> fs.adapt(data)
    >>> np.round(np.asarray(fs(data)).astype("float64"), 3).tolist()
    [[0.0, 1.0, 0.0, -1.225], [0.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.225]]
"""
from __future__ import annotations

import numpy as np

from kfront import layers, ops, tree
from kfront.backends import tf_graph
from kfront.layers.input_layer import KerasTensor
from kfront.layers.layer import Layer, unique_name

__all__ = ["Cross", "Feature", "FeatureSpace"]

#: the module Keras names in the configs of ``Feature`` / ``Cross``
_KERAS_MODULE = "keras.src.layers.preprocessing.feature_space"


def _saveable_config(obj) -> dict:
    """``obj`` (a ``Feature`` or ``Cross``) serialized as Keras writes it."""
    name = type(obj).__name__
    return {"module": _KERAS_MODULE, "class_name": name, "config": obj.get_config(),
            "registered_name": name}


def _from_saveable_config(config: dict, cls):
    """A ``Feature`` / ``Cross`` from its Keras config (or the config's inner dict)."""
    if "class_name" in config:
        if config["class_name"] != cls.__name__:
            raise ValueError(f"FeatureSpace: expected a {cls.__name__} config, got class_name="
                             f"{config['class_name']!r}")
        config = config["config"]
    return cls.from_config(config)


def _dtype_name(x) -> str:
    """The standard name of ``x``'s dtype (``"string"`` for text)."""
    dtype = x.dtype
    if dtype == "string" or getattr(dtype, "kind", None) in ("U", "S", "O"):
        return "string"
    return ops.standardize_dtype(dtype)


def _deserialize_preprocessor(config: dict) -> Layer:
    """A preprocessing layer from its Keras config; Keras's private identity layer
    (``TFDIdentity``, behind ``FeatureSpace.float``) becomes kfront's ``Identity``."""
    from kfront.saving import deserialize_keras_object
    if config.get("class_name") == "TFDIdentity":
        inner = config.get("config", {})
        return layers.Identity(name=inner.get("name"))
    return deserialize_keras_object(config)


class Cross:
    """A feature cross of a ``FeatureSpace``: ``feature_names`` hashed together into
    ``crossing_dim`` bins (``keras.layers.HashedCrossing``), then one-hot encoded
    (``output_mode="one_hot"``) or left as bin indices (``"int"``).

    Example:
        >>> from kfront.utils import FeatureSpace
        >>> FeatureSpace.cross(("a", "b"), crossing_dim=8).name
        'a_X_b'
    """

    def __init__(self, feature_names, crossing_dim: int, output_mode: str = "one_hot"):
        if output_mode not in {"int", "one_hot"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot'}}. Received: output_mode={output_mode}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self) -> str:
        """The cross's name: its feature names joined by ``"_X_"``."""
        return "_X_".join(self.feature_names)

    def get_config(self) -> dict:
        """Keras's config keys."""
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config: dict) -> "Cross":
        """The cross ``get_config()`` describes."""
        return cls(**config)


class Feature:
    """A feature of a ``FeatureSpace``: its input ``dtype``, the ``preprocessor`` layer and how
    the preprocessed values are encoded (``output_mode``: ``"int"``, ``"one_hot"``, ``"float"``).

    Example:
        >>> from kfront import layers
        >>> from kfront.utils import FeatureSpace
        >>> f = FeatureSpace.feature("float32", layers.Rescaling(2.0), "float")
        >>> f.dtype, f.output_mode
        ('float32', 'float')
    """

    def __init__(self, dtype: str, preprocessor, output_mode: str):
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot', 'float'}}. Received: output_mode={output_mode}")
        self.dtype = dtype
        if isinstance(preprocessor, dict):
            preprocessor = _deserialize_preprocessor(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self) -> dict:
        """Keras's config keys (the preprocessor as its Keras config)."""
        from kfront.saving import serialize_keras_object
        return {"dtype": self.dtype, "preprocessor": serialize_keras_object(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config: dict) -> "Feature":
        """The feature ``get_config()`` describes."""
        return cls(**config)


class FeatureSpace(Layer):
    """One-stop preprocessing and encoding of structured data, as ``keras.utils.FeatureSpace``.

    Args:
        features: dict mapping each feature name to its type: a name (``"float"``,
            ``"float_rescaled"``, ``"float_normalized"``, ``"float_discretized"``,
            ``"integer_categorical"``, ``"string_categorical"``, ``"integer_hashed"``,
            ``"string_hashed"``; default arguments) or a ``FeatureSpace.<type>(...)`` feature.
        output_mode: ``"concat"`` (one vector: the features sorted by name, then the crosses)
            or ``"dict"`` (a dict of the encoded features and crosses).
        crosses: features to cross, e.g. ``[("f1", "f2")]`` or ``FeatureSpace.cross(...)``.
        crossing_dim: default number of bins of a cross.
        hashing_dim: default number of bins of ``"integer_hashed"`` / ``"string_hashed"``.
        num_discretization_bins: default number of bins of ``"float_discretized"``.
        name: the layer's name.

    Call ``adapt(dataset)`` first (unless no preprocessor learns anything), then call the
    FeatureSpace on a dict of arrays (batched, or a single sample), or build a functional model
    on ``get_inputs()`` / ``get_encoded_features()``.

    Example:
        >>> import numpy as np
        >>> from kfront.utils import FeatureSpace
        >>> fs = FeatureSpace({"n": FeatureSpace.integer_categorical(output_mode="int")},
        ...                   output_mode="dict")
        >>> fs.adapt({"n": np.array([5, 7, 7])})
        >>> np.asarray(fs({"n": np.array([7, 5, 9])})["n"]).ravel().tolist()
        [1, 2, 0]
    """

    # ---- feature constructors (Keras's classmethods) ---------------------------------------
    @classmethod
    def cross(cls, feature_names, crossing_dim: int, output_mode: str = "one_hot") -> Cross:
        """A cross of ``feature_names`` hashed into ``crossing_dim`` bins."""
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype: str, preprocessor, output_mode: str) -> Feature:
        """A feature with your own ``preprocessor`` layer."""
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name: str | None = None) -> Feature:
        """Plain float values, passed through."""
        name = name or unique_name("float")
        return Feature("float32", layers.Identity(name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name: str | None = None) -> Feature:
        """Float values rescaled as ``x * scale + offset`` (``Rescaling``)."""
        name = name or unique_name("float_rescaled")
        return Feature("float32", layers.Rescaling(scale=scale, offset=offset,
                                                   name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_normalized(cls, name: str | None = None) -> Feature:
        """Float values standardized with the adapted mean and variance (``Normalization``)."""
        name = name or unique_name("float_normalized")
        return Feature("float32", layers.Normalization(axis=-1, name=f"{name}_preprocessor"),
                       "float")

    @classmethod
    def float_discretized(cls, num_bins: int, bin_boundaries=None, output_mode: str = "one_hot",
                          name: str | None = None) -> Feature:
        """Float values bucketized into ``num_bins`` adapted bins (``Discretization``)."""
        name = name or unique_name("float_discretized")
        preprocessor = layers.Discretization(num_bins=num_bins, bin_boundaries=bin_boundaries,
                                             name=f"{name}_preprocessor")
        return Feature("float32", preprocessor, output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens: int | None = None, num_oov_indices: int = 1,
                            output_mode: str = "one_hot", name: str | None = None) -> Feature:
        """Integer values indexed by an adapted vocabulary (``IntegerLookup``)."""
        name = name or unique_name("integer_categorical")
        preprocessor = layers.IntegerLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                            num_oov_indices=num_oov_indices)
        return Feature("int32", preprocessor, output_mode)

    @classmethod
    def string_categorical(cls, max_tokens: int | None = None, num_oov_indices: int = 1,
                           output_mode: str = "one_hot", name: str | None = None) -> Feature:
        """String values indexed by an adapted vocabulary (``StringLookup``)."""
        name = name or unique_name("string_categorical")
        preprocessor = layers.StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                           num_oov_indices=num_oov_indices)
        return Feature("string", preprocessor, output_mode)

    @classmethod
    def string_hashed(cls, num_bins: int, output_mode: str = "one_hot",
                      name: str | None = None) -> Feature:
        """String values hashed into ``num_bins`` bins (``Hashing``)."""
        name = name or unique_name("string_hashed")
        return Feature("string", layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins),
                       output_mode)

    @classmethod
    def integer_hashed(cls, num_bins: int, output_mode: str = "one_hot",
                       name: str | None = None) -> Feature:
        """Integer values hashed into ``num_bins`` bins (``Hashing``)."""
        name = name or unique_name("integer_hashed")
        return Feature("int32", layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins),
                       output_mode)

    # ---- construction -----------------------------------------------------------------------
    def __init__(self, features: dict, output_mode: str = "concat", crosses=None,
                 crossing_dim: int = 32, hashing_dim: int = 32,
                 num_discretization_bins: int = 32, name: str | None = None):
        super().__init__(name=name)
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {name: self._standardize_feature(name, value)
                         for name, value in features.items()}
        self.crosses = [self._standardize_cross(cross, set(features)) for cross in crosses or ()]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        if output_mode not in {"dict", "concat"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'dict', 'concat'}}. Received: output_mode={output_mode}")
        self.output_mode = output_mode
        self.inputs = {name: layers.Input(shape=(1,), dtype=feature.dtype, name=name)
                       for name, feature in self.features.items()}
        self.preprocessors = {name: feature.preprocessor
                              for name, feature in self.features.items()}
        self.crossers = {cross.name: layers.HashedCrossing(cross.crossing_dim, name=cross.name)
                         for cross in self.crosses}
        self.encoded_features = None
        self.one_hot_encoders: dict = {}
        self.concat = layers.Concatenate(axis=-1) if output_mode == "concat" else None
        self._is_adapted = False
        self._sublayers_built = False

    def _standardize_feature(self, name: str, feature) -> Feature:
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return _from_saveable_config(feature, Feature)
        makers = {"float": lambda: self.float(name=name),
                  "float_normalized": lambda: self.float_normalized(name=name),
                  "float_rescaled": lambda: self.float_rescaled(name=name),
                  "float_discretized": lambda: self.float_discretized(
                      name=name, num_bins=self.num_discretization_bins),
                  "integer_categorical": lambda: self.integer_categorical(name=name),
                  "string_categorical": lambda: self.string_categorical(name=name),
                  "integer_hashed": lambda: self.integer_hashed(self.hashing_dim, name=name),
                  "string_hashed": lambda: self.string_hashed(self.hashing_dim, name=name)}
        if not isinstance(feature, str) or feature not in makers:
            raise ValueError(f"Invalid feature type: {feature}")
        return makers[feature]()

    def _standardize_cross(self, cross, feature_set: set) -> Cross:
        if isinstance(cross, dict):
            cross = _from_saveable_config(cross, Cross)
        if isinstance(cross, Cross):
            return cross
        if not self.crossing_dim:
            raise ValueError("When specifying `crosses`, the argument `crossing_dim` "
                             "(dimensionality of the crossing space) should be specified as "
                             "well.")
        if any(key not in feature_set for key in cross):
            raise ValueError("All features referenced in the `crosses` argument should be "
                             f"present in the `features` dict. Received unknown features: "
                             f"{cross}")
        return Cross(cross, crossing_dim=self.crossing_dim)

    # ---- adapt ------------------------------------------------------------------------------
    def _list_adaptable_preprocessors(self) -> list:
        names = []
        for name in self.features:
            preprocessor = self.preprocessors[name]
            if isinstance(preprocessor, layers.Normalization):
                if preprocessor.input_mean is not None:  # preset mean/variance
                    continue
            elif isinstance(preprocessor, layers.TextVectorization):
                if preprocessor._has_input_vocabulary:  # (a vocabulary file's too)
                    continue
            elif getattr(preprocessor, "input_vocabulary", None) is not None:
                continue  # a lookup given its vocabulary (Keras would adapt it and fail; kfront's
                # configs carry adapted vocabularies, which a FeatureSpace from_config keeps)
            if hasattr(preprocessor, "adapt"):
                names.append(name)
        return names

    @staticmethod
    def _elements(dataset) -> list:
        """The dataset's elements (dicts of NumPy arrays: batches or single samples)."""
        from kfront.models.data_adapters import is_tf_dataset
        from kfront.utils.py_dataset import PyDataset
        if isinstance(dataset, dict):
            # Keras slices the dict into samples (``from_tensor_slices``)
            arrays = {k: np.asarray(ops.convert_to_numpy(v) if ops.is_tensor(v) else v)
                      for k, v in dataset.items()}
            lengths = {len(a) if a.ndim else None for a in arrays.values()}
            if len(lengths) != 1 or None in lengths:
                raise ValueError("FeatureSpace.adapt: the arrays of the dict must have the same "
                                 f"number of samples; got shapes "
                                 f"{ {k: a.shape for k, a in arrays.items()} }")
            n = lengths.pop()
            if all(a.ndim == 1 for a in arrays.values()):  # scalar samples, batched by 32
                return [{k: a[i:i + 32] for k, a in arrays.items()} for i in range(0, n, 32)]
            return [{k: a[i] for k, a in arrays.items()} for i in range(n)]
        if is_tf_dataset(dataset):
            elements = dataset.as_numpy_iterator()
        elif isinstance(dataset, PyDataset):
            elements = (dataset[i] for i in range(len(dataset)))
        elif isinstance(dataset, (list, tuple)) or hasattr(dataset, "__next__"):
            elements = dataset
        else:
            raise ValueError("`adapt()` can only be called on a tf.data.Dataset, a dict of "
                             "arrays/lists, a list or generator of dict batches or a PyDataset "
                             f"of dict batches. Received instead: {dataset} (of type "
                             f"{type(dataset)})")
        out = []
        for element in elements:
            if isinstance(element, tuple):  # (x, y) batches: x holds the features
                element = element[0]
            if not isinstance(element, dict):
                raise ValueError("FeatureSpace.adapt: the dataset must yield dicts of feature "
                                 f"arrays; got an element of type {type(element).__name__}")
            out.append(element)
        if not out:
            raise ValueError("FeatureSpace.adapt: the dataset is empty")
        return out

    def adapt(self, dataset) -> None:
        """Adapt each feature's preprocessor (vocabularies, mean/variance, bin boundaries) to
        ``dataset``: a dict of arrays, a list or generator of dict batches, a PyDataset of dict
        batches or a ``tf.data.Dataset`` of dicts (batched or not), as Keras batches it (single
        samples in batches of 32, each feature as a ``(batch, 1)`` column)."""
        elements = self._elements(dataset)
        for name in self._list_adaptable_preprocessors():
            missing = [i for i, e in enumerate(elements) if name not in e]
            if missing:
                raise ValueError(f"FeatureSpace.adapt: feature {name!r} is missing from the "
                                 f"data (its keys: {sorted(elements[missing[0]])})")
            parts = [e[name] for e in elements]
            parts = [np.asarray(ops.convert_to_numpy(p) if ops.is_tensor(p) else p)
                     for p in parts]
            if parts[0].ndim == 0:  # single samples: batched by 32, as Keras
                parts = [np.stack(parts[i:i + 32]) for i in range(0, len(parts), 32)]
            if parts[0].ndim == 1:  # a column per batch, so that axis=-1 is the feature axis
                parts = [p[:, None] for p in parts]
            self.preprocessors[name].adapt(iter(parts))  # an iterable of batches
        self._is_adapted = True
        self.get_encoded_features()  # finish building the layer
        self.built = True
        self._sublayers_built = True

    # ---- functional use ---------------------------------------------------------------------
    def get_inputs(self) -> dict:
        """A dict of symbolic ``Input``s, one per feature (shape ``(None, 1)``)."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The encoded features as symbolic tensors of ``get_inputs()`` (a tensor in
        ``"concat"`` mode, a dict in ``"dict"`` mode), to build a functional model on."""
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess_features(self.inputs)
            crossed = self._cross_features(preprocessed)
            self.encoded_features = self._merge_features(preprocessed, crossed)
        return self.encoded_features

    def _preprocess_features(self, features: dict) -> dict:
        return {name: self.preprocessors[name](features[name]) for name in features}

    def _cross_features(self, features: dict) -> dict:
        return {cross.name: self.crossers[cross.name]([features[n] for n in cross.feature_names])
                for cross in self.crosses}

    def _cardinality(self, name: str, dtype: str) -> int:
        """The number of values a one-hot feature or cross takes (Keras's rules)."""
        preprocessor = self.preprocessors.get(name) or self.crossers.get(name)
        known = (layers.IntegerLookup, layers.StringLookup, layers.CategoryEncoding,
                 layers.Discretization, layers.HashedCrossing, layers.Hashing)
        if not isinstance(preprocessor, known) and not dtype.startswith(("int", "uint")):
            raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. Thus its "
                             "preprocessor should return an integer dtype. Instead it returns a "
                             f"{dtype} dtype.")
        if isinstance(preprocessor, (layers.IntegerLookup, layers.StringLookup)):
            return preprocessor.vocabulary_size()
        if isinstance(preprocessor, layers.CategoryEncoding):
            return preprocessor.num_tokens
        if isinstance(preprocessor, known):
            return preprocessor.num_bins
        raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. However it isn't a "
                         "standard feature and the dimensionality of its output space is not "
                         "known, thus it cannot be one-hot encoded. Try using "
                         "`output_mode='int'`.")

    def _merge_features(self, preprocessed: dict, crossed: dict):
        names = sorted(preprocessed) + sorted(crossed)
        values = {**preprocessed, **crossed}
        specs = {**self.features, **self.crosses_by_name}
        out = {}
        for name in names:
            feature = values[name]
            if not self._sublayers_built and specs[name].output_mode == "one_hot":
                self.one_hot_encoders[name] = layers.CategoryEncoding(
                    num_tokens=self._cardinality(name, _dtype_name(feature)),
                    output_mode="multi_hot")
            if name in self.one_hot_encoders:
                feature = self.one_hot_encoders[name](feature)
            if self.output_mode == "concat":
                dtype = _dtype_name(feature)
                if dtype.startswith(("int", "uint")) or dtype == "string" \
                        or specs[name].output_mode == "int":
                    raise ValueError(f"Cannot concatenate features because feature '{name}' "
                                     f"has not been encoded (it has dtype {dtype}). Consider "
                                     "using `output_mode='dict'`.")
            out[name] = feature
        if self.output_mode == "dict":
            return out
        return self.concat([out[name] for name in names])

    def _check_if_adapted(self) -> None:
        if not self._is_adapted:
            if self._list_adaptable_preprocessors():
                raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace "
                                 "before you can start using it.")
            self._is_adapted = True

    def _check_if_built(self) -> None:
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()  # finishes building
            self._sublayers_built = True

    # ---- calling ----------------------------------------------------------------------------
    @staticmethod
    def _host(name: str, value) -> np.ndarray:
        if isinstance(value, KerasTensor):
            raise ValueError("FeatureSpace: call it on data (a dict of arrays); for a "
                             "functional model use get_inputs() and get_encoded_features()")
        array = np.asarray(ops.convert_to_numpy(value) if ops.is_tensor(value) else value)
        if array.dtype == object and array.size and isinstance(array.flat[0], bytes):
            array = array.astype(str)
        if array.ndim > 2:
            raise ValueError(f"FeatureSpace: feature {name!r} must be a scalar, a 1D batch or a "
                             f"(batch, 1) array; got shape {array.shape}")
        return array

    def __call__(self, data: dict):
        """Encode ``data``, a dict of arrays (a batch: 1D or ``(batch, 1)`` per feature; or a
        single sample of scalars, which gives an unbatched result)."""
        self._check_if_built()
        if not isinstance(data, dict):
            raise ValueError("A FeatureSpace can only be called with a dict. "
                             f"Received: data={data} (of type {type(data)}")
        missing = sorted(set(self.features) - set(data))
        if missing:
            raise ValueError(f"FeatureSpace: the data has no feature(s) {missing} (its keys: "
                             f"{sorted(data)})")
        if tf_graph.has_graph_tensors(data):  # in a tf.data map
            return tf_graph.call_on_values(self, ({name: data[name] for name in self.features},),
                                           {}, self._graph_outputs(data))
        data = {name: self._host(name, data[name]) for name in self.features}
        rebatched = any(x.ndim == 0 for x in data.values())
        data = {name: x.reshape(-1, 1) if x.ndim < 2 else x for name, x in data.items()}
        preprocessed = self._preprocess_features(data)
        merged = self._merge_features(preprocessed, self._cross_features(preprocessed))
        if rebatched:
            if self.output_mode == "concat":
                return ops.squeeze(merged, axis=0)
            return {name: ops.squeeze(x, axis=0) if len(x.shape) == 2 and x.shape[0] == 1
                    else x for name, x in merged.items()}
        return merged

    def _graph_outputs(self, data: dict):
        """Shapes and dtypes of the encoding of ``data`` (graph tensors): those of
        ``get_encoded_features()``, without the batch axis when the features are scalars."""
        encoded = self.get_encoded_features()
        if all(len(data[name].shape) == 0 for name in self.features):
            return tree.map_structure(
                lambda t: KerasTensor(t.shape[1:], dtype=t.dtype), encoded)
        return encoded

    # ---- config and saving ------------------------------------------------------------------
    def get_config(self) -> dict:
        """Keras's config: the features and crosses as Keras's ``Feature`` / ``Cross``
        configs (an adapted vocabulary, bin boundaries included in the preprocessors' configs)."""
        return {"features": {name: _saveable_config(f) for name, f in self.features.items()},
                "output_mode": self.output_mode,
                "crosses": [_saveable_config(c) for c in self.crosses],
                "crossing_dim": self.crossing_dim, "hashing_dim": self.hashing_dim,
                "num_discretization_bins": self.num_discretization_bins}

    @classmethod
    def from_config(cls, config: dict) -> "FeatureSpace":
        """The FeatureSpace ``get_config()`` describes (Keras's configs too)."""
        return cls(**config)

    def get_build_config(self) -> dict:
        """Each preprocessor's build config, so that loading builds them before their weights
        (a ``Normalization``'s mean and variance) are read."""
        return {name: feature.preprocessor.get_build_config()
                for name, feature in self.features.items()}

    def build_from_config(self, config: dict) -> None:
        """Build the preprocessors from ``get_build_config()``; the space counts as adapted."""
        for name, build_config in config.items():
            preprocessor = self.features[name].preprocessor
            if not preprocessor.built and build_config:
                preprocessor.build_from_config(build_config)
        self._is_adapted = True

    def save(self, filepath) -> None:
        """Save the FeatureSpace as a ``.keras`` file (config and the preprocessors' state)."""
        from kfront.saving.keras_archive import save_model
        save_model(self, filepath)

    def save_own_variables(self, store) -> None:
        """Nothing of its own: the preprocessors save their state."""

    def load_own_variables(self, store) -> None:
        """Nothing of its own: the preprocessors load their state."""
