"""``TextVectorization``: strings to token indices or bag-of-words vectors (Keras's
standardization, splitting, n-grams and vocabulary order).

Runs on the host, as ``StringLookup``: inputs are numpy arrays or lists of ``str`` (or
TensorFlow string tensors), outputs the active backend's tensors. Keras needs TensorFlow for
this layer; kfront does not. ``ragged=True`` returns a list of numpy arrays (kfront has no
ragged tensors).
"""
from __future__ import annotations

import re

import numpy as np

from kfront import config, ops
from kfront.layers.layer import Layer
from kfront.layers.preprocessing._encoding import check_not_sparse, check_output_mode
from kfront.layers.preprocessing.lookup import StringLookup, graph_safe, host_array

__all__ = ["TextVectorization"]

#: Keras's DEFAULT_STRIP_REGEX (ASCII punctuation)
STRIP_REGEX = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
#: tf.strings.lower without an encoding lowercases ASCII letters only
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class TextVectorization(Layer):
    """Standardizes (``"lower_and_strip_punctuation"``, ``"lower"``, ``"strip_punctuation"``,
    ``None`` or a callable on a numpy array of ``str``), splits (``"whitespace"``,
    ``"character"``, ``None`` or a callable returning lists of tokens), forms ``ngrams`` and
    maps tokens through a vocabulary (``adapt`` or ``vocabulary=``): ``output_mode="int"``
    gives index sequences (0 pads, 1 is OOV) cut or padded to ``output_sequence_length``;
    ``"multi_hot"``, ``"count"`` and ``"tf_idf"`` give one vector per string.

    Example:
        >>> from kfront import layers, ops
        >>> layer = layers.TextVectorization(output_sequence_length=4)
        >>> layer.adapt(["The cat sat.", "The dog ran!", "the cat"])
        >>> layer.get_vocabulary()
        ['', '[UNK]', 'the', 'cat', 'sat', 'ran', 'dog']
        >>> ops.convert_to_numpy(layer(["the cat ran away"])).tolist()
        [[2, 3, 5, 1]]
    """

    supports_jit = False  # runs on the host (Keras: no XLA, eager on JAX)

    def __init__(self, max_tokens: int | None = None,
                 standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams: int | tuple | None = None, output_mode: str = "int",
                 output_sequence_length: int | None = None, pad_to_max_tokens: bool = False,
                 vocabulary=None, idf_weights=None, sparse: bool = False, ragged: bool = False,
                 encoding: str = "utf-8", name: str | None = None, **kwargs):
        # Keras's hidden option (False: the vocabulary may be replaced by adapt)
        self._has_input_vocabulary = bool(kwargs.pop("has_input_vocabulary",
                                                     vocabulary is not None))
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        who = f'TextVectorization "{self.name}"'
        if not (standardize is None or callable(standardize) or standardize in (
                "lower_and_strip_punctuation", "lower", "strip_punctuation")):
            raise ValueError(f'{who}: standardize must be "lower_and_strip_punctuation", '
                             f'"lower", "strip_punctuation", None or a callable, got '
                             f"{standardize!r}")
        if not (split is None or callable(split) or split in ("whitespace", "character")):
            raise ValueError(f'{who}: split must be "whitespace", "character", None or a '
                             f"callable, got {split!r}")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        check_output_mode(who, output_mode, ("int", "multi_hot", "count", "tf_idf"))
        check_not_sparse(who, sparse)
        if not (ngrams is None or isinstance(ngrams, int) or isinstance(ngrams, (tuple, list))
                and all(isinstance(n, int) for n in ngrams)):
            raise ValueError(f"{who}: ngrams must be None, an int or a tuple of ints, got "
                             f"{ngrams!r}")
        if output_mode == "int" and not (output_sequence_length is None
                                         or isinstance(output_sequence_length, int)):
            raise ValueError(f"{who}: output_sequence_length must be None or an int, got "
                             f"{output_sequence_length!r}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(f'{who}: output_sequence_length is used only with '
                             f'output_mode="int", got output_mode={output_mode!r}')
        if ragged and output_mode != "int":
            raise ValueError(f'{who}: ragged=True needs output_mode="int"')
        self._standardize, self._split, self._ngrams_arg = standardize, split, ngrams
        self._ngrams = (tuple(range(1, ngrams + 1)) if isinstance(ngrams, int)
                        else None if ngrams is None else tuple(ngrams))
        self._output_mode, self._output_sequence_length = output_mode, output_sequence_length
        self._ragged, self._encoding = ragged, encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            encoding=encoding, vocabulary_size=vocabulary_size, name=f"{self.name}_lookup",
            has_input_vocabulary=self._has_input_vocabulary)
        self.built = True

    # ---- vocabulary ----------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps: int | None = None) -> None:
        """Learn the vocabulary from strings: an array or list of ``str``, or an iterable of
        such batches."""
        if self._has_input_vocabulary:
            raise ValueError(f'TextVectorization "{self.name}".adapt: the layer was given a '
                             "vocabulary; adapt only a layer created without one")
        if isinstance(data, (list, tuple, np.ndarray, str)) or ops.is_tensor(data):
            parts = [data]
        else:
            parts = list(data)[:steps]
        documents = []
        for part in parts:
            documents.extend(self._preprocess(part))
        if not documents:
            raise ValueError(f'TextVectorization "{self.name}".adapt: received empty data (no '
                             "strings); pass a non-empty array or list of strings")
        self._lookup_layer._learn(documents)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary: index 0 is the padding ``""``, 1 the OOV token ``"[UNK]"``."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the vocabulary (and ``idf_weights`` for ``"tf_idf"``) directly."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)

    # ---- calling -------------------------------------------------------------------------
    def _standardized(self, inputs) -> np.ndarray:
        """The input strings after ``standardize`` (a last axis of size 1 dropped when they
        are to be split)."""
        strings = host_array(inputs, True)
        if self._split is not None and strings.ndim > 1:
            if strings.shape[-1] != 1:
                raise ValueError(f'TextVectorization "{self.name}": to split strings, inputs '
                                 "must have rank 1 or a last axis of size 1, got shape "
                                 f"{strings.shape}")
            strings = strings[..., 0]
        strings = strings.reshape(-1) if self._split is not None else strings
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            strings = np.asarray([s.translate(_ASCII_LOWER) for s in strings.reshape(-1)],
                                 dtype=str).reshape(strings.shape)
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            strings = np.asarray([STRIP_REGEX.sub("", s) for s in strings.reshape(-1)],
                                 dtype=str).reshape(strings.shape)
        if callable(self._standardize):
            strings = host_array(self._standardize(strings), True)
        return strings

    def _preprocess(self, inputs) -> list:
        """Strings -> one list of tokens per string (one token per string without split)."""
        strings = self._standardized(inputs)
        if self._split is None:
            return [[s] for s in strings.reshape(-1)]
        if self._split == "whitespace":
            docs = [s.split() for s in strings]
        elif self._split == "character":
            docs = [list(s) for s in strings]
        else:
            docs = [[t.decode() if isinstance(t, bytes) else str(t) for t in np.ravel(doc)]
                    for doc in self._split(strings)]
        if self._ngrams is not None:
            docs = [[" ".join(doc[i:i + n]) for n in self._ngrams
                     for i in range(len(doc) - n + 1)] for doc in docs]
        return docs

    def _convert_inputs(self, inputs):
        return inputs  # strings stay on the host

    def compute_output_spec_dtype(self, input_dtype: str) -> str:
        return "int64" if self._output_mode == "int" else config.floatx()

    @graph_safe
    def call(self, inputs):
        lookup = self._lookup_layer
        if self._split is None:  # the inputs are the tokens, the last axis a sequence (Keras)
            strings = self._standardized(inputs)
            if self._output_mode == "int":
                return self._fit_length(lookup._lookup(strings))
            lead = strings.shape[:-1]
            rows = list(lookup._lookup(strings.reshape(-1, strings.shape[-1] if strings.ndim
                                                       else 1)))
            return ops.reshape(self._encode(rows), lead + (-1,))
        docs = self._preprocess(inputs)
        flat = np.asarray([t for doc in docs for t in doc], dtype=str)
        ids = lookup._lookup(flat) if len(flat) else np.zeros((0,), "int64")
        ends = np.cumsum([len(doc) for doc in docs])
        rows = np.split(ids, ends[:-1]) if len(docs) else []
        if self._output_mode == "int":
            if self._ragged:
                return [row[:self._output_sequence_length] for row in rows]
            length = (self._output_sequence_length if self._output_sequence_length is not None
                      else max((len(r) for r in rows), default=0))
            out = np.zeros((len(rows), length), "int64")
            for i, row in enumerate(rows):
                row = row[:length]
                out[i, :len(row)] = row
            return ops.convert_to_tensor(out)
        return self._encode(rows)

    def _fit_length(self, ids: np.ndarray):
        """Token ids of unsplit inputs with the last axis cut or zero-padded to
        ``output_sequence_length`` (as Keras; unchanged without one)."""
        length = self._output_sequence_length
        if length is None or ids.ndim == 0:
            return ops.convert_to_tensor(ids)
        out = np.zeros(ids.shape[:-1] + (length,), "int64")
        kept = ids[..., :length]
        out[..., :kept.shape[-1]] = kept
        return ops.convert_to_tensor(out)

    def _encode(self, rows: list):
        """One ``multi_hot`` / ``count`` / ``tf_idf`` vector per row of token ids."""
        lookup = self._lookup_layer
        if lookup._tokens is None and not lookup.pad_to_max_tokens:
            raise RuntimeError(f'TextVectorization "{self.name}": output_mode='
                               f'"{self._output_mode}" needs a vocabulary: pass vocabulary= '
                               "or call adapt() first")
        depth = lookup.max_tokens if lookup.pad_to_max_tokens else lookup._frozen_vocab_size
        counts = np.zeros((len(rows), depth), config.floatx())
        for i, row in enumerate(rows):
            row = row[(row >= 0) & (row < depth)]
            np.add.at(counts[i], row, 1)
        if self._output_mode == "multi_hot":
            counts = np.minimum(counts, 1)
        elif self._output_mode == "tf_idf":
            counts = counts * lookup.idf_weights
        return ops.convert_to_tensor(counts)

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        lookup = self._lookup_layer
        return (input_shape[0],
                lookup.max_tokens if lookup.pad_to_max_tokens else lookup._frozen_vocab_size)

    # ---- saving: the vocabulary lookup's, as Keras -------------------------------------------
    def save_own_variables(self, store) -> None:
        """The ``"tf_idf"`` weights (see ``StringLookup.save_own_variables``)."""
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store) -> None:
        """The inverse of ``save_own_variables``."""
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path: str) -> None:
        """An adapted vocabulary as ``dir_path/vocabulary.txt`` (``StringLookup.save_assets``).
        """
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path: str | None) -> None:
        """The vocabulary ``save_assets`` wrote (``StringLookup.load_assets``)."""
        self._lookup_layer.load_assets(dir_path)

    def get_config(self) -> dict:
        """Keras's keys; an adapted vocabulary is saved by ``save_assets``, not in the config
        (see ``StringLookup.get_config``)."""
        from kfront.saving.serialization_lib import serialize_keras_object
        lookup = self._lookup_layer.get_config()
        return {**super().get_config(), "max_tokens": lookup["max_tokens"],
                "standardize": (self._standardize if not callable(self._standardize)
                                else serialize_keras_object(self._standardize)),
                "split": (self._split if not callable(self._split)
                          else serialize_keras_object(self._split)),
                "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": lookup["pad_to_max_tokens"], "sparse": False,
                "ragged": self._ragged,
                "vocabulary": lookup["vocabulary"],
                "idf_weights": lookup["idf_weights"], "encoding": self._encoding,
                "vocabulary_size": self.vocabulary_size()}

    @classmethod
    def from_config(cls, config: dict):
        from kfront.saving.serialization_lib import deserialize_keras_object
        config = dict(config)
        for key in ("standardize", "split"):
            if config.get(key) is not None and not isinstance(config[key], str):
                config[key] = deserialize_keras_object(config[key])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)
