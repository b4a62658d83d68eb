"""What more keras-io guides rely on (customizing_saving_and_serialization, transfer_learning,
intro_to_keras_for_researchers, masking, RNNs), checked against Keras 3 where that is cheap.

The guides themselves are run outside the suite with only their imports changed; each test
here is one behaviour they depend on, written small."""
from __future__ import annotations

import os

import numpy as np
import pytest

import kfront
from kfront import layers


def _holder(lib):
    """A layer holding Variables as attributes (the researchers' guide's ``Linear`` and
    ``ComputeSum``), one in a list, and a sublayer."""
    class Holder(lib.layers.Layer):
        def __init__(self):
            super().__init__()
            self.total = lib.Variable(np.zeros(2, "float32"), trainable=False, name="total")
            self.w = lib.Variable(np.ones((2, 3), "float32"), name="w")
            self.extra = [lib.Variable(np.ones(1, "float32"), name="in_list")]
            self.inner = lib.layers.Dense(1)

        def build(self, input_shape):
            self.k = self.add_weight(shape=(3,), initializer="ones", name="k")
            self.alias = self.w  # the same Variable again: tracked once

        def call(self, x):
            return self.inner(x)
    return Holder()


def test_attribute_variables_are_weights_as_keras(keras):
    ours, theirs = _holder(kfront), _holder(keras)
    for layer in (ours, theirs):
        layer(np.ones((1, 2), "float32"))
    for attr in ("weights", "trainable_weights", "non_trainable_weights"):
        assert [v.name for v in getattr(ours, attr)] == [v.name for v in getattr(theirs, attr)]
    assert [v.name for v in ours.weights] == ["w", "in_list", "k", "total", "kernel", "bias"]
    assert ours.non_trainable_weights[0] is ours.total
    # a stateful RNN's state Variables are not weights (Keras makes them untracked)
    lstm = layers.LSTM(2, stateful=True)
    lstm(np.zeros((1, 3, 2), "float32"))
    assert len(lstm.states) == 2 and len(lstm.weights) == 3


def _custom_classes(lib):
    class Counter(lib.layers.Layer):
        """Saves an extra entry with its variables and a vocabulary as an asset."""

        def __init__(self, vocab="a <unk> b", **kwargs):
            super().__init__(**kwargs)
            self.vocab = vocab
            self.seen = lib.Variable(np.zeros(3, "float32"), trainable=False, name="seen")

        def call(self, x):
            return x

        def save_own_variables(self, store):
            super().save_own_variables(store)
            store["seen_twice"] = 2 * self.seen.numpy()

        def load_own_variables(self, store):
            self.seen.assign(store["seen_twice"] / 2)
            self.loaded_keys = sorted(store.keys())

        def save_assets(self, inner_path):
            with open(os.path.join(inner_path, "vocabulary.txt"), "w") as f:
                f.write(self.vocab)

        def load_assets(self, inner_path):
            with open(os.path.join(inner_path, "vocabulary.txt")) as f:
                self.vocab = f.read().replace("<unk>", "x")

        def get_config(self):
            return {**super().get_config(), "vocab": self.vocab}

    return Counter


def test_save_and_load_hooks_are_called_as_keras_calls_them(tmp_path, keras):
    """The saving guide's hooks: ``save_own_variables`` / ``load_own_variables`` decide what a
    layer's ``vars`` group holds, ``save_assets`` / ``load_assets`` write and read files under
    the archive's ``assets/<path>``; files from Keras load in kfront with the same class."""
    def model_of(lib):
        counter = _custom_classes(lib)(vocab="a <unk> b", name="counter")
        model = lib.Sequential([lib.Input((3,)), counter, lib.layers.Dense(2)])
        counter.seen.assign(np.array([1.0, 2.0, 3.0], "float32"))
        return model

    theirs = model_of(keras)
    theirs.save(tmp_path / "keras.keras")
    ours = model_of(kfront)
    for zipped in (True, False):
        path = str(tmp_path / ("kfront.keras" if zipped else "kfront_folder"))
        ours.save(path, zipped=zipped)
        for source in (path, str(tmp_path / "keras.keras")):
            back = kfront.models.load_model(source, custom_objects={
                "Counter": _custom_classes(kfront)})
            counter = back.layers[0]
            np.testing.assert_array_equal(counter.seen.numpy(), [1.0, 2.0, 3.0])
            assert counter.vocab == "a x b" and counter.loaded_keys == ["0", "seen_twice"]
    import zipfile
    assert "assets/layers/counter/vocabulary.txt" in zipfile.ZipFile(
        tmp_path / "kfront.keras").namelist()


def test_dense_default_saves_keras_spec_only(keras):
    """A Dense subclass's own save writes kernel and bias only, as Keras's spec (the saving
    guide's ``super().save_own_variables(store)``); extra tracked variables are the
    subclass's to save."""
    def stores(lib):
        class Extra(lib.layers.Dense):
            def __init__(self, units):
                super().__init__(units)
                self.extra = lib.Variable(np.ones((units,), "float32"), name="extra")
        layer = Extra(2)
        layer.build((None, 3))
        store = {}
        layer.save_own_variables(store)
        return {k: np.shape(v) for k, v in store.items()}, [v.name for v in layer.weights]
    assert stores(kfront) == stores(keras) == ({"0": (3, 2), "1": (2,)},
                                               ["extra", "kernel", "bias"])


def test_load_own_variables_default_checks_the_count():
    layer = layers.Dense(2)
    layer.build((None, 3))
    with pytest.raises(ValueError, match=r"Layer 'dense\w*' expected 2 variables, but received "
                                         r"1 variables during loading"):
        layer.load_own_variables({"0": np.zeros((3, 2), "float32")})


def test_metric_add_weight_as_keras(keras):
    """The researchers' guide's F1Score makes its counts with ``Metric.add_weight``."""
    def f1(lib):
        class F1(lib.metrics.Metric):
            def __init__(self):
                super().__init__(name="f1")
                self.tp = self.add_weight(name="tp", initializer="zeros")
                self.fp = self.add_weight(name="fp", initializer="zeros")
                self.fn = self.add_weight(name="fn", initializer="zeros")

            def update_state(self, y_true, y_pred, sample_weight=None):
                t = lib.ops.cast(y_true, "bool")
                p = lib.ops.greater_equal(y_pred, 0.5)
                for var, hit in ((self.tp, t & p), (self.fp, ~t & p), (self.fn, t & ~p)):
                    var.assign_add(lib.ops.sum(lib.ops.cast(hit, "float32")))

            def result(self):
                precision = self.tp / (self.tp + self.fp)
                recall = self.tp / (self.tp + self.fn)
                return precision * recall * 2.0 / (precision + recall)
        m = F1()
        m.update_state(np.array([0, 1, 0, 0]), np.array([0.3, 0.5, 0.8, 0.9]))
        m.update_state(np.array([1, 1, 1, 1]), np.array([0.1, 0.7, 0.6, 0.0]))
        return float(m.result()), [v.name for v in m.variables]
    ours, theirs = f1(kfront), f1(keras)
    assert ours[1] == theirs[1] == ["tp", "fp", "fn"]
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)


def test_layers_in_a_tf_data_map_on_every_backend(backend):
    """The transfer-learning and preprocessing guides map Resizing and a Sequential of random
    augmentations over a tf.data pipeline, whatever the backend (Keras switches its
    preprocessing layers to TensorFlow ops there): kfront too on TensorFlow (with the batch
    size as a tensor), on the values elsewhere."""
    tf = pytest.importorskip("tensorflow")
    x = np.random.default_rng(0).integers(0, 256, (4, 9, 7, 3)).astype("uint8")
    resize = layers.Resizing(5, 5)
    augment = kfront.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)])
    ds = tf.data.Dataset.from_tensor_slices((x, np.arange(4.0)))
    ds = ds.map(lambda a, b: (resize(a), b)).batch(2)
    assert ds.element_spec[0].shape.as_list() == [None, 5, 5, 3]
    first = next(iter(ds))[0].numpy()
    np.testing.assert_allclose(first, kfront.ops.convert_to_numpy(resize(x[:2])), atol=1e-4)
    ds = ds.map(lambda a, b: (augment(a), b))
    assert ds.element_spec[0].shape.as_list() == [None, 5, 5, 3]
    model = kfront.Sequential([kfront.Input((5, 5, 3)), layers.Flatten(), layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(ds, epochs=1, verbose=0)


def test_summary_show_trainable_as_keras(keras):
    """The transfer-learning guide prints ``model.summary(show_trainable=True)`` before and
    after unfreezing its base model: Keras's extra "Trainable" column (Y / N / -)."""
    def tables(lib):
        lines = []
        inputs = lib.Input((4,), name="x")
        base = lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, name="base_dense")],
                              name="base")
        base.trainable = False
        hidden = lib.layers.Dropout(0.1, name="drop")(base(inputs))
        model = lib.Model(inputs, lib.layers.Dense(1, name="head")(hidden), name="top")
        residual = lib.Model(inputs, lib.layers.Add(name="plus")([inputs, inputs]), name="res")
        for m in (model, residual):
            m.summary(show_trainable=True,
                      print_fn=lambda text, **kw: lines.extend(text.rstrip("\n").split("\n")))
        return [line for line in lines if line[:1] in "│┃"]
    ours = tables(kfront)
    assert ours == tables(keras)
    assert any(line.startswith("│ base (Sequential)") and line.endswith("│   N   │")
               for line in ours)


def test_jax_traced_key_belongs_to_the_tracing_thread():
    """On JAX a step traced in the main thread while a tf.data thread runs a random
    augmentation (transfer_learning's fit) must not hand that thread its traced key (it
    leaked a tracer: UnexpectedTracerError)."""
    jax = pytest.importorskip("jax")
    import threading
    from kfront.backends.jax import random as jax_random
    seen = []
    with jax_random.key_scope(jax.random.PRNGKey(0)):
        worker = threading.Thread(target=lambda: seen.append(jax_random._traced_key(None, "normal")))
        worker.start()
        worker.join()
        assert jax_random._traced_key(3, "normal") is not None
    assert seen == [None]
