"""Configs in Keras 3's JSON form, both ways: every built-in object round-trips, real Keras 3
reads kfront's configs and kfront reads Keras's (weights copied, outputs compared), and
tf.keras 2 model JSON loads."""
from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import kfront
from conformance.support import backend  # noqa: F401  (fixture)
from kfront import layers
from kfront.saving import serialization_lib as sl

LAYER_ARGS = {
    "Activation": ("relu",), "Dense": (3,), "Dropout": (0.5,), "Reshape": ((2, 2),),
    "GRU": (3,), "LSTM": (3,), "SimpleRNN": (3,), "GRUCell": (3,), "LSTMCell": (3,),
    "SimpleRNNCell": (3,), "Conv1D": (2, 3), "Conv2D": (2, 3), "Conv1DTranspose": (2, 3),
    "Conv2DTranspose": (2, 3), "DepthwiseConv1D": (3,), "DepthwiseConv2D": (3,),
    "SeparableConv1D": (2, 3), "SeparableConv2D": (2, 3), "Dot": (1,), "Embedding": (10, 4),
    "GaussianNoise": (0.1,), "RepeatVector": (2,), "Permute": ((2, 1),),
    "SpatialDropout1D": (0.1,), "SpatialDropout2D": (0.1,), "InputLayer": ((3,),),
    "AveragePooling1D": (2,), "AveragePooling2D": (2,), "AveragePooling3D": (2,),
    "AdaptiveAveragePooling1D": (2,), "AdaptiveAveragePooling2D": (2,),
    "AdaptiveAveragePooling3D": (2,), "AdaptiveMaxPooling1D": (2,), "AdaptiveMaxPooling2D": (2,),
    "AdaptiveMaxPooling3D": (2,), "AlphaDropout": (0.1,), "GaussianDropout": (0.1,),
    "SpatialDropout3D": (0.1,), "CategoryEncoding": (4,), "CenterCrop": (2, 3),
    "RandomCrop": (2, 3), "Resizing": (2, 3), "Conv3D": (2, 3), "Conv3DTranspose": (2, 3),
    "ConvLSTM1D": (2, 3), "ConvLSTM2D": (2, 3), "ConvLSTM3D": (2, 3),
    "Discretization": ([0.0, 1.0],), "EinsumDense": ("ab,bc->ac", 4),
    "GroupQueryAttention": (4, 2, 1), "MultiHeadAttention": (2, 4), "Hashing": (8,),
    "HashedCrossing": (8,), "MaxNumBoundingBoxes": (4,), "RandomBrightness": (0.2,),
    "RandomColorDegeneration": (0.2,), "RandomContrast": (0.2,), "RandomHue": (0.2,),
    "RandomPosterization": ((1, 4),), "RandomRotation": (0.2,), "RandomSaturation": (0.2,),
    "RandomSharpness": (0.2,), "RandomTranslation": (0.1, 0.2), "RandomZoom": (0.2,),
    "Rescaling": (0.5,), "ReversibleEmbedding": (10, 4),
}
# layers that take other layers: built by _make
WRAPPING = {"Bidirectional": lambda m: (m.LSTM(2),), "TimeDistributed": lambda m: (m.Dense(2),),
            "Wrapper": lambda m: (m.Dense(2),), "SpectralNormalization": lambda m: (m.Dense(2),),
            "RNN": lambda m: (m.LSTMCell(2),),
            "StackedRNNCells": lambda m: ([m.LSTMCell(2), m.LSTMCell(3)],),
            "Pipeline": lambda m: ([m.Rescaling(0.5), m.CenterCrop(2, 2)],)}
# layers around another framework's objects (a torch module, a JAX function, a SavedModel):
# their configs are that object's, tested with the layers themselves
FRAMEWORK_WRAPPERS = ("FlaxLayer", "JaxLayer", "TFSMLayer", "TorchModuleWrapper")
# keys kfront writes that this Keras does not (Keras accepts them as constructor arguments)
EXTRA_OK = {"SimpleRNN": {"seed"}, "RandomGrayscale": {"seed"}}
_CLASSES = sorted(n for n in layers.__all__ if inspect.isclass(getattr(layers, n))
                  and issubclass(getattr(layers, n), layers.Layer)
                  and n not in ("Layer", "Lambda", *FRAMEWORK_WRAPPERS))
ALIASES = [n for n in _CLASSES if getattr(layers, n).__name__ != n]
LAYER_NAMES = [n for n in _CLASSES if n not in ALIASES]


def _make(module, name):
    cls = getattr(module, name)
    args = WRAPPING[name](module) if name in WRAPPING else LAYER_ARGS.get(name, ())
    return cls(*args)


def test_aliases_are_keras_aliases(keras):
    for name in ALIASES:
        ours, theirs = getattr(layers, name), getattr(keras.layers, name)
        assert ours.__name__ == theirs.__name__, name


def _strip_names(config):
    """A config without the auto-generated names and seeds (they differ between two instances:
    Keras's RandomCrop draws a seed when given none)."""
    if isinstance(config, dict):
        return {k: _strip_names(v) for k, v in config.items() if k not in ("name", "seed")}
    if isinstance(config, (list, tuple)):
        return [_strip_names(v) for v in config]
    return config


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_builtin_layer_config_round_trip_and_keras_both_ways(keras, name):
    ours = _make(layers, name)
    config = json.loads(json.dumps(sl.serialize_keras_object(ours)))
    assert (config["module"], config["class_name"], config["registered_name"]) == \
        ("keras.layers", name, None)
    back = layers.deserialize(config)
    assert type(back) is type(ours)
    assert _strip_names(back.get_config()) == _strip_names(ours.get_config())
    theirs = _make(keras.layers, name)
    extra = set(ours.get_config()) - set(theirs.get_config()) - EXTRA_OK.get(name, set())
    missing = set(theirs.get_config()) - set(ours.get_config())
    assert not extra and not missing, f"{name}: extra keys {extra}, missing keys {missing}"
    # Keras reads kfront's config, and kfront reads Keras's
    from_ours = keras.saving.deserialize_keras_object(config)
    assert type(from_ours) is getattr(keras.layers, name)
    from_theirs = sl.deserialize_keras_object(
        json.loads(json.dumps(keras.saving.serialize_keras_object(theirs))))
    assert type(from_theirs) is type(ours)
    assert _strip_names(from_theirs.get_config()) == \
        _strip_names(type(ours).from_config(ours.get_config()).get_config())


def _instances():
    """One default instance (or the function) of every other allowlisted object."""
    tables = sl.builtin_objects()
    for namespace in ("keras.optimizers", "keras.optimizers.schedules", "keras.losses",
                      "keras.metrics", "keras.initializers", "keras.regularizers",
                      "keras.constraints", "keras.activations"):
        seen = set()
        for name, obj in sorted(tables[namespace].items()):
            if id(obj) in seen or getattr(obj, "__name__", None) != name or name in ABSTRACT:
                continue
            seen.add(id(obj))
            yield namespace, name, obj


ABSTRACT = ("LearningRateSchedule", "Initializer", "Regularizer", "Constraint", "Loss",
            "Metric", "Optimizer")
SCHEDULE_ARGS = {"ExponentialDecay": (0.1, 10, 0.5), "InverseTimeDecay": (0.1, 10, 0.5),
                 "PiecewiseConstantDecay": ([10], [0.1, 0.01])}


@pytest.mark.parametrize("namespace, name, obj", list(_instances()),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_builtin_objects_round_trip_and_keras_reads_them(keras, namespace, name, obj):
    if inspect.isclass(obj):
        try:
            instance = obj(*SCHEDULE_ARGS.get(name, ()))
        except (TypeError, NotImplementedError, ValueError):
            pytest.skip(f"{name} needs arguments")
        config = json.loads(json.dumps(sl.serialize_keras_object(instance)))
        assert config["module"] == namespace and config["class_name"] == name
        back = sl.deserialize_keras_object(config)
        assert type(back) is obj
        assert json.dumps(back.get_config(), sort_keys=True) == \
            json.dumps(instance.get_config(), sort_keys=True)
        theirs = keras.saving.deserialize_keras_object(config)
        assert type(theirs).__name__ == name
    else:
        config = sl.serialize_keras_object(obj)
        assert config == {"module": "builtins", "class_name": "function", "config": name,
                          "registered_name": "function"}
        assert sl.deserialize_keras_object(config) is obj


# ------------------------------------------------------------------------------- models
@kfront.saving.register_keras_serializable(package="KfrontTests")
class Scale(kfront.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return kfront.ops.multiply(x, self.factor)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _models(k, custom):
    """The model kinds of the issue, built with ``k`` (kfront or keras)."""
    L = k.layers
    out = {}
    out["sequential"] = k.Sequential([k.Input((4,)), L.Dense(8, activation="relu"),
                                      L.Dense(3, activation="softmax")])
    a, b = k.Input((4,), name="a"), k.Input((4,), name="b")
    shared = L.Dense(3, name="shared")
    c = L.Concatenate()([shared(a), shared(b)])
    out["two_in_two_out_shared"] = k.Model([a, b], [L.Dense(2, name="o1")(c),
                                                    L.Dense(1, name="o2")(c)])
    inner = k.Sequential([k.Input((4,)), L.Dense(5, name="inner_dense")], name="inner")
    x = k.Input((4,))
    out["nested_sequential"] = k.Model(x, L.Dense(2)(inner(x)))
    fx = k.Input((4,))
    inner_f = k.Model(fx, L.Dense(3, activation="tanh")(fx), name="inner_f")
    y = k.Input((4,))
    out["nested_functional"] = k.Model(y, L.Dense(2)(inner_f(inner_f(y)[:, :3]
                                       if False else L.Dense(4)(inner_f(y)))))
    base = out["sequential"]
    out["sub_model"] = k.Model(base.inputs, base.layers[0].output)
    z = k.Input((5,), dtype="int32")
    h = L.Embedding(10, 4, mask_zero=True)(z)
    h = L.Bidirectional(L.LSTM(3, return_sequences=True))(h)
    h = L.GRU(2)(h)
    out["rnn"] = k.Model(z, L.BatchNormalization()(h))
    i = k.Input((6, 6, 1))
    h = L.Conv2D(2, 3, padding="same", activation="relu")(i)
    h = L.MaxPooling2D()(h)
    out["cnn"] = k.Model(i, L.Dense(2)(L.Flatten()(h)))
    w = k.Input((3,))
    out["custom_layer"] = k.Model(w, custom(3.0)(L.Dense(2)(w)))
    return out


def _inputs(name):
    rng = np.random.default_rng(0)
    if name == "two_in_two_out_shared":
        return [rng.normal(size=(3, 4)).astype("float32") for _ in range(2)]
    if name == "rnn":
        return rng.integers(0, 10, size=(3, 5)).astype("int32")
    if name == "cnn":
        return rng.normal(size=(3, 6, 6, 1)).astype("float32")
    if name == "custom_layer":
        return rng.normal(size=(3, 3)).astype("float32")
    return rng.normal(size=(3, 4)).astype("float32")


def _close(a, b):
    for p, q in zip(a if isinstance(a, list) else [a], b if isinstance(b, list) else [b]):
        np.testing.assert_allclose(np.asarray(p), np.asarray(q), rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def keras_scale(keras):
    @keras.saving.register_keras_serializable(package="KfrontTests", name="Scale")
    class KScale(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}
    return KScale


MODEL_KINDS = ["sequential", "two_in_two_out_shared", "nested_sequential", "nested_functional",
               "sub_model", "rnn", "cnn", "custom_layer"]


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_model_config_round_trip_in_kfront(backend, kind):
    model = _models(kfront, Scale)[kind]
    clone = kfront.models.model_from_json(model.to_json())
    assert type(clone) is type(model)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    clone.set_weights(model.get_weights())
    _close(model.predict(_inputs(kind), verbose=0), clone.predict(_inputs(kind), verbose=0))
    assert json.loads(clone.to_json()) == json.loads(model.to_json())


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_keras_reads_kfront_model_json(keras, keras_scale, kind):
    model = _models(kfront, Scale)[kind]
    theirs = keras.models.model_from_json(model.to_json())
    theirs.set_weights(model.get_weights())
    _close(model.predict(_inputs(kind), verbose=0), theirs.predict(_inputs(kind), verbose=0))


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_kfront_reads_keras_model_json(keras, keras_scale, kind):
    theirs = _models(keras, keras_scale)[kind]
    ours = kfront.models.model_from_json(theirs.to_json())
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    ours.set_weights(theirs.get_weights())
    _close(theirs.predict(_inputs(kind), verbose=0), ours.predict(_inputs(kind), verbose=0))


def test_compile_config_both_ways(keras):
    model = _models(kfront, Scale)["two_in_two_out_shared"]
    model.compile(optimizer=kfront.optimizers.Adam(0.01, beta_1=0.8), loss=["mse", "mae"],
                  loss_weights=[1.0, 0.5])
    config = json.loads(model.to_json())
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    back = sl.deserialize_keras_object(config)
    assert back.compiled and type(back.optimizer).__name__ == "Adam"
    assert back.optimizer.beta_1 == pytest.approx(0.8) and back.loss == ["mse", "mae"]
    assert back.optimizer.built  # ready for its saved state
    theirs = keras.saving.deserialize_keras_object(config)
    assert theirs.compiled and theirs.optimizer.beta_1 == pytest.approx(0.8)
    theirs_config = json.loads(theirs.to_json())
    ours = sl.deserialize_keras_object(theirs_config)
    assert ours.compiled and ours.loss_weights == [1.0, 0.5]
    x = _inputs("two_in_two_out_shared")
    ours.fit(x, [np.zeros((3, 2)), np.zeros((3, 1))], epochs=1, verbose=0)


def test_subclassed_model_with_simple_init_args_round_trips():
    class Tiny(kfront.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x)

    model = Tiny(5, name="tiny")
    model(np.zeros((1, 2), "float32"))
    config = sl.serialize_keras_object(model)
    assert config["config"]["units"] == 5 and config["registered_name"] == "Tiny"
    assert config["build_config"] == {"input_shape": [1, 2]}
    with pytest.raises(ValueError, match="custom_objects"):
        sl.deserialize_keras_object(config)
    back = sl.deserialize_keras_object(config, custom_objects={"Tiny": Tiny})
    assert back.name == "tiny" and back.dense.units == 5 and len(back.weights) == 2


def test_registry_and_custom_object_scope():
    assert kfront.saving.get_registered_name(Scale) == "KfrontTests>Scale"
    assert kfront.saving.get_custom_objects()["KfrontTests>Scale"] is Scale
    config = sl.serialize_keras_object(Scale(4.0))
    assert config["registered_name"] == "KfrontTests>Scale"
    assert sl.deserialize_keras_object(config).factor == 4.0

    class Unregistered(Scale):
        pass

    config = sl.serialize_keras_object(Unregistered(5.0))
    with pytest.raises(ValueError, match="Unregistered"):
        sl.deserialize_keras_object(config)
    with kfront.saving.custom_object_scope({"Unregistered": Unregistered}):
        assert sl.deserialize_keras_object(config).factor == 5.0


def test_lambda_layers():
    named = layers.Lambda(kfront.activations.relu)
    back = layers.deserialize(layers.serialize(named))
    assert back.function is kfront.activations.relu
    config = json.loads(json.dumps(layers.serialize(
        layers.Lambda(lambda x, k=2.0: x * k, output_shape=(3,)))))
    with pytest.raises(ValueError, match="bytecode"):
        layers.deserialize(config)
    from kfront.saving.safety import SafeModeScope
    with SafeModeScope(False):  # Keras's layers.deserialize has no safe_mode argument
        back = layers.deserialize(config)
    np.testing.assert_allclose(kfront.ops.convert_to_numpy(back(np.ones((1, 3), "float32"))), 2)


def test_clone_model():
    for kind in ("sequential", "two_in_two_out_shared", "nested_sequential"):
        model = _models(kfront, Scale)[kind]
        clone = kfront.models.clone_model(model)
        assert not {id(w) for w in clone.weights} & {id(w) for w in model.weights}
        clone.set_weights(model.get_weights())
        _close(model.predict(_inputs(kind), verbose=0), clone.predict(_inputs(kind), verbose=0))
    seen = []
    model = _models(kfront, Scale)["sequential"]
    kfront.models.clone_model(model, clone_function=lambda layer: seen.append(layer.name)
                              or layer.__class__.from_config(layer.get_config()))
    assert seen == [layer.name for layer in model.layers]


# ----------------------------------------------------------------------------- tf.keras 2
_TF_KERAS_SCRIPT = r"""
import json, os, sys
import numpy as np
import tf_keras as k
L = k.layers
rng = np.random.default_rng(0)
models = {}
models["sequential"] = k.Sequential([L.Dense(4, activation="relu", input_shape=(3,)),
                                     L.Dropout(0.1), L.Dense(2)])
a, b = L.Input((4,), name="a"), L.Input((4,), name="b")
sh = L.Dense(3, name="shared")
c = L.Concatenate()([sh(a), sh(b)])
inner = k.Sequential([L.Dense(2, input_shape=(6,))], name="inner")
models["functional"] = k.Model([a, b], [inner(c), L.Dense(1, name="o2")(c)])
x = L.Input((5,), dtype="int32")
h = L.Embedding(20, 4, mask_zero=True)(x)
h = L.Bidirectional(L.LSTM(3, return_sequences=True))(h)
models["rnn"] = k.Model(x, L.BatchNormalization()(L.GRU(2)(h)))
x = L.Input((8, 8, 1))
h = L.MaxPooling2D()(L.Conv2D(2, 3, padding="same")(x))
models["cnn"] = k.Model(x, L.Dense(3, activation="softmax")(L.Flatten()(h)))
models["lambda"] = k.Sequential([L.Lambda(lambda x: x * 2.0 + 1.0, input_shape=(3,)),
                                 L.Dense(2)])
inputs = {"lambda": rng.normal(size=(2, 3)), "sequential": rng.normal(size=(2, 3)), "functional": [rng.normal(size=(2, 4))] * 2,
          "rnn": rng.integers(1, 20, size=(2, 5)), "cnn": rng.normal(size=(2, 8, 8, 1))}
out = {}
for name, m in models.items():
    xs = inputs[name]
    xs = [np.asarray(v, "float32") for v in xs] if isinstance(xs, list) else \
        np.asarray(xs, "int32" if name == "rnn" else "float32")
    pred = m.predict(xs, verbose=0)
    out[name] = {"json": m.to_json(),
                 "weights": [w.tolist() for w in m.get_weights()],
                 "x": [v.tolist() for v in xs] if isinstance(xs, list) else xs.tolist(),
                 "y": [p.tolist() for p in pred] if isinstance(pred, list) else pred.tolist()}
json.dump(out, open(sys.argv[1], "w"))
"""


@pytest.fixture(scope="session")
def tf_keras_models(tmp_path_factory):
    pytest.importorskip("tf_keras")
    path = tmp_path_factory.mktemp("tfk") / "models.json"
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3")
    subprocess.run([sys.executable, "-c", _TF_KERAS_SCRIPT, str(path)], check=True, env=env,
                   timeout=300, capture_output=True)
    return json.loads(path.read_text())


@pytest.mark.parametrize("kind", ["sequential", "functional", "rnn", "cnn"])
def test_tf_keras_2_model_json_loads(tf_keras_models, kind):
    saved = tf_keras_models[kind]
    assert "module" not in json.loads(saved["json"])
    model = kfront.models.model_from_json(saved["json"])
    model.set_weights([np.asarray(w, "float32") for w in saved["weights"]])
    x = saved["x"]
    x = [np.asarray(v, "float32") for v in x] if kind == "functional" else \
        np.asarray(x, "int32" if kind == "rnn" else "float32")
    _close([np.asarray(v) for v in saved["y"]] if kind == "functional"
           else np.asarray(saved["y"]), model.predict(x, verbose=0))


def test_custom_objects_nested_in_built_in_layers(keras):
    @kfront.saving.register_keras_serializable(package="KfrontTests")
    def cube(x):
        return x * x * x

    @kfront.saving.register_keras_serializable(package="KfrontTests")
    class Halves(kfront.initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return np.full(shape, 0.5, dtype or "float32")

        def get_config(self):
            return {}

    model = kfront.Sequential([kfront.Input((2,)),
                               layers.Dense(2, activation=cube, kernel_initializer=Halves())])
    config = json.loads(model.to_json())
    dense = config["config"]["layers"][1]["config"]
    assert dense["activation"]["registered_name"] == "KfrontTests>cube"
    assert dense["kernel_initializer"]["registered_name"] == "KfrontTests>Halves"
    back = kfront.models.model_from_json(model.to_json())
    assert back.layers[0].activation is cube
    np.testing.assert_allclose(back.layers[0].kernel.numpy(), 0.5)
    # an unregistered one needs custom_objects, also when nested
    config["config"]["layers"][1]["config"]["activation"]["registered_name"] = "Other>cube"
    config["config"]["layers"][1]["config"]["activation"]["config"] = "Other>cube"
    with pytest.raises(ValueError):
        sl.deserialize_keras_object(config)
    back = sl.deserialize_keras_object(config, custom_objects={"Other>cube": cube})
    assert back.layers[0].activation is cube


def test_keras_reads_kfront_lambda_of_a_builtin_function(keras):
    config = json.loads(json.dumps(layers.serialize(layers.Lambda(kfront.activations.relu))))
    theirs = keras.layers.deserialize(config)
    np.testing.assert_allclose(np.asarray(theirs(np.array([[-1.0, 2.0]], "float32"))),
                               [[0.0, 2.0]])


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_keras_3_legacy_h5_model_config_loads(keras, keras_scale, tmp_path, kind):
    import h5py
    from kfront.saving.legacy_config import model_from_legacy_config
    theirs = _models(keras, keras_scale)[kind]
    theirs.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5") as f:
        config = json.loads(f.attrs["model_config"])
    ours = model_from_legacy_config(config)
    ours.set_weights(theirs.get_weights())
    _close(theirs.predict(_inputs(kind), verbose=0), ours.predict(_inputs(kind), verbose=0))


def test_custom_layer_without_get_config_gets_its_simple_arguments():
    class Shift(kfront.layers.Layer):
        def __init__(self, amount=1.0, label="s", **kwargs):
            super().__init__(**kwargs)
            self.amount = amount

        def call(self, x):
            return kfront.ops.add(x, self.amount)

    config = Shift(3.0, name="shift").get_config()
    assert config["amount"] == 3.0 and config["label"] == "s" and config["name"] == "shift"
    back = Shift.from_config(config)
    assert back.amount == 3.0 and back.name == "shift"

    class Holder(kfront.layers.Layer):
        def __init__(self, inner, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner

    with pytest.raises(NotImplementedError, match="Override get_config"):
        Holder(layers.Dense(2)).get_config()


def test_clone_model_on_new_input_tensors():
    model = _models(kfront, Scale)["two_in_two_out_shared"]
    new_inputs = [kfront.Input((4,), name="p"), kfront.Input((4,), name="q")]
    clone = kfront.models.clone_model(model, input_tensors=new_inputs)
    assert [t is n for t, n in zip(clone.inputs, new_inputs)] == [True, True]
    shared = [layer for layer in clone.layers if layer.name == "shared"]
    assert len(shared) == 1 and len(shared[0].weights) == 2  # still one shared layer


def test_tf_keras_2_lambda_loads_only_unsafe(tf_keras_models):
    from kfront.saving.legacy_config import model_from_legacy_config
    saved = tf_keras_models["lambda"]
    config = json.loads(saved["json"])
    with pytest.raises(ValueError, match="bytecode"):
        model_from_legacy_config(config)
    model = model_from_legacy_config(config, safe_mode=False)
    model.set_weights([np.asarray(w, "float32") for w in saved["weights"]])
    _close(np.asarray(saved["y"]), model.predict(np.asarray(saved["x"], "float32"), verbose=0))
