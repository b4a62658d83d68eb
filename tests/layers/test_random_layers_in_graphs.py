"""Random image layers inside TensorFlow graphs whose batch size is unknown: a ``tf.data``
pipeline mapped after ``batch`` and a ``tf.function`` with an input signature of shape
``(None, H, W, C)``, as keras-io's augmentation guides use them. Keras 3 (TensorFlow backend)
runs them there; kfront must on every backend (on TensorFlow ``ops.shape`` gives the unknown
batch size as a tensor, as Keras's TensorFlow backend does; elsewhere the layers run on the
values)."""
from __future__ import annotations

import numpy as np
import pytest

import kfront

tf = pytest.importorskip("tensorflow")

# name -> constructor arguments (the same for Keras and kfront)
LAYERS = {
    "RandomFlip": dict(mode="horizontal"),
    "RandomRotation": dict(factor=0.1),
    "RandomZoom": dict(height_factor=0.2),
    "RandomTranslation": dict(height_factor=0.1, width_factor=0.1),
    "RandomCrop": dict(height=6, width=5),
    "RandomContrast": dict(factor=0.2),
    "RandomBrightness": dict(factor=0.2),
    "RandomShear": dict(x_factor=0.2, y_factor=0.2),
    "RandomPerspective": dict(),
    "RandomHue": dict(factor=0.2),
    "RandomSaturation": dict(factor=0.2),
    "RandomSharpness": dict(factor=0.2),
    "RandomGrayscale": dict(factor=0.5),
    "RandomInvert": dict(factor=0.5),
    "RandomPosterization": dict(factor=4),
    "RandomColorDegeneration": dict(factor=0.5),
    "RandomColorJitter": dict(brightness_factor=0.2, contrast_factor=0.2),
    "RandomErasing": dict(),
    "RandomGaussianBlur": dict(),
    "RandomElasticTransform": dict(),
    "Solarization": dict(addition_factor=0.5),
    "Equalization": dict(),
    "MixUp": dict(),
    "CutMix": dict(),
    "RandAugment": dict(),
    "AugMix": dict(),
}
IMAGES = np.random.default_rng(0).uniform(0, 255, (10, 8, 8, 3)).astype("float32")


def _run(lib, name: str) -> dict:
    """Output shapes and dtypes of the layer mapped over a batched tf.data pipeline (batch 4,
    last batch 2) and traced in a tf.function with a (None, 8, 8, 3) signature."""
    kwargs = dict(LAYERS[name])
    if name not in ("Equalization",):
        kwargs["seed"] = 3
    mapped = getattr(lib.layers, name)(**kwargs)
    ds = tf.data.Dataset.from_tensor_slices(IMAGES).batch(4).map(
        lambda x: mapped(x, training=True))
    batches = [x.numpy() for x in ds]
    traced = getattr(lib.layers, name)(**kwargs)
    fn = tf.function(lambda x: traced(x, training=True),
                     input_signature=[tf.TensorSpec((None, 8, 8, 3), tf.float32)])
    out = fn(tf.constant(IMAGES[:3])).numpy()
    return {"spec": ds.element_spec.shape.as_list(),
            "data": [(b.shape, b.dtype.name) for b in batches],
            "function": (out.shape, out.dtype.name),
            "finite": all(np.isfinite(b).all() for b in batches) and np.isfinite(out).all(),
            "first": batches[0], "traced": out}


@pytest.fixture(scope="module")
def keras_results(keras):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the oracle is Keras on TensorFlow")
    return {name: _run(keras, name) for name in LAYERS}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_unknown_batch_size_as_keras(backend, keras_results, name):
    ours, theirs = _run(kfront, name), keras_results[name]
    for key in ("spec", "data", "function", "finite"):
        assert ours[key] == theirs[key], (name, key, ours[key], theirs[key])
    if name == "RandomFlip":  # each image is itself or its mirror image
        for got, x in ((ours["first"], IMAGES[:4]), (ours["traced"], IMAGES[:3])):
            for g, image in zip(got, x):
                assert np.allclose(g, image) or np.allclose(g, image[:, ::-1])


def test_shape_gives_unknown_sizes_as_tensors():
    """Keras's TensorFlow ``ops.shape``: known sizes as ints, unknown ones as scalar tensors
    that hold the size when the graph runs; ``ops.size``/``ops.arange`` follow them."""
    kfront.config.set_backend("tensorflow")
    try:
        seen = {}

        @tf.function(input_signature=[tf.TensorSpec((None, 3), tf.float32)])
        def f(x):
            shape = kfront.ops.shape(x)
            seen["types"] = [type(s).__name__ for s in shape]
            return (shape[0] * shape[1], kfront.ops.size(x),
                    kfront.ops.arange(shape[0], dtype="int32"))
        n, size, indices = f(tf.zeros((5, 3)))
        assert seen["types"] == ["SymbolicTensor", "int"]
        assert (int(n), int(size), indices.numpy().tolist()) == (15, 15, [0, 1, 2, 3, 4])
        assert kfront.ops.shape(tf.zeros((5, 3))) == (5, 3)  # eagerly: ints
    finally:
        kfront.config.set_backend("numpy")
