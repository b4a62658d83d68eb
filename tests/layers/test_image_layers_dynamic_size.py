"""Image preprocessing layers in TensorFlow graphs whose image height and width are unknown:
a ``tf.function`` with an input signature of shape ``(None, None, None, 3)`` and a ``tf.data``
pipeline of images of varying size (keras-io's image-classification examples resize such
images with a ``Resizing`` layer inside ``tf.data``). Keras 3 (TensorFlow backend) runs them
there; kfront-TF failed on symbolic sizes (``float()`` / Python ``bool`` of a tensor). The
geometric layers are given degenerate factor ranges, so their outputs are deterministic and
compared with Keras's."""
from __future__ import annotations

import numpy as np
import pytest
from conformance.support import activate

import kfront

tf = pytest.importorskip("tensorflow")

# name -> (layer, constructor arguments: the same for Keras and kfront)
DETERMINISTIC = {
    "resize": ("Resizing", dict(height=8, width=10)),
    "resize crop": ("Resizing", dict(height=8, width=10, crop_to_aspect_ratio=True)),
    "resize pad": ("Resizing", dict(height=8, width=10, pad_to_aspect_ratio=True)),
    "center crop": ("CenterCrop", dict(height=6, width=5)),
    "rescale": ("Rescaling", dict(scale=1 / 255, offset=-0.5)),
    "normalize": ("Normalization", dict(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0])),
    "rotate": ("RandomRotation", dict(factor=(0.1, 0.1), seed=1)),
    "rotate wrap": ("RandomRotation", dict(factor=(-0.2, -0.2), fill_mode="wrap", seed=1)),
    "zoom": ("RandomZoom", dict(height_factor=(0.3, 0.3), width_factor=(-0.2, -0.2),
                                seed=1)),
    "translate": ("RandomTranslation", dict(height_factor=(0.2, 0.2),
                                            width_factor=(-0.1, -0.1), fill_mode="nearest",
                                            seed=1)),
    "translate constant": ("RandomTranslation", dict(height_factor=(0.1, 0.1),
                                                     width_factor=(0.3, 0.3),
                                                     fill_mode="constant",
                                                     interpolation="nearest", seed=1)),
}
SIGNATURE = [tf.TensorSpec((None, None, None, 3), tf.float32)]
SIZES = ((9, 12), (7, 7), (12, 6))  # images of varying size: one trace serves them all


def _images(height: int, width: int) -> np.ndarray:
    return np.random.default_rng(height * width).uniform(0, 255, (2, height, width, 3)) \
        .astype("float32")


def _traced_outputs(lib, name: str) -> list:
    """The layer (training=True) traced once with an unknown batch, height and width, run
    on batches of each of SIZES; and once more mapped over a tf.data pipeline of them."""
    cls, kwargs = DETERMINISTIC[name]
    layer = getattr(lib.layers, cls)(**kwargs)
    layer(_images(*SIZES[0]))  # built eagerly (Normalization's constants outlive one graph)
    fn = tf.function(lambda x: layer(x, training=True), input_signature=SIGNATURE)
    outputs = [fn(_images(*size)).numpy() for size in SIZES]
    assert fn.experimental_get_tracing_count() == 1
    ds = tf.data.Dataset.from_generator(
        lambda: (_images(*size) for size in SIZES), output_signature=SIGNATURE[0])
    mapped = ds.map(lambda x: layer(x, training=True))
    assert mapped.element_spec.shape.as_list()[0] is None
    return outputs + [x.numpy() for x in mapped]


@pytest.fixture
def tensorflow_backend():
    activate("tensorflow")
    yield
    kfront.config.set_backend("numpy")


@pytest.mark.parametrize("name", list(DETERMINISTIC))
def test_unknown_height_and_width_as_keras(tensorflow_backend, keras, name):
    ours, theirs = _traced_outputs(kfront, name), _traced_outputs(keras, name)
    assert [x.shape for x in ours] == [x.shape for x in theirs]
    for got, expected in zip(ours, theirs):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3)


def test_static_sizes_give_the_traced_result(tensorflow_backend):
    """The same layers called eagerly (sizes known) give what the dynamic graph gives."""
    for name in ("resize crop", "resize pad", "center crop", "rotate wrap", "zoom"):
        cls, kwargs = DETERMINISTIC[name]
        layer = getattr(kfront.layers, cls)(**kwargs)
        traced = _traced_outputs(kfront, name)
        for size, got in zip(SIZES, traced):
            eager = kfront.ops.convert_to_numpy(layer(_images(*size), training=True))
            np.testing.assert_allclose(eager, got, rtol=1e-4, atol=1e-3)


def _window_of(window: np.ndarray, image: np.ndarray) -> bool:
    h, w = window.shape[:2]
    return any(np.array_equal(image[i:i + h, j:j + w], window)
               for i in range(image.shape[0] - h + 1) for j in range(image.shape[1] - w + 1))


def test_random_layers_with_unknown_sizes(tensorflow_backend):
    """RandomFlip gives each image or its mirror; RandomCrop (which Keras 3.15 cannot trace
    with unknown sizes) a window of the target size from each image, both in one trace."""
    flip = kfront.layers.RandomFlip("horizontal", seed=2)
    crop = kfront.layers.RandomCrop(5, 4, seed=2)
    flip_fn = tf.function(lambda x: flip(x, training=True), input_signature=SIGNATURE)
    crop_fn = tf.function(lambda x: crop(x, training=True), input_signature=SIGNATURE)
    for size in SIZES:
        images = _images(*size)
        for image, out in zip(images, flip_fn(images).numpy()):
            assert np.array_equal(out, image) or np.array_equal(out, image[:, ::-1])
        cropped = crop_fn(images).numpy()
        assert cropped.shape == (2, 5, 4, 3)
        assert all(_window_of(out, image) for image, out in zip(images, cropped))
