"""``LayerNormalization(rms_scaling=True)``, ``BatchNormalization(renorm=True, ...)`` and
``BatchNormalization`` with a mask against real Keras 3 on every backend: outputs of training
and inference calls, the statistics after a few training calls, weight names and order, SGD
steps of a model; native float64 gradients against finite differences; configs and errors."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers, ops

RNG = np.random.default_rng(3)
BATCHES = [(RNG.normal(size=(4, 3, 5)) * (i + 1) + i).astype("float32") for i in range(3)]
MASK = np.array([[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 1, 1]], bool)
BN_CASES = {  # name -> (constructor kwargs, call kwargs of the training calls)
    "renorm-clipped": (dict(renorm=True, momentum=0.8, renorm_momentum=0.7,
                            renorm_clipping={"rmin": 0.8, "rmax": 1.5, "dmax": 0.5}), {}),
    "renorm-plain-axis1": (dict(axis=1, renorm=True, center=False), {}),
    "renorm-no-scale-masked": (dict(renorm=True, scale=False,
                                    renorm_clipping={"rmax": 2.0}), {"mask": MASK}),
    "masked": (dict(momentum=0.5), {"mask": MASK}),
}
LN_CASES = [dict(rms_scaling=True), dict(rms_scaling=True, axis=[1, 2], scale=False),
            dict(rms_scaling=True, center=False, epsilon=0.1)]


def _run_bn(bn, call_kwargs, to_numpy):
    """Three training calls, then an inference call: every output and the final weights."""
    outs = [to_numpy(bn(x, training=True, **call_kwargs)) for x in BATCHES]
    outs.append(to_numpy(bn(BATCHES[0], training=False)))
    return outs, [to_numpy(w) for w in bn.weights]


@pytest.fixture(scope="module")
def keras_results(keras):
    import warnings
    bn = {}
    for name, (kwargs, call_kwargs) in BN_CASES.items():
        layer = keras.layers.BatchNormalization(**kwargs)
        layer(BATCHES[0])  # builds; an inference call changes nothing
        gamma_beta = [RNG.uniform(0.5, 1.5, w.shape).astype("float32")
                      for w in layer.trainable_weights]
        for w, v in zip(layer.trainable_weights, gamma_beta):
            w.assign(v)
        bn[name] = ([w.name for w in layer.weights], gamma_beta, layer.get_config(),
                    _run_bn(layer, call_kwargs, keras.ops.convert_to_numpy))
    ln = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kwargs in LN_CASES:
            layer = keras.layers.LayerNormalization(**kwargs)
            layer(BATCHES[0])  # builds; an inference call changes nothing
            weights = [RNG.uniform(0.5, 1.5, w.shape).astype("float32") for w in layer.weights]
            layer.set_weights(weights)
            ln.append(([w.name for w in layer.weights], weights, layer.get_config(),
                       keras.ops.convert_to_numpy(layer(BATCHES[1]))))
    return bn, ln


def test_batch_renorm_and_masks_match_keras(backend, keras_results):
    failures = []
    for name, (kwargs, call_kwargs) in BN_CASES.items():
        names, gamma_beta, config, (want_outs, want_weights) = keras_results[0][name]
        try:
            layer = layers.BatchNormalization(**kwargs)
            layer(BATCHES[0])  # builds; an inference call changes nothing
            assert [w.name for w in layer.weights] == names
            for w, v in zip(layer.trainable_weights, gamma_beta):
                w.assign(v)
            outs, weights = _run_bn(layer, call_kwargs, ops.convert_to_numpy)
            for i, (got, want) in enumerate(zip(outs + weights, want_outs + want_weights)):
                np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-5, err_msg=str(i))
            mine = layer.get_config()
            assert {k: mine[k] for k in config if k != "name"} == {
                k: v for k, v in config.items() if k != "name"}
        except Exception as e:  # every case reported at once
            failures.append(f"{name}: {type(e).__name__}: {e}")
    assert not failures, "\n".join(failures)


def test_rms_scaling_matches_keras(backend, keras_results):
    for kwargs, (names, weights, config, want) in zip(LN_CASES, keras_results[1]):
        with pytest.warns(UserWarning, match="rms_scaling=True.*deprecated"):
            layer = layers.LayerNormalization(**kwargs)
        layer(BATCHES[0])  # builds; an inference call changes nothing
        assert [w.name for w in layer.weights] == names
        layer.set_weights(weights)
        np.testing.assert_allclose(ops.convert_to_numpy(layer(BATCHES[1])), want, atol=1e-5,
                                   rtol=1e-5, err_msg=str(kwargs))
        mine = layer.get_config()
        assert {k: mine[k] for k in config if k != "name"} == {
            k: v for k, v in config.items() if k != "name"}


def _model(lib):
    L = lib.layers
    inp = L.Input((5,))
    h = L.BatchNormalization(renorm=True, momentum=0.9, renorm_momentum=0.5,
                             renorm_clipping={"rmax": 1.3, "dmax": 0.4})(L.Dense(4)(inp))
    return lib.Model(inp, L.Dense(1)(h))


@pytest.fixture(scope="module")
def keras_training(keras):
    model = _model(keras)
    weights = [np.random.default_rng(2).uniform(0.5, 1.2, size=w.shape).astype("float32")
               for w in model.weights]
    model.set_weights(weights)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    x, y = BATCHES[2].reshape(-1, 5)[:8], BATCHES[1][:, 0, :1].repeat(2, axis=0)
    losses = [float(model.train_on_batch(x, y)) for _ in range(3)]
    return weights, (x, y), losses, [np.asarray(w) for w in model.get_weights()]


def test_renorm_training_steps_equal_keras(backend, keras_training):
    weights, (x, y), losses, after = keras_training
    model = _model(kfront)
    model.set_weights(weights)
    model.compile(optimizer=kfront.optimizers.SGD(0.05), loss="mse")
    got = [float(model.train_on_batch(x, y)) for _ in range(3)]
    np.testing.assert_allclose(got, losses, rtol=1e-4)
    for g, w in zip(model.get_weights(), after):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def test_native_gradients_match_finite_differences():
    from test_layers_conv import _check_grads
    x = np.random.default_rng(4).normal(size=(3, 2, 3)) * 3 + [2.0, -2.0, 3.0]
    # r and d carry no gradient (as Keras): finite differences see that where they clip, so
    # the batch here has every channel's stddev above rmax and |mean| above dmax; momentum 1
    # keeps the statistics put between the calls
    bn = layers.BatchNormalization(renorm=True, momentum=1.0, renorm_momentum=1.0,
                                   renorm_clipping={"rmax": 1.2, "dmax": 0.5}, dtype="float64")
    bn(x)
    bn.gamma.assign([0.5, 1.5, -1.0])
    bn.beta.assign([0.1, 0.2, 0.3])
    _check_grads(lambda a: bn(a, training=True), x)
    _check_grads(lambda a: bn(a, training=True, mask=MASK[:3, :2]), x)
    with pytest.warns(UserWarning):
        ln = layers.LayerNormalization(rms_scaling=True, axis=[1, 2], dtype="float64")
    ln(x)
    ln.gamma.assign(np.arange(6.0).reshape(2, 3) - 2)
    _check_grads(lambda a: ln(a), x)


def test_errors_and_config_round_trip():
    with pytest.raises(ValueError, match=r'"bn".*renorm_clipping.*"rmax"'):
        layers.BatchNormalization(renorm=True, renorm_clipping={"rmaxx": 1.0}, name="bn")
    with pytest.raises(ValueError, match="rmax must be >= rmin"):
        layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 1.0, "rmin": 2.0})
    with pytest.raises(ValueError, match="dmax must be >= 0"):
        layers.BatchNormalization(renorm=True, renorm_clipping={"dmax": -1.0})
    with pytest.raises(ValueError, match=r'BatchNormalization "b2".*mask.*one axis less'):
        layers.BatchNormalization(name="b2")(BATCHES[0], training=True, mask=MASK[:, :, None])
    bn = layers.BatchNormalization(renorm=True, renorm_clipping={"dmax": 0.5})
    config = bn.get_config()
    assert config["renorm"] and config["renorm_clipping"] == {"dmax": 0.5}
    assert layers.BatchNormalization.from_config(config).get_config() == config
    assert layers.BatchNormalization().get_config()["renorm_clipping"] is None
    for layer in (layers.BatchNormalization(renorm=True), layers.LayerNormalization()):
        layer.build(BATCHES[0].shape)  # a direct build marks the layer built, as Keras
        layer(BATCHES[0])
        assert layer.built and len(layer.weights) == len({id(w) for w in layer.weights}) == (
            7 if isinstance(layer, layers.BatchNormalization) else 2)
