"""``set_random_seed``: one seed for every source of randomness kfront uses."""
from __future__ import annotations

import random
import sys

import numpy as np

from kfront.backends.common import random as _random


def set_random_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and kfront's global generator (which
    draws unseeded initializers, dropout masks and fit's shuffling), TensorFlow's global seed
    when TensorFlow is imported (tf.data) and torch's on the torch backend, as
    ``keras.utils.set_random_seed`` does.

    Example:
        >>> import kfront
        >>> kfront.utils.set_random_seed(1)
        >>> a = kfront.initializers.GlorotUniform()((2, 2))
        >>> kfront.utils.set_random_seed(1)
        >>> bool((a == kfront.initializers.GlorotUniform()((2, 2))).all())
        True
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"set_random_seed: expected an int seed, got {seed!r} "
                         f"({type(seed).__name__})")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    _random.set_global_seed(int(seed))
    # as Keras: TensorFlow's global seed on every backend (tf.data's shuffles: under
    # tf.config.experimental.enable_op_determinism() they refuse to run unseeded), torch's on
    # the torch backend (a DataLoader's shuffling); frameworks not yet imported stay so
    tf = sys.modules.get("tensorflow")
    if tf is not None and hasattr(tf, "random"):
        tf.random.set_seed(int(seed))
    from kfront import config
    if config.backend() == "torch" and "torch" in sys.modules:
        sys.modules["torch"].manual_seed(int(seed))
