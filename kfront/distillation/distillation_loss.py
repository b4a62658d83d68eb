"""Distillation losses (``keras.distillation``): how a student's outputs or features are
compared with a teacher's."""
from __future__ import annotations

from kfront import losses, ops, tree
from kfront.saving import serialization_lib


def _loss_function(item):
    """A loss named by a string as ``kfront.losses.get`` finds it; anything else as given."""
    if isinstance(item, str):
        fn = losses.get(item)
        if fn is None:
            raise ValueError(f"Unknown loss function: {item!r}.")
        return fn
    return item


def _stack_sum(values) -> object:
    return ops.sum(ops.stack([ops.convert_to_tensor(v, "float32") if isinstance(v, float) else v
                              for v in tree.flatten(values)]))


class DistillationLoss:
    """The base of distillation losses: ``compute_loss(teacher_outputs, student_outputs)``
    returns a scalar (``keras.distillation.DistillationLoss``).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> from kfront.distillation import DistillationLoss
        >>> class L1(DistillationLoss):
        ...     def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        ...         return ops.mean(ops.abs(teacher_outputs - student_outputs))
        >>> float(L1().compute_loss(np.ones(3, "float32"), np.zeros(3, "float32")))
        1.0
    """

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}: subclasses of DistillationLoss "
                                  f"must implement compute_loss")

    def validate_outputs(self, teacher_outputs, student_outputs) -> None:
        """Raise a ValueError when the two structures differ."""
        tree.assert_same_structure(teacher_outputs, student_outputs)

    def validate_model_compatibility(self, teacher, student) -> None:
        """Raise a ValueError when this loss cannot compare ``teacher`` and ``student``."""


class FeatureDistillation(DistillationLoss):
    """Compares the outputs of a teacher layer and a student layer (by name; the models'
    final outputs without names) with ``loss`` (``keras.distillation.FeatureDistillation``).

    Example:
        >>> import numpy as np
        >>> from kfront.distillation import FeatureDistillation
        >>> float(FeatureDistillation("mse").compute_loss(np.ones((2, 3), "float32"),
        ...                                               np.zeros((2, 3), "float32")))
        1.0
    """

    def __init__(self, loss="mse", teacher_layer_name: str | None = None,
                 student_layer_name: str | None = None):
        self.teacher_layer_name = teacher_layer_name
        self.student_layer_name = student_layer_name
        self.loss = tree.map_structure(_loss_function, loss)
        if all(item is None for item in tree.flatten(self.loss)):
            raise ValueError("FeatureDistillation: the `loss` argument must contain at least one "
                             "non-None value")

    def validate_model_compatibility(self, teacher, student) -> None:
        if self.teacher_layer_name is not None or self.student_layer_name is not None:
            subclassed = [role for role, m in (("teacher", teacher), ("student", student))
                          if getattr(m, "inputs", None) is None]
            if subclassed:
                raise ValueError(
                    f"FeatureDistillation with specific layer names requires Functional or "
                    f"Sequential models. The {' and '.join(subclassed)} model(s) appear to be "
                    f"subclassed (no symbolic inputs/outputs). Either use Functional/Sequential "
                    f"models, or use FeatureDistillation without layer names (to distill final "
                    f"outputs only), or use LogitsDistillation instead.")
        for role, model, name in (("teacher", teacher, self.teacher_layer_name),
                                  ("student", student, self.student_layer_name)):
            if name is not None:
                try:
                    model.get_layer(name=name)
                except ValueError as e:
                    raise ValueError(f"In {role} model: {e}") from None

    def validate_outputs(self, teacher_outputs, student_outputs) -> None:
        super().validate_outputs(teacher_outputs, student_outputs)
        try:
            tree.assert_same_structure(self.loss, teacher_outputs)
        except ValueError as e:
            raise ValueError(f"FeatureDistillation: loss structure mismatch. Loss structure: "
                             f"{self.loss!r}, output structure of the teacher: "
                             f"{tree.map_structure(lambda _: '*', teacher_outputs)!r}. "
                             f"Error: {e}") from None

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        def apply(fn, teacher, student):
            return 0.0 if fn is None else ops.mean(fn(teacher, student))
        return _stack_sum(tree.map_structure(apply, self.loss, teacher_outputs,
                                             student_outputs))

    def get_config(self) -> dict:
        return {"loss": losses.serialize(self.loss),
                "teacher_layer_name": self.teacher_layer_name,
                "student_layer_name": self.student_layer_name}

    @classmethod
    def from_config(cls, config: dict) -> FeatureDistillation:
        config = dict(config)
        config["loss"] = losses.deserialize(config["loss"])
        return cls(**config)


class LogitsDistillation(DistillationLoss):
    """Compares the teacher's and student's logits divided by ``temperature`` with ``loss``
    (``keras.distillation.LogitsDistillation``); a ``KLDivergence`` instance compares their
    softmaxes and is scaled by ``temperature ** 2``, as Keras's.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.distillation import LogitsDistillation
        >>> d = LogitsDistillation(temperature=2.0, loss=kfront.losses.KLDivergence())
        >>> float(d.compute_loss(np.float32([[1.0, 2.0]]), np.float32([[1.0, 2.0]])))
        0.0
    """

    def __init__(self, temperature: float = 3.0, loss="kl_divergence"):
        self.temperature = temperature
        self.loss = tree.map_structure(_loss_function, loss)
        if all(item is None for item in tree.flatten(self.loss)):
            raise ValueError("LogitsDistillation: at least one loss must be non-None")
        if not isinstance(temperature, (int, float)) or isinstance(temperature, bool):
            raise ValueError(f"LogitsDistillation: temperature must be a number, got "
                             f"{type(temperature).__name__}")
        if temperature <= 0.0:
            raise ValueError(f"LogitsDistillation: temperature must be positive, got "
                             f"{temperature}")

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        t = self.temperature
        teacher = tree.map_structure(lambda x: ops.divide(x, t), teacher_outputs)
        student = tree.map_structure(lambda x: ops.divide(x, t), student_outputs)

        def apply(fn, teacher_logits, student_logits):
            if fn is None:
                return 0.0
            if isinstance(fn, losses.KLDivergence):
                loss = ops.mean(fn(ops.softmax(teacher_logits, axis=-1),
                                   ops.softmax(student_logits, axis=-1)))
                return loss * (t ** 2)
            return ops.mean(fn(teacher_logits, student_logits))
        return _stack_sum(tree.map_structure(apply, self.loss, teacher, student))

    def get_config(self) -> dict:
        return {"temperature": self.temperature,
                "loss": serialization_lib.serialize_keras_object(self.loss)}

    @classmethod
    def from_config(cls, config: dict) -> LogitsDistillation:
        config = dict(config)
        config["loss"] = losses.deserialize(config["loss"])
        return cls(**config)
