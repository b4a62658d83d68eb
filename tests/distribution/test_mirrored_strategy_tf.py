"""kfront models trained in a ``tf.distribute.MirroredStrategy``'s scope over 2 logical CPUs
(keras-io's "distributed training with TensorFlow" pattern) against real Keras 3 on the same
weights and data. Each case runs in a fresh process: the logical devices must be set before
TensorFlow starts."""
from distribution.test_guides_distributed import _run

_SETUP = """
        import numpy as np, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import keras, kfront
        strategy = tf.distribute.MirroredStrategy()
        rng = np.random.default_rng(0)
"""


def test_embedding_lstm_fits_as_keras_under_mirrored_strategy():
    """An Embedding+LSTM model with the default ``jit_compile="auto"``: kfront chose XLA for
    recurrent models on TensorFlow, and an XLA step over the replicas failed ("Trying to access
    resource embeddings/replica_1 ... from device CPU:0"); under a strategy ``"auto"`` now
    leaves XLA off, as Keras's does. Few tokens, so every batch repeats rows of the table. With
    SGD kfront's history and weights are Keras's; with Adam they are kfront's own one-replica
    fit's (fit's Embedding gradient is dense on every backend, where Keras-TF's Adam squares
    each lookup's slice: tests/training/test_sparse_gradients_tf.py). ``jit_compile=True``
    there raises a clear error (Keras fails with XLA's device error)."""
    out = _run(_SETUP + """
        x = rng.integers(0, 6, (14, 5)).astype("int32"); y = rng.random((14, 1)).astype("float32")

        def fit(lib, optimizer, start, replicated=True):
            scope = strategy.scope() if replicated else tf.name_scope("one")
            with scope:
                m = lib.Sequential([lib.Input((5,), dtype="int32"), lib.layers.Embedding(6, 4),
                                    lib.layers.LSTM(4), lib.layers.Dense(1)])
                m.set_weights(start if start is not None else m.get_weights())
                m.compile(getattr(lib.optimizers, optimizer)(0.05), "mse")
            h = m.fit(x, y, batch_size=6, epochs=3, verbose=0, shuffle=False)
            return h.history["loss"], m.get_weights(), m

        start = fit(keras, "SGD", None)[1]
        start = [np.random.default_rng(i).normal(size=w.shape).astype("float32") * 0.5
                 for i, w in enumerate(start)]
        for optimizer, oracle in (("SGD", keras), ("Adam", None)):
            if oracle is not None:
                want_hist, want_w, _ = fit(oracle, optimizer, start)
            else:
                want_hist, want_w, _ = fit(kfront, optimizer, start, replicated=False)
            hist, w, m = fit(kfront, optimizer, start)
            np.testing.assert_allclose(hist, want_hist, rtol=1e-5, err_msg=optimizer)
            assert len(w) == len(want_w) == 6
            for a, b in zip(w, want_w):
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=2e-6, err_msg=optimizer)
        m.compile(kfront.optimizers.Adam(0.05), "mse", jit_compile=True)
        try:
            m.fit(x, y, batch_size=6, epochs=1, verbose=0)
        except ValueError as e:
            assert "jit_compile=True" in str(e) and "2 replicas" in str(e), e
        else:
            raise AssertionError("jit_compile=True over 2 replicas did not raise")
        print("OK")
        """, "tensorflow")
    assert "OK" in out


def test_custom_train_step_runs_per_replica_as_keras():
    """A user's ``train_step`` (tf.GradientTape, ``compute_loss``, ``apply_gradients``, the
    metrics updated by hand) under the strategy: kfront ran it once on the whole batch, so the
    loss log was 2x Keras's and BatchNormalization's weights 0.067 off. It now runs on each
    replica's rows as Keras's does: ``compute_loss`` scaled by 1/replicas (Keras's logged loss
    is that scaled one), the replicas' gradients summed into one update (an Embedding's as
    ``tf.IndexedSlices``), each replica's BatchNormalization statistics, the metrics over
    every replica's updates. The step is compiled (a ``tf.function`` around ``strategy.run``,
    as Keras's; kfront ran it eagerly, ~2.5x slower than Keras), a last batch of 12 rows
    tracing again."""
    out = _run(_SETUP + """
        import warnings
        warnings.simplefilter("error", RuntimeWarning)  # a step that gives up compiling warns

        def make(lib, kind):
            class Custom(lib.Model):
                def train_step(self, data):
                    x, y = data
                    with tf.GradientTape() as tape:
                        y_pred = self(x, training=True)
                        loss = self.compute_loss(y=y, y_pred=y_pred)
                    grads = tape.gradient(loss, self.trainable_variables)
                    self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
                    for m in self.metrics:
                        if m.name == "loss":
                            m.update_state(loss)
                        else:
                            m.update_state(y, y_pred)
                    return {m.name: m.result() for m in self.metrics}
            if kind == "bn":
                inp = lib.Input((5,))
                hidden = lib.layers.BatchNormalization()(lib.layers.Dense(4, activation="relu")(inp))
                return Custom(inp, lib.layers.Dense(1)(hidden)), lib.optimizers.SGD(0.1)
            inp = lib.Input((4,), dtype="int32")
            hidden = lib.layers.Flatten()(lib.layers.Embedding(5, 3)(inp))
            return Custom(inp, lib.layers.Dense(1)(hidden)), lib.optimizers.Adam(0.05)

        for kind in ("bn", "embedding"):
            if kind == "bn":
                x = rng.normal(size=(44, 5)).astype("float32")
            else:
                x = rng.integers(0, 5, (44, 4)).astype("int32")
            y = rng.normal(size=(44, 1)).astype("float32")
            results = []
            for lib in (keras, kfront):
                with strategy.scope():
                    m, opt = make(lib, kind)
                    if lib is keras:
                        start = [np.random.default_rng(i).normal(size=w.shape).astype(
                            "float32") * 0.5 for i, w in enumerate(m.get_weights())]
                    m.set_weights(start)
                    m.compile(opt, "mse", metrics=["mae"])
                h = m.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
                results.append((h.history, m.get_weights()))
            (k_hist, k_w), (f_hist, f_w) = results
            step = m._compiled_fns[("custom", "train_step")]
            assert not step.eager and len(step.compiled) == 1, kind
            for key in ("loss", "mae"):
                np.testing.assert_allclose(f_hist[key], k_hist[key], rtol=1e-5, err_msg=kind)
            for a, b in zip(f_w, k_w):
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=kind)
        print("OK")
        """, "tensorflow")
    assert "OK" in out


def test_custom_test_step_logs_as_keras():
    """A user's ``test_step`` returning a value of its own besides the metrics' results: its
    logs are averaged over the replicas, and each replica's ``m.result()`` is read after every
    replica's updates, as Keras's (run eagerly, replica 0 read its result before replica 1's
    update: loss 1.1694 and mae 1.2960 where Keras has 1.1385 and 1.2896)."""
    out = _run(_SETUP + """
        x = rng.normal(size=(44, 5)).astype("float32"); y = rng.normal(size=(44, 1)).astype("float32")
        logs = []
        for lib in (keras, kfront):
            class Custom(lib.Model):
                def test_step(self, data):
                    x, y = data
                    y_pred = self(x, training=False)
                    loss = self.compute_loss(y=y, y_pred=y_pred)
                    for m in self.metrics:
                        m.update_state(loss) if m.name == "loss" else m.update_state(y, y_pred)
                    return {"mean_pred": tf.reduce_mean(y_pred),
                            **{m.name: m.result() for m in self.metrics}}
            with strategy.scope():
                inp = lib.Input((5,))
                m = Custom(inp, lib.layers.Dense(1)(lib.layers.Dense(4, activation="relu")(inp)))
                m.set_weights([np.random.default_rng(i).normal(size=w.shape).astype("float32")
                               * 0.5 for i, w in enumerate(m.get_weights())])
                m.compile(lib.optimizers.SGD(0.1), "mse", metrics=["mae"])
            logs.append(m.evaluate(x, y, batch_size=16, verbose=0, return_dict=True))
        assert sorted(logs[0]) == sorted(logs[1]) == ["loss", "mae", "mean_pred"], logs
        for key in logs[0]:
            np.testing.assert_allclose(logs[1][key], logs[0][key], rtol=1e-5, err_msg=key)
        print("OK")
        """, "tensorflow")
    assert "OK" in out
