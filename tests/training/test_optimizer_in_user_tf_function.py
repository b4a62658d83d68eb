"""keras-io's "intro to Keras for researchers" and "writing a custom training loop in
TensorFlow" write their train step as a ``tf.function`` of their own:
``optimizer.apply_gradients(zip(grads, vars))`` inside it, with an optimizer never used eagerly
before. Keras builds the slots outside the graph and updates in it, for every optimizer and
every option (clipping, weight decay, EMA, loss scaling, gradient accumulation, learning-rate
schedules); kfront must give the same losses, weights, optimizer variables and step count."""
from __future__ import annotations

import numpy as np
import pytest

import kfront

tf = pytest.importorskip("tensorflow")


def _losses(lib, optimizer_name: str) -> tuple[list, int]:
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(96, 6)).astype("float32")
    y = rng.integers(0, 4, 96)
    model = lib.Sequential([lib.Input((6,)), lib.layers.Dense(8, activation="relu"),
                            lib.layers.Dense(4)])
    model.set_weights([np.random.default_rng(i).normal(size=w.shape).astype("float32") * 0.3
                       for i, w in enumerate(model.get_weights())])
    loss_fn = lib.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = getattr(lib.optimizers, optimizer_name)(learning_rate=0.05)

    @tf.function
    def train_step(xb, yb):
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        return loss

    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
    losses = [float(train_step(xb, yb)) for _ in range(2) for xb, yb in ds]
    return losses, int(optimizer.iterations.numpy())


@pytest.mark.parametrize("optimizer_name", ["SGD", "Adam", "RMSprop", "AdamW", "Nadam"])
def test_apply_gradients_traced_as_keras(keras_tf, on_tensorflow, optimizer_name):
    ours = _losses(kfront, optimizer_name)
    theirs = _losses(keras_tf, optimizer_name)
    assert ours[1] == theirs[1] == 6
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6)
    assert ours[0][-1] < ours[0][0]


class _HalvingSGD:
    """A user's optimizer defining only ``update_step`` (Keras's extension point)."""

    @staticmethod
    def make(lib):
        class HalvingSGD(lib.optimizers.Optimizer):
            def update_step(self, gradient, variable, learning_rate):
                lr = lib.ops.cast(learning_rate, variable.dtype)
                variable.assign_sub(lib.ops.multiply(lib.ops.multiply(gradient, lr), 0.5))
        return HalvingSGD(learning_rate=0.1)


# name -> optimizer of a library (kfront or keras); every optimizer Keras 3.15 exports, and
# every base option on one of them
CASES = {
    "SGD": lambda L: L.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "Adam": lambda L: L.optimizers.Adam(0.05, amsgrad=True),
    "AdamW": lambda L: L.optimizers.AdamW(0.05, weight_decay=0.1),
    "Adamax": lambda L: L.optimizers.Adamax(0.05),
    "Nadam": lambda L: L.optimizers.Nadam(0.05),
    "RMSprop": lambda L: L.optimizers.RMSprop(0.05, momentum=0.5, centered=True),
    "Adagrad": lambda L: L.optimizers.Adagrad(0.05),
    "Adadelta": lambda L: L.optimizers.Adadelta(0.5),
    "Ftrl": lambda L: L.optimizers.Ftrl(
        0.05, l1_regularization_strength=0.01, l2_regularization_strength=0.01, beta=0.1,
        l2_shrinkage_regularization_strength=0.01),
    "Lion": lambda L: L.optimizers.Lion(0.01),
    "Lamb": lambda L: L.optimizers.Lamb(0.05),
    "Adafactor": lambda L: L.optimizers.Adafactor(0.05),
    "Muon": lambda L: L.optimizers.Muon(0.05),
    "ScheduleFreeAdamW": lambda L: L.optimizers.ScheduleFreeAdamW(0.05, warmup_steps=3,
                                                                   weight_decay=0.01),
    "LossScaleOptimizer": lambda L: L.optimizers.LossScaleOptimizer(
        L.optimizers.Adam(0.05), initial_scale=8.0, dynamic_growth_steps=2),
    "MultiOptimizer": lambda L: L.optimizers.MultiOptimizer(L.optimizers.OptimizerMap(
        L.optimizers.Adam(0.05), {"bias": L.optimizers.SGD(0.1, momentum=0.5)})),
    "custom update_step": _HalvingSGD.make,
    "clipnorm": lambda L: L.optimizers.SGD(0.05, clipnorm=0.5),
    "clipvalue": lambda L: L.optimizers.SGD(0.05, clipvalue=0.2),
    "global_clipnorm": lambda L: L.optimizers.Adam(0.05, global_clipnorm=0.5),
    "weight_decay": lambda L: L.optimizers.SGD(0.05, weight_decay=0.1),
    "use_ema": lambda L: L.optimizers.Adam(0.05, use_ema=True, ema_momentum=0.9,
                                           ema_overwrite_frequency=4),
    "loss_scale_factor": lambda L: L.optimizers.Lamb(0.05, loss_scale_factor=4.0),
    "gradient_accumulation_steps": lambda L: L.optimizers.Nadam(
        0.05, gradient_accumulation_steps=3),
    "ExponentialDecay": lambda L: L.optimizers.Adam(
        L.optimizers.schedules.ExponentialDecay(0.05, 2, 0.5)),
    "PiecewiseConstantDecay": lambda L: L.optimizers.SGD(
        L.optimizers.schedules.PiecewiseConstantDecay([2, 4], [0.1, 0.05, 0.01])),
    "CosineDecay with warmup": lambda L: L.optimizers.Adamax(
        L.optimizers.schedules.CosineDecay(0.05, 10, warmup_target=0.1, warmup_steps=2)),
}

STEPS = 7


def _gradients() -> list:
    rng = np.random.default_rng(3)
    steps = [[rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=3).astype("float32")]
             for _ in range(STEPS)]
    steps[3][0][1, 2] = np.inf  # a loss-scaled step to skip
    return steps


def _traced_run(lib, case: str) -> dict:
    """``STEPS`` updates of a kernel and a bias by the same gradients through the user's
    ``tf.function`` (the optimizer first used there), then one eager update."""
    kernel = lib.Variable(np.random.default_rng(1).normal(size=(4, 3)).astype("float32"),
                          name="kernel")
    bias = lib.Variable(np.linspace(-1, 1, 3).astype("float32"), name="bias")
    optimizer = CASES[case](lib)
    if case == "ScheduleFreeAdamW":
        # Keras's build writes `momentum = variable` with ops: built inside the trace, that
        # write is part of the graph and runs every step. Built first, both update alike.
        optimizer.build([kernel, bias])

    @tf.function
    def step(g_kernel, g_bias):
        optimizer.apply_gradients(zip([g_kernel, g_bias], [kernel, bias]))

    grads = _gradients()
    if case != "LossScaleOptimizer":
        grads[3][0][1, 2] = 0.0
    for g in grads[:-1]:
        step(*g)
    optimizer.apply_gradients(zip([tf.constant(g) for g in grads[-1]], [kernel, bias]))
    return {"weights": [np.array(kernel.numpy()), np.array(bias.numpy())],
            "optimizer": [np.array(v.numpy()) for v in optimizer.variables],
            "iterations": int(np.asarray(optimizer.iterations))}


@pytest.mark.parametrize("case", list(CASES))
def test_every_optimizer_and_option_traced_as_keras(keras_tf, on_tensorflow, case):
    ours = _traced_run(kfront, case)
    theirs = _traced_run(keras_tf, case)
    assert ours["iterations"] == theirs["iterations"]
    for a, b in zip(ours["weights"], theirs["weights"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert [v.shape for v in ours["optimizer"]] == [v.shape for v in theirs["optimizer"]]
    for a, b in zip(ours["optimizer"], theirs["optimizer"]):
        np.testing.assert_allclose(a.astype("float64"), b.astype("float64"), rtol=1e-5,
                                   atol=1e-6)
    start = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    assert not np.allclose(ours["weights"][0], start)


def test_traced_and_eager_steps_share_the_step_count(on_tensorflow):
    """Steps counted in the graph are seen by the next eager step (Adam's bias correction
    uses the count): traced, eager, traced equals four eager steps."""
    def run(traced_steps):
        w = kfront.Variable(np.ones(3, "float32"))
        optimizer = kfront.optimizers.Adam(0.1)
        traced = tf.function(lambda g: optimizer.apply_gradients([(g, w)]))
        for i in range(4):
            g = tf.constant(np.full(3, i + 1.0, "float32"))
            (traced if i in traced_steps else optimizer.apply_gradients)(
                g if i in traced_steps else [(g, w)])
        return w.numpy(), int(optimizer.iterations.numpy())
    mixed, eager = run({0, 2}), run(set())
    assert mixed[1] == eager[1] == 4
    np.testing.assert_allclose(mixed[0], eager[0], rtol=1e-6)
