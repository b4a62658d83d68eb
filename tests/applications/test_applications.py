"""kfront.applications against Keras 3: layer names, classes and weight shapes of every model
function; outputs with Keras's weights on every backend; preprocessing, decoding, weight files,
the ImageNet file table and the argument errors."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import kfront
from kfront import applications as apps

SMALL = {"include_top": False, "input_shape": [32, 32, 3]}
# (function, kwargs): every model function, on a small input where the model allows one
SPECS = [
    ("ResNet50", {"input_shape": [32, 32, 3], "classes": 7}),
    ("ResNet101", SMALL), ("ResNet152", SMALL),
    ("ResNet50V2", {**SMALL, "pooling": "avg"}), ("ResNet101V2", SMALL), ("ResNet152V2", SMALL),
    ("VGG16", {**SMALL, "pooling": "max"}), ("VGG19", SMALL),
    ("MobileNet", {"input_shape": [32, 32, 3], "alpha": 0.5}),
    ("MobileNetV2", {"input_shape": [32, 32, 3], "alpha": 1.4}),
    ("MobileNetV3Small", {"input_shape": [32, 32, 3]}),
    ("MobileNetV3Large", {**SMALL, "minimalistic": True, "alpha": 0.75}),
    ("DenseNet121", {"input_shape": [32, 32, 3]}), ("DenseNet169", SMALL),
    ("DenseNet201", SMALL),
    ("Xception", {"input_shape": [71, 71, 3]}),
    ("EfficientNetB0", {"input_shape": [32, 32, 3]}),
] + [(f"EfficientNetB{i}", SMALL) for i in range(1, 8)]

NAMES = sorted({fn for fn, _ in SPECS})


def _normalized(layers: list) -> list:
    """Sorted (name, class, shapes); names Keras generates (``add_3``) lose their counter,
    which depends on what the process built before."""
    from keras.src.utils.naming import to_snake_case
    out = []
    for name, cls, shapes in layers:
        snake = to_snake_case(cls)
        if re.fullmatch(rf"{re.escape(snake)}(_\d+)?", name):
            name = snake
        out.append((name, cls, tuple(tuple(s) for s in shapes)))
    return sorted(out)


@pytest.fixture(scope="module")
def keras_process():
    """Keras's side, built in a subprocess that runs while kfront builds its models."""
    script = os.path.join(os.path.dirname(__file__), "keras_side.py")
    proc = subprocess.Popen([sys.executable, script, json.dumps(SPECS)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


def _keras_summaries(proc) -> list:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.split("@@", 1)[1])


def _summary(model) -> dict:
    return {"name": model.name,
            "layers": [[layer.name, type(layer).__name__, [list(w.shape) for w in layer.weights]]
                       for layer in model.layers]}


def test_every_model_function_matches_keras_layers(keras_process):
    ours = [_summary(getattr(apps, fn)(weights=None, **kwargs)) for fn, kwargs in SPECS]
    theirs = _keras_summaries(keras_process)
    assert len(theirs) == len(SPECS)
    for (fn, kwargs), mine, keras_one in zip(SPECS, ours, theirs):
        assert mine["name"] == keras_one["name"], fn
        assert _normalized(mine["layers"]) == _normalized(keras_one["layers"]), (fn, kwargs)
