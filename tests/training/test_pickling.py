"""Pickling a trained model: after ``fit`` and ``predict`` it pickles, and the unpickled model
(optimizer state and weight-decay exclusions included) trains on exactly as the original."""
from __future__ import annotations

import pickle

import numpy as np

import kfront
from kfront import layers

RNG = np.random.default_rng(11)
X = RNG.normal(size=(16, 3)).astype("float32")
Y = RNG.normal(size=(16, 1)).astype("float32")


def test_unpickled_model_trains_on(backend):
    model = kfront.Sequential([layers.Input((3,)), layers.Dense(4, name="hidden"),
                               layers.Dense(1, name="out")])
    optimizer = kfront.optimizers.AdamW(learning_rate=0.05, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_list=[model.get_layer("out").kernel])
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae", "accuracy"])
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    predicted = model.predict(X, verbose=0)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict(X, verbose=0), predicted)
    for m in (model, copy):
        m.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert int(kfront.ops.convert_to_numpy(copy.optimizer.iterations)) == 6
    for got, want in zip(copy.get_weights(), model.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    # the exclusion survived: excluding nothing decays the output kernel differently
    plain = pickle.loads(pickle.dumps(model))
    plain.optimizer._exclude_from_weight_decay = set()
    plain.optimizer._exclude_from_weight_decay_cache = {}
    for m in (model, plain):
        m.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert not np.allclose(plain.get_layer("out").kernel.numpy(),
                           model.get_layer("out").kernel.numpy())
    np.testing.assert_allclose(model.evaluate(X, Y, verbose=0),
                               pickle.loads(pickle.dumps(model)).evaluate(X, Y, verbose=0),
                               rtol=1e-6)
