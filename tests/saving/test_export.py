"""``Model.export`` and ``kfront.export.ExportArchive``: real TensorFlow SavedModels that
``tf.saved_model.load`` reloads and serves with the model's outputs, on every backend (off
TensorFlow the model is rebuilt there), with Keras's endpoint names and signatures."""
import numpy as np
import pytest

tf = pytest.importorskip("tensorflow", reason="exporting a SavedModel needs TensorFlow: "
                                              "pip install 'kfront[tensorflow]'")

import kfront  # noqa: E402
from conformance.support import backend  # noqa: E402,F401  (fixture)
from kfront import layers  # noqa: E402

X = np.random.default_rng(0).standard_normal((5, 3)).astype("float32")


class Doubler(kfront.Model):
    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = layers.Dense(units, activation="tanh")

    def call(self, x):
        return self.dense(x) * 2.0


def functional(input_name="x"):
    inp = layers.Input((3,), name=input_name)
    return kfront.Model(inp, layers.Dense(2, activation="relu")(layers.Dense(4)(inp)))


def numpy_of(x):
    return np.asarray(kfront.ops.convert_to_numpy(x))


def signatures_of(loaded) -> dict:
    return {k: (f.structured_input_signature, f.structured_outputs)
            for k, f in loaded.signatures.items()}


def test_model_export_reloads_and_serves_on_every_backend(backend, tmp_path, capsys):
    sub = Doubler()
    sub(X)
    for name, model in (("functional", functional()), ("subclassed", sub)):
        expected = numpy_of(model.predict(X, verbose=0))
        model.export(tmp_path / name, verbose=name == "functional")
        assert kfront.config.backend() == backend
        loaded = tf.saved_model.load(str(tmp_path / name))
        np.testing.assert_allclose(loaded.serve(X).numpy(), expected, rtol=1e-5, atol=1e-5)
        out = loaded.signatures["serving_default"](tf.constant(X))
        np.testing.assert_allclose(out["output_0"].numpy(), expected, rtol=1e-5, atol=1e-5)
        assert sorted(loaded.signatures) == ["serve", "serving_default"]
        # as Keras 3: load_model refuses a SavedModel and points to TFSMLayer
        with pytest.raises(ValueError, match=r"(?s)File format not supported.*SavedModel.*"
                                             r"TFSMLayer\(.*call_endpoint='serving_default'"):
            kfront.models.load_model(tmp_path / name)
        # the user's model still runs on the user's backend, with the same weights
        np.testing.assert_allclose(numpy_of(model(X)), expected, rtol=1e-6, atol=1e-6)
    printed = capsys.readouterr().out
    assert f"Saved artifact at '{tmp_path / 'functional'}'" in printed
    assert "* Endpoint 'serve'" in printed and "TensorSpec(shape=(None, 3)" in printed


def test_export_archive_two_endpoints_and_a_variable_collection(backend, tmp_path):
    model = functional()
    dense = model.layers[1]
    archive = kfront.export.ExportArchive()
    archive.track(model)
    assert len(archive.variables) == 4 and len(archive.trainable_variables) == 4
    spec = layers.InputSpec(shape=(None, 3), dtype="float32")
    archive.add_endpoint("serve", model.__call__, input_signature=[spec])
    archive.add_endpoint("call", model.call, input_signature=[model.inputs[0]])
    archive.add_variable_collection("kernels", [dense.kernel])
    archive.write_out(tmp_path / "archive", verbose=False)
    assert kfront.config.backend() == backend

    loaded = tf.saved_model.load(str(tmp_path / "archive"))
    expected = numpy_of(model(X))
    for endpoint in (loaded.serve, loaded.call):
        np.testing.assert_allclose(endpoint(X).numpy(), expected, rtol=1e-5, atol=1e-5)
    assert sorted(loaded.signatures) == ["call", "serve", "serving_default"]
    np.testing.assert_array_equal(loaded.kernels[0].numpy(), dense.kernel.numpy())
    assert len(loaded.variables) == 4


class NeedsArgument(kfront.Model):
    def __init__(self, make_layer):  # a function argument: not rebuildable from its config
        super().__init__()
        self.dense = make_layer()

    def call(self, x):
        return self.dense(x)


def test_a_model_that_cannot_be_rebuilt_on_tensorflow(backend, tmp_path):
    model = NeedsArgument(lambda: layers.Dense(2))
    expected = numpy_of(model(X))
    if backend == "tensorflow":
        model.export(tmp_path / "m", verbose=False)  # traced directly, no rebuild
        loaded = tf.saved_model.load(str(tmp_path / "m"))
        np.testing.assert_allclose(loaded.serve(X).numpy(), expected, rtol=1e-5, atol=1e-5)
        return
    with pytest.raises(NotImplementedError, match=f"'{backend}' backend rebuilds NeedsArgument"):
        model.export(tmp_path / "m")
    assert kfront.config.backend() == backend  # given back after the failure
    np.testing.assert_allclose(numpy_of(model(X)), expected, rtol=1e-6)


def test_functions_beyond_a_tracked_call(backend, tmp_path):
    model = functional()
    spec = [layers.InputSpec(shape=(None, 3), dtype="float32")]
    archive = kfront.export.ExportArchive()
    if backend != "tensorflow":
        # off TensorFlow only a tracked layer's __call__ / call is rebuilt and traced there
        with pytest.raises(NotImplementedError, match=f"'{backend}' backend.*track"):
            archive.add_endpoint("serve", model.__call__, input_signature=spec)
        archive.track(model)
        with pytest.raises(NotImplementedError, match=f"'{backend}' backend"):
            archive.add_endpoint("twice", lambda x: model(x) * 2, input_signature=spec)
        return
    # on TensorFlow any function traces, untracked variables included (as Keras)
    archive.add_endpoint("twice", lambda x: model(x, training=False) * 2, input_signature=spec)
    traced = tf.function(lambda x: model(x) + 1.0, autograph=False)  # autograph: slow
    traced(tf.constant(X))
    archive.add_endpoint("plus_one", traced)
    # a TensorFlow lookup table preprocessing the model's inputs, tracked with it
    table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(
        tf.constant(["a", "b"]), tf.constant([1.0, 2.0])), default_value=0.0)
    archive.track(table)
    archive.add_endpoint("looked_up", lambda s: model(tf.tile(table.lookup(s), [1, 3])),
                         input_signature=[tf.TensorSpec((None, 1), tf.string)])
    archive.write_out(tmp_path / "fns", verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "fns"))
    expected = numpy_of(model(X))
    np.testing.assert_allclose(loaded.twice(X).numpy(), 2 * expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(loaded.plus_one(X).numpy(), expected + 1, rtol=1e-5, atol=1e-5)
    ones = np.full((1, 3), 2.0, "float32")
    np.testing.assert_allclose(loaded.looked_up(tf.constant([["b"]])).numpy(),
                               numpy_of(model(ones)), rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def keras_exports(tmp_path_factory):
    """Keras 3's SavedModels of a functional and a subclassed model, with their weights."""
    import keras
    root = tmp_path_factory.mktemp("keras_export")
    inp = keras.Input((3,), name="x")
    kf = keras.Model(inp, keras.layers.Dense(2, activation="relu")(keras.layers.Dense(4)(inp)))

    class KDoubler(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2, activation="tanh")

        def call(self, x):
            return self.dense(x) * 2.0

    ks = KDoubler()
    ks(X)
    out = {}
    for name, model in (("functional", kf), ("subclassed", ks)):
        model.export(str(root / name), verbose=False)
        out[name] = (str(root / name), model.get_weights())
    return out


def test_endpoints_and_signatures_equal_keras(keras_exports, tmp_path):
    kfront.config.set_backend("tensorflow")
    try:
        sub = Doubler()
        sub(X)
        for name, model in (("functional", functional()), ("subclassed", sub)):
            path, weights = keras_exports[name]
            model.set_weights(weights)
            model.export(tmp_path / name, verbose=False)
            theirs = tf.saved_model.load(path)
            ours = tf.saved_model.load(str(tmp_path / name))
            assert signatures_of(ours) == signatures_of(theirs), name
            np.testing.assert_allclose(ours.serve(X).numpy(), theirs.serve(X).numpy(),
                                       rtol=1e-5, atol=1e-5)
            # and kfront's TFSMLayer serves it as a layer
            reloaded = layers.TFSMLayer(str(tmp_path / name), call_endpoint="serve")
            np.testing.assert_allclose(numpy_of(reloaded(X)), theirs.serve(X).numpy(),
                                       rtol=1e-5, atol=1e-5)
    finally:
        kfront.config.set_backend("numpy")


def test_bad_input_gives_keras_errors(tmp_path):
    model = functional()
    with pytest.raises(ValueError, match="Unrecognized format=bogus"):
        model.export(tmp_path / "m", format="bogus")
    for fmt in ("onnx", "openvino", "litert", "torch"):
        with pytest.raises(NotImplementedError, match=f'format="{fmt}"'):
            model.export(tmp_path / "m", format=fmt)
    with pytest.raises(TypeError, match="Unsupported x=123"):
        model.export(tmp_path / "m", input_signature=(123,))
    with pytest.raises(ValueError, match="The `shape` and `dtype` must be provided"):
        model.export(tmp_path / "m", input_signature=[layers.InputSpec(ndim=2)])
    with pytest.raises(ValueError, match="It must be built"):
        Doubler().export(tmp_path / "m")
    with pytest.raises(ValueError, match="Unsupported format"):
        kfront.export.ExportArchive(format="bogus")

    archive = kfront.export.ExportArchive()
    with pytest.raises(ValueError, match="No endpoints have been set"):
        archive.write_out(tmp_path / "a")
    with pytest.raises(ValueError, match="Invalid resource type"):
        archive.track("model")
    with pytest.raises(ValueError, match="has not yet been built"):
        archive.track(layers.Dense(2))
    with pytest.raises(ValueError, match="you must provide an `input_signature`"):
        archive.add_endpoint("call", model.__call__)
    untraced = tf.function(lambda x: x)
    with pytest.raises(ValueError, match="has never been called"):
        archive.add_endpoint("call", untraced)
    archive.track_and_add_endpoint("serve", model, model.inputs)
    with pytest.raises(ValueError, match="'serve' is already taken"):
        archive.track_and_add_endpoint("serve", model, model.inputs)
    with pytest.raises(ValueError, match="only supported with the jax backend"):
        archive.track_and_add_endpoint("other", model, model.inputs, is_static=True)
    with pytest.raises(ValueError, match="Expected `variables` to be a list/tuple/set"):
        archive.add_variable_collection("v", model.weights[0])
    with pytest.raises(ValueError, match="Expected all elements in `variables`"):
        archive.add_variable_collection("v", [np.zeros(2)])
    assert kfront.config.backend() == "numpy"
