"""``StringLookup`` and ``IntegerLookup``: tokens to vocabulary indices (and back, with
``invert=True``), vocabularies given or learned by ``adapt`` exactly as Keras orders them (by
count, ties by token, high to low).

Lookups run on the host: inputs may be numpy arrays, Python lists or any backend's tensors
(Keras needs TensorFlow for these layers; kfront does not), and the indices come back as the
active backend's int64 tensor (``invert=True`` on strings gives a numpy array of ``str``).
Given TensorFlow graph tensors (a compiled step on the TensorFlow backend, a ``tf.function``,
a ``tf.data`` map) they run in the graph through ``tf.py_function`` (see ``graph_safe``).
"""
from __future__ import annotations

import collections
import functools
import os

import numpy as np

from kfront import config, ops
from kfront.backends import tf_graph
from kfront.layers.layer import Layer, graph_output_spec
from kfront.layers.preprocessing._encoding import (NumpyOps, batches, check_not_sparse,
                                                   check_output_mode, encode, host_values)
from kfront.layers.preprocessing._fingerprint import fingerprint64, siphash

__all__ = ["StringLookup", "IntegerLookup"]


def host_array(inputs, string: bool) -> np.ndarray:
    """``inputs`` (list, numpy array, any backend's tensor, or an eager ``tf.Tensor`` on any
    backend, as Keras's preprocessing takes: text from ``tf.strings`` ops or ``tf.data``) as a
    numpy array; byte strings are decoded to ``str``."""
    if isinstance(inputs, (list, tuple, str, bytes, int, np.integer)) or isinstance(
            inputs, np.ndarray):
        array = np.asarray(inputs)
    else:
        array = np.asarray(host_values(inputs))
    if string and (array.dtype.kind == "S" or array.dtype == object):
        array = np.vectorize(lambda t: t.decode("utf-8") if isinstance(t, bytes) else str(t),
                             otypes=[str])(array) if array.size else array.astype(str)
    return array


def graph_safe(call):
    """``call`` of a host-side preprocessing layer, made to run on TensorFlow graph tensors
    (a traced step on the TensorFlow backend, a user's ``tf.function``, a ``tf.data`` map on
    any backend): there it runs on their values through ``tf.py_function``, as Keras runs
    these layers' TensorFlow ops in the graph. The graph outputs get the layer's
    ``compute_output_shape`` and ``compute_output_spec_dtype``."""
    @functools.wraps(call)
    def wrapped(self, inputs, *args, **kwargs):
        if tf_graph.has_graph_tensors((inputs, args, kwargs)):
            return tf_graph.call_on_values(functools.partial(call, self), (inputs, *args),
                                           kwargs, graph_output_spec(self, inputs))
        return call(self, inputs, *args, **kwargs)
    return wrapped


class IndexLookup(Layer):
    """Shared by ``StringLookup``/``IntegerLookup`` (Keras's ``IndexLookup``): index layout
    ``[mask] + [oov] * num_oov_indices + tokens``."""

    supports_jit = False  # runs on the host (Keras: no XLA, eager on JAX)

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, oov_method="floormod", name=None,
                 salt=None, **kwargs):
        frozen = kwargs.pop("vocabulary_size", None)
        # Keras's hidden option (False: the vocabulary may be replaced by adapt)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        who = self.who
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{who}: max_tokens must be greater than 1, got {max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{who}: pad_to_max_tokens=True needs max_tokens")
        if num_oov_indices < 0:
            raise ValueError(f"{who}: num_oov_indices must be >= 0, got {num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f'{who}: oov_method must be "floormod" or "farmhash", got '
                             f"{oov_method!r}")
        if salt is not None:
            if vocabulary_dtype != "string" and oov_method != "farmhash":
                raise ValueError(f'{who}: salt can only be used with oov_method="farmhash", '
                                 f"got oov_method={oov_method!r}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(v) for v in salt]
            elif isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
                salt = [int(salt), int(salt)]
            else:
                raise ValueError(f"{who}: salt must be an int or a pair of ints, got {salt!r}")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        check_output_mode(who, output_mode, ("int", "one_hot", "multi_hot", "count", "tf_idf"))
        if invert and output_mode != "int":
            raise ValueError(f'{who}: invert=True needs output_mode="int", got {output_mode!r}')
        if sparse and output_mode == "int":
            raise ValueError(f'{who}: sparse=True is not possible with output_mode="int"')
        check_not_sparse(who, sparse)
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f'{who}: idf_weights are used only with output_mode="tf_idf"')
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError(f'{who}: output_mode="tf_idf" with a vocabulary needs '
                             "idf_weights too")
        self.max_tokens, self.num_oov_indices = max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.output_mode, self.sparse = bool(invert), output_mode, sparse
        self.pad_to_max_tokens, self.oov_method, self.salt = pad_to_max_tokens, oov_method, salt
        self.vocabulary_dtype = vocabulary_dtype
        self.input_vocabulary = None if isinstance(vocabulary, str) else vocabulary
        self.input_idf_weights = idf_weights
        self._tokens = None
        self.idf_weights = None
        self._frozen_vocab_size = frozen
        self._has_input_vocabulary = bool(has_input_vocabulary)  # not adaptable (Keras)
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.built = True

    @property
    def who(self) -> str:
        return f'{type(self).__name__} "{self.name}"'

    @property
    def _string(self) -> bool:
        return self.vocabulary_dtype == "string"

    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    def _as_tokens(self, values) -> np.ndarray:
        array = host_array(values, self._string)
        return array.astype(str) if self._string else array.astype("int64")

    # ---- vocabulary ----------------------------------------------------------------------
    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the vocabulary (list or array, with or without the leading mask/OOV tokens, or
        the path of a text file of one token per line) and, for ``"tf_idf"``, the matching
        ``idf_weights``."""
        who = self.who
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f'{who}: idf_weights must be set with output_mode="tf_idf"')
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f'{who}: idf_weights are used only with output_mode="tf_idf"')
        if isinstance(vocabulary, (str, os.PathLike)):
            return self._set_tokens(self._read_vocabulary_file(os.fspath(vocabulary)))
        vocabulary = self._as_tokens(vocabulary).reshape(-1)
        if vocabulary.size == 0:
            raise ValueError(f"{who}: cannot set an empty vocabulary")
        token_start = self._token_start_index()
        special = ([self.mask_token] * self._oov_start_index()
                   + [self.oov_token] * self.num_oov_indices)
        found_special = np.array_equal(np.asarray(special, dtype=vocabulary.dtype),
                                       vocabulary[:token_start])
        tokens = vocabulary[token_start:] if found_special else vocabulary
        repeated = [t for t, c in collections.Counter(tokens.tolist()).items() if c > 1]
        if repeated:
            raise ValueError(f"{who}: the vocabulary repeats {repeated}; make it unique")
        if self.mask_token is not None and self.mask_token in tokens.tolist():
            raise ValueError(f"{who}: the mask token {self.mask_token!r} is in the vocabulary "
                             f"beyond the leading special tokens {special}")
        if self.oov_token is not None and self.invert and self.oov_token in tokens.tolist():
            raise ValueError(f"{who}: the OOV token {self.oov_token!r} is in the vocabulary "
                             f"beyond the leading special tokens {special}")
        if self.max_tokens is not None and token_start + len(tokens) > self.max_tokens:
            raise ValueError(f"{who}: the vocabulary has {token_start + len(tokens)} entries, "
                             f"more than max_tokens={self.max_tokens}")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            idf = np.asarray(host_array(idf_weights, False), "float64").reshape(-1)
            if len(idf) != len(vocabulary):
                raise ValueError(f"{who}: idf_weights has {len(idf)} entries, the vocabulary "
                                 f"{len(vocabulary)}")
            front = (0, 0.0) if found_special else (token_start, float(np.average(idf)))
            back = (self.max_tokens - front[0] - len(idf)
                    if self.pad_to_max_tokens and self.max_tokens is not None else 0)
            self._set_idf(np.pad(idf, (front[0], back), constant_values=(front[1], 0)))

    def _read_vocabulary_file(self, path: str) -> np.ndarray:
        """The tokens of a vocabulary file as Keras reads it (TensorFlow's text-file table):
        one token per line, a line ending at ``"\\n"`` or ``"\\r\\n"`` and nothing else
        stripped, in UTF-8 (decimal integers for ``IntegerLookup``); line ``i`` is index
        ``i`` after the mask and OOV indices; no line may be empty, and none repeated unless
        ``invert=True``; special tokens in the file are ordinary tokens. A file is not read
        while a model loads in safe mode."""
        from kfront.saving import safety
        who = self.who
        if safety.in_safe_mode():
            raise ValueError(f"{who}: loading the vocabulary file {path!r} from outside the "
                             "model archive is disallowed in safe mode (it could read any "
                             "file); if you trust the source, load with safe_mode=False")
        if not os.path.isfile(path):
            raise ValueError(f"{who}: the vocabulary file {path!r} does not exist")
        if self.output_mode == "tf_idf":
            raise ValueError(f'{who}: output_mode="tf_idf" cannot load its vocabulary from a '
                             "file; pass the vocabulary and idf_weights as lists")
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
        if lines[-1] == b"":  # the file ends with a newline (or is empty)
            lines.pop()
        lines = [line[:-1] if line.endswith(b"\r") else line for line in lines]
        tokens = []
        for number, line in enumerate(lines, 1):
            if not line:
                raise ValueError(f"{who}: the vocabulary file {path!r} has an empty line (line "
                                 f"{number}); write one token per line")
            try:
                tokens.append(line.decode(getattr(self, "encoding", "utf-8")) if self._string
                              else int(line))
            except ValueError as e:  # UnicodeDecodeError is one
                expected = "text" if self._string else "an integer"
                raise ValueError(f"{who}: line {number} of the vocabulary file {path!r} is not "
                                 f"{expected}: {line[:50]!r}") from e
        if not self.invert:
            repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
            if repeated:
                raise ValueError(f"{who}: the vocabulary file {path!r} repeats "
                                 f"{repeated[:5]}; make it unique")
        return np.asarray(tokens, dtype=str if self._string else "int64")

    def _set_tokens(self, tokens: np.ndarray) -> None:
        self._tokens = tokens
        order = np.argsort(tokens, kind="stable")
        self._sorted, self._sorted_index = tokens[order], order + self._token_start_index()
        size = self.vocabulary_size()
        if (self._frozen_vocab_size is not None and self.output_mode != "int"
                and not self.pad_to_max_tokens and size != self._frozen_vocab_size):
            raise RuntimeError(f"{self.who}: the vocabulary size cannot change after the layer "
                               f"is used (was {self._frozen_vocab_size}, now {size})")
        self._frozen_vocab_size = size

    def _set_idf(self, weights: np.ndarray) -> None:
        self.idf_weights = weights.astype(config.floatx())

    def vocabulary_size(self) -> int:
        """Size of the vocabulary, mask and OOV indices included."""
        return (0 if self._tokens is None else len(self._tokens)) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary, index ``i`` holding the token that maps to ``i``."""
        tokens = [] if self._tokens is None else self._tokens.tolist()
        if not include_special_tokens:
            return tokens
        special = [self.oov_token] * self._token_start_index()
        if self.mask_token is not None and self.output_mode == "int":
            special[0] = self.mask_token
        return special + tokens

    def adapt(self, data, steps: int | None = None) -> None:
        """Learn the vocabulary (and document frequencies for ``"tf_idf"``) from ``data``: an
        array or list of tokens (rows are documents), or an iterable of such batches."""
        who = self.who
        if self._has_input_vocabulary:
            raise ValueError(f"{who}.adapt: the layer was given a vocabulary; adapt only a "
                             "layer created without one")
        if isinstance(data, (list, tuple, np.ndarray)) or ops.is_tensor(data):
            parts = [host_array(data, self._string)]
        else:
            parts = batches(who, data)
            if steps is not None:
                parts = parts[:steps]
        documents = []
        for part in parts:
            part = self._as_tokens(part)
            rows = part.reshape(1, -1) if part.ndim < 2 else part.reshape(part.shape[0], -1)
            documents.extend(rows.tolist())
        self._learn(documents)

    def _learn(self, documents: list) -> None:
        """The vocabulary (and idf weights) of ``documents``, lists of tokens, as Keras's
        ``adapt``: by count, ties by token, high to low; at most ``max_tokens`` entries."""
        counts, doc_counts = collections.Counter(), collections.Counter()
        for doc in documents:
            counts.update(doc)
            if self.output_mode == "tf_idf":
                doc_counts.update(set(doc))
        if not counts:
            raise ValueError(f"{self.who}.adapt: received empty data (no tokens); pass a "
                             "non-empty array, list or iterable of batches")
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        tokens = np.asarray(list(counts), dtype=str if self._string else "int64")
        freq = np.asarray([counts[t] for t in counts.keys()], "int64")
        order = np.lexsort((tokens, freq))[::-1]
        if self.max_tokens:
            order = order[:self.max_tokens - self._token_start_index()]
        tokens = tokens[order]
        self._frozen_vocab_size = None
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            doc = np.asarray([doc_counts[t] for t in tokens.tolist()], "float64")
            idf = np.log(1 + len(documents) / (1 + doc)).astype(config.floatx())
            idf = np.pad(idf, (self._token_start_index(), 0), constant_values=np.mean(idf))
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - idf.size))
            self._set_idf(idf)

    # ---- calling -------------------------------------------------------------------------
    def _convert_inputs(self, inputs):
        return inputs  # looked up on the host in call()

    def compute_output_spec_dtype(self, input_dtype: str) -> str:
        """``int64`` indices, the floatx of the other modes; ``invert=True``: the tokens."""
        if self.invert:
            return "string" if self._string else "int64"
        return "int64" if self.output_mode == "int" else config.floatx()

    @graph_safe
    def call(self, inputs):
        if self.output_mode != "int" and not self.pad_to_max_tokens and self._tokens is None:
            raise RuntimeError(f'{self.who}: output_mode="{self.output_mode}" needs a '
                               "vocabulary: pass vocabulary= or call adapt() first")
        values = self._as_tokens(inputs) if not self.invert else host_array(inputs, False)
        if self.invert:
            return self._invert(values.astype("int64"))
        indices = self._lookup(values)
        if self.output_mode == "int":
            return ops.convert_to_tensor(indices)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        out = encode(indices, "count" if self.output_mode == "tf_idf" else self.output_mode,
                     depth, config.floatx(), K=NumpyOps)
        if self.output_mode == "tf_idf":
            out = out * self.idf_weights
        return ops.convert_to_tensor(out)

    def _lookup(self, values: np.ndarray) -> np.ndarray:
        if self._tokens is None or not len(self._tokens):
            found = np.zeros(values.shape, bool)
            indices = np.zeros(values.shape, "int64")
        else:
            pos = np.clip(np.searchsorted(self._sorted, values), 0, len(self._sorted) - 1)
            found = self._sorted[pos] == values
            indices = np.where(found, self._sorted_index[pos], 0).astype("int64")
        masked = (values == self.mask_token if self.mask_token is not None
                  else np.zeros(values.shape, bool))
        oov = ~found & ~masked
        if self.num_oov_indices == 0:
            if oov.any():
                raise ValueError(f"{self.who}: with num_oov_indices=0 every input must be in "
                                 f"the vocabulary; found {values[oov][:5].tolist()}")
        elif self.num_oov_indices == 1:
            indices[oov] = self._oov_start_index()
        else:
            indices[oov] = self._oov_buckets(values[oov]) + self._oov_start_index()
        indices[masked] = 0 if self.output_mode == "int" else np.iinfo("int64").max
        return indices

    def _oov_buckets(self, values: np.ndarray) -> np.ndarray:
        """OOV bucket (0 .. num_oov_indices - 1) of each out-of-vocabulary value, as Keras:
        integers ``value mod n`` ("floormod"); strings, and integers with "farmhash" (as their
        decimal text, ``tf.strings.as_string``), FarmHash ``Fingerprint64 mod n``
        (``tf.strings.to_hash_bucket_fast``), or SipHash-2-4 keyed by ``salt``
        (``to_hash_bucket_strong``)."""
        n = self.num_oov_indices
        if not self._string and self.oov_method == "floormod":
            return np.mod(values, n)
        data = [(v if self._string else str(int(v))).encode("utf-8") for v in values.tolist()]
        if self.salt is not None:
            key = (self.salt[0], self.salt[1])
            return np.asarray([siphash(key, d) % n for d in data], "int64")
        return np.asarray([fingerprint64(d) % n for d in data], "int64")

    def _invert(self, indices: np.ndarray):
        vocab = np.asarray(self.get_vocabulary(), dtype=str if self._string else "int64")
        inside = (indices >= 0) & (indices < len(vocab))
        out = np.where(inside, vocab[np.clip(indices, 0, len(vocab) - 1)],
                       np.asarray(self.oov_token, vocab.dtype))
        if self.mask_token is not None:
            out = np.where(indices == 0, np.asarray(self.mask_token, vocab.dtype), out)
        return out if self._string else ops.convert_to_tensor(out)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        input_shape = tuple(input_shape)
        if self.output_mode == "one_hot" and not (len(input_shape) > 1 and input_shape[-1] == 1):
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    # ---- saving ----------------------------------------------------------------------------
    def save_own_variables(self, store) -> None:
        """Keras's ``vars`` entry: the ``"tf_idf"`` weights (mask/OOV and padding entries
        included) under ``"idf_weights"``; nothing in the other modes."""
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            store["idf_weights"] = self.idf_weights

    def load_own_variables(self, store) -> None:
        """The inverse of ``save_own_variables`` (a store without ``"idf_weights"``, from a file
        whose config carries the vocabulary and weights, leaves them as they are)."""
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self._set_idf(np.asarray(store["idf_weights"]))

    def save_assets(self, dir_path: str) -> None:
        """Write a vocabulary that is not in the config (adapted, or set by
        ``set_vocabulary``) to ``dir_path/vocabulary.txt``, one token per line, special
        tokens first, as Keras does (``assets/<layer path>/vocabulary.txt`` in a ``.keras``
        file)."""
        if self._has_input_vocabulary:  # the config carries it
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(token) for token in self.get_vocabulary()))

    def load_assets(self, dir_path: str | None) -> None:
        """Set the vocabulary from ``dir_path/vocabulary.txt`` (``save_assets``' file, read as
        Keras reads it); ``"tf_idf"`` keeps the weights ``load_own_variables`` read. Nothing to
        read (a layer given its vocabulary, or a file saved by an older kfront that put the
        adapted vocabulary in the config) leaves the layer as it is."""
        path = None if dir_path is None else os.path.join(dir_path, "vocabulary.txt")
        if self._has_input_vocabulary or path is None or not os.path.isfile(path):
            return
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values = lines if self._string else [int(line) for line in lines]
        if self.output_mode != "tf_idf":
            self.set_vocabulary(values)
            return
        if self.idf_weights is None:
            raise ValueError(f'{self.who}: the file has the vocabulary of output_mode="tf_idf" '
                             "but no idf_weights in its weights")
        idf = self.idf_weights
        self.set_vocabulary(values, idf_weights=idf[:len(values)])
        self._set_idf(idf)  # as saved (with pad_to_max_tokens' padding)

    def get_config(self) -> dict:
        """Keras's keys. ``vocabulary`` / ``idf_weights`` are the ones given to the
        constructor (a vocabulary file's tokens, not its path); an adapted vocabulary is saved
        by ``save_assets`` (and ``save_own_variables``), as Keras does."""
        vocabulary, idf = self.input_vocabulary, self.input_idf_weights
        if vocabulary is None and self._has_input_vocabulary and self._tokens is not None:
            vocabulary = self._tokens.tolist()
        listify = (lambda v: np.asarray(v).tolist() if v is not None else None)
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                "mask_token": self.mask_token, "output_mode": self.output_mode,
                "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary_dtype": self.vocabulary_dtype, "idf_weights": listify(idf),
                "vocabulary": listify(vocabulary), "vocabulary_size": self._frozen_vocab_size,
                "oov_method": self.oov_method, "salt": self.salt}


class StringLookup(IndexLookup):
    """Maps strings to integer indices: ``[mask_token]`` (if set) at 0, then
    ``num_oov_indices`` OOV indices, then the vocabulary; ``output_mode`` ``"int"``,
    ``"one_hot"``, ``"multi_hot"``, ``"count"`` or ``"tf_idf"``; ``invert=True`` maps back.
    With several OOV indices an unknown string goes to bucket ``Fingerprint64(s) mod n``
    (FarmHash, as Keras's ``tf.strings.to_hash_bucket_fast``), or SipHash-2-4 keyed by
    ``salt``; computed in pure Python, Keras's buckets without TensorFlow. ``vocabulary`` is a
    list or array, or the path of a text file of one token per line (read as Keras reads it,
    without TensorFlow: see ``set_vocabulary``).

    Example:
        >>> import os, tempfile
        >>> from kfront import layers, ops
        >>> layer = layers.StringLookup(vocabulary=["a", "b", "c"])
        >>> ops.convert_to_numpy(layer([["a", "c"], ["d", "b"]])).tolist()
        [[1, 3], [0, 2]]
        >>> layer.get_vocabulary()
        ['[UNK]', 'a', 'b', 'c']
        >>> path = os.path.join(tempfile.mkdtemp(), "vocab.txt")
        >>> with open(path, "w", encoding="utf-8") as f:
        ...     _ = f.write("a\\nb\\nc\\n")
        >>> layers.StringLookup(vocabulary=path).get_vocabulary()
        ['[UNK]', 'a', 'b', 'c']
    """

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: str | None = None, oov_token: str = "[UNK]", vocabulary=None,
                 idf_weights=None, invert: bool = False, output_mode: str = "int",
                 pad_to_max_tokens: bool = False, sparse: bool = False,
                 encoding: str = "utf-8", name: str | None = None, salt=None, **kwargs):
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, "string",
                         vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, name=name, salt=salt, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["vocabulary_dtype"]
        return {**config, "encoding": self.encoding}


class IntegerLookup(IndexLookup):
    """Maps integers to contiguous indices (same layout and modes as ``StringLookup``; OOV
    values spread over ``num_oov_indices`` buckets by ``value mod num_oov_indices`` with
    ``oov_method="floormod"``, or by FarmHash ``Fingerprint64`` of the value's decimal text with
    ``"farmhash"`` (SipHash-2-4 keyed by ``salt`` when given), as Keras). ``vocabulary`` may
    be the path of a text file of one integer per line.

    Example:
        >>> import numpy as np
        >>> from kfront import layers, ops
        >>> layer = layers.IntegerLookup()
        >>> layer.adapt(np.array([12, 36, 36, 1138, 36, 12]))
        >>> layer.get_vocabulary()
        [-1, 36, 12, 1138]
        >>> ops.convert_to_numpy(layer(np.array([12, 7, 1138]))).tolist()
        [2, 0, 3]
    """

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: int | None = None, oov_token: int = -1, vocabulary=None,
                 vocabulary_dtype: str = "int64", idf_weights=None, invert: bool = False,
                 output_mode: str = "int", sparse: bool = False,
                 pad_to_max_tokens: bool = False, oov_method: str = "floormod", salt=None,
                 name: str | None = None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError(f'IntegerLookup: only vocabulary_dtype="int64" is supported, got '
                             f"{vocabulary_dtype!r}")
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                         vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method,
                         name=name, salt=salt, **kwargs)
