"""``compile(metrics=..., weighted_metrics=...)`` on a two-output model, each spelling read as
Keras 3 reads it: a list of one entry per output, a dict by output name, or (one output) any
nesting flattened; log names ``<output>_<metric>``, values, ``metrics_names`` and evaluate's
list order compared with real Keras on the same weights."""
from __future__ import annotations

import numpy as np
import pytest

import kfront

RNG = np.random.default_rng(0)
X = RNG.normal(size=(24, 4)).astype("float32")
Y_CLS = RNG.integers(0, 2, size=(24, 1)).astype("float32")
Y_REG = RNG.normal(size=(24, 2)).astype("float32")
SW = RNG.uniform(0.1, 1.0, size=(24,)).astype("float32")
WEIGHTS = [RNG.normal(size=s).astype("float32") * 0.5
           for s in ((4, 8), (8,), (8, 1), (1,), (8, 2), (2,))]


def _two_outputs(lib):
    inputs = lib.Input((4,))
    hidden = lib.layers.Dense(8, name="hidden")(inputs)
    cls = lib.layers.Dense(1, activation="sigmoid", name="cls")(hidden)
    reg = lib.layers.Dense(2, name="reg")(hidden)
    model = lib.Model(inputs, [cls, reg])
    model.set_weights(WEIGHTS)
    return model


def _evaluated(lib, **compile_kwargs):
    model = _two_outputs(lib)
    model.compile(optimizer="sgd", loss=["binary_crossentropy", "mse"], **compile_kwargs)
    as_list = model.evaluate(X, [Y_CLS, Y_REG], sample_weight=SW, batch_size=8, verbose=0)
    logs = model.evaluate(X, [Y_CLS, Y_REG], sample_weight=SW, batch_size=8, verbose=0,
                          return_dict=True)
    compiled, = (m for m in model.metrics if m.name == "compile_metrics")
    inner = [m.name for m in compiled.metrics]
    return logs, list(as_list), model.metrics_names, inner


SPELLINGS = {
    "list_of_lists": dict(metrics=[["accuracy"], ["mae"]]),
    "one_per_output": dict(metrics=["accuracy", "mae"]),
    "none_for_an_output": dict(metrics=[None, ["mae", "mse"]]),
    "dict_by_name": dict(metrics={"reg": ["mae", "mse"], "cls": "accuracy"}),
    "dict_partial": dict(metrics={"reg": "mae"}),
    "weighted_too": dict(metrics=[["accuracy"], ["mae"]],
                         weighted_metrics={"cls": ["accuracy"], "reg": "mae"}),
    "repeated_names": dict(metrics=[["mae", "mae"], ["mae"]], weighted_metrics=[["mae"], None]),
}


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_per_output_metrics_as_keras(keras, spelling):
    ours = _evaluated(kfront, **SPELLINGS[spelling])
    theirs = _evaluated(keras, **SPELLINGS[spelling])
    assert list(ours[0]) == list(theirs[0])  # the log names, in Keras's order
    np.testing.assert_allclose([ours[0][k] for k in ours[0]],
                               [theirs[0][k] for k in theirs[0]], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-6)  # evaluate's list
    assert ours[2:] == theirs[2:]  # metrics_names, the compiled metrics' own names
    assert any(key.startswith(("cls_", "reg_")) and not key.endswith("_loss")
               for key in ours[0])


def test_fit_logs_name_each_outputs_metrics():
    model = _two_outputs(kfront)
    model.compile(optimizer="sgd", loss=["binary_crossentropy", "mse"],
                  metrics=["accuracy", "mae"], weighted_metrics=[None, ["mse"]])
    history = model.fit(X, [Y_CLS, Y_REG], sample_weight=SW, batch_size=8, epochs=1, verbose=0)
    assert sorted(history.history) == ["cls_accuracy", "cls_loss", "loss", "reg_loss", "reg_mae",
                                       "reg_mse"]


def test_one_entry_for_two_outputs_is_refused_as_keras(keras):
    for lib in (kfront, keras):
        model = _two_outputs(lib)
        model.compile(optimizer="sgd", loss=["binary_crossentropy", "mse"], metrics=["mae"])
        with pytest.raises(ValueError, match="metrics"):
            model.evaluate(X, [Y_CLS, Y_REG], verbose=0)


def test_one_output_flattens_nested_metrics_as_keras(keras):
    def logs(lib):
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(2)])
        model.set_weights([WEIGHTS[0][:, :2], WEIGHTS[5]])
        model.compile(loss="mse", metrics=[["mae"], "mse"], weighted_metrics={"any": ["mae"]})
        return model.evaluate(X, Y_REG, sample_weight=SW, verbose=0, return_dict=True)
    ours, theirs = logs(kfront), logs(keras)
    assert list(ours) == list(theirs) == ["loss", "mae", "mse", "weighted_mae"]
    np.testing.assert_allclose(list(ours.values()), list(theirs.values()), rtol=1e-5)
