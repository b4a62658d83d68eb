"""Bad input to save and load: each a clear error naming the cause (and the file)."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers, ops

FORMATS = ("m.keras", "m.h5", "w.weights.h5", "w.h5")


class Scale(layers.Layer):
    """A custom layer that is not registered."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

    def call(self, x):
        return ops.multiply(x, self.scale)

    def get_config(self):
        return super().get_config()


def mlp(units: int = 3, extra: bool = False):
    stack = [layers.Input((4,)), layers.Dense(units), layers.Dense(2)]
    if extra:
        stack.append(layers.Dense(2))
    return kfront.Sequential(stack)


def save(model, path):
    model.save(path) if path.name.startswith("m.") else model.save_weights(path)


@pytest.mark.parametrize("name", FORMATS)
def test_saving_into_a_missing_folder(tmp_path, name):
    path = tmp_path / "no" / "such" / "folder" / name
    with pytest.raises(FileNotFoundError, match="does not exist") as info:
        save(mlp(), path)
    assert str(path) in str(info.value) and str(path.parent) in str(info.value)
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("name", ("m.txt", "m.json", "m", "m.keras.bak"))
def test_saving_to_an_unknown_extension(tmp_path, name):
    with pytest.raises(ValueError, match=r"\.keras.*\.h5") as info:
        mlp().save(tmp_path / name)
    assert name in str(info.value)
    with pytest.raises(ValueError, match=r"\.weights\.h5") as info:
        mlp().save_weights(tmp_path / name)
    assert name in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_loading_an_unknown_extension_or_a_missing_file(tmp_path):
    (tmp_path / "m.txt").write_text("hello")
    with pytest.raises(ValueError, match="m.txt"):
        kfront.models.load_model(tmp_path / "m.txt")
    with pytest.raises(ValueError, match="m.txt"):
        mlp().load_weights(tmp_path / "m.txt")
    for name in FORMATS:
        with pytest.raises(FileNotFoundError, match=name):
            kfront.models.load_model(tmp_path / name)
        with pytest.raises(FileNotFoundError, match=name):
            mlp().load_weights(tmp_path / name)


@pytest.mark.parametrize("name", ("m.keras", "w.weights.h5", "w.h5", "m.h5"))
@pytest.mark.parametrize("other", ("wider", "deeper"))
def test_load_weights_into_another_architecture(tmp_path, name, other):
    path = tmp_path / name
    save(mlp(), path)
    target = mlp(units=5) if other == "wider" else mlp(extra=True)
    before = target.get_weights()
    with pytest.raises(ValueError) as info:
        target.load_weights(path)
    message = str(info.value)
    assert name in message
    assert ("shape" in message or "mismatch" in message or "count" in message
            or "missing" in message), message
    for a, b in zip(before, target.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ("m.keras", "m.h5"))
def test_custom_class_missing_from_custom_objects(tmp_path, name):
    model = kfront.Sequential([layers.Input((4,)), layers.Dense(3), Scale()])
    model.layers[-1].scale.assign(np.full((3,), 2.0, "float32"))
    path = tmp_path / name
    model.save(path)
    with pytest.raises(ValueError, match="Scale") as info:
        kfront.models.load_model(path)
    assert name in str(info.value) and "custom_objects" in str(info.value)
    back = kfront.models.load_model(path, custom_objects={"Scale": Scale})
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(ops.convert_to_numpy(back(x)), ops.convert_to_numpy(model(x)))


def test_other_misuse(tmp_path):
    with pytest.raises(ValueError, match="not built"):
        kfront.Sequential([layers.Dense(2)]).save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="not built"):
        kfront.Sequential([layers.Dense(2)]).load_weights(tmp_path / "w.weights.h5")
    mlp().save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError, match="m.keras"):
        mlp().save(tmp_path / "m.keras", overwrite=False)
    with pytest.raises(ValueError, match="zipped=False"):
        mlp().save(tmp_path / "other.keras", zipped=False)
    with pytest.raises(ValueError, match="by_name"):
        mlp().load_weights(tmp_path / "m.keras", by_name=True)
    with pytest.raises(ValueError, match="not supported"):
        mlp().save(tmp_path / "m2.keras", colour="blue")
    with pytest.raises(TypeError, match="Model"):
        kfront.saving.save_model(layers.Dense(2), tmp_path / "d.keras")
