"""Sequential, functional and subclassed models; compile/fit/evaluate/predict; bad input."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers


def _data(n=64, d=8, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    w = rng.normal(size=(d, classes))
    y = np.argmax(x @ w, axis=1)
    return x, np.eye(classes, dtype="float32")[y], y


def _mlp(d=8, classes=3):
    return kfront.Sequential([layers.Input((d,)), layers.Dense(16, activation="relu"),
                              layers.Dense(classes, activation="softmax")])


def test_names_are_unique_as_keras():
    a, b = layers.Dense(2), layers.Dense(2)
    base = a.name
    assert b.name == (f"{base}_1" if base == "dense" else f"dense_{int(base.split('_')[1]) + 1}")
    assert layers.Dense(2, name="mine").name == "mine"


def test_sequential_add_pop_and_shapes():
    model = kfront.Sequential()
    model.add(layers.Dense(4, input_shape=(3,)))
    model.add(layers.Dense(2))
    assert model.input_shape == (None, 3) and model.output_shape == (None, 2)
    popped = model.pop()
    assert isinstance(popped, layers.Dense) and model.output_shape == (None, 4)
    assert len(model.layers) == 1


def test_sequential_builds_on_first_data():
    model = kfront.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not model.built
    out = model(np.ones((5, 3), "float32"))
    assert out.shape == (5, 2) and model.count_params() == 3 * 4 + 4 + 4 * 2 + 2


def test_fit_learns_and_history_keys():
    x, y, _ = _data()
    model = _mlp()
    model.compile(optimizer=kfront.optimizers.Adam(0.05), loss="categorical_crossentropy",
                  metrics=["acc"])
    hist = model.fit(x, y, epochs=15, batch_size=16, validation_split=0.25, verbose=0)
    assert set(hist.history) == {"loss", "acc", "val_loss", "val_acc"}
    assert len(hist.history["loss"]) == 15
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert hist.history["acc"][-1] > 0.8


def test_evaluate_matches_manual_loss_and_accuracy():
    x, y, labels = _data()
    model = _mlp()
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    loss, acc = model.evaluate(x, y, batch_size=10, verbose=0)
    p = model.predict(x, verbose=0)
    manual = -np.mean(np.sum(y * np.log(np.clip(p, 1e-7, 1 - 1e-7)), axis=1))
    assert loss == pytest.approx(manual, rel=1e-5)
    assert acc == pytest.approx(np.mean(p.argmax(1) == labels))
    assert model.evaluate(x, y, verbose=0, return_dict=True).keys() == {"loss", "accuracy"}


def test_sparse_labels_and_sparse_accuracy():
    x, _, labels = _data()
    model = _mlp()
    model.compile(optimizer=kfront.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
                  metrics=["acc"])
    model.fit(x, labels, epochs=20, batch_size=16, verbose=0)
    assert model.evaluate(x, labels, verbose=0)[1] > 0.8


def test_on_batch_methods():
    x, y, _ = _data(n=16)
    model = _mlp()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    before = model.test_on_batch(x, y)
    for _ in range(20):
        model.train_on_batch(x, y)
    assert model.test_on_batch(x, y) < before
    assert model.predict_on_batch(x).shape == (16, 3)


def test_functional_model_multi_input_and_shared_layer():
    a, b = layers.Input((4,)), layers.Input((4,))
    shared = layers.Dense(3)
    out = layers.Dense(1)(layers.Activation("relu")(shared(a)))
    out2 = shared(b)
    model = kfront.Model(inputs=[a, b], outputs=[out, out2])
    xa, xb = np.ones((2, 4), "float32"), np.zeros((2, 4), "float32")
    ya, yb = model.predict([xa, xb], verbose=0)
    assert ya.shape == (2, 1) and yb.shape == (2, 3)
    np.testing.assert_allclose(yb, np.tile(shared.bias.numpy(), (2, 1)))
    assert model.count_params() == 4 * 3 + 3 + 3 + 1


def test_subclassed_model_trains():
    class MLP(kfront.Model):
        def __init__(self, num_classes=3):
            super().__init__(name="MLP")
            self.dense_1 = layers.Dense(16, activation="relu")
            self.dense_2 = layers.Dense(num_classes, activation="softmax")

        def call(self, inputs):
            return self.dense_2(self.dense_1(inputs))

    x, y, _ = _data()
    model = MLP()
    model.compile(optimizer=kfront.optimizers.Adam(0.05), loss="categorical_crossentropy",
                  metrics=["acc"])
    model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert len(model.trainable_weights) == 4 and model.name == "MLP"
    assert model.evaluate(x, y, verbose=0)[1] > 0.8


def test_set_random_seed_makes_init_and_shuffled_fit_reproducible():
    x, y, _ = _data()

    def run():
        kfront.utils.set_random_seed(7)
        model = _mlp()
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        history = model.fit(x, y, epochs=2, batch_size=8, shuffle=True, verbose=0)
        return history.history["loss"], model.get_weights()

    (loss_a, w_a), (loss_b, w_b) = run(), run()
    assert loss_a == loss_b
    for a, b in zip(w_a, w_b):
        np.testing.assert_array_equal(a, b)
    inits = []
    for seed in (7, 8):
        kfront.utils.set_random_seed(seed)
        inits.append(_mlp().get_weights()[0])
    assert not np.array_equal(*inits)


def test_subclassed_model_builds_from_a_shape():
    class Wrapper(kfront.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(3)

        def call(self, inputs):
            return self.dense(inputs)

    model = Wrapper()
    model.build((None, 4))
    assert model.built and [w.shape for w in model.weights] == [(4, 3), (3,)]


# ------------------------------------------------------------------------------- bad input
def test_wrong_input_shape_to_built_model_names_layer_and_shapes():
    model = _mlp(d=8)
    with pytest.raises(ValueError, match=r'layer "dense.*expected axis -1 .* value 8.*\(5, 7\)'):
        model.predict(np.ones((5, 7), "float32"), verbose=0)


def test_functional_wrong_input_shape():
    inp = layers.Input((4,))
    model = kfront.Model(inp, layers.Dense(2)(inp))
    with pytest.raises(ValueError, match=r"expected shape=\(None, 4\), found shape=\(3, 5\)"):
        model.predict(np.ones((3, 5)), verbose=0)


@pytest.mark.parametrize("kind,kwargs,match", [
    ("loss", {"optimizer": "adam", "loss": "categorical_crossentropyy"}, "categorical_crossentropyy"),
    ("optimizer", {"optimizer": "adamm", "loss": "mse"}, "adamm"),
])
def test_unknown_names_in_compile(kind, kwargs, match):
    with pytest.raises(ValueError, match=match):
        _mlp().compile(**kwargs)


def test_unknown_activation_and_initializer_names():
    with pytest.raises(ValueError, match="relux"):
        layers.Dense(3, activation="relux")
    with pytest.raises(ValueError, match="glorot_uniformm"):
        layers.Dense(3, kernel_initializer="glorot_uniformm")


def test_x_y_length_mismatch_is_clear():
    model = _mlp()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    x, y, _ = _data(n=10)
    with pytest.raises(ValueError, match=r"'x' sizes: 10 'y' sizes: 9"):
        model.fit(x, y[:9], verbose=0)


def test_nan_loss_warns_and_stops():
    x, y, _ = _data(n=64)
    x[5, 0] = np.nan
    model = _mlp()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.warns(RuntimeWarning, match="loss became nan.*training stopped"):
        hist = model.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0)
    assert len(hist.history["loss"]) == 1  # stopped in the first epoch


def test_fit_before_compile_is_clear():
    with pytest.raises(RuntimeError, match="compile"):
        _mlp().fit(np.ones((2, 8)), np.ones((2, 3)), verbose=0)


def test_unknown_layer_kwarg_is_clear():
    with pytest.raises(TypeError, match="Dense.*unitz"):
        layers.Dense(3, unitz=4)
