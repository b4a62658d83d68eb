"""TensorBoard's ``write_images`` and ``embeddings_freq`` (as Keras 3 writes them), read back
with tensorboard's own readers: EventAccumulator for the weight images (PNG in the ``images``
plugin's string tensors) and the projector plugin's config proto for
``projector_config.pbtxt``."""
from __future__ import annotations

import io
import os

import numpy as np
import pytest

pytest.importorskip("tensorboard")
PIL_Image = pytest.importorskip("PIL.Image")
from google.protobuf import text_format  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.plugins.projector import projector_config_pb2  # noqa: E402

import kfront  # noqa: E402
from kfront import layers  # noqa: E402
from kfront.callbacks import TensorBoard  # noqa: E402
from conformance.support import backend  # noqa: E402,F401  (pytest fixture)

RNG = np.random.default_rng(2)
X = RNG.integers(0, 10, (8, 5))
Y = RNG.normal(size=(8, 1)).astype("float32")


def _model():
    return kfront.Sequential([
        kfront.Input((5,)), layers.Embedding(10, 4, name="emb"),
        layers.Conv1D(3, 2, name="conv"), layers.Flatten(), layers.Dense(1, name="out")])


def _as_image(w):
    """Keras's weight image (squeezed; wide; channels first), as uint8 like tf.summary.image."""
    w = np.squeeze(w)
    if w.ndim == 1:
        w = w[None, :, None]
    elif w.ndim == 2:
        w = (w.T if w.shape[0] > w.shape[1] else w)[None]
    else:
        w = np.transpose(w, (2, 0, 1))
    return np.clip(w.astype("float64") * 255.5, 0, 255).astype(np.uint8)


def test_weight_images_and_embeddings(backend, tmp_path):
    model = _model()
    model.compile(optimizer="adam", loss="mse")
    tb = TensorBoard(str(tmp_path), histogram_freq=1, write_images=True, embeddings_freq=1,
                     embeddings_metadata={"emb": "metadata.tsv"})
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0, callbacks=[tb])

    acc = EventAccumulator(str(tmp_path / "train"), size_guidance={"tensors": 0})
    acc.Reload()
    images = {tag: acc.Tensors(tag) for tag in acc.Tags()["tensors"] if tag.endswith("/image")}
    weights = {w.path: w.numpy() for w in model.weights}
    # the Dense bias (1,) squeezes to a scalar: no image, as in Keras
    assert sorted(images) == sorted(f"{p}/image" for p in weights if not p.endswith("/out/bias"))
    for tag, events in images.items():
        assert [e.step for e in events] == [0, 1]
        proto = events[-1].tensor_proto
        expected = _as_image(weights[tag[:-len("/image")]])
        k, height, width = expected.shape
        assert proto.string_val[:2] == [str(width).encode(), str(height).encode()]
        assert len(proto.string_val) == 2 + min(k, 3)
        for png, want in zip(proto.string_val[2:], expected):
            got = np.asarray(PIL_Image.open(io.BytesIO(png)))
            np.testing.assert_array_equal(got, want, err_msg=tag)
    assert acc.SummaryMetadata(f"{model.layers[0].embeddings.path}/image").plugin_data.plugin_name == "images"

    config = text_format.Parse((tmp_path / "projector_config.pbtxt").read_text(),
                               projector_config_pb2.ProjectorConfig())
    assert [(e.tensor_name, e.metadata_path) for e in config.embeddings] == [
        ("layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE", "metadata.tsv")]
    saved = sorted(f for f in os.listdir(tmp_path / "train") if f.startswith("keras_embedding"))
    assert saved == ["keras_embedding.ckpt-0.weights.h5", "keras_embedding.ckpt-1.weights.h5"]
    restored = _model()
    restored.load_weights(str(tmp_path / "train" / saved[-1]))
    for got, want in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_profile_batch(backend, tmp_path):
    if backend not in ("jax", "tensorflow"):
        with pytest.raises(ValueError, match=f"profiling is not available with the {backend} "
                                             "backend.*profile_batch=2"):
            TensorBoard(str(tmp_path), profile_batch=2)
        return
    model = kfront.Sequential([kfront.Input((5,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    tb = TensorBoard(str(tmp_path), profile_batch="2,3")
    model.fit(X.astype("float32"), Y, epochs=1, batch_size=2, verbose=0, callbacks=[tb])
    assert not tb._profiler_started
    runs = os.listdir(tmp_path / "train" / "plugins" / "profile")
    assert len(runs) == 1
    traces = os.listdir(tmp_path / "train" / "plugins" / "profile" / runs[0])
    assert any(f.endswith(".xplane.pb") for f in traces), traces


def test_arguments_checked(tmp_path):
    for bad in (-1, (3, 2), (0, 2), "a,b", 1.5, (1, 2, 3)):
        with pytest.raises(ValueError, match="`profile_batch` must be a non-negative integer"):
            TensorBoard(str(tmp_path), profile_batch=bad)
    with pytest.raises(ValueError, match="`embeddings_freq`.*-1"):
        TensorBoard(str(tmp_path), embeddings_freq=-1)
    tb = TensorBoard(str(tmp_path), embeddings_freq=1, embeddings_metadata={"nope": "m.tsv"})
    with pytest.raises(ValueError, match=r"unrecognized `Embedding` layer names.*\['nope'\]"):
        tb.set_model(_model())
    from kfront.tensorboard_logging import EventFileWriter
    with EventFileWriter(str(tmp_path)) as writer:
        with pytest.raises(ValueError, match=r"add_images: .*got shape \(2, 3\)"):
            writer.add_images("x", np.zeros((2, 3)), 0)
