"""``keras.distillation``: knowledge distillation from a teacher model to a student."""
from kfront.distillation.distillation_loss import (DistillationLoss, FeatureDistillation,
                                                   LogitsDistillation)
from kfront.distillation.distiller import Distiller

__all__ = ["DistillationLoss", "Distiller", "FeatureDistillation", "LogitsDistillation"]
