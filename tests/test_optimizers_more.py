"""The Keras 3 optimizers and schedules beyond SGD/Adam/RMSprop/Adagrad, against real Keras 3
(TensorFlow backend; its results are computed once per module) on every kfront backend."""
from __future__ import annotations

import re

import numpy as np
import pytest

import kfront
from conformance.support import backend  # noqa: F401  (pytest fixture)
from kfront import optimizers
from kfront.optimizers import schedules

SHAPES = [(4, 3), (3,), (2, 2, 3), (1,)]
STEPS = 3
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
