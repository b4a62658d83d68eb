"""``utils.Config`` and ``utils.legacy`` (Keras 2 serialization) against Keras 3."""
import pytest

from kfront import activations, initializers, layers, utils
from kfront.utils import legacy


def test_config_behaves_as_keras(keras):
    for Config in (utils.Config, keras.utils.Config):
        config = Config(learning_rate=0.1, momentum=0.9)
        config.use_ema = True
        config["seed"] = 123
        assert (config.seed, config["learning_rate"], len(config), "seed" in config) == (
            123, 0.1, 4, True)
        assert list(config) == ["learning_rate", "momentum", "seed", "use_ema"]
        assert config.as_dict() == {"learning_rate": 0.1, "momentum": 0.9, "use_ema": True,
                                    "seed": 123}
        assert config.to_json() == ('{"learning_rate": 0.1, "momentum": 0.9, "use_ema": true, '
                                    '"seed": 123}')
        assert repr(config).startswith("<Config {'learning_rate': 0.1")
        with pytest.raises(AttributeError, match="Did you mean 'momentum'"):
            config.momentun  # noqa: B018
        config.freeze()
        assert config.frozen
        for change in (lambda: setattr(config, "x", 1), lambda: config.update(x=1),
                       lambda: config.pop("seed"), lambda: config.__setitem__("x", 1),
                       lambda: config.__delitem__("seed")):
            with pytest.raises(ValueError, match="frozen"):
                change()
        config.unfreeze()
        assert config.pop("seed") == 123 and config.get("seed", 7) == 7
        del config["use_ema"]
        assert sorted(config.keys()) == ["learning_rate", "momentum"]


def test_legacy_serialize_equals_keras(keras):
    kl = keras.utils.legacy
    pairs = [
        (layers.Dense(3, activation="relu", name="d"),
         keras.layers.Dense(3, activation="relu", name="d")),
        (initializers.RandomNormal(stddev=0.5, seed=1),
         keras.initializers.RandomNormal(stddev=0.5, seed=1)),
        (activations.relu, keras.activations.relu),
        (None, None),
    ]
    for ours, theirs in pairs:
        assert legacy.serialize_keras_object(ours) == kl.serialize_keras_object(theirs)
    with pytest.raises(ValueError, match="get_config"):
        legacy.serialize_keras_object(3)


class Scaled:
    """A custom object whose config holds another object and a function."""

    def __init__(self, init, fn, factor=2.0):
        self.init, self.fn, self.factor = init, fn, factor

    def get_config(self):
        return {"init": self.init, "fn": self.fn, "factor": self.factor}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def test_legacy_round_trip_and_errors(keras):
    obj = Scaled(initializers.Constant(3.0), activations.relu)
    config = legacy.serialize_keras_object(obj)
    theirs = keras.utils.legacy.serialize_keras_object(
        Scaled(keras.initializers.Constant(3.0), keras.activations.relu))
    assert config == theirs
    assert config["config"]["init"]["__passive_serialization__"] is True
    assert config["config"]["fn"] == "relu"
    module_objects = {"Scaled": Scaled, "Constant": initializers.Constant,
                      "relu": activations.relu}
    again = legacy.deserialize_keras_object(config, module_objects=module_objects)
    assert isinstance(again, Scaled) and again.init.value == 3.0
    assert again.fn is activations.relu and again.factor == 2.0
    assert legacy.deserialize_keras_object("relu", module_objects=module_objects) is (
        activations.relu)
    made = legacy.deserialize_keras_object("Scaled", custom_objects={"Scaled": initializers.Ones})
    assert isinstance(made, initializers.Ones)  # a class name gives an instance
    with utils.custom_object_scope({"Scaled": Scaled}):
        assert isinstance(legacy.deserialize_keras_object(
            {"class_name": "Scaled", "config": {"init": None, "fn": None}}), Scaled)
    with pytest.raises(ValueError, match="Unknown object: 'Nope'"):
        legacy.deserialize_keras_object({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="Unknown activation: 'nope'"):
        legacy.deserialize_keras_object("nope", printable_module_name="activation")
    with pytest.raises(ValueError, match="Improper config"):
        legacy.deserialize_keras_object({"config": {}})
    assert legacy.deserialize_keras_object(None) is None
