"""A SeedGenerator's state as Keras 3 keeps it: among ``non_trainable_variables`` (in the
order of ``variables``), taken and returned by ``stateless_call``, and advanced by each random
draw traced in a function of the user's own (``jax.jit``, ``tf.function``), so a jitted step
fed its previous state draws a new Dropout mask at every call. Eager draws stay on kfront's
host stream (the same numbers on every backend)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conformance.support import activate

import kfront
from kfront import layers, ops

ROOT = Path(__file__).resolve().parents[2]
X = np.random.default_rng(5).normal(size=(64, 6)).astype("float32")
Y = (X[:, :1] - 2 * X[:, 1:2]).astype("float32")


def _described(variables, model) -> list:
    """(name, trainable, shape) of each variable (paths differ: Keras numbers its seed
    generators' scopes)."""
    trainable = {id(v) for v in model.trainable_variables}
    return [(v.name, id(v) in trainable, tuple(v.shape)) for v in variables]


def _build(lib):
    inputs = lib.Input((6,))
    h = lib.layers.Dense(8, activation="relu")(inputs)
    h = lib.layers.Dropout(0.3, seed=1)(h)
    h = lib.layers.BatchNormalization()(h)
    h = lib.layers.GaussianNoise(0.1, seed=2)(h)
    return lib.Model(inputs, lib.layers.Dense(1)(h))


def test_non_trainable_variables_hold_seed_states_as_keras(backend, keras):
    ours, theirs = _build(kfront), _build(keras)
    assert _described(ours.non_trainable_variables, ours) == _described(
        theirs.non_trainable_variables, theirs)
    assert [v.name for v in ours.non_trainable_variables] == [
        "seed_generator_state", "moving_mean", "moving_variance", "seed_generator_state"]
    assert len(ours.non_trainable_weights) == 2  # weights still leave the states out
    ours.trainable = theirs.trainable = False
    assert len(ours.non_trainable_variables) == len(theirs.non_trainable_variables) == 10
    assert ours.trainable_variables == [] == theirs.trainable_variables


def test_eager_draws_leave_the_state(backend):
    layer = layers.Dropout(0.5, seed=4)
    first = ops.convert_to_numpy(layer(np.ones((2, 8), "float32"), training=True))
    second = ops.convert_to_numpy(layer(np.ones((2, 8), "float32"), training=True))
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.seed_generator.state), [4, 0])


def _jitted_dropout_calls(lib: str) -> list:
    """In a fresh Python with ``lib`` (keras or kfront) on JAX: three calls of a jitted
    ``stateless_call`` of a seeded Dropout, each fed the state the previous one returned;
    per call the kept-mask and the state returned. (One library per process: kfront turns
    on ``jax_enable_x64``, under which Keras draws its masks in float64.)"""
    code = f"""
        import json, jax, numpy as np, {lib} as lib
        model = lib.Sequential([lib.Input((32,)), lib.layers.Dropout(0.5, seed=3)])
        state = [v.value for v in model.non_trainable_variables]
        step = jax.jit(lambda state, x: model.stateless_call([], state, x, training=True))
        out = []
        for _ in range(3):
            y, state = step(state, np.ones((2, 32), "float32"))
            out.append([(np.asarray(y) > 0).astype(int).tolist(),
                        [np.asarray(s).tolist() for s in state]])
        print(json.dumps(out))
        """
    env = {**os.environ, "KERAS_BACKEND": "jax", "KFRONT_BACKEND": "jax",
           "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_user_jax_jit_over_stateless_call_draws_new_masks_as_keras():
    """The keras-io JAX pattern: a jitted function over ``stateless_call``, fed the state it
    returned. kfront compiled the host mask in at trace time (the same mask at every call);
    now the state ``[3, n]`` keys the draw and comes back ``[3, n + 1]``, as Keras's, and
    the masks are Keras's (both compare ``jax.random.uniform`` from that key with 0.5)."""
    pytest.importorskip("jax")
    ours, theirs = _jitted_dropout_calls("kfront"), _jitted_dropout_calls("keras")
    assert [state for _, state in ours] == [[[3, 1]], [[3, 2]], [[3, 3]]]
    assert len({json.dumps(mask) for mask, _ in ours}) == 3
    assert ours == theirs


@pytest.fixture
def jax_backend():
    activate("jax")
    yield
    kfront.config.set_backend("numpy")


def _jax_guide_losses(seed: int) -> tuple[list, list]:
    """keras-io's "writing a training loop from scratch in JAX" on a model with Dropout:
    the per-step losses, and the seed state at the end."""
    import jax
    kfront.utils.set_random_seed(seed)
    model = kfront.Sequential([kfront.Input((6,)), layers.Dense(32, activation="relu"),
                               layers.Dropout(0.5, seed=seed), layers.Dense(1)])
    optimizer = kfront.optimizers.Adam(1e-2)
    optimizer.build(model.trainable_variables)
    loss_fn = kfront.losses.MeanSquaredError()

    def loss_and_state(trainable, non_trainable, x, y):
        y_pred, non_trainable = model.stateless_call(trainable, non_trainable, x,
                                                     training=True)
        return loss_fn(y, y_pred), non_trainable

    grad_fn = jax.value_and_grad(loss_and_state, has_aux=True)

    @jax.jit
    def train_step(state, x, y):
        trainable, non_trainable, optimizer_variables = state
        (loss, non_trainable), grads = grad_fn(trainable, non_trainable, x, y)
        trainable, optimizer_variables = optimizer.stateless_apply(optimizer_variables, grads,
                                                                   trainable)
        return loss, (trainable, non_trainable, optimizer_variables)

    state = ([v.value for v in model.trainable_variables],
             [v.value for v in model.non_trainable_variables],
             [v.value for v in optimizer.variables])
    losses = []
    for _ in range(5):
        for i in range(0, len(X), 16):
            loss, state = train_step(state, X[i:i + 16], Y[i:i + 16])
            losses.append(float(loss))
    return losses, np.asarray(state[1][0]).tolist()


def test_user_jax_train_step_with_dropout_trains_and_repeats(jax_backend):
    losses, seed_state = _jax_guide_losses(7)
    assert seed_state == [7, 20]  # one draw per step, 20 steps
    assert np.mean(losses[-4:]) < 0.5 * np.mean(losses[:4])
    assert _jax_guide_losses(7)[0] == losses  # the same seed repeats the run
    assert _jax_guide_losses(8)[0] != losses


def test_jitted_masks_differ_between_calls_of_one_trace(jax_backend):
    import jax
    layer = layers.Dropout(0.5, seed=11)
    layer.build((4, 16))
    step = jax.jit(lambda state, x: layer.stateless_call([], state, x, training=True))
    x = np.ones((4, 16), "float32")
    state = [layer.seed_generator.state.value]
    first, state = step(state, x)
    second, state = step(state, x)
    assert step._cache_size() == 1
    assert not np.array_equal(np.asarray(first) > 0, np.asarray(second) > 0)
    np.testing.assert_array_equal(np.asarray(state[0]), [11, 2])
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.seed_generator.state), [11, 0])


def test_user_tf_function_advances_the_state_as_keras(keras):
    """In a ``tf.function`` of the user's own, a SeedGenerator's state seeds each draw and
    advances, as Keras's: through ``stateless_call`` (the state returned moves on) and through
    a plain call (the Variable moves on); every call draws a new mask."""
    import tensorflow as tf
    activate("tensorflow")
    try:
        runs = []
        for lib in (keras, kfront):
            model = lib.Sequential([lib.Input((32,)), lib.layers.Dropout(0.5, seed=3)])
            (variable,) = model.non_trainable_variables
            step = tf.function(lambda s, x: model.stateless_call([], s, x, training=True))
            direct = tf.function(lambda x: model(x, training=True))
            x = np.ones((2, 32), "float32")
            state, seen = [tf.constant([3, 0], tf.int64)], []
            for _ in range(3):
                y, state = step(state, x)
                seen.append(((np.asarray(y) > 0).tobytes(), np.asarray(state[0]).tolist()))
            before = lib.ops.convert_to_numpy(variable).tolist()
            masks = {(np.asarray(direct(x)) > 0).tobytes() for _ in range(2)}
            after = lib.ops.convert_to_numpy(variable).tolist()
            runs.append(([s for _, s in seen], len({m for m, _ in seen}), before, len(masks),
                         after))
        assert runs[1] == runs[0] == ([[3, 1], [3, 2], [3, 3]], 3, [3, 0], 2, [3, 2])
    finally:
        kfront.config.set_backend("numpy")


_STATELESS_PROBE = """
    import json, numpy as np, {lib} as lib
    model = lib.Sequential([lib.Input((16,)), lib.layers.Dropout(0.5, seed=3)])
    first = [v.value for v in model.non_trainable_variables]
    x, state, out = np.ones((2, 16), "float32"), first, []
    for _ in range(3):
        y, state = model.stateless_call([], state, x, training=True)
        out.append([(lib.ops.convert_to_numpy(y) > 0).astype(int).tolist(),
                    lib.ops.convert_to_numpy(state[0]).tolist()])
    again, _ = model.stateless_call([], first, x, training=True)
    print(json.dumps({{"calls": out,
                      "again": (lib.ops.convert_to_numpy(again) > 0).astype(int).tolist(),
                      "variable": lib.ops.convert_to_numpy(model.non_trainable_variables[0])
                      .tolist()}}))
    """


def _stateless_calls(lib: str, backend: str) -> dict:
    """In a fresh Python with ``lib`` on ``backend``: three eager ``stateless_call``s of a
    seeded Dropout, each fed the state the previous one returned (masks and states), the
    mask of a call given the first state again, and the Variable's value at the end."""
    env = {**os.environ, "KERAS_BACKEND": backend, "KFRONT_BACKEND": backend,
           "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    code = textwrap.dedent(_STATELESS_PROBE.format(lib=lib))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("ours, theirs", [("numpy", "torch"), ("torch", "torch"),
                                          ("jax", "jax"), ("tensorflow", "tensorflow")])
def test_eager_stateless_call_advances_the_state_as_keras(ours, theirs):
    """Keras-torch's ``stateless_call`` returns the seed state advanced by each draw (a loop
    feeding it back gets a new mask every call) and the same state draws the same mask;
    kfront returned the state unchanged (torch, native, and JAX/TF outside a trace). The
    native engine follows torch. Masks are the host's (kfront's own numbers), so only their
    pattern is compared."""
    pytest.importorskip(theirs)
    got, keras_run = _stateless_calls("kfront", ours), _stateless_calls("keras", theirs)
    for run in (got, keras_run):
        assert [state for _, state in run["calls"]] == [[3, 1], [3, 2], [3, 3]]
        assert len({json.dumps(mask) for mask, _ in run["calls"]}) == 3
        assert run["again"] == run["calls"][0][0]  # the same state, the same mask
        assert run["variable"] == [3, 0]  # the Variable itself is left as it was


def test_stateless_call_draws_from_the_state_on_every_backend(backend):
    """Draws in a ``stateless_call`` come from the state given, so a state gives the same
    noise on every backend (host samples), and eager calls outside keep the stream."""
    layer = layers.GaussianNoise(1.0, seed=5)
    layer.build((2, 4))
    zeros = np.zeros((2, 4), "float32")
    out, (state,) = layer.stateless_call([], [np.array([5, 7])], zeros, training=True)
    np.testing.assert_array_equal(ops.convert_to_numpy(state), [5, 8])
    expected = np.random.default_rng([5, 7]).normal(size=(2, 4)).astype("float32")
    np.testing.assert_allclose(ops.convert_to_numpy(out), expected, rtol=1e-6)
    eager = ops.convert_to_numpy(layer(zeros, training=True))
    assert not np.allclose(eager, expected)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.seed_generator.state), [5, 0])


def test_jit_over_a_direct_call_names_stateless_call(jax_backend):
    """A user's ``jax.jit`` calling a seeded Dropout directly (not through
    ``stateless_call``) would compile one mask in; Keras 3.15 does so and leaks a tracer
    into the seed state, which breaks the model's next eager call (see
    ``_keras_jit_over_direct_call``). kfront raises a ValueError naming ``stateless_call``
    and the model stays usable."""
    import jax
    model = kfront.Sequential([kfront.Input((16,)), layers.Dropout(0.5, seed=3)])
    x = np.ones((2, 16), "float32")
    with pytest.raises(ValueError, match=r"stateless_call") as info:
        jax.jit(lambda x: model(x, training=True))(x)
    assert "SeedGenerator" in str(info.value)
    assert ops.convert_to_numpy(model(x, training=True)).shape == (2, 16)
    np.testing.assert_array_equal(ops.convert_to_numpy(model.non_trainable_variables[0]),
                                  [3, 0])
    np.testing.assert_array_equal(jax.jit(lambda x: model(x))(x), x)  # inference: no draw


def test_keras_jit_over_direct_call_leaks_a_tracer():
    """What kfront's error replaces, in Keras 3.15 on JAX: the jitted direct call gives the
    same mask at every call and leaves a tracer as the seed state."""
    pytest.importorskip("jax")
    code = """
        import json, jax, numpy as np, keras
        model = keras.Sequential([keras.Input((16,)), keras.layers.Dropout(0.5, seed=3)])
        x = np.ones((2, 16), "float32")
        step = jax.jit(lambda x: model(x, training=True))
        masks = {(np.asarray(step(x)) > 0).tobytes() for _ in range(3)}
        state = model.non_trainable_variables[0].value
        print(json.dumps([len(masks), isinstance(state, jax.core.Tracer)]))
        """
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [1, True]
