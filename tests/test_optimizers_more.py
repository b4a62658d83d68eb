"""The Keras 3 optimizers and schedules beyond SGD/Adam/RMSprop/Adagrad, against real Keras 3
(TensorFlow backend; its results are computed once per module) on every kfront backend."""
from __future__ import annotations

import copy
import re

import numpy as np
import pytest

import kfront
from conformance.support import backend  # noqa: F401  (pytest fixture)
from kfront import optimizers
from kfront.optimizers import schedules

SHAPES = [(4, 3), (3,), (2, 2, 3)]
STEPS = 2
ATOL = 1e-6

CASES = [
    ("AdamW", {}),
    ("AdamW", {"learning_rate": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("Adamax", {"learning_rate": 0.05}),
    ("Adamax", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.9, "epsilon": 1e-3}),
    ("Nadam", {"learning_rate": 0.05}),
    ("Nadam", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adadelta", {"learning_rate": 0.5, "rho": 0.8, "epsilon": 1e-4}),
    ("Ftrl", {"learning_rate": 0.1}),
    ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.3, "l1_regularization_strength":
              0.01, "l2_regularization_strength": 0.02,
              "l2_shrinkage_regularization_strength": 0.01, "beta": 0.1,
              "initial_accumulator_value": 0.5}),
    ("Lion", {"learning_rate": 0.01}),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.9}),
    ("Lamb", {"learning_rate": 0.05}),
    ("Lamb", {"learning_rate": 0.01, "beta_1": 0.8, "epsilon": 1e-3}),
    ("Adafactor", {"learning_rate": 0.1}),
    ("Adafactor", {"learning_rate": 0.01, "beta_2_decay": -0.5, "clip_threshold": 0.5,
                   "epsilon_2": 0.01}),
    ("ScheduleFreeAdamW", {"learning_rate": 0.05}),
    ("ScheduleFreeAdamW", {"learning_rate": 0.05, "beta_1": 0.8, "warmup_steps": 2,
                           "weight_decay": 0.01}),
    ("Muon", {"learning_rate": 0.05}),
    ("Muon", {"learning_rate": 0.05, "nesterov": False, "rms_rate": None, "ns_steps": 3,
              "adam_lr_ratio": 0.5, "weight_decay": 0.1, "adam_weight_decay": None,
              "exclude_layers": ["v2"]}),
    ("Adam", {"learning_rate": ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 4,
                                                "warmup_target": 0.1, "warmup_steps": 2})}),
    ("Lion", {"learning_rate": ("CosineDecayRestarts", {"initial_learning_rate": 0.1,
                                                         "first_decay_steps": 2})}),
    ("Adamax", {"learning_rate": ("PolynomialDecay", {"initial_learning_rate": 0.1,
                                                      "decay_steps": 2, "power": 2.0})}),
]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]


def _initial():
    rng = np.random.default_rng(0)
    return [rng.normal(size=s).astype("float32") for s in SHAPES]


def _grads():
    rng = np.random.default_rng(1)
    return [[rng.normal(size=s).astype("float32") for s in SHAPES] for _ in range(STEPS)]


def _make(module, name, kwargs):
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("learning_rate"), tuple):
        cls, config = kwargs["learning_rate"]
        kwargs["learning_rate"] = getattr(module.schedules, cls)(**config)
    return getattr(module, name)(**kwargs)


def _state(opt, variables):
    # Keras numbers its unnamed Variables process-wide (Nadam's "variable", "variable_1"...)
    return ([np.asarray(v.numpy()) for v in variables],
            [(re.sub(r"^variable_\d+$", "variable", v.name), tuple(v.shape),
              np.asarray(v.numpy())) for v in opt.variables])


@pytest.fixture(scope="module")
def keras_results(keras):
    """For each case, Keras's weights and optimizer variables after step 1 and after STEPS."""
    results = []
    for name, kwargs in CASES:
        opt = _make(keras.optimizers, name, kwargs)
        variables = [keras.Variable(w, name=f"v{i}") for i, w in enumerate(_initial())]
        states = []
        for step in _grads():
            opt.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in step], variables))
            states.append(_state(opt, variables))
        results.append((states[0], states[-1]))
    return results


def _assert_same(ours, theirs, what):
    (ow, ov), (tw, tv) = ours, theirs
    for i, (a, b) in enumerate(zip(ow, tw)):
        np.testing.assert_allclose(a, b, atol=ATOL, rtol=ATOL, err_msg=f"{what}: weight v{i}")
    assert [(n, s) for n, s, _ in ov] == [(n, s) for n, s, _ in tv], what
    for (n, _, a), (_, _, b) in zip(ov, tv):
        np.testing.assert_allclose(a.astype("float64"), b.astype("float64"), atol=ATOL, rtol=ATOL,
                                   err_msg=f"{what}: optimizer variable {n}")


def test_updates_match_keras_on_every_backend(backend, keras_results):
    for (name, kwargs), case_id, (first, last) in zip(CASES, IDS, keras_results):
        opt = _make(optimizers, name, kwargs)
        variables = [kfront.Variable(w, name=f"v{i}") for i, w in enumerate(_initial())]
        for k, step in enumerate(_grads()):
            opt.apply_gradients(zip(step, variables))
            if k == 0:
                _assert_same(_state(opt, variables), first, f"{case_id} step 1 on {backend}")
        _assert_same(_state(opt, variables), last, f"{case_id} step {STEPS} on {backend}")
        assert not np.allclose(variables[0].numpy(), _initial()[0]), case_id
        assert int(opt.iterations.numpy()) == STEPS


def _lr_config(value):
    return value if not isinstance(value, dict) else {k: value[k] for k in ("class_name",
                                                                              "config")}


def test_configs_match_keras_and_round_trip(keras):
    for (name, kwargs), case_id in zip(CASES, IDS):
        ours, theirs = _make(optimizers, name, kwargs), _make(keras.optimizers, name, kwargs)
        oc, tc = ours.get_config(), theirs.get_config()
        oc.pop("name"), tc.pop("name")
        oc["learning_rate"] = _lr_config(oc["learning_rate"])
        tc["learning_rate"] = _lr_config(tc["learning_rate"])
        assert oc == tc, case_id
        again = type(ours).from_config(ours.get_config())
        assert again.get_config() == ours.get_config(), case_id
        # Keras reads our serialized optimizer (but not Lamb: Keras 3.15's deserialize does not
        # know its own Lamb and returns the string "Lamb"), and we read Keras's
        if name != "Lamb":
            assert type(keras.optimizers.deserialize(optimizers.serialize(ours))).__name__ == name
        assert type(optimizers.deserialize(keras.optimizers.serialize(theirs))) is type(ours)
        assert type(optimizers.get(name.lower())) is type(ours)


SCHEDULES = [
    ("PolynomialDecay", {"initial_learning_rate": 0.5, "decay_steps": 4}),
    ("PolynomialDecay", {"initial_learning_rate": 0.5, "decay_steps": 3, "power": 0.5,
                         "cycle": True, "end_learning_rate": 0.01}),
    ("CosineDecay", {"initial_learning_rate": 0.5, "decay_steps": 5, "alpha": 0.1}),
    ("CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 4, "warmup_target": 0.5,
                     "warmup_steps": 3}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.5, "first_decay_steps": 2}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.5, "first_decay_steps": 3,
                             "t_mul": 1.0, "m_mul": 0.7, "alpha": 0.05}),
]


def test_schedules_match_keras(keras):
    steps = list(range(12))
    for cls, config in SCHEDULES:
        ours, theirs = getattr(schedules, cls)(**config), getattr(
            keras.optimizers.schedules, cls)(**config)
        got = [float(kfront.ops.convert_to_numpy(ours(s))) for s in steps]
        want = [float(keras.ops.convert_to_numpy(theirs(s))) for s in steps]
        np.testing.assert_allclose(got, want, atol=1e-7, rtol=1e-6, err_msg=f"{cls} {config}")
        assert ours.get_config() == theirs.get_config()
        back = schedules.deserialize(keras.optimizers.schedules.serialize(theirs))
        assert type(back) is type(ours) and back.get_config() == ours.get_config()


@pytest.mark.parametrize("call,match", [
    (lambda: optimizers.AdamW(weight_decay=None), "AdamW: argument `weight_decay`"),
    (lambda: optimizers.Adamax(beta_1=1.5), "Adamax: argument `beta_1`"),
    (lambda: optimizers.Nadam(beta_2=-0.1), "Nadam: argument `beta_2`"),
    (lambda: optimizers.Adadelta(rho=2.0), "Adadelta: argument `rho`"),
    (lambda: optimizers.Lamb(beta_1="x"), "Lamb: argument `beta_1`"),
    (lambda: optimizers.Lion(beta_1=0.0), "Lion: argument `beta_1`"),
    (lambda: optimizers.Ftrl(l1_regularization_strength=-1.0),
     "Ftrl: `l1_regularization_strength`"),
    (lambda: optimizers.Ftrl(initial_accumulator_value=-1.0), "Ftrl: `initial_accumulator"),
    (lambda: optimizers.ScheduleFreeAdamW(warmup_steps=-1), "ScheduleFreeAdamW: argument `warm"),
    (lambda: optimizers.ScheduleFreeAdamW(beta_1=0), "ScheduleFreeAdamW: argument `beta_1`"),
    (lambda: optimizers.Muon(momentum=1.5), "Muon: argument `momentum`"),
    (lambda: optimizers.Muon(ns_steps=-1), "Muon: argument `ns_steps`"),
    (lambda: optimizers.Adafactor(clip_threshold=0), "Adafactor: argument `clip_threshold`"),
    (lambda: schedules.CosineDecay(0.1, decay_steps=0), "CosineDecay: argument `decay_steps`"),
    (lambda: schedules.CosineDecay(0.1, 2, warmup_steps=-1), "CosineDecay: argument `warmup"),
    (lambda: schedules.CosineDecayRestarts(0.1, 0), "argument `first_decay_steps` must be > 0"),
    (lambda: schedules.PolynomialDecay(0.1, -2), "PolynomialDecay: argument `decay_steps`"),
])
def test_arguments_out_of_range_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()


FIT_CASES = [("Nadam", {"learning_rate": 0.05}), ("Adafactor", {"learning_rate": 0.05}),
             ("Ftrl", {"learning_rate": 0.1})]


def _model(module):
    model = module.Sequential([module.Input((3,)), module.layers.Dense(4, activation="tanh"),
                               module.layers.Dense(2)])
    rng = np.random.default_rng(3)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    return model


def _data():
    rng = np.random.default_rng(4)
    return rng.normal(size=(8, 3)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")


@pytest.fixture(scope="module")
def keras_fits(keras):
    """Keras's weights after 2 full-batch ``fit`` steps with each optimizer."""
    out = []
    for name, kwargs in FIT_CASES:
        model = _model(keras)
        model.compile(optimizer=_make(keras.optimizers, name, kwargs), loss="mse")
        model.fit(*_data(), epochs=2, batch_size=8, shuffle=False, verbose=0)
        out.append(model.get_weights())
    return out


def test_fit_several_steps_matches_keras_and_saves_state(backend, keras_fits, tmp_path):
    for (name, kwargs), want in zip(FIT_CASES, keras_fits):
        model = _model(kfront)
        model.compile(optimizer=_make(optimizers, name, kwargs), loss="mse")
        model.fit(*_data(), epochs=2, batch_size=8, shuffle=False, verbose=0)
        for a, b in zip(model.get_weights(), want):
            np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5, err_msg=f"{name} {backend}")
        # .keras round trip keeps the optimizer and its state
        path = tmp_path / f"{name}.keras"
        model.save(path)
        back = kfront.models.load_model(path)
        assert type(back.optimizer) is type(model.optimizer)
        assert back.optimizer.get_config() == model.optimizer.get_config()
        assert int(back.optimizer.iterations.numpy()) == 2
        for a, b in zip(model.optimizer.variables, back.optimizer.variables):
            np.testing.assert_array_equal(np.asarray(a.numpy()), np.asarray(b.numpy()))


def _lso_grads():
    grads = _grads()
    grads[1][2][0, 0, 1] = np.inf  # step 2 is skipped and the scale halved
    return grads + _grads()  # then two finite steps: the scale doubles after them


@pytest.fixture(scope="module")
def keras_loss_scale(keras):
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(0.05), initial_scale=8.0,
                                              dynamic_growth_steps=2)
    variables = [keras.Variable(w, name=f"v{i}") for i, w in enumerate(_initial())]
    states = []
    for step in _lso_grads():
        opt.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in step], variables))
        states.append(_state(opt, variables))
    return states, opt.get_config(), float(keras.ops.convert_to_numpy(opt.scale_loss(1.0)))


def test_loss_scale_optimizer_matches_keras(backend, keras_loss_scale, keras, tmp_path):
    states, config, scaled = keras_loss_scale
    opt = optimizers.LossScaleOptimizer(optimizers.Adam(0.05), initial_scale=8.0,
                                        dynamic_growth_steps=2)
    assert float(kfront.ops.convert_to_numpy(opt.scale_loss(1.0))) == 8.0
    variables = [kfront.Variable(w, name=f"v{i}") for i, w in enumerate(_initial())]
    for k, (step, want) in enumerate(zip(_lso_grads(), states)):
        opt.apply_gradients(zip(step, variables))
        _assert_same(_state(opt, variables), want, f"LossScaleOptimizer step {k + 1}")
    assert float(kfront.ops.convert_to_numpy(opt.scale_loss(1.0))) == scaled
    assert int(opt.iterations.numpy()) == 3  # the skipped step does not count
    assert opt.learning_rate is opt.inner_optimizer.learning_rate
    back = optimizers.deserialize(optimizers.serialize(opt))
    assert type(back.inner_optimizer) is optimizers.Adam
    assert back.get_config() == opt.get_config()
    ours, config = opt.get_config(), copy.deepcopy(config)
    for c in (ours, config):
        c.pop("name"), c["inner_optimizer"]["config"].pop("name")
    assert ours == config
    assert type(keras.optimizers.deserialize(optimizers.serialize(opt)).inner_optimizer) is \
        keras.optimizers.Adam


def test_loss_scale_optimizer_bad_arguments_and_legacy():
    sgd = optimizers.SGD()
    for kwargs, match in [({"dynamic": False}, "no longer supports `dynamic=False`"),
                          ({"clipnorm": 1.0}, "does not support `clipnorm`"),
                          ({"foo": 1}, "does not support arguments: `foo`"),
                          ({"initial_scale": 0.0}, "argument `initial_scale` must be"),
                          ({"dynamic_growth_steps": 0}, "`dynamic_growth_steps` must be")]:
        with pytest.raises(ValueError, match=match):
            optimizers.LossScaleOptimizer(sgd, **kwargs)
    with pytest.raises(TypeError, match="`inner_optimizer` must be a kfront Optimizer"):
        optimizers.LossScaleOptimizer("sgd")
    for name in optimizers.legacy.__all__:
        with pytest.raises(ImportError, match=f"legacy.{name}` is not supported"):
            getattr(optimizers.legacy, name)(learning_rate=0.1)


def _multi(module):
    return module.optimizers.MultiOptimizer(module.optimizers.OptimizerMap(
        module.optimizers.SGD(0.1, momentum=0.5), {"v0|v2": module.optimizers.Adam(0.05),
                                                   "v3": module.optimizers.Lion(0.01)}))


@pytest.fixture(scope="module")
def keras_multi(keras):
    opt = _multi(keras)
    variables = [keras.Variable(w, name=f"v{i}") for i, w in enumerate(_initial())]
    states = []
    for step in _grads():
        opt.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in step], variables))
        states.append(_state(opt, variables))
    return states, keras.optimizers.serialize(opt)


def test_multi_optimizer_matches_keras(backend, keras_multi, keras):
    states, serialized = keras_multi
    opt = _multi(kfront)
    variables = [kfront.Variable(w, name=f"v{i}") for i, w in enumerate(_initial())]
    for k, (step, want) in enumerate(zip(_grads(), states)):
        opt.apply_gradients(zip(step, variables))
        _assert_same(_state(opt, variables), want, f"MultiOptimizer step {k + 1} on {backend}")
    assert int(opt.iterations.numpy()) == STEPS
    assert [type(o).__name__ for o in opt.optimizers] == ["Adam", "Lion", "SGD"]
    with pytest.raises(AttributeError, match="learning rate cannot be accessed"):
        opt.learning_rate
    # configs: ours equals Keras's (up to names), and both read each other's
    ours = optimizers.serialize(opt)
    back = optimizers.deserialize(serialized)
    assert type(back) is optimizers.MultiOptimizer
    assert type(back.optimizers[0]).__name__ == "Adam"
    strip = re.compile(r"'name': '[a-z_0-9]+'")
    assert strip.sub("", repr(ours)) == strip.sub("", repr(serialized))
    # (Keras's deserialize lower-cases the class names of the dict it is given)
    assert type(keras.optimizers.deserialize(copy.deepcopy(ours))).__name__ == "MultiOptimizer"


def test_multi_optimizer_bad_input():
    sgd = optimizers.SGD()
    with pytest.raises(TypeError, match="`default_optimizer` must be a kfront Optimizer"):
        optimizers.OptimizerMap("sgd")
    with pytest.raises(ValueError, match="cannot be a LossScaleOptimizer"):
        optimizers.OptimizerMap(sgd, {"a": optimizers.LossScaleOptimizer(optimizers.SGD())})
    with pytest.raises(ValueError, match="multiple optimizers assigned to variable 'ab'"):
        optimizers.OptimizerMap(sgd, {"a.*": optimizers.Adam(), ".*b": optimizers.Lion()})["ab"]
    with pytest.raises(TypeError, match="MultiOptimizer: `optimizer_map` must be"):
        optimizers.MultiOptimizer({"a": sgd})
    opt = optimizers.MultiOptimizer(lambda v: "adam")
    with pytest.raises(TypeError, match="the optimizer for variable 'w' must be a kfront"):
        opt.build([kfront.Variable(np.ones(2, "float32"), name="w")])
