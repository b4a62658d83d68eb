"""Layer and model behaviours compared with real Keras 3: nested variable paths, ``build``
leaving ``built`` set, ``TextVectorization(split=None)`` and which FeatureSpace preprocessors
adapt."""
import numpy as np
import pytest

import kfront
from kfront import layers
from kfront.utils import FeatureSpace

X = np.ones((2, 3), "float32")


def _structures(lib):
    """Models of every kind, each with explicit names so both libraries agree on them."""
    L = lib.layers

    class Sub(lib.Model):
        def __init__(self):
            super().__init__(name="sub")
            self.d = L.Dense(2, name="d")

        def call(self, x):
            return self.d(x)

    class BuildsInBuild(L.Layer):
        def __init__(self):
            super().__init__(name="outer")

        def build(self, input_shape):  # neither sets ``built`` nor calls super().build
            self.w = self.add_weight(shape=(1,), name="w")
            self.inner = L.Dense(2, name="inner")

        def call(self, x):
            return self.inner(x) * self.w

    prebuilt = L.Dense(2, name="pre")
    prebuilt(X)
    shared = L.Dense(3, name="shared")
    inputs = L.Input((3,))
    models = {
        "sequential": lib.Sequential([L.Dense(2, name="a"), L.Dense(1, name="b")], name="seq"),
        "sequential_input": lib.Sequential([L.Input((3,)), L.Dense(2, name="c")], name="seqi"),
        "nested": lib.Sequential([lib.Sequential([L.Dense(2, name="e")], name="in"),
                                  L.Dense(1, name="f")], name="out"),
        "functional": lib.Model(inputs, L.Dense(2, name="g")(inputs), name="fun"),
        "subclassed": Sub(),
        "built_in_build": BuildsInBuild(),
        "prebuilt": lib.Sequential([prebuilt], name="seqp"),
        "shared": lib.Sequential([lib.Sequential([shared], name="first"), shared], name="two"),
        "bidirectional": lib.Sequential([L.Bidirectional(L.LSTM(2, name="l"), name="bi")],
                                        name="seqr"),
    }
    paths = {}
    for key, model in models.items():
        model(X[:, None, :] if key == "bidirectional" else X)
        paths[key] = [(w.path, w.name) for w in model.weights]
    seq = models["sequential"]
    seq.compile(optimizer=lib.optimizers.Adam(name="adam"), loss="mse")
    seq.optimizer.build(seq.trainable_variables)
    paths["optimizer"] = [v.path for v in seq.optimizer.variables]
    return paths


def test_variable_paths_nest_as_in_keras(keras):
    ours, theirs = _structures(kfront), _structures(keras)
    assert ours == theirs
    assert ours["sequential"][0] == ("seq/a/kernel", "kernel")
    assert ours["functional"][0] == ("g/kernel", "kernel")  # built outside any model


def test_weights_files_keep_their_layout(tmp_path, keras):
    """Nested paths change no file: Keras reads kfront's .weights.h5 and legacy .h5."""
    model = kfront.Sequential([layers.Dense(2, name="a"), layers.Dense(1, name="b")], name="s")
    model(X)
    model.save_weights(tmp_path / "m.weights.h5")
    model.save_weights(tmp_path / "m.h5")
    theirs = keras.Sequential([keras.layers.Dense(2, name="a"), keras.layers.Dense(1, name="b")])
    theirs(X)
    theirs.load_weights(tmp_path / "m.weights.h5")
    for a, b in zip(model.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
    import h5py
    with h5py.File(tmp_path / "m.h5") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f["a"].attrs["weight_names"]]
    assert names == ["a/kernel:0", "a/bias:0"]  # tf.keras 2's names, the model's scope dropped


class _NoSuperBuild(layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), name="w")

    def call(self, x):
        return x * self.w


@pytest.mark.parametrize("make", [lambda lib: lib.layers.Dense(2, name="dense_b"),
                                  lambda lib: lib.layers.LayerNormalization(name="ln_b"),
                                  lambda lib: lib.layers.Layer(name="plain_b")],
                         ids=["Dense", "LayerNormalization", "Layer"])
def test_direct_build_sets_built_and_build_config(keras, make):
    ours, theirs = make(kfront), make(keras)
    ours.build((None, 3))
    theirs.build((None, 3))
    assert ours.built and theirs.built
    assert ours.path == theirs.path
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    want = theirs.get_build_config()
    assert ours.get_build_config() == {"input_shape": list(want["input_shape"])}


def test_custom_build_without_super_is_built():
    layer = _NoSuperBuild(name="nosuper")
    assert not layer.built
    layer.build((None, 4))
    assert layer.built and layer.path == "nosuper" and layer.w.path == "nosuper/w"
    assert layer.get_build_config() == {"input_shape": [None, 4]}
    with pytest.raises(ValueError, match="incompatible|expected"):
        layers.Dense(2, name="dense_x")(np.ones(3, "float32"))  # bad input still names the layer


@pytest.mark.parametrize("options", [{}, {"output_sequence_length": 3},
                                     {"output_mode": "multi_hot"}, {"output_mode": "count"},
                                     {"output_mode": "tf_idf"}], ids=str)
def test_text_vectorization_without_split_matches_keras(keras, options):
    corpus = np.array(["a", "B!", "c", "a"])
    inputs = [corpus, np.array([["a"], ["b"]]), np.array(["a b", "C"])]
    ours = layers.TextVectorization(split=None, **options)
    theirs = keras.layers.TextVectorization(split=None, **options)
    ours.adapt(corpus)
    theirs.adapt(corpus)
    for x in inputs:
        want = keras.ops.convert_to_numpy(theirs(x))
        got = kfront.ops.convert_to_numpy(ours(x))
        assert got.shape == want.shape, (x, options)
        np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=str((x, options)))


def _adapt_outcome(lib, FS, preprocessor):
    space = FS({"t": FS.feature(preprocessor=preprocessor, dtype="string",
                                output_mode="float")}, output_mode="concat")
    data = {"t": np.array(["a b", "b", "c"])}
    try:
        space.adapt(data)
    except ValueError:
        return "refused"
    return lib.ops.convert_to_numpy(space(data)).tolist()


def test_feature_space_adapts_what_keras_adapts(keras, tmp_path):
    from keras.utils import FeatureSpace as KerasFeatureSpace
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("a\nb\n")
    cases = [  # a TextVectorization given a vocabulary (a file too) is left as it is
        lambda L: L.TextVectorization(vocabulary=str(vocab), output_mode="multi_hot"),
        lambda L: L.TextVectorization(vocabulary=["a", "b"], output_mode="multi_hot"),
        lambda L: L.TextVectorization(output_mode="multi_hot"),
    ]
    for make in cases:
        want = _adapt_outcome(keras, KerasFeatureSpace, make(keras.layers))
        assert _adapt_outcome(kfront, FeatureSpace, make(layers)) == want


def test_has_input_vocabulary_option():
    """Keras's hidden ``has_input_vocabulary`` decides whether adapt may replace a vocabulary."""
    free = layers.StringLookup(vocabulary=["q"], has_input_vocabulary=False)
    free.adapt(np.array(["z", "z", "y"]))
    assert free.get_vocabulary() == ["[UNK]", "z", "y"]
    for given in (layers.StringLookup(vocabulary=["q"]),
                  layers.TextVectorization(vocabulary=["q"])):
        with pytest.raises(ValueError, match="given a vocabulary"):
            given.adapt(np.array(["z"]))
