"""``kfront.visualization`` against ``keras.visualization``: masks on every backend; boxes and
galleries through stand-ins for OpenCV and matplotlib (absent here) shared by both, so the
drawing calls and the images they receive are compared."""
import types

import numpy as np
import pytest

from kfront import visualization
from kfront.visualization import box_drawing as kf_boxes
from kfront.visualization import galleries as kf_galleries
from kfront.visualization import image_gallery as kf_gallery

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, (2, 6, 5, 3)).astype("float32")
MASKS = RNG.integers(-1, 4, (2, 6, 5, 1)).astype("int32")
BOXES = {"boxes": np.array([[[1, 1, 4, 3], [0, 2, 2, 5]], [[2, 0, 4, 4], [1, 1, 2, 2]]],
                           "float32"),
         "labels": np.array([[0, 1], [-1, 2]]), "confidences": np.array([[0.9, 0.5],
                                                                          [0.1, 0.25]])}
MASK_CASES = [
    {}, {"num_classes": 3}, {"blend": False, "num_classes": 4}, {"alpha": 0.3, "ignore_index": 0},
    {"color_mapping": {0: (255, 0, 0), 1: (0, 255, 0), 2: (0, 0, 255), 3: (9, 9, 9)}},
]


def _mask_inputs(case):
    if case.get("data_format") == "channels_first":
        return IMAGES.transpose(0, 3, 1, 2), MASKS.transpose(0, 3, 1, 2)
    return IMAGES, MASKS


@pytest.fixture(scope="module")
def keras_masks(keras):
    out = []
    for case in MASK_CASES + [{"data_format": "channels_first"}]:
        got = keras.visualization.draw_segmentation_masks(*_mask_inputs(case), **case)
        out.append(np.asarray(keras.ops.convert_to_numpy(got)))
    return out


def test_draw_segmentation_masks_equal_keras(backend, keras_masks):
    cases = MASK_CASES + [{"data_format": "channels_first"}]
    for case, want in zip(cases, keras_masks):
        got = visualization.draw_segmentation_masks(*_mask_inputs(case), **case)
        assert isinstance(got, np.ndarray) and got.dtype == want.dtype, case
        np.testing.assert_allclose(got, want, atol=1e-4, err_msg=str(case))
    with pytest.raises(TypeError, match="integer dtype"):
        visualization.draw_segmentation_masks(IMAGES, MASKS.astype("float32"))
    with pytest.raises(ValueError, match="4D"):
        visualization.draw_segmentation_masks(IMAGES[0], MASKS)


def fake_cv2(log):
    """Records each call and marks the image, in place as OpenCV draws."""
    def rectangle(img, pt1, pt2, color, thickness):
        log.append(("rectangle", pt1, pt2, tuple(color), thickness))
        img[pt1[1]:pt2[1] + 1, pt1[0]:pt2[0] + 1] = color

    def putText(img, text, org, fontFace, fontScale, color, thickness):  # noqa: N802, N803
        log.append(("text", text, org, fontFace, fontScale, tuple(color), thickness))

    return types.SimpleNamespace(rectangle=rectangle, putText=putText,
                                 FONT_HERSHEY_SIMPLEX=0)


def fake_matplotlib(log):
    """``pyplot`` and ``patches`` stand-ins recording what the gallery draws."""
    class Axis:
        def imshow(self, image):
            log.append(("imshow", image.dtype.name, image.tolist()))

        def set_title(self, text, fontsize):
            log.append(("title", text, fontsize))

        def margins(self, **kwargs):
            pass

        def axis(self, value):
            pass

    class Figure:
        def subplots_adjust(self, **kwargs):
            pass

        def legend(self, handles, loc):
            log.append(("legend", [(h.label, list(h.color)) for h in handles], loc))

    def subplots(nrows, ncols, **kwargs):
        log.append(("subplots", nrows, ncols, kwargs["figsize"]))
        axes = np.array([[Axis() for _ in range(ncols)] for _ in range(nrows)])
        if nrows == ncols == 1:
            return Figure(), axes[0, 0]
        return Figure(), axes.reshape(-1) if 1 in (nrows, ncols) else axes

    plt = types.SimpleNamespace(
        subplots=subplots, savefig=lambda **kw: log.append(("savefig", sorted(kw.items()))),
        close=lambda: None, show=lambda: log.append(("show",)))
    patches = types.SimpleNamespace(Patch=lambda color, label: types.SimpleNamespace(
        color=color, label=label))
    return plt, patches


GALLERY_CASES = [
    ("draw", {"bounding_box_format": "xyxy", "class_mapping": {0: "cat", 2: "dog"}}),
    ("draw", {"bounding_box_format": "xywh", "color": (255, 0, 0), "line_thickness": 1,
              "font_scale": 0.5}),
    ("draw01", {"bounding_box_format": "rel_xyxy", "class_mapping": {1: "x"}}),
    ("images", {"y_true": np.array([0, 1]), "y_pred": np.array([1, 5]),
                "label_map": {0: "a", 1: "b"}, "path": "x.png", "value_range": (0, 1)}),
    ("images", {"rows": 1, "cols": 2, "scale": 3}),
    ("boxes", {"bounding_box_format": "xyxy", "y_true": BOXES, "y_pred": BOXES,
               "class_mapping": {0: "cat"}, "legend": True, "path": "b.png"}),
    ("masks", {"num_classes": 4, "y_true": MASKS, "y_pred": MASKS[::-1], "path": "m.png"}),
]


def run_gallery(vis, kind, kwargs):
    images = IMAGES / 255.0 if kind in ("draw01", "images") else IMAGES
    if kind.startswith("draw"):
        boxes = BOXES if kind == "draw" else {**BOXES, "boxes": BOXES["boxes"] / 6}
        return np.asarray(vis.draw_bounding_boxes(images, dict(boxes), **kwargs)).tolist()
    if kind == "images":
        return vis.plot_image_gallery(images, **kwargs)
    if kind == "boxes":
        return vis.plot_bounding_box_gallery(images, **kwargs)
    return vis.plot_segmentation_mask_gallery(images, **kwargs)


def _patch_all(monkeypatch, modules, log):
    plt, patches = fake_matplotlib(log)
    boxes, gallery, galleries = modules
    monkeypatch.setattr(boxes, "cv2", fake_cv2(log))
    monkeypatch.setattr(gallery, "plt", plt)
    monkeypatch.setattr(galleries, "patches", patches)


def test_boxes_and_galleries_draw_as_keras(keras, monkeypatch):
    from keras.src.visualization import draw_bounding_boxes as kb  # noqa: PLC0415
    from keras.src.visualization import plot_bounding_box_gallery as kbg  # noqa: PLC0415
    from keras.src.visualization import plot_image_gallery as kig  # noqa: PLC0415
    for kind, kwargs in GALLERY_CASES:
        theirs, ours = [], []
        _patch_all(monkeypatch, (kb, kig, kbg), theirs)
        want = run_gallery(keras.visualization, kind, kwargs)
        _patch_all(monkeypatch, (kf_boxes, kf_gallery, kf_galleries), ours)
        got = run_gallery(visualization, kind, kwargs)
        assert got == want, kind
        assert ours == theirs, (kind, kwargs)
        assert theirs, kind  # something was drawn


def test_missing_opencv_and_matplotlib_raise_keras_messages(monkeypatch):
    monkeypatch.setattr(kf_boxes, "cv2", None)
    monkeypatch.setattr(kf_gallery, "plt", None)
    monkeypatch.setattr(kf_galleries, "patches", None)
    with pytest.raises(ImportError, match="requires the `cv2` package"):
        visualization.draw_bounding_boxes(IMAGES, BOXES, "xyxy")
    with pytest.raises(ImportError, match="`plot_image_gallery` function requires the "
                                          "`matplotlib`"):
        visualization.plot_image_gallery(IMAGES)
    with pytest.raises(ImportError, match="plot_bounding_box_gallery"):
        visualization.plot_bounding_box_gallery(IMAGES, "xyxy")
    with pytest.raises(ImportError, match="plot_image_gallery"):
        visualization.plot_segmentation_mask_gallery(IMAGES, 2, y_true=MASKS)


def test_optional_packages_load_on_first_use():
    import json  # noqa: PLC0415

    from kfront.visualization._optional import LAZY, resolve  # noqa: PLC0415
    namespace = {"absent": LAZY, "present": LAZY}
    assert resolve(namespace, "absent", "no_such_module_for_kfront") is None
    assert namespace["absent"] is None
    assert resolve(namespace, "present", "json") is json is namespace["present"]
