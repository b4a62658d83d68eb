"""Keras 3's customization hooks, as the "customizing what happens in fit" guides use them."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers, ops

RNG = np.random.default_rng(1)
X = RNG.normal(size=(32, 4)).astype("float32")
Y = RNG.normal(size=(32, 2)).astype("float32")


def _grads(model, x, y):
    """Loss, outputs and gradients through kfront's shared API (every backend)."""
    def loss_fn(_):
        y_pred = model(x, training=True)
        return model.compute_loss(y=y, y_pred=y_pred), y_pred
    variables = model.trainable_variables
    (loss, y_pred), grads = ops.value_and_grad(loss_fn, has_aux=True)(variables)
    return loss, y_pred, grads


class TrackerModel(kfront.Model):
    """Guide, part 1: own loss tracker and metric, listed in ``metrics``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = kfront.metrics.Mean(name="loss")
        self.mae_metric = kfront.metrics.MeanAbsoluteError(name="mae")

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return ops.mean(kfront.losses.mean_squared_error(y, y_pred))

    def train_step(self, data):
        x, y = data
        loss, y_pred, grads = _grads(self, x, y)
        self.optimizer.apply(grads, self.trainable_variables)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]


class CompiledMetricsModel(kfront.Model):
    """Guide, part 2: compiled loss and metrics, updated through ``self.metrics``."""

    def train_step(self, data):
        x, y = data
        loss, y_pred, grads = _grads(self, x, y)
        self.optimizer.apply(grads, self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.compute_loss(y=y, y_pred=y_pred)
        return self.compute_metrics(x, y, y_pred)


class DoubledLoss(kfront.Model):
    """A ``compute_loss`` override, used by the built-in train_step."""

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return ops.multiply(super().compute_loss(x, y, y_pred, sample_weight, training), 2.0)


def _functional(cls, seed=0):
    kfront.utils.set_random_seed(seed)
    inputs = kfront.Input((4,))
    return cls(inputs, layers.Dense(2)(layers.Dense(5, activation="tanh")(inputs)))


def _fit(model, lr=0.1, **compile_kw):
    model.compile(optimizer=kfront.optimizers.SGD(lr), **compile_kw)
    history = model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return model.get_weights(), history.history


def test_custom_train_steps_match_the_built_in_step(backend):
    """Overridden ``train_step(self, data)`` (own trackers; compiled metrics through
    ``self.metrics``) and an overridden ``compute_loss`` train ``CustomModel(inputs, outputs)``
    to the built-in fit's weights, and report the same logs."""
    want_w, want_h = _fit(_functional(kfront.Model), loss="mse", metrics=["mae"])
    assert sorted(want_h) == ["loss", "mae"]
    for cls, kw in ((TrackerModel, {}), (CompiledMetricsModel, dict(loss="mse",
                                                                       metrics=["mae"]))):
        model = _functional(cls)
        assert isinstance(model, cls) and isinstance(model, kfront.Model)
        got_w, got_h = _fit(model, **kw)
        for a, b in zip(got_w, want_w):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=cls.__name__)
        for k in ("loss", "mae"):
            np.testing.assert_allclose(got_h[k], want_h[k], rtol=1e-5, err_msg=cls.__name__)
    evaluated = model.evaluate(X, Y, batch_size=8, return_dict=True, verbose=0)
    assert sorted(evaluated) == ["loss", "mae"]  # through the overridden test_step
    # doubling the loss is doubling SGD's learning rate
    got_w, _ = _fit(_functional(DoubledLoss), lr=0.05, loss="mse")
    want_w, _ = _fit(_functional(kfront.Model), lr=0.1, loss="mse")
    for a, b in zip(got_w, want_w):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


class GAN(kfront.Model):
    """Guide, GAN: two sub-models, two optimizers, two loss trackers, data = images only."""

    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator, self.generator, self.latent_dim = discriminator, generator, latent_dim
        self.seed_generator = kfront.random.SeedGenerator(1337)
        self.d_loss_tracker = kfront.metrics.Mean(name="d_loss")
        self.g_loss_tracker = kfront.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

    def _step(self, model, optimizer, loss_of):
        def fn(_):
            return loss_of()
        variables = model.trainable_variables
        loss, grads = ops.value_and_grad(fn)(variables)
        optimizer.apply(grads, variables)
        return loss

    def train_step(self, data):
        real = data[0] if isinstance(data, tuple) else data
        n = ops.shape(real)[0]
        noise = kfront.random.normal((n, self.latent_dim), seed=self.seed_generator)
        fake = self.generator(noise)
        images = ops.concatenate([fake, real], axis=0)
        labels = ops.concatenate([ops.ones((n, 1)), ops.zeros((n, 1))], axis=0)
        d_loss = self._step(self.discriminator, self.d_optimizer,
                            lambda: self.loss_fn(labels, self.discriminator(images)))
        noise = kfront.random.normal((n, self.latent_dim), seed=self.seed_generator)
        g_loss = self._step(self.generator, self.g_optimizer, lambda: self.loss_fn(
            ops.zeros((n, 1)), self.discriminator(self.generator(noise))))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def test_gan_with_two_optimizers(backend):
    kfront.utils.set_random_seed(0)
    discriminator = kfront.Sequential([layers.Input((4,)), layers.Dense(6, activation="relu"),
                                       layers.Dense(1)])
    generator = kfront.Sequential([layers.Input((3,)), layers.Dense(4)])
    gan = GAN(discriminator, generator, latent_dim=3)
    gan.compile(d_optimizer=kfront.optimizers.Adam(1e-3),
                g_optimizer=kfront.optimizers.Adam(1e-3),
                loss_fn=kfront.losses.BinaryCrossentropy(from_logits=True))
    d0, g0 = discriminator.get_weights(), generator.get_weights()
    history = gan.fit(X, batch_size=8, epochs=2, verbose=0).history
    assert sorted(history) == ["d_loss", "g_loss"] and len(history["d_loss"]) == 2
    assert all(np.isfinite(v) for v in history["d_loss"] + history["g_loss"])
    assert all(not np.allclose(a, b) for a, b in zip(discriminator.get_weights(), d0))
    assert all(not np.allclose(a, b) for a, b in zip(generator.get_weights(), g0))
    assert gan.d_optimizer.iterations.numpy() == gan.g_optimizer.iterations.numpy() == 8


class Sampling(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = kfront.random.SeedGenerator(7)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        eps = kfront.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * eps


class VAE(kfront.Model):
    """Guide ("making new layers and models via subclassing"): the KL term by ``add_loss``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(6, activation="relu")
        self.mean, self.log_var = layers.Dense(2), layers.Dense(2)
        self.sampling = Sampling()
        self.decoder = layers.Dense(4)

    def call(self, inputs):
        h = self.dense(inputs)
        z_mean, z_log_var = self.mean(h), self.log_var(h)
        z = self.sampling((z_mean, z_log_var))
        self.add_loss(-0.5 * ops.mean(z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1))
        reconstruction = self.decoder(z)
        self.add_loss(ops.mean(ops.square(ops.subtract(inputs, reconstruction))))
        return reconstruction


def test_vae_trains_only_through_add_loss(backend):
    """No compiled loss: fit trains on the added losses; a layer's ``losses`` are those of its
    latest call, not a growing pile."""
    kfront.utils.set_random_seed(0)
    vae = VAE()
    vae(X[:2])
    vae(X[:2])
    assert len(vae.losses) == 2
    vae.compile(optimizer=kfront.optimizers.Adam(1e-2))
    history = vae.fit(X, batch_size=8, epochs=3, verbose=0).history["loss"]
    assert len(vae.losses) == 2
    assert history[-1] < history[0]
    with pytest.raises(ValueError, match="no loss to compute"):
        model = kfront.Sequential([layers.Input((4,)), layers.Dense(2)])
        model.compile(optimizer="sgd")
        model.fit(X, Y, verbose=0)


class TruePositives(kfront.metrics.Metric):
    """Guide: a stateful metric built on ``add_variable``."""

    def __init__(self, name="true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), initializer="zeros", name="tp")

    def update_state(self, y_true, y_pred, sample_weight=None):
        hits = ops.cast(ops.equal(ops.argmax(y_true, axis=-1), ops.argmax(y_pred, axis=-1)),
                        "float32")
        self.true_positives.assign_add(ops.sum(hits))

    def result(self):
        return self.true_positives.value


def test_metric_add_variable_and_predict_step(backend):
    model = _functional(kfront.Model)
    model.compile(optimizer="sgd", loss="mse", metrics=[TruePositives()])
    logs = model.evaluate(X, Y, batch_size=8, return_dict=True, verbose=0)
    pred = model.predict(X, verbose=0)
    want = np.sum(np.argmax(pred, -1) == np.argmax(Y, -1))
    assert logs["true_positives"] == want
    logs = model.evaluate(X, Y, batch_size=8, return_dict=True, verbose=0)  # reset between
    assert logs["true_positives"] == want

    class Doubling(kfront.Model):
        def predict_step(self, data):
            x, _, _ = kfront.utils.unpack_x_y_sample_weight(data)
            return ops.multiply(self(x), 2.0)

    doubling = _functional(Doubling)
    doubling.set_weights(model.get_weights())
    np.testing.assert_allclose(doubling.predict(X, batch_size=8, verbose=0), 2 * pred,
                               rtol=1e-5, atol=1e-6)
