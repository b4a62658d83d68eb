"""Constants and host-side helpers shared by every backend's ``nn`` ops."""
from __future__ import annotations

MASKED_LOGIT = -0.7 * 3.38953e38  # Keras's value for masked attention logits (float32 and up)
