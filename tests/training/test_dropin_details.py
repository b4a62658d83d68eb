"""Details a keras-io script shows when run unchanged on kfront, compared with real Keras 3:
automatic model names, ``summary()``'s layout, compiled metrics as ``model.metrics`` lists
them and the dtype of their results, seed-generator state, masks of symbolic tensors."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers


def _names(lib) -> list:
    """Automatic model names along a sequence of Sequential, functional and subclassed
    models, each name's counter measured from the first model of its kind."""
    class Sub(lib.Model):
        def call(self, x):
            return x

    def functional():
        inputs = lib.Input((3,))
        return lib.Model(inputs, lib.layers.Dense(2)(inputs)).name

    seen = [functional()]
    called = lib.Sequential([lib.layers.Dense(2)])
    called(np.ones((1, 3), "float32"))  # built on call: one stack made
    seen.append(functional())
    lib.Sequential([lib.layers.Input((3,)), lib.layers.Dense(2)])  # built at once
    seen.append(functional())
    stack = lib.Sequential([lib.layers.Input((3,))])  # an input alone: not built yet
    stack.add(lib.layers.Dense(2))
    stack.add(lib.layers.Dense(1))  # each add rebuilds
    seen.append(functional())
    seen.append(Sub().name)
    seen.append(functional())
    first = int(seen[0].rpartition("_")[2]) if "_" in seen[0] else 0
    return [n if "functional" not in n else
            int(n.rpartition("_")[2] if "_" in n else 0) - first for n in seen]


def test_model_names_follow_keras(keras):
    """Keras builds a Sequential stack into a Functional model, which uses up a
    ``functional`` name each time (at build, and at each add after that)."""
    assert _names(kfront) == _names(keras) == [0, 2, 4, 7, "sub", 8]


def _summary(model, **kwargs) -> list:
    """The summary's lines (Keras hands a print_fn the whole table at once)."""
    lines = []
    model.summary(print_fn=lambda text, **kw: lines.extend(text.rstrip("\n").split("\n")),
                  **kwargs)
    return lines


@pytest.mark.parametrize("kwargs", [{}, {"line_length": 60},
                                    {"line_length": 80, "positions": [0.5, 0.8, 1.0]},
                                    {"line_length": 70, "positions": [0.2, 0.4, 0.6]}])
def test_summary_layout_and_batch_shape(keras, kwargs):
    """line_length and positions set the columns as in Keras (rich's rounding when the
    borders do not fit); a Sequential built by calling it on a batch of 1 keeps that batch
    size in its shapes, one built by fit does not."""
    tables = []
    for lib in (kfront, keras):
        model = lib.Sequential([lib.layers.Dense(2, name="d")], name="s")
        model(np.ones((1, 3), "float32"))
        tables.append(_summary(model, **kwargs))
    assert "(1, 2)" in tables[0][4]
    assert tables[0] == tables[1]


def test_summary_after_fit_has_no_batch_size(on_tensorflow):
    """On TensorFlow, as Keras-TF, fit builds a Sequential with the batch size unknown (the
    other backends keep the first batch's size: see test_first_batch_build.py)."""
    model = kfront.Sequential([layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    assert model.output_shape == (None, 2)


def _graphs(lib) -> list:
    """Functional graphs: a chain, a chain whose middle tensor is also an output, a layer
    reading one tensor twice (attention on x, x), and two branches."""
    L = lib.layers

    def model(build):
        inputs = lib.Input((4,), name="x")
        return lib.Model(inputs, build(inputs), name="m")

    def chain_out(x):
        a = L.Dense(3, name="a")(x)
        return [a, L.Dense(2, name="b")(a)]

    def self_attention(x):
        r = L.Reshape((1, 4), name="r")(x)
        return L.MultiHeadAttention(1, 2, name="att")(r, r)

    return [model(lambda x: L.Dense(2, name="b")(L.Dense(3, name="a")(x))),
            model(chain_out), model(self_attention),
            model(lambda x: L.Add(name="add")([L.Dense(3, name="a")(x),
                                               L.Dense(3, name="b")(x)]))]


def test_summary_connected_to_column_by_keras_rule(keras):
    """Keras adds "Connected to" unless each depth of the graph holds one call reading one
    tensor: the column's presence and the table match Keras's for each graph."""
    for ours, theirs in zip(_graphs(kfront), _graphs(keras)):
        a, b = _summary(ours), _summary(theirs)
        assert ("Connected to" in a[2]) == ("Connected to" in b[2])
        assert a == b


def _symbolic_masks(lib) -> list:
    """(shape, dtype) of ``_keras_mask`` (``None`` without) on the KerasTensors of the
    masking guide's layers."""
    L = lib.layers
    ids = lib.Input((None,), dtype="int32")
    embedded = L.Embedding(10, 4, mask_zero=True)(ids)
    masked = L.Masking(0.0)(lib.Input((5, 3)))
    outs = [embedded, masked, L.Dense(2)(embedded), L.LSTM(3, return_sequences=True)(embedded),
            L.LSTM(3)(embedded), L.Embedding(10, 4)(ids)]
    described = []
    for t in outs:
        m = getattr(t, "_keras_mask", None)
        described.append(None if m is None else (tuple(m.shape), str(m.dtype)))
    return described


def test_symbolic_tensors_carry_keras_masks(keras):
    """A layer called on KerasTensors attaches its compute_mask as ``_keras_mask`` (the
    masking guide prints ``Embedding(mask_zero=True)(x)._keras_mask``)."""
    ours = _symbolic_masks(kfront)
    assert ours == _symbolic_masks(keras)
    assert ours[0] == ((None, None), "bool") and ours[-1] is None


X = np.linspace(-1, 1, 24, dtype="float32").reshape(8, 3)
Y = np.array([[0.0], [1.0]] * 4, "float32")
W = np.array([1.0, 2.0, 0.0, 1.0, 3.0, 1.0, 0.5, 1.0], "float32")


def _compiled(lib, **compile_kwargs):
    model = lib.Sequential([lib.layers.Input((3,)), lib.layers.Dense(
        1, activation="sigmoid", kernel_initializer="ones", bias_initializer="zeros")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", **compile_kwargs)
    return model


def _metric_facts(lib) -> dict:
    model = _compiled(lib, metrics=["accuracy", "mae"], weighted_metrics=["mae"])
    facts = {"compiled": (model.metrics_names, [type(m).__name__ for m in model.metrics])}
    listed = model.evaluate(X, Y, sample_weight=W, batch_size=4, verbose=0)
    logs = model.evaluate(X, Y, sample_weight=W, batch_size=4, verbose=0, return_dict=True)
    facts.update(evaluated=(model.metrics_names, [m.name for m in model.metrics[1].metrics]),
                 listed=listed, keys=list(logs), logs=logs,
                 plain=_compiled(lib).metrics_names)
    return facts


def test_compiled_metrics_are_one_compile_metrics_object(keras):
    """``model.metrics`` is [loss tracker, CompileMetrics] as in Keras 3: metrics_names is
    ['loss', 'compile_metrics'], the CompileMetrics lists the metrics, weighted_metrics take
    the sample weights and plain metrics do not, the logs' keys are sorted and evaluate's
    list follows Keras's order; the values are Keras's float32 results."""
    ours, theirs = _metric_facts(kfront), _metric_facts(keras)
    assert ours["compiled"] == theirs["compiled"] == (["loss", "compile_metrics"],
                                                      ["Mean", "CompileMetrics"])
    for key in ("evaluated", "keys", "plain"):
        assert ours[key] == theirs[key], key
    assert ours["keys"] == ["accuracy", "loss", "mae", "weighted_mae"]
    assert ours["logs"]["mae"] != pytest.approx(ours["logs"]["weighted_mae"])
    np.testing.assert_allclose(ours["listed"], theirs["listed"], rtol=1e-6)


class _GuideSteps(kfront.Model):
    """The "customizing fit" guides' steps: every metric of ``self.metrics`` updated and
    returned by name (the compiled ones through the CompileMetrics)."""

    def train_step(self, data):
        x, y = data
        with kfront.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred)
        self.optimizer.apply(tape.gradient(loss, self.trainable_variables),
                             self.trainable_variables)
        for metric in self.metrics:
            metric.update_state(loss) if metric.name == "loss" else \
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        for metric in self.metrics:
            metric.update_state(self.compute_loss(x, y, y_pred)) if metric.name == "loss" \
                else metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_guide_steps_returning_compile_metrics_flatten_their_logs(backend):
    """A step returning {m.name: m.result()} gives a dict under "compile_metrics", which
    the logs flatten (Keras's pythonify_logs; Keras 3.15 gives these keys in this order),
    compiled or eager, on every backend."""
    if backend == "jax":
        pytest.skip("a GradientTape step is not the JAX guide's (its stateless step is "
                    "tested in test_guides_training)")
    inputs = kfront.Input((3,))
    model = _GuideSteps(inputs, layers.Dense(1, activation="sigmoid")(inputs))
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["mae"])
    history = model.fit(X, Y, batch_size=4, epochs=2, verbose=0).history
    logs = model.evaluate(X, Y, batch_size=4, verbose=0, return_dict=True)
    # Keras's order: the returned dict's keys sorted, "compile_metrics" then flattened
    assert list(history) == list(logs) == ["mae", "loss"]
    assert all(isinstance(v, float) for v in logs.values())
    # a compiled step's first call runs eagerly (it resolves the compiled metrics), so on
    # TensorFlow the first evaluate's loss can differ from a later one's by a float32 ulp
    assert model.evaluate(X, Y, batch_size=4, verbose=0)[0] == pytest.approx(logs["loss"],
                                                                            rel=1e-6)


def _float32_results(lib) -> tuple:
    y = np.array([1.0] * 39 + [0.0] * 11, "float32")[:, None]
    accuracy = lib.metrics.BinaryAccuracy()
    accuracy.update_state(y, np.ones_like(y))
    f1 = lib.metrics.F1Score(average=None)
    f1.update_state(np.eye(3, dtype="float32"), np.eye(3, dtype="float32")[[0, 1, 0]])
    model = lib.Sequential([lib.layers.Input((1,)), lib.layers.Dense(
        1, kernel_initializer="zeros", bias_initializer="ones")])
    model.compile(loss="mse", metrics=["binary_accuracy"])
    logs = model.evaluate(y, y, batch_size=50, verbose=0, return_dict=True)
    return float(accuracy.result()), str(np.asarray(f1.result()).dtype), logs


def test_metric_results_are_float32_numbers(keras):
    """Results hold Keras's float32 values (0.78 -> 0.7799999713897705 in evaluate's logs,
    per-class arrays in float32), not float64 ones."""
    ours, theirs = _float32_results(kfront), _float32_results(keras)
    assert ours == theirs
    assert ours[0] == 0.7799999713897705 == ours[2]["binary_accuracy"]


def test_seed_generator_state_is_a_variable_not_a_weight(backend, keras):
    """A Dropout's SeedGenerator state counts in ``variables`` (Keras's
    seed_generator_state, in Keras's per-backend seed dtype) but not in ``weights``,
    parameter counts or saved files. Unnamed generators' scopes are numbered as Keras's
    (``seed_generator``, ``seed_generator_1``...), so paths do not repeat in a model."""
    kfront.backend.clear_session()
    keras.backend.clear_session()
    ours = layers.Dropout(0.5)
    theirs = keras.layers.Dropout(0.5)
    (state,), (reference,) = ours.variables, theirs.variables
    assert (state.name, state.path, tuple(state.shape), state.trainable) == (
        reference.name, reference.path, (2,), False) == (
        "seed_generator_state", "seed_generator/seed_generator_state", (2,), False)
    pair = [[v.path for v in lib.Sequential([lib.Input((3,)), lib.layers.Dropout(0.1),
                                             lib.layers.Dropout(0.2)]).variables]
            for lib in (kfront, keras)]
    assert pair[0] == pair[1] == ["seed_generator_1/seed_generator_state",
                                  "seed_generator_2/seed_generator_state"]
    assert ours.seed_generator.get_config() == {"seed": None, "name": None}
    assert state.dtype == {"numpy": "uint32", "jax": "uint32", "torch": "int32",
                           "tensorflow": "int64"}[backend]
    model = kfront.Sequential([layers.Input((3,)), layers.Dense(2), ours])
    assert len(model.variables) == 3 and len(model.weights) == 2
    assert model.count_params() == 8 and model.non_trainable_weights == []


def test_metrics_result_before_any_batch_leaves_compiled_metrics_out():
    # a fit resumed after its last batch asks for the logs before any batch has run
    model = kfront.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    assert set(model.get_metrics_result()) == {"loss"}
    model.evaluate(np.ones((4, 2)), np.zeros((4, 1)), verbose=0)
    assert set(model.get_metrics_result()) == {"loss", "mae"}


def _eager_in_step(lib, tf, **compile_kwargs) -> list:
    """Whether each training step of ``lib``'s fit ran eagerly, for ``compile_kwargs``."""
    seen = []

    class Probe(lib.layers.Layer):
        def call(self, x):
            seen.append(tf.executing_eagerly())
            return x

    model = lib.Sequential([lib.layers.Input((3,)), Probe(), lib.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", **compile_kwargs)
    model.fit(np.ones((8, 3), "float32"), np.ones((8, 1), "float32"), batch_size=4,
              epochs=2, verbose=0)
    return seen


@pytest.mark.parametrize("backend", ["tensorflow"], indirect=True)
@pytest.mark.parametrize("kwargs", [{"jit_compile": False}, {"jit_compile": True},
                                    {"run_eagerly": True}, {}])
def test_jit_compile_false_on_tensorflow_is_a_graph_without_xla(backend, keras, kwargs):
    """Keras-TF's ``jit_compile=False`` still runs the step in a ``tf.function`` (only
    ``run_eagerly`` runs it eagerly); kfront-TF ran it eagerly."""
    import tensorflow as tf
    theirs, ours = _eager_in_step(keras, tf, **kwargs), _eager_in_step(kfront, tf, **kwargs)
    # the last call is the last step's when eager, the step's trace when compiled (both
    # libraries also call the model outside the steps first: symbolic build, kfront's probes)
    compiled = not kwargs.get("run_eagerly")
    assert theirs[-1] == ours[-1] == (not compiled), (theirs, ours)
