"""What keras-io's examples do, in small: each test is a pattern an example relies on that
kfront got wrong (found by running the examples with only their imports changed)."""
from __future__ import annotations

import numpy as np
import pytest
from conformance.support import backend  # noqa: F401  (pytest fixture: every backend)

import kfront
from kfront import layers, ops


@pytest.fixture(scope="module")
def image_dir(tmp_path_factory):
    """Two class folders of three 8x8 PNG images each."""
    from PIL import Image
    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for k, name in enumerate(("cat", "dog")):
        (root / name).mkdir()
        for i in range(3):
            pixels = rng.integers(0, 100, (8, 8, 3)).astype("uint8") + 100 * k
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return str(root)


def test_directory_dataset_take_map_prefetch_fit(backend, image_dir):
    """The tf.data calls of the image examples (take, map with augmentation layers,
    prefetch, cardinality) on the dataset image_dataset_from_directory returns, then fit."""
    train, val = kfront.utils.image_dataset_from_directory(
        image_dir, validation_split=0.5, subset="both", seed=1, image_size=(8, 8),
        batch_size=2)
    assert train.cardinality() == 2 and val.cardinality() == 2
    first = list(train.take(1))
    assert len(first) == 1 and first[0][0].shape == (2, 8, 8, 3)
    flip = layers.RandomFlip("horizontal", seed=3)
    seen = []

    def augment(images, labels):
        seen.append(len(labels))
        return flip(images), labels

    augmented = train.map(augment, num_parallel_calls=-1).prefetch(2)
    assert seen == []  # mapped lazily, when read
    model = kfront.Sequential([layers.Input((8, 8, 3)), layers.Rescaling(1 / 255),
                               layers.Flatten(), layers.Dense(1)])
    model.compile("adam", kfront.losses.BinaryCrossentropy(from_logits=True))
    history = model.fit(augmented, validation_data=val.prefetch(2), epochs=2, verbose=0)
    assert sorted(seen) == [1, 1, 2, 2] and len(history.history["val_loss"]) == 2
    with pytest.raises(NotImplementedError, match="mapped"):
        augmented.unbatch()
