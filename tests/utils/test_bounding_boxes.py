"""``kfront.utils.bounding_boxes`` equals ``keras.utils.bounding_boxes`` on every backend."""
import itertools

import numpy as np
import pytest

from kfront import ops
from kfront.utils import bounding_boxes as bb

RNG = np.random.default_rng(0)
XYXY = np.concatenate([RNG.uniform(-5, 40, (2, 5, 2)), RNG.uniform(45, 90, (2, 5, 2))],
                      -1).astype("float32")  # (batch, N, 4), x1 < x2 and y1 < y2
SMALL = XYXY[0, :3]
FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx",
           "rel_xywh", "rel_center_xywh")
ANCHORS = np.array([[10, 10, 40, 30], [0, 5, 20, 50], [30, 30, 60, 80]], "float32")
DELTAS = RNG.normal(0, 0.3, (2, 3, 4)).astype("float32")
AFFINE = [np.array(v, "float32") for v in ([10.0, -30.0], [0.1, -0.05], [0.0, 0.2],
                                           [1.0, 1.2], [5.0, 0.0], [0.0, -8.0])]


def cases(u):
    """(name, thunk) pairs; ``u`` is ``keras.utils.bounding_boxes`` or kfront's."""
    out = []
    pairs = [(f, "xyxy") for f in FORMATS] + [("xyxy", f) for f in FORMATS[1:]] + [
        ("rel_center_xywh", "rel_yxyx"), ("center_yxhw", "rel_xywh")]
    for src, dst in pairs:
        out.append((f"convert {src}->{dst}",
                    lambda s=src, d=dst: u.convert_format(XYXY, s, d, height=100, width=120)))
    out += [
        ("convert float64", lambda: u.convert_format(SMALL, "xyxy", "xywh", dtype="float64")),
        ("clip xyxy", lambda: u.clip_to_image_size(
            {"boxes": XYXY, "labels": np.arange(10).reshape(2, 5)}, 50, 60)),
        ("clip rel", lambda: u.clip_to_image_size(
            {"boxes": XYXY / 60 - 0.2, "labels": np.ones((2, 5), "int32")},
            bounding_box_format="rel_xyxy")),
        ("clip int", lambda: u.clip_to_image_size(
            {"boxes": XYXY.astype("int32"), "labels": np.arange(10).reshape(2, 5)}, 50, 60)),
        ("crop", lambda: u.crop(XYXY, 10, 20, 40, 30)),
        ("pad", lambda: u.pad(XYXY, 3, 7)),
        ("affine", lambda: u.affine_transform(XYXY, *AFFINE, height=100, width=120)),
        ("affine center", lambda: u.affine_transform(XYXY, *AFFINE, 100, 120, 0.3, 0.7)),
        ("iou", lambda: u.compute_iou(SMALL, ANCHORS, "xyxy")),
        ("iou batched", lambda: u.compute_iou(XYXY[:, :3], XYXY, "xyxy")),
        ("iou mixed ranks", lambda: u.compute_iou(SMALL, XYXY, "xyxy")),
        ("iou masked", lambda: u.compute_iou(
            np.concatenate([SMALL, -np.ones((1, 4), "float32")]), ANCHORS, "xyxy",
            use_masking=True, mask_val=-3)),
        ("iou rel", lambda: u.compute_iou(SMALL / 100, ANCHORS / 100, "rel_yxyx",
                                          image_shape=(100, 120, 3))),
        ("ciou", lambda: u.compute_ciou(XYXY[:, :3], ANCHORS, "xyxy")),
        ("ciou xywh", lambda: u.compute_ciou(SMALL, ANCHORS, "xywh")),
    ]
    for enc, var in itertools.product(("center_yxhw", "center_xywh"),
                                      (None, [0.1, 0.1, 0.2, 0.2])):
        out.append((f"encode {enc} {var}", lambda e=enc, v=var: u.encode_box_to_deltas(
            ANCHORS, XYXY[:, :3], "xyxy", "xyxy", e, v)))
        out.append((f"decode {enc} {var}", lambda e=enc, v=var: u.decode_deltas_to_boxes(
            ANCHORS, DELTAS, "xyxy", "center_xywh", e, v)))
    out += [
        ("encode rel", lambda: u.encode_box_to_deltas(ANCHORS, SMALL / 100, "xyxy", "rel_xyxy",
                                                      image_shape=(100, 120, 3))),
        ("decode levels", lambda: u.decode_deltas_to_boxes(
            {"P3": ANCHORS, "P4": ANCHORS[:2]}, {"P3": DELTAS[0], "P4": DELTAS[1, :2]},
            "xywh", "xyxy")),
    ]
    return out


def _numpy(tree):
    if isinstance(tree, dict):
        return {k: _numpy(v) for k, v in tree.items()}
    return np.asarray(ops.convert_to_numpy(tree) if ops.is_tensor(tree) else tree)


@pytest.fixture(scope="module")
def keras_results(keras):
    import keras.utils.bounding_boxes as kb  # noqa: PLC0415

    def to_np(tree):
        if isinstance(tree, dict):
            return {k: to_np(v) for k, v in tree.items()}
        return np.asarray(keras.ops.convert_to_numpy(tree))

    return {name: to_np(thunk()) for name, thunk in cases(kb)}


# The native engine runs every case, torch and tensorflow the main functions, JAX (which
# compiles each op and shape on first use) three of them.
ADAPTER_CASES = {"convert xyxy->rel_center_xywh", "clip xyxy", "affine center", "iou masked",
                 "ciou", "decode levels"}
JAX_CASES = {"convert xyxy->rel_center_xywh", "iou masked", "decode levels"}


def test_bounding_boxes_equal_keras(backend, keras_results):
    for name, thunk in cases(bb):
        if backend != "numpy" and name not in (JAX_CASES if backend == "jax"
                                               else ADAPTER_CASES):
            continue
        got, want = _numpy(thunk()), keras_results[name]
        if isinstance(want, dict):
            assert set(got) == set(want), name
            pairs = [(got[k], want[k]) for k in want]
        else:
            pairs = [(got, want)]
        for g, w in pairs:
            assert g.shape == w.shape, (name, g.shape, w.shape)
            assert g.dtype == w.dtype, (name, g.dtype, w.dtype)
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-5, err_msg=name)


def test_bounding_boxes_errors():
    with pytest.raises(ValueError, match="last dimension of 4"):
        bb.convert_format(np.ones((2, 3)), "xyxy", "xywh")
    with pytest.raises(ValueError, match="Supported formats"):
        bb.convert_format(SMALL, "xyxy", "cxcywh")
    with pytest.raises(ValueError, match="height"):
        bb.convert_format(SMALL, "xyxy", "rel_xyxy")
    with pytest.raises(ValueError, match="height"):
        bb.clip_to_image_size({"boxes": SMALL})
    for fn, args in ((bb.crop, (0, 0, 1, 1)), (bb.pad, (0, 0))):
        with pytest.raises(NotImplementedError, match="xyxy"):
            fn(SMALL, *args, bounding_box_format="xywh")
    with pytest.raises(NotImplementedError, match="xyxy"):
        bb.clip_to_image_size({"boxes": SMALL}, 1, 1, bounding_box_format="xywh")
    with pytest.raises(ValueError, match="variance"):
        bb.encode_box_to_deltas(ANCHORS, SMALL, "xyxy", "xyxy", variance=[1, 1])
    with pytest.raises(ValueError, match="encoded_format"):
        bb.decode_deltas_to_boxes(ANCHORS, SMALL, "xyxy", "xyxy", encoded_format="xyxy")
    with pytest.raises(ValueError, match="boxes1"):
        bb.compute_iou(np.ones(4), ANCHORS, "xyxy")
    with pytest.raises(ValueError, match="image_shape"):
        bb.compute_iou(SMALL, ANCHORS, "rel_xyxy")
    with pytest.raises(ValueError, match="relative"):
        bb.compute_ciou(SMALL, ANCHORS, "rel_xyxy")
    boxes = {"boxes": SMALL, "labels": np.ones(3)}
    assert bb.convert_format(boxes, "xyxy", "xywh") is boxes  # in place, as Keras
