"""``kfront.distillation`` against Keras 3's ``keras.distillation``: the same teacher and
student weights give the same fit losses (student, distillation, total) on every backend."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import distillation, layers

from conformance.support import backend  # noqa: F401  (fixture)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 5)).astype("float32")
Y = RNG.integers(0, 3, size=(8,)).astype("int32")


def _models(k):
    def net(name, hidden):
        inputs = k.Input((5,))
        h = k.layers.Dense(hidden, activation="tanh", name=f"{name}_feat")(inputs)
        h = k.layers.Dense(4, name=f"{name}_proj")(h)
        return k.Model(inputs, k.layers.Dense(3, name=f"{name}_logits")(h), name=name)
    return net("teacher", 6), net("student", 2)


def _cases(k):
    d = k.distillation
    return {
        "logits_default": dict(distillation_losses=d.LogitsDistillation()),
        "features_and_logits": dict(distillation_losses=[
            d.FeatureDistillation("mse", "teacher_proj", "student_proj"),
            d.LogitsDistillation(temperature=4.0, loss="mse")],
            distillation_loss_weights=[0.7, 2.0], student_loss_weight=0.0),
    }


def _run(k, weights=None):
    out = {}
    for case, kwargs in _cases(k).items():
        teacher, student = _models(k)
        if weights is not None:
            teacher.set_weights(weights[case][0])
            student.set_weights(weights[case][1])
        distiller = k.distillation.Distiller(teacher, student, **kwargs)
        distiller.compile(optimizer=k.optimizers.SGD(0.1),
                          loss=k.losses.SparseCategoricalCrossentropy(from_logits=True))
        before = (teacher.get_weights(), student.get_weights())
        history = distiller.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
        if case != "logits_default":  # evaluate and predict once (each compiles on JAX)
            out[case] = (before, history, {}, None)
            continue
        out[case] = (before, history, distiller.evaluate(X, Y, verbose=0, return_dict=True),
                     np.asarray(distiller.predict(X, verbose=0)))
    return out


@pytest.fixture(scope="module")
def keras_results(keras):
    keras.utils.set_random_seed(0)  # a fixed start: a few SGD(0.1) steps amplify float32 rounding
    return _run(keras)


def test_distiller_trains_as_keras(backend, keras_results):
    ours = _run(kfront, {case: r[0] for case, r in keras_results.items()})
    for case, (_, history, evaluation, predicted) in keras_results.items():
        got_history, got_eval, got_pred = ours[case][1:]
        assert sorted(got_history) == sorted(history), case
        for key in history:
            np.testing.assert_allclose(got_history[key], history[key], rtol=1e-4, atol=1e-6,
                                       err_msg=f"{case} {key}")
        for key in evaluation:
            np.testing.assert_allclose(got_eval[key], evaluation[key], rtol=1e-4, atol=1e-6,
                                       err_msg=f"{case} evaluate {key}")
        if predicted is not None:
            np.testing.assert_allclose(kfront.ops.convert_to_numpy(got_pred), predicted,
                                       rtol=1e-4, atol=1e-6, err_msg=case)
    assert sorted(keras_results["logits_default"][2]) == sorted(ours["logits_default"][2]) == [
        "distillation_loss", "loss", "student_loss", "total_loss"]


def _loss_values(k):
    d = k.distillation
    rng = np.random.default_rng(1)
    teacher, student = rng.normal(size=(2, 4, 3)).astype("float32")
    configs = [d.LogitsDistillation(), d.LogitsDistillation(2.0, k.losses.KLDivergence()),
               d.LogitsDistillation(0.5, ["mse"]), d.FeatureDistillation("mae"),
               d.FeatureDistillation(k.losses.CosineSimilarity(), "a", "b")]
    values = [loss.compute_loss([teacher], [student]) if isinstance(loss.loss, list)
              else loss.compute_loss(teacher, student) for loss in configs]
    return [float(k.ops.convert_to_numpy(v)) for v in values]


def test_distillation_losses_as_keras(backend, keras):
    np.testing.assert_allclose(_loss_values(kfront), _loss_values(keras), rtol=1e-5)


def test_distiller_config_and_errors():
    teacher, student = _models(kfront)
    d = distillation.Distiller(teacher, student, distillation.LogitsDistillation(temperature=2.5),
                               student_loss_weight=0.25)
    assert not teacher.trainable and d.student is student
    config = d.get_config()
    assert (config["student_loss_weight"], config["distillation_loss_weights"]) == (0.25, [1.0])
    loss = distillation.LogitsDistillation.from_config(
        distillation.LogitsDistillation(temperature=2.5).get_config())
    assert loss.temperature == 2.5
    feature = distillation.FeatureDistillation.from_config(
        distillation.FeatureDistillation("mae", "a", "b").get_config())
    assert (feature.teacher_layer_name, feature.student_layer_name) == ("a", "b")
    for kwargs, error in ((dict(student_loss_weight=1.5), "between 0.0 and 1.0"),
                          (dict(distillation_losses=None), "cannot be None"),
                          (dict(distillation_losses=[distillation.LogitsDistillation()],
                                distillation_loss_weights=[1.0, 2.0]), "must match")):
        args = {"distillation_losses": distillation.LogitsDistillation(), **kwargs}
        with pytest.raises(ValueError, match=error):
            distillation.Distiller(teacher, student, **args)
    with pytest.raises(ValueError, match="In teacher model"):
        distillation.Distiller(teacher, student, distillation.FeatureDistillation(
            teacher_layer_name="nope"))
    small = kfront.Sequential([layers.Input((4,)), layers.Dense(3)])
    with pytest.raises(ValueError, match="input shapes are incompatible"):
        distillation.Distiller(teacher, small, distillation.LogitsDistillation())
    for bad, error in ((0.0, "positive"), ("3", "must be a number")):
        with pytest.raises(ValueError, match=error):
            distillation.LogitsDistillation(temperature=bad)
    with pytest.raises(ValueError, match="loss' cannot be None"):
        d.compile(optimizer="sgd")
