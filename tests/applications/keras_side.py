"""Run as a subprocess (``python keras_side.py SPECS_JSON``): builds each Keras application of
the specs on Keras's numpy backend (the fastest to build; random initializers replaced by zeros,
since only the structure is compared) and prints, as JSON, each model's name and its layers'
(name, class, weight shapes)."""
import json
import os
import sys

os.environ["KERAS_BACKEND"] = "numpy"

import numpy as np  # noqa: E402

import keras  # noqa: E402
from keras.src.backend.numpy import random as numpy_random  # noqa: E402


def _zeros(shape, *args, dtype=None, **kwargs):
    return np.zeros(shape, dtype=dtype or "float32")


for _fn in ("normal", "uniform", "truncated_normal"):
    setattr(numpy_random, _fn, _zeros)


def summary(model) -> dict:
    return {"name": model.name,
            "layers": [[layer.name, type(layer).__name__, [list(w.shape) for w in layer.weights]]
                       for layer in model.layers]}


if __name__ == "__main__":
    out = []
    for fn, kwargs in json.loads(sys.argv[1]):
        keras.utils.clear_session()
        out.append(summary(getattr(keras.applications, fn)(weights=None, **kwargs)))
    print("@@" + json.dumps(out))
