"""``save_own_variables`` / ``load_own_variables`` overrides in the other weight formats, as
Keras 3.15 calls them: sharded weights (``save_weights(..., max_shard_size=...)``, a
``.weights.json`` index) go through the hooks like ``.weights.h5``; legacy ``.h5`` files
(``model.save("x.h5")``, tf.keras 2's layout) never call them: Keras's legacy writer and
reader use ``layer.weights`` (so does kfront's ``save_weights("x.h5")``, which Keras 3.15
refuses: it needs ``.weights.h5``)."""
from __future__ import annotations

import numpy as np
import pytest

import kfront


def _counter_class(lib):
    class Counter(lib.layers.Layer):
        """Saves an extra entry next to its variable; counts the hook calls."""

        calls: list = []

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seen = lib.Variable(np.zeros(3, "float32"), trainable=False, name="seen")

        def call(self, x):
            return x * self.seen

        def save_own_variables(self, store):
            super().save_own_variables(store)
            store["seen_twice"] = 2 * np.asarray(self.seen.numpy())
            Counter.calls.append("save")

        def load_own_variables(self, store):
            self.seen.assign(np.asarray(store["seen_twice"]) / 2)
            Counter.calls.append(("load", sorted(store.keys())))

    return Counter


def _model(lib, counter_class, value=(1.0, 2.0, 3.0)):
    counter = counter_class(name="counter")
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(3, name="dense"), counter])
    counter.seen.assign(np.asarray(value, "float32"))
    return model


@pytest.mark.parametrize("writer", ["kfront", "keras"])
def test_sharded_weights_call_the_hooks_as_keras(keras, tmp_path, writer):
    libs = {"kfront": kfront, "keras": keras}
    classes = {name: _counter_class(lib) for name, lib in libs.items()}
    source = _model(libs[writer], classes[writer])
    path = tmp_path / "m.weights.json"
    source.save_weights(path, max_shard_size=4e-8)  # 42 bytes: several shards
    assert classes[writer].calls == ["save"]
    assert len(list(tmp_path.glob("m_*.weights.h5"))) > 1
    for name, lib in libs.items():
        target = _model(lib, classes[name], value=(0.0, 0.0, 0.0))
        target.load_weights(path)
        assert classes[name].calls[-1] == ("load", ["0", "seen_twice"])
        np.testing.assert_array_equal(np.asarray(target.layers[-1].seen.numpy()), [1, 2, 3])
        np.testing.assert_array_equal(target.get_weights()[0], source.get_weights()[0])


@pytest.mark.parametrize("writer", ["kfront", "keras"])
def test_legacy_h5_never_calls_the_hooks_as_keras(keras, tmp_path, writer):
    libs = {"kfront": kfront, "keras": keras}
    classes = {name: _counter_class(lib) for name, lib in libs.items()}
    source = _model(libs[writer], classes[writer])
    source.save(tmp_path / "m.h5")
    for name, lib in libs.items():
        back = lib.models.load_model(tmp_path / "m.h5",
                                     custom_objects={"Counter": classes[name]})
        np.testing.assert_array_equal(np.asarray(back.layers[-1].seen.numpy()), [1, 2, 3])
        target = _model(lib, classes[name], value=(0.0, 0.0, 0.0))
        target.load_weights(tmp_path / "m.h5")
        np.testing.assert_array_equal(np.asarray(target.layers[-1].seen.numpy()), [1, 2, 3])
    assert classes["kfront"].calls == classes["keras"].calls == []


def test_legacy_weights_h5_skips_the_hooks(tmp_path, keras):
    counter_class = _counter_class(kfront)
    _model(kfront, counter_class).save_weights(tmp_path / "w.h5")
    target = _model(kfront, counter_class, value=(0.0, 0.0, 0.0))
    target.load_weights(tmp_path / "w.h5")
    np.testing.assert_array_equal(target.layers[-1].seen.numpy(), [1, 2, 3])
    assert counter_class.calls == []
    with pytest.raises(ValueError, match=r"\.weights\.h5"):  # Keras 3.15 has no such save
        _model(keras, _counter_class(keras)).save_weights(tmp_path / "k.h5")
