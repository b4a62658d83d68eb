"""``keras.distillation.Distiller``: trains a student model to match a frozen teacher."""
from __future__ import annotations

from kfront import metrics, ops, tree
from kfront.distillation.distillation_loss import _loss_function, _stack_sum
from kfront.models import Model, Sequential
from kfront.saving import serialization_lib
from kfront.utils import unpack_x_y_sample_weight


class Distiller(Model):
    """Knowledge distillation: a Model whose ``call`` is the student's and whose loss mixes
    the student loss (compiled ``loss`` against ``y``) and distillation losses against the
    teacher (``keras.distillation.Distiller``)::

        total = student_loss_weight * student_loss
                + (1 - student_loss_weight) * sum(w_i * distillation_loss_i)

    The teacher is frozen (``trainable = False``); ``student_loss``, ``distillation_loss``
    and ``total_loss`` are tracked as metrics. Feature distillation by layer name needs
    Functional or Sequential models.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront import layers
        >>> from kfront.distillation import Distiller, LogitsDistillation
        >>> teacher = kfront.Sequential([layers.Input((4,)), layers.Dense(3)])
        >>> student = kfront.Sequential([layers.Input((4,)), layers.Dense(3)])
        >>> d = Distiller(teacher, student, LogitsDistillation(temperature=2.0))
        >>> d.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        >>> history = d.fit(np.ones((8, 4), "float32"), np.zeros(8, "int32"), verbose=0)
        >>> sorted(history.history)
        ['distillation_loss', 'loss', 'student_loss', 'total_loss']
    """

    def __init__(self, teacher, student, distillation_losses, distillation_loss_weights=None,
                 student_loss_weight: float = 0.5, name: str = "distiller", **kwargs):
        super().__init__(name=name, **kwargs)
        self._validate_models(teacher, student)
        self.teacher = teacher
        self.student = student
        if not isinstance(student_loss_weight, (int, float)):
            raise ValueError(f"Distiller: student_loss_weight must be a number, got "
                             f"{type(student_loss_weight).__name__}")
        if not 0.0 <= student_loss_weight <= 1.0:
            raise ValueError(f"Distiller: student_loss_weight must be between 0.0 and 1.0, got "
                             f"{student_loss_weight}")
        self.student_loss_weight = student_loss_weight
        if distillation_losses is None:
            raise ValueError("Distiller: 'distillation_losses' cannot be None. Provide a "
                             "distillation loss (e.g., LogitsDistillation or "
                             "FeatureDistillation) or a list of distillation losses.")
        if not isinstance(distillation_losses, (list, tuple)):
            self.distillation_losses = [distillation_losses]
            self.distillation_loss_weights = [1.0]
        else:
            self.distillation_losses = list(distillation_losses)
            if distillation_loss_weights is None:
                distillation_loss_weights = [1.0] * len(distillation_losses)
            elif len(distillation_loss_weights) != len(distillation_losses):
                raise ValueError(f"Distiller: number of distillation_loss_weights "
                                 f"({len(distillation_loss_weights)}) must match number of "
                                 f"distillation_losses ({len(distillation_losses)})")
            self.distillation_loss_weights = list(distillation_loss_weights)
        for loss in self.distillation_losses:
            loss.validate_model_compatibility(teacher, student)
        losses = self.distillation_losses
        self._teacher_features = self._feature_extractor(
            teacher, [getattr(loss, "teacher_layer_name", None) for loss in losses])
        self._student_features = self._feature_extractor(
            student, [getattr(loss, "student_layer_name", None) for loss in losses])
        self.teacher.trainable = False
        self.student_loss_tracker = metrics.Mean(name="student_loss")
        self.distillation_loss_tracker = metrics.Mean(name="distillation_loss")
        self.total_loss_tracker = metrics.Mean(name="total_loss")

    # ---- validation -------------------------------------------------------------------
    def _validate_models(self, teacher, student) -> None:
        for role, model in (("Teacher", teacher), ("Student", student)):
            if not isinstance(model, Model):
                raise ValueError(f"Distiller: {role} must be a kfront Model, got "
                                 f"{type(model).__name__}")
        for what in ("inputs", "outputs"):
            ours, theirs = getattr(teacher, what, None), getattr(student, what, None)
            if ours is None or theirs is None:
                continue
            for t, s in zip(tree.flatten(ours), tree.flatten(theirs)):
                context = what[:-1]
                if len(t.shape) != len(s.shape):
                    raise ValueError(f"Teacher and student {context} shapes have different "
                                     f"dimensions. Teacher: {t.shape}, Student: {s.shape}.")
                if any(a is not None and b is not None and a != b
                       for a, b in zip(t.shape, s.shape)):
                    raise ValueError(f"Teacher and student {context} shapes are incompatible. "
                                     f"Teacher: {t.shape}, Student: {s.shape}. All dimensions "
                                     f"must match.")
                if t.dtype != s.dtype:
                    raise ValueError(f"Teacher and student {context} dtypes must match. "
                                     f"Teacher: {t.dtype}, Student: {s.dtype}.")

    @staticmethod
    def _feature_extractor(model, names):
        """A Functional model giving ``{"final_output": ..., <layer name>: ...}``, or None
        when no distillation loss names a layer of ``model``."""
        names = list(dict.fromkeys(n for n in names if n))
        if not names:
            return None
        if getattr(model, "inputs", None) is None:
            raise ValueError(f"Cannot create feature extractor for {model.name}. The model has "
                             f"no symbolic inputs attribute.")
        final = model.layers[-1].output if isinstance(model, Sequential) else model.output
        outputs = {"final_output": final}
        outputs.update((n, model.get_layer(name=n).output) for n in names)
        return Model(inputs=model.inputs, outputs=outputs,
                     name=f"{model.name}_multi_feature_extractor")

    # ---- training ---------------------------------------------------------------------
    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs) -> None:
        """As ``Model.compile``; ``loss`` (required) is the student loss, against ``y``."""
        if loss is None:
            raise ValueError("Distiller.compile: 'loss' cannot be None.")
        self._student_loss = tree.map_structure(_loss_function, loss)
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise ValueError(f"Distiller.compile: metrics must be a list or tuple, got "
                             f"{type(metrics).__name__}")
        super().compile(optimizer=optimizer, loss=None, metrics=metrics, **kwargs)

    def call(self, inputs, training=None, **kwargs):
        return self.student(inputs, training=training, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The weighted student and distillation losses (``sample_weight`` is not used, as in
        Keras); updates the ``student_loss``, ``distillation_loss`` and ``total_loss``
        trackers."""
        if y_pred is None:
            y_pred = self(x, training=training)
        parts = self._loss_parts(x, y, y_pred)
        self._track(parts)
        return parts[-1]

    def train_step(self, data) -> dict:
        """Keras's built-in step with the trackers updated outside the gradient, so that it
        compiles (``jax.jit`` / ``tf.function``) like the built-in step."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        variables = self.trainable_variables

        def loss_fn(_):
            y_pred = self(x, training=True)
            parts = self._loss_parts(x, y, y_pred)
            return self.optimizer.scale_loss(parts[-1]), (y_pred, parts)
        (_, (y_pred, parts)), grads = ops.value_and_grad(loss_fn, has_aux=True)(variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        self._track(parts, batch_size=ops.shape(tree.flatten(x)[0])[0])
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data) -> dict:
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        self._track(self._loss_parts(x, y, y_pred),
                    batch_size=ops.shape(tree.flatten(x)[0])[0])
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def _track(self, parts, batch_size=None) -> None:
        """The trackers' updates; in a step also the compiled ``loss`` tracker (weighted by
        the batch size, as Keras's built-in step)."""
        for tracker, value in zip((self.student_loss_tracker, self.distillation_loss_tracker,
                                   self.total_loss_tracker), parts):
            tracker.update_state(value)
        if batch_size is not None and "_loss_tracker" in self.__dict__:
            self._loss_tracker.update_state(parts[-1], sample_weight=batch_size)

    def _loss_parts(self, x, y, y_pred) -> tuple:
        """``(student_loss, distillation_loss, total_loss)`` of a batch (Keras's formulas)."""
        student_loss = 0.0
        if self.student_loss_weight > 0.0 and y is not None:
            values = tree.flatten(tree.map_structure(lambda fn, o, p: fn(o, p),
                                                     self._student_loss, y, y_pred))
            student_loss = _stack_sum(values) if len(values) > 1 else values[0]
            if len(ops.shape(student_loss)) > 0:
                student_loss = ops.mean(student_loss)
        distillation_loss = 0.0
        if self.student_loss_weight < 1.0:
            teacher = ({"final_output": self.teacher(x, training=False)}
                       if self._teacher_features is None
                       else self._teacher_features(x, training=False))
            student = ({"final_output": y_pred} if self._student_features is None
                       else self._student_features(x, training=True))
            for loss, weight in zip(self.distillation_losses, self.distillation_loss_weights):
                if getattr(loss, "teacher_layer_name", None) is not None:
                    t_out = teacher[loss.teacher_layer_name]
                    s_out = student[loss.student_layer_name or "final_output"]
                else:
                    t_out, s_out = teacher["final_output"], y_pred
                loss.validate_outputs(t_out, s_out)
                value = loss.compute_loss(t_out, s_out)
                if len(ops.shape(value)) > 0:
                    raise ValueError(f"Distillation loss {type(loss).__name__} returned a "
                                     f"non-scalar loss with shape {tuple(ops.shape(value))}. "
                                     f"The compute_loss method must return a scalar tensor.")
                distillation_loss = ops.add(distillation_loss, ops.multiply(weight, value))
        total = ops.add(ops.multiply(self.student_loss_weight, student_loss),
                        ops.multiply(1.0 - self.student_loss_weight, distillation_loss))
        return student_loss, distillation_loss, total

    # ---- config -----------------------------------------------------------------------
    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable,
                "teacher": serialization_lib.serialize_keras_object(self.teacher),
                "student": serialization_lib.serialize_keras_object(self.student),
                "distillation_losses": [serialization_lib.serialize_keras_object(loss)
                                        for loss in self.distillation_losses],
                "distillation_loss_weights": self.distillation_loss_weights,
                "student_loss_weight": self.student_loss_weight}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> Distiller:
        config = dict(config)
        for key in ("teacher", "student"):
            config[key] = serialization_lib.deserialize_keras_object(config[key])
        config["distillation_losses"] = [serialization_lib.deserialize_keras_object(loss)
                                         for loss in config["distillation_losses"]]
        return cls(**config)
