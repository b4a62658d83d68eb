"""kfront.optimizers against real Keras 3: same initial weights, same gradients, same results."""
from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import kfront  # noqa: E402
from conformance.support import backend  # noqa: E402,F401  (fixture)
from kfront import ops, optimizers  # noqa: E402
from kfront.backends import B  # noqa: E402
from kfront.optimizers import schedules  # noqa: E402

keras = pytest.importorskip("keras")

SHAPES = [(5, 4), (4,), (3, 2, 2), (1,)]
ATOL = 1e-6


def _initial(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype("float32") for s in SHAPES]


def _grads(steps, seed=1, scale=1.0):
    rng = np.random.default_rng(seed)
    return [[(scale * rng.normal(size=s)).astype("float32") for s in SHAPES]
            for _ in range(steps)]


def _keras_opt(name, kwargs):
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("learning_rate"), schedules.LearningRateSchedule):
        s = kwargs["learning_rate"]
        kwargs["learning_rate"] = getattr(keras.optimizers.schedules, type(s).__name__)(
            **s.get_config())
    return getattr(keras.optimizers, name)(**kwargs)


def _run_both(name, kwargs, steps, grads=None, init=None, setup=None):
    """Run ``steps`` updates in kfront and in Keras; return (ours, theirs, k_vars, t_vars)."""
    init = init if init is not None else _initial()
    grads = grads if grads is not None else _grads(steps)
    ours = getattr(optimizers, name)(**kwargs)
    theirs = _keras_opt(name, kwargs)
    ovars = [kfront.Variable(w.copy(), name=f"v{i}") for i, w in enumerate(init)]
    tvars = [keras.Variable(w.copy(), name=f"v{i}") for i, w in enumerate(init)]
    if setup is not None:
        setup(ours, ovars)
        setup(theirs, tvars)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for step in grads:
            ours.apply_gradients(zip(step, ovars))
            theirs.apply_gradients(zip([None if g is None else keras.ops.convert_to_tensor(g)
                                        for g in step], tvars))
    return ours, theirs, ovars, tvars


def _iteration_dtype() -> str:
    """kfront's ``iteration`` dtype: int32 on JAX (as Keras on JAX), else int64 (as the
    oracle, Keras on TensorFlow)."""
    return "int32" if kfront.config.backend() == "jax" else "int64"


def _assert_same_state(ours, theirs, ovars, tvars, init=None):
    for o, t in zip(ovars, tvars):
        np.testing.assert_allclose(o.numpy(), t.numpy(), atol=ATOL,
                                   rtol=0, err_msg=f"weights of {o.name}")
    # same optimizer variables: count, names, shapes, dtypes, order and values
    assert [v.name for v in ours.variables] == [v.name for v in theirs.variables]
    assert [tuple(v.shape) for v in ours.variables] == [tuple(v.shape) for v in theirs.variables]
    want = [_iteration_dtype() if v.dtype == "int64" else v.dtype for v in theirs.variables]
    assert [v.dtype for v in ours.variables] == want
    for o, t in zip(ours.variables, theirs.variables):
        np.testing.assert_allclose(o.numpy(), t.numpy(), atol=ATOL, rtol=0,
                                   err_msg=f"optimizer variable {o.name}")
    if init is not None:  # the comparison is not vacuous: the weights did move
        assert any(not np.allclose(o.numpy(), w) for o, w in zip(ovars, init))


CASES = [
    ("SGD", {}),
    ("SGD", {"learning_rate": 0.1}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {}),
    ("Adam", {"learning_rate": 0.1}),
    ("Adam", {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-3}),
    ("Adam", {"learning_rate": 0.1, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.8}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5}),
    ("RMSprop", {"learning_rate": 0.01, "centered": True}),
    ("RMSprop", {"learning_rate": 0.01, "centered": True, "momentum": 0.5}),
    ("Adagrad", {}),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5, "epsilon": 1e-4}),
]


@pytest.mark.parametrize("steps", [1, 3])
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_updates_match_keras(name, kwargs, steps):
    init = _initial()
    ours, theirs, ovars, tvars = _run_both(name, kwargs, steps, init=init)
    _assert_same_state(ours, theirs, ovars, tvars, init=init)
    assert int(ours.iterations.numpy()) == steps


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", {"momentum": 0.5}), ("Adam", {}), ("Adam", {"amsgrad": True}),
    ("RMSprop", {}), ("RMSprop", {"momentum": 0.5, "centered": True}), ("Adagrad", {})])
def test_variables_order_matches_keras_after_build(name, kwargs):
    ours, theirs = getattr(optimizers, name)(**kwargs), _keras_opt(name, kwargs)
    ovars = [kfront.Variable(w, name=f"v{i}") for i, w in enumerate(_initial())]
    tvars = [keras.Variable(w, name=f"v{i}") for i, w in enumerate(_initial())]
    ours.build(ovars)
    theirs.build(tvars)
    assert [v.name for v in ours.variables] == [v.name for v in theirs.variables]
    assert [tuple(v.shape) for v in ours.variables] == [tuple(v.shape) for v in theirs.variables]
    assert ours.variables[0].name == "iteration"
    assert ours.variables[0].dtype == _iteration_dtype()
    assert ours.variables[1].name == "learning_rate"
    assert all(not v.trainable for v in ours.variables)
    assert all(v.path.startswith(ours.name + "/") for v in ours.variables)


def test_adam_slots_are_interleaved_per_variable():
    opt = optimizers.Adam(amsgrad=True)
    opt.build([kfront.Variable(np.zeros(2, "float32"), name="a"),
               kfront.Variable(np.zeros(3, "float32"), name="b")])
    assert [v.name for v in opt.variables] == [
        "iteration", "learning_rate", "a_momentum", "a_velocity", "b_momentum", "b_velocity",
        "a_velocity_hat", "b_velocity_hat"]


@pytest.mark.parametrize("name,kwargs,scale,active", [
    ("SGD", {"learning_rate": 0.1, "clipnorm": 0.5}, 3.0, True),
    ("Adam", {"learning_rate": 0.1, "clipnorm": 1.0}, 3.0, True),
    ("SGD", {"learning_rate": 0.1, "clipnorm": 100.0}, 1.0, False),
    ("SGD", {"learning_rate": 0.1, "clipvalue": 0.2}, 3.0, True),
    ("RMSprop", {"learning_rate": 0.01, "clipvalue": 0.5}, 3.0, True),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "global_clipnorm": 1.0}, 3.0, True),
    ("Adam", {"learning_rate": 0.1, "global_clipnorm": 2.0}, 3.0, True),
    ("SGD", {"learning_rate": 0.1, "global_clipnorm": 100.0}, 1.0, False),
])
def test_clipping_matches_keras(name, kwargs, scale, active):
    grads = _grads(3, scale=scale)
    ours, theirs, ovars, tvars = _run_both(name, kwargs, 3, grads=grads)
    _assert_same_state(ours, theirs, ovars, tvars)
    # clipping changed the result, except in the cases where the bound is not reached
    unclipped = {k: v for k, v in kwargs.items() if "clip" not in k}
    plain, _, pvars, _ = _run_both(name, unclipped, 3, grads=grads)
    moved = any(not np.allclose(a.numpy(), b.numpy(), atol=1e-4) for a, b in zip(ovars, pvars))
    assert moved == active


def test_clipnorm_bounds_each_gradient_norm():
    opt = optimizers.SGD(learning_rate=1.0, clipnorm=0.5)
    w = kfront.Variable(np.zeros(4, "float32"))
    opt.apply_gradients([(np.array([3.0, 4.0, 0.0, 0.0], "float32"), w)])
    np.testing.assert_allclose(w.numpy(), [-0.3, -0.4, 0.0, 0.0], atol=1e-6)


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", {"learning_rate": 0.1, "weight_decay": 0.1}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "weight_decay": 0.05}),
    ("Adam", {"learning_rate": 0.1, "weight_decay": 0.1}),
    ("RMSprop", {"learning_rate": 0.01, "weight_decay": 0.2}),
    ("Adagrad", {"learning_rate": 0.1, "weight_decay": 0.2}),
    ("Adam", {"learning_rate": schedules.ExponentialDecay(0.1, 1, 0.5), "weight_decay": 0.3}),
])
def test_weight_decay_matches_keras(name, kwargs):
    init = _initial()
    ours, theirs, ovars, tvars = _run_both(name, kwargs, 3, init=init)
    _assert_same_state(ours, theirs, ovars, tvars, init=init)
    plain, _, pvars, _ = _run_both(name, {k: v for k, v in kwargs.items()
                                          if k != "weight_decay"}, 3, init=init)
    assert any(not np.allclose(a.numpy(), b.numpy(), atol=1e-4) for a, b in zip(ovars, pvars))


def test_exclude_from_weight_decay_matches_keras():
    def setup(opt, variables):
        opt.exclude_from_weight_decay(var_list=[variables[0]], var_names=["v2"])
    init = _initial()
    ours, theirs, ovars, tvars = _run_both("SGD", {"learning_rate": 0.1, "weight_decay": 0.5},
                                           2, init=init, setup=setup)
    _assert_same_state(ours, theirs, ovars, tvars)
    g = _grads(2)
    for i in (0, 2):  # excluded: plain SGD
        np.testing.assert_allclose(ovars[i].numpy(), init[i] - 0.1 * (g[0][i] + g[1][i]),
                                   atol=1e-5)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        ours.exclude_from_weight_decay(var_names=["v1"])


def test_schedule_in_optimizer_matches_keras():
    for lr in (schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5),
               schedules.PiecewiseConstantDecay([0, 1], [0.1, 0.05, 0.01]),
               schedules.InverseTimeDecay(0.1, decay_steps=1, decay_rate=1.0, staircase=True)):
        ours, theirs, ovars, tvars = _run_both("Adam", {"learning_rate": lr}, 3)
        _assert_same_state(ours, theirs, ovars, tvars)
        assert [v.name for v in ours.variables][:2] == ["iteration", "v0_momentum"]
        np.testing.assert_allclose(float(ops.convert_to_numpy(ours.learning_rate)),
                                   float(keras.ops.convert_to_numpy(theirs.learning_rate)),
                                   rtol=1e-6)


STEPS = [0, 1, 2, 3, 5, 9, 10, 11, 99, 100, 101, 1000, 12345]


@pytest.mark.parametrize("cls,kwargs", [
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.9)),
    ("ExponentialDecay", dict(initial_learning_rate=0.5, decay_steps=3, decay_rate=0.5,
                              staircase=True)),
    ("PiecewiseConstantDecay", dict(boundaries=[10, 100, 1000], values=[1.0, 0.5, 0.1, 0.01])),
    ("PiecewiseConstantDecay", dict(boundaries=[5], values=[0.3, 0.2])),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=3, decay_rate=2.0,
                              staircase=True)),
])
def test_schedules_match_keras(cls, kwargs):
    ours = getattr(schedules, cls)(**kwargs)
    theirs = getattr(keras.optimizers.schedules, cls)(**kwargs)
    got = [float(ops.convert_to_numpy(ours(s))) for s in STEPS]
    want = [float(keras.ops.convert_to_numpy(theirs(s))) for s in STEPS]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=0)
    assert len(set(got)) > 1  # the schedule does decay over these steps
    # also with a Variable step (what the optimizer passes) and through the config
    step = kfront.Variable(np.int64(11), dtype="int64")
    np.testing.assert_allclose(float(ops.convert_to_numpy(ours(step))),
                               float(keras.ops.convert_to_numpy(theirs(11))), rtol=1e-6)
    assert ours.get_config() == theirs.get_config()
    assert schedules.serialize(ours) == keras.optimizers.schedules.serialize(theirs)
    again = schedules.deserialize(schedules.serialize(ours))
    assert type(again) is type(ours) and again.get_config() == ours.get_config()


def test_schedule_validation():
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="1 less than"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(NotImplementedError):
        schedules.LearningRateSchedule()(0)


def test_ema_matches_keras():
    kwargs = {"learning_rate": 0.1, "momentum": 0.5, "use_ema": True, "ema_momentum": 0.9,
              "ema_overwrite_frequency": 2}
    ours, theirs, ovars, tvars = _run_both("SGD", kwargs, 3)
    _assert_same_state(ours, theirs, ovars, tvars)
    assert [v.name for v in ours.variables][2:4] == ["v0_average", "v1_average"]
    ours.finalize_variable_values(ovars)
    theirs.finalize_variable_values(tvars)
    _assert_same_state(ours, theirs, ovars, tvars)


def test_gradient_accumulation_matches_keras():
    kwargs = {"learning_rate": 0.1, "gradient_accumulation_steps": 2}
    init = _initial()
    ours, theirs, ovars, tvars = _run_both("Adam", kwargs, 5, init=init)
    _assert_same_state(ours, theirs, ovars, tvars, init=init)
    assert int(ops.convert_to_numpy(ours.iterations)) == 2
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        optimizers.Adam(gradient_accumulation_steps=1)


def test_loss_scale_factor_matches_keras():
    ours, theirs, ovars, tvars = _run_both(
        "SGD", {"learning_rate": 0.1, "loss_scale_factor": 4.0}, 2, grads=_grads(2, scale=4.0))
    _assert_same_state(ours, theirs, ovars, tvars)
    assert float(ours.scale_loss(2.0)) == 8.0


def test_none_gradients_are_skipped_like_keras():
    grads = _grads(2)
    for step in grads:
        step[1] = None
    init = _initial()
    with pytest.warns(UserWarning, match="Gradients do not exist for variables"):
        optimizers.Adam().apply_gradients(zip(grads[0], [kfront.Variable(w) for w in init]))
    ours, theirs, ovars, tvars = _run_both("Adam", {"learning_rate": 0.1}, 2, grads=grads,
                                           init=init)
    _assert_same_state(ours, theirs, ovars, tvars)
    np.testing.assert_array_equal(ovars[1].numpy(), init[1])


def test_all_none_gradients_raise():
    opt = optimizers.SGD()
    w = kfront.Variable(np.ones(2, "float32"), name="w")
    with pytest.raises(ValueError, match="no gradients provided for any variable.*'w'"):
        opt.apply_gradients([(None, w)])
    assert int(opt.iterations.numpy()) == 0


def test_iterations_and_apply_without_variables():
    opt = optimizers.SGD(learning_rate=0.5)
    w = kfront.Variable(np.ones(2, "float32"))
    with pytest.raises(ValueError, match="must already be built"):
        opt.apply([np.ones(2, "float32")])
    opt.build([w])
    opt.apply([np.ones(2, "float32")])
    it = opt.apply_gradients([(np.ones(2, "float32"), w)])
    assert it is opt.iterations and int(it.numpy()) == 2 and it.dtype == _iteration_dtype()
    assert not it.trainable
    np.testing.assert_allclose(w.numpy(), [0.0, 0.0])
    with pytest.raises(ValueError, match="originally built with"):
        opt.apply_gradients([(np.ones(2, "float32"), kfront.Variable(np.ones(2, "float32")))])
    with pytest.raises(ValueError, match="gradients for 1 variables"):
        opt.apply([np.ones(2, "float32"), np.ones(2, "float32")])
    with pytest.raises(TypeError, match="pairs"):
        opt.apply_gradients([np.ones(2, "float32")])


def test_gradient_dtype_is_cast_to_the_variable():
    w = kfront.Variable(np.ones(2, "float32"))
    optimizers.Adam(learning_rate=0.1).apply_gradients([(np.ones(2, "float64"), w)])
    assert w.dtype == "float32"
    np.testing.assert_allclose(w.numpy(), [0.9, 0.9], atol=1e-6)


def test_learning_rate_property_and_setter():
    opt = optimizers.SGD(learning_rate=0.01)
    lr = opt.learning_rate
    assert isinstance(lr, kfront.Variable) and lr.name == "learning_rate"
    opt.learning_rate = 0.5
    assert opt.learning_rate is lr and float(lr.numpy()) == 0.5
    w = kfront.Variable(np.zeros(1, "float32"))
    opt.apply_gradients([(np.ones(1, "float32"), w)])
    np.testing.assert_allclose(w.numpy(), [-0.5], atol=1e-6)
    # switching to a schedule drops the variable, as Keras does
    opt.learning_rate = schedules.ExponentialDecay(1.0, 1, 0.5)
    assert "learning_rate" not in [v.name for v in opt.variables]
    np.testing.assert_allclose(float(ops.convert_to_numpy(opt.learning_rate)), 0.5)
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1
    # a zero-argument callable
    opt2 = optimizers.SGD(learning_rate=lambda: 0.25)
    w2 = kfront.Variable(np.zeros(1, "float32"))
    opt2.apply_gradients([(np.ones(1, "float32"), w2)])
    np.testing.assert_allclose(w2.numpy(), [-0.25])


def test_lr_keyword_is_accepted_with_a_warning():
    with pytest.warns(UserWarning, match="`lr`.*learning_rate"):
        opt = optimizers.SGD(lr=0.3)
    assert float(opt.learning_rate.numpy()) == pytest.approx(0.3)
    with pytest.warns(UserWarning, match="`lr`"):
        opt = optimizers.get({"class_name": "Adam", "config": {"lr": 0.02}})
    assert float(opt.learning_rate.numpy()) == pytest.approx(0.02)
    with pytest.raises(ValueError, match="not recognized"):  # Keras rejects it outright
        keras.optimizers.SGD(lr=0.3)


def test_argument_validation():
    with pytest.raises(ValueError, match="only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="not recognized.*foo"):
        optimizers.Adam(foo=1)
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.Adam(learning_rate="fast")
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="ema_momentum"):
        optimizers.SGD(use_ema=True, ema_momentum=2.0)
    with pytest.warns(UserWarning, match="decay"):
        optimizers.SGD(decay=0.1)


def test_get_by_name_dict_and_instance():
    for name, cls in [("sgd", optimizers.SGD), ("SGD", optimizers.SGD), ("adam", optimizers.Adam),
                      ("Adam", optimizers.Adam), ("ADAM", optimizers.Adam),
                      ("rmsprop", optimizers.RMSprop), ("RMSprop", optimizers.RMSprop),
                      ("adagrad", optimizers.Adagrad), ("Adagrad", optimizers.Adagrad)]:
        opt = optimizers.get(name)
        assert type(opt) is cls
        assert type(keras.optimizers.get(name)).__name__ == cls.__name__  # Keras agrees
    opt = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5,
                                                          "momentum": 0.9}})
    assert isinstance(opt, optimizers.SGD) and opt.momentum == 0.9
    assert float(opt.learning_rate.numpy()) == 0.5
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None


def test_get_unknown_names_raise():
    with pytest.raises(ValueError, match="'sgd', 'adam', 'rmsprop', 'adagrad'"):
        optimizers.get("adamx")
    assert type(optimizers.get("adamw")).__name__ == "AdamW"  # every Keras name resolves
    with pytest.raises(ValueError, match="Could not interpret"):
        optimizers.get(42)
    with pytest.raises(ValueError, match="keras optimizer"):
        optimizers.get(keras.optimizers.Adam())


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True, "clipnorm": 1.0}),
    ("Adam", {"amsgrad": True, "weight_decay": 0.01, "beta_1": 0.8}),
    ("RMSprop", {"centered": True, "momentum": 0.1, "global_clipnorm": 2.0}),
    ("Adagrad", {"initial_accumulator_value": 0.2, "use_ema": True}),
    ("Adam", {"learning_rate": schedules.InverseTimeDecay(0.1, 10, 0.5)}),
])
def test_config_matches_keras_and_round_trips(name, kwargs):
    ours, theirs = getattr(optimizers, name)(**kwargs), _keras_opt(name, kwargs)
    oc, tc = ours.get_config(), theirs.get_config()
    oc.pop("name"), tc.pop("name")
    assert oc == tc
    again = type(ours).from_config(ours.get_config())
    assert again.get_config() == ours.get_config()
    # Keras can read our serialized config, and we can read Keras's
    k = keras.optimizers.deserialize(optimizers.serialize(ours))
    assert type(k).__name__ == name
    o = optimizers.deserialize(keras.optimizers.serialize(theirs))
    assert type(o) is type(ours)


def test_tf_keras2_config_keys_are_accepted():
    cfg = {"name": "Adam", "learning_rate": 0.001, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
           "epsilon": 1e-07, "amsgrad": False, "jit_compile": True, "is_legacy_optimizer": False}
    with pytest.warns(UserWarning, match="decay"):
        opt = optimizers.Adam.from_config(cfg)
    assert opt.name == "Adam" and opt.beta_2 == 0.999


def test_default_names_follow_keras():
    names = [optimizers.RMSprop().name for _ in range(2)]
    assert names[0].startswith("rm_sprop") and names[0] != names[1]
    assert optimizers.Adagrad(name="mine").name == "mine"


def test_custom_optimizer_with_update_step():
    class SignSGD(optimizers.Optimizer):
        def build(self, variables):
            super().build(variables)
            self.seen = self.add_optimizer_variables(variables, "seen")

        def update_step(self, gradient, variable, learning_rate):
            lr = ops.cast(learning_rate, variable.dtype)  # Keras-style code
            variable.assign_sub(ops.multiply(ops.sign(gradient), lr))
            self.assign_add(self.seen[self._get_variable_index(variable)],
                            ops.ones_like(gradient))

    opt = SignSGD(learning_rate=0.25)
    w = kfront.Variable(np.zeros(3, "float32"), name="w")
    for _ in range(2):
        opt.apply_gradients([(np.array([2.0, -3.0, 0.0], "float32"), w)])
    np.testing.assert_allclose(w.numpy(), [-0.5, 0.5, 0.0])
    assert [v.name for v in opt.variables] == ["iteration", "learning_rate", "w_seen"]
    np.testing.assert_allclose(opt.variables[2].numpy(), [2, 2, 2])
    with pytest.raises(NotImplementedError, match="update_step"):
        optimizers.Optimizer(learning_rate=0.1).apply_gradients([(np.ones(3, "float32"), w)])


def test_subclass_overriding_update_step_of_a_builtin_is_called():
    calls = []

    class LoggedAdam(optimizers.Adam):
        def update_step(self, gradient, variable, learning_rate):
            calls.append(variable.name)
            super().update_step(gradient, variable, learning_rate)

    init = _initial()
    ours = LoggedAdam(learning_rate=0.1)
    theirs = keras.optimizers.Adam(learning_rate=0.1)
    ovars = [kfront.Variable(w, name=f"v{i}") for i, w in enumerate(init)]
    tvars = [keras.Variable(w, name=f"v{i}") for i, w in enumerate(init)]
    for step in _grads(2):
        ours.apply_gradients(zip(step, ovars))
        theirs.apply_gradients(zip(step, tvars))
    assert calls == ["v0", "v1", "v2", "v3"] * 2
    _assert_same_state(ours, theirs, ovars, tvars)


def test_backend_fused_kernel_hook(monkeypatch):
    """A backend's ``optimizer_kernels`` entry replaces the portable update; a kernel that
    returns NotImplemented falls back to it."""
    seen = []

    def sgd_kernel(grad, variable, slots, hyper):
        seen.append((variable.name, len(slots), sorted(hyper)))
        if variable.name == "v1":
            return NotImplemented
        variable.assign(ops.subtract(variable.value, ops.multiply(grad, hyper["learning_rate"])))
        slots[0].assign(ops.zeros_like(slots[0].value) + 7.0)
        return None

    monkeypatch.setattr(B, "optimizer_kernels", {"sgd": sgd_kernel}, raising=False)
    init = _initial()
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.5)
    ovars = [kfront.Variable(w, name=f"v{i}") for i, w in enumerate(init)]
    g = _grads(1)[0]
    opt.apply_gradients(zip(g, ovars))
    assert [s[0] for s in seen] == ["v0", "v1", "v2", "v3"]
    assert seen[0][1] == 1 and seen[0][2] == ["learning_rate", "momentum", "nesterov"]
    np.testing.assert_allclose(ovars[0].numpy(), init[0] - 0.1 * g[0], atol=1e-6)
    momentums = opt.variables[2:]
    np.testing.assert_allclose(momentums[0].numpy(), 7.0)  # written by the kernel
    np.testing.assert_allclose(momentums[1].numpy(), -0.1 * g[1], atol=1e-6)  # fallback path


def test_variable_constraint_is_applied_after_the_update():
    w = kfront.Variable(np.zeros(2, "float32"), name="w",
                        constraint=lambda v: ops.clip(v, -0.05, 0.05))
    optimizers.SGD(learning_rate=1.0).apply_gradients([(np.array([1.0, -0.01], "float32"), w)])
    np.testing.assert_allclose(w.numpy(), [-0.05, 0.01], atol=1e-7)


def test_set_weights_and_save_load_state():
    init = _initial()
    a = optimizers.Adam(learning_rate=0.1)
    avars = [kfront.Variable(w, name=f"v{i}") for i, w in enumerate(init)]
    for step in _grads(2):
        a.apply_gradients(zip(step, avars))
    store = {}
    a.save_own_variables(store)
    b = optimizers.Adam(learning_rate=0.1)
    bvars = [kfront.Variable(v.numpy(), name=f"v{i}") for i, v in enumerate(avars)]
    b.build(bvars)
    b.load_own_variables(store)
    step = _grads(3)[2]
    a.apply_gradients(zip(step, avars))
    b.apply_gradients(zip(step, bvars))
    for x, y in zip(avars, bvars):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    c = optimizers.Adam()
    with pytest.raises(ValueError, match="not built"):
        c.set_weights([v.numpy() for v in a.variables])
    c.build([kfront.Variable(w) for w in init])
    c.set_weights([v.numpy() for v in a.variables])
    assert int(c.iterations.numpy()) == 3
    with pytest.raises(ValueError, match="expected"):
        c.set_weights([np.zeros(1)])


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", {}), ("SGD", {"momentum": 0.9}), ("SGD", {"momentum": 0.9, "nesterov": True}),
    ("Adam", {}), ("Adam", {"amsgrad": True}), ("RMSprop", {}),
    ("RMSprop", {"momentum": 0.5, "centered": True}), ("Adagrad", {}),
])
def test_native_fused_kernels_equal_the_portable_update(monkeypatch, name, kwargs):
    """The native engine's in-place kernels give bit-identical weights and slots."""
    if kfront.config.backend() != "numpy":
        pytest.skip("the fused kernels belong to the native engine")
    assert set(B.optimizer_kernels) == {"sgd", "adam", "rmsprop", "adagrad"}

    def run(kernels):
        monkeypatch.setattr(B, "optimizer_kernels", kernels)
        opt = getattr(optimizers, name)(learning_rate=0.05, **kwargs)
        ws = [kfront.Variable(w, name=f"v{i}") for i, w in enumerate(_initial())]
        for step in _grads(3):
            opt.apply_gradients(zip(step, ws))
        return [w.numpy() for w in ws] + [v.numpy() for v in opt.variables[2:]]

    fused, portable = run(dict(B.optimizer_kernels)), run({})
    for a, b in zip(fused, portable):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_native_adam_updates_large_variables_in_few_pieces(monkeypatch, amsgrad):
    """The fused Adam update splits a variable into pieces of ``_UPDATE_PIECE`` elements (few
    NumPy calls, each long enough that the worker threads do not wait on the GIL), and on
    three threads, pieces of any size give the portable update's bits."""
    if kfront.config.backend() != "numpy":
        pytest.skip("the fused kernels belong to the native engine")
    from kfront.backends.numpy import optimizers as fused, threads
    calls = []
    split = fused.parallel

    def spy(fn, n, work, xp, pieces=None):
        calls.append(pieces)
        split(fn, n, work, xp, pieces=pieces)
    monkeypatch.setattr(fused, "parallel", spy)
    monkeypatch.setattr(threads, "_choice", {})
    monkeypatch.setitem(threads._pool, "n", 3)
    big = kfront.Variable(np.zeros((1 << 20) + 5, "float32"))
    optimizers.Adam(amsgrad=amsgrad).apply_gradients([(np.ones(big.shape, "float32"), big)])
    assert calls == [9]  # 2^17 elements a piece, not the cache-sized default (48 pieces)
    grads = np.random.default_rng(2).normal(size=(3, 301, 299)).astype("float32")

    def run(kernels, piece):
        monkeypatch.setattr(B, "optimizer_kernels", kernels)
        monkeypatch.setattr(fused, "_UPDATE_PIECE", piece)
        w = kfront.Variable(np.random.default_rng(1).normal(size=(301, 299)).astype("float32"))
        opt = optimizers.Adam(0.05, amsgrad=amsgrad)
        for g in grads:
            opt.apply_gradients([(g, w)])
        return [w.numpy()] + [v.numpy() for v in opt.variables[2:]]
    portable = run({}, 1 << 17)
    for piece in (1000, 4097):
        for a, b in zip(run(dict(B.optimizer_kernels), piece), portable):
            np.testing.assert_array_equal(a, b)


def test_variable_owns_its_buffer():
    """assign() copies and numpy() returns a copy: in-place updates never reach user arrays."""
    user = np.ones(3, "float32")
    w = kfront.Variable(np.zeros(3, "float32"))
    w.assign(user)
    optimizers.Adam(learning_rate=0.1).apply_gradients([(np.ones(3, "float32"), w)])
    snapshot = w.numpy()
    optimizers.SGD(learning_rate=0.1, momentum=0.9).apply_gradients([(np.ones(3, "float32"), w)])
    np.testing.assert_array_equal(user, 1.0)
    assert not np.array_equal(snapshot, w.numpy())


def test_fit_scales_the_loss_the_optimizer_unscales(backend):
    """fit multiplies the loss by the optimizer's loss_scale_factor before differentiating and
    the optimizer divides the gradients by it (Keras 3's train_step): the weights equal
    Keras's, and an unscaled run's."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 2)).astype("float32")

    def run(lib, **kwargs):
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(2, kernel_initializer="ones")])
        model.compile(optimizer=lib.optimizers.SGD(0.1, **kwargs), loss="mse")
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
        return [np.asarray(w) for w in model.get_weights()]
    for got, want, plain in zip(run(kfront, loss_scale_factor=1e-3),
                                run(keras, loss_scale_factor=1e-3), run(kfront)):
        np.testing.assert_allclose(got, want, atol=1e-6)
        np.testing.assert_allclose(got, plain, atol=1e-6)
