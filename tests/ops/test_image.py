"""``kfront.ops.image``: results equal real Keras's ``keras.ops.image`` (TensorFlow backend,
in-process) on every kfront backend; the native engine's gradients with respect to the images
equal central finite differences in float64; every adapter's gradients equal the native ones;
bad input is a clear error.
"""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import ops
from ops.case_suite import assert_matches_finite_differences

rng = np.random.default_rng(4)


def _u(*shape, lo=0.0, hi=1.0):
    return rng.uniform(lo, hi, shape).astype("float32")


IMG = _u(2, 5, 6, 3)
SMALL = _u(1, 4, 5, 2)
T_SHIFT = np.array([1, 0, 0.5, 0, 1, -1.3, 0, 0], "float32")
T_PROJ = np.array([0.9, 0.3, -1, -0.2, 1.1, 0.4, 0.01, -0.02], "float32")
T_BATCH = np.stack([np.array([1.2, 0, -3, 0, 0.7, 1, 0, 0]),
                    np.array([-1, 0, 8.5, 0, 1, 0, 0, 0])]).astype("float32")
COORDS = rng.uniform(-2.5, 7.5, (2, 3, 4)).astype("float32")

# name -> (f(image_ops_namespace, *inputs), inputs, rtol of float results)
CASES = {}
for _interp in ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5", "area"):
    for _aa, _size in ((False, (3, 4)), (True, (3, 4)), (False, (7, 9)), (True, (4, 11))):
        # TensorFlow tabulates the bicubic kernel without antialias (1/1024 steps)
        CASES[f"resize_{_interp}_{_aa}_{_size[0]}"] = (
            lambda o, x, i=_interp, a=_aa, s=_size: o.resize(x, s, interpolation=i, antialias=a),
            [IMG], 2e-3 if (_interp, _aa) == ("bicubic", False) else 1e-5)
CASES.update({
    "resize_crop": (lambda o, x: o.resize(x, (4, 4), crop_to_aspect_ratio=True), [IMG],
                    1e-5),
    "resize_pad": (lambda o, x: o.resize(x, (3, 7), pad_to_aspect_ratio=True, fill_value=0.5),
                   [IMG], 1e-5),
    "resize_pad_tall": (lambda o, x: o.resize(x, (8, 3), pad_to_aspect_ratio=True), [IMG],
                        1e-5),
    "resize_channels_first_3d": (
        lambda o, x: o.resize(x, (3, 8), data_format="channels_first"), [IMG[0]], 1e-5),
    "resize_uint8": (lambda o, x: o.resize(x, (4, 9)), [(IMG * 255).astype("uint8")], 0),
    "resize_int32_same": (lambda o, x: o.resize(x, (5, 6), interpolation="nearest"),
                          [(IMG * 9).astype("int32")], 0),
    "affine_transform_batch": (lambda o, x: o.affine_transform(x, T_BATCH), [IMG], 1e-5),
    "affine_transform_3d": (lambda o, x: o.affine_transform(x, T_PROJ, fill_value=0.25),
                            [IMG[0]], 1e-5),
    "affine_transform_channels_first": (
        lambda o, x: o.affine_transform(x, T_PROJ, "nearest", data_format="channels_first"),
        [np.transpose(IMG, (0, 3, 1, 2))], 1e-5),
    "affine_transform_uint8": (lambda o, x: o.affine_transform(x, T_PROJ, "nearest"),
                               [(IMG * 255).astype("uint8")], 0),
})
_TRANSFORMS = (T_SHIFT, T_PROJ, T_BATCH)
for _i, (_mode, _interp) in enumerate((m, i) for m in ("constant", "nearest", "wrap", "reflect")
                                      for i in ("bilinear", "nearest")):
    CASES[f"affine_transform_{_mode}_{_interp}"] = (
        lambda o, x, m=_mode, i=_interp, t=_TRANSFORMS[_i % 3]: o.affine_transform(x, t, i, m,
                                                                                  0.25),
        [IMG], 1e-5)
# Keras's TensorFlow map_coordinates differs from scipy for "mirror" / "reflect" (checked
# against scipy below)
for _mode in ("constant", "nearest", "wrap"):
    for _order in (0, 1):
        CASES[f"map_coordinates_{_mode}_{_order}"] = (
            lambda o, x, m=_mode, k=_order: o.map_coordinates(x, COORDS, k, m, 0.5),
            [_u(5, 6)], 1e-5)
SP = np.array([[0, 0], [5, 1], [0, 4], [5, 4]], "float32")
EP = np.array([[1, 0], [4, 0], [0, 5], [5, 3]], "float32")
VOL = _u(2, 4, 5, 6, 2)
HSV = _u(2, 4, 5, 3)
CASES.update({
    "perspective_transform": (lambda o, x: o.perspective_transform(x, SP, EP), [IMG], 1e-4),
    "perspective_transform_batch": (
        lambda o, x: o.perspective_transform(x, np.stack([SP, EP]), np.stack([EP, SP]),
                                             "nearest", 0.3), [IMG], 1e-5),
    "pad_images": (lambda o, x: o.pad_images(x, 1, 2, target_height=8, target_width=9), [IMG],
                   1e-5),
    "pad_images_3d": (lambda o, x: o.pad_images(x, bottom_padding=1, right_padding=2,
                                                target_height=7, target_width=9), [IMG[0]],
                      1e-5),
    "crop_images": (lambda o, x: o.crop_images(x, 1, 2, target_height=3, target_width=3), [IMG],
                    1e-5),
    "crop_images_sides": (lambda o, x: o.crop_images(x, 1, 2, 2, 1,
                                                     data_format="channels_first"),
                          [np.transpose(IMG, (0, 3, 1, 2))], 1e-5),
    "rgb_to_grayscale": (lambda o, x: o.rgb_to_grayscale(x), [IMG], 1e-5),
    "rgb_to_grayscale_uint8": (lambda o, x: o.rgb_to_grayscale(x),
                               [(IMG * 255).astype("uint8")], 0),
    "rgb_to_grayscale_one_channel": (lambda o, x: o.rgb_to_grayscale(x), [IMG[..., :1]],
                                     1e-5),
    "rgb_to_hsv": (lambda o, x: o.rgb_to_hsv(x), [IMG], 1e-5),
    "rgb_to_hsv_edges": (lambda o, x: o.rgb_to_hsv(x, data_format="channels_first"),
                         [np.array([[[1, 0, 0.5, 0, 0.2]], [[0, 0, 0.5, 0, 0.9]],
                                    [[0, 1, 0.5, 0, 0.9]]], "float32")], 1e-5),
    "hsv_to_rgb": (lambda o, x: o.hsv_to_rgb(x), [HSV], 1e-5),
    "gaussian_blur": (lambda o, x: o.gaussian_blur(x), [IMG], 1e-5),
    "gaussian_blur_wide": (lambda o, x: o.gaussian_blur(x, (5, 3), (1.5, 0.7)), [IMG],
                           1e-5),
    "sobel_edges": (lambda o, x: o.sobel_edges(x), [IMG], 1e-5),
    "ssim": (lambda o, x, y: o.ssim(x, y, filter_size=3), [IMG, _u(2, 5, 6, 3)], 1e-5),
    "ssim_3d": (lambda o, x, y: o.ssim(x, y, max_val=2.0, filter_size=5, filter_sigma=1.0),
                [IMG[0], IMG[1]], 1e-5),
    "extract_patches": (lambda o, x: o.extract_patches(x, 2), [IMG], 1e-5),
    "extract_patches_same": (lambda o, x: o.extract_patches(x, (2, 3), strides=(1, 2),
                                                            padding="same"), [IMG], 1e-5),
    "extract_patches_dilated_3d": (lambda o, x: o.extract_patches(x, (2, 2), 1, 2), [IMG[0]],
                                   1e-5),
    "extract_patches_3d": (lambda o, x: o.extract_patches_3d(x, 2), [VOL], 1e-5),
    "extract_patches_3d_same": (lambda o, x: o.extract_patches_3d(x, (2, 3, 2), (1, 2, 3),
                                                                  padding="same"),
                                [VOL[0]], 1e-5),
    "extract_patches_as_3d": (lambda o, x: o.extract_patches(x, (2, 2, 3)), [VOL], 1e-5),
})
for _method in ("linear", "cubic", "lanczos3"):
    for _aa in (True, False):
        CASES[f"scale_and_translate_{_method}_{_aa}"] = (
            lambda o, x, m=_method, a=_aa: o.scale_and_translate(
                x, (2, 4, 9, 3), [0.6, 1.5], [0.3, -1.0], (1, 2), m, antialias=a),
            [IMG], 1e-5)
# finite differences and adapters: each op once or twice, on small inputs
S2 = _u(1, 4, 5, 2)
S3 = _u(1, 4, 5, 3)
GRAD = {
    "resize_bilinear": (lambda o, x: o.resize(x, (3, 7)), [S2]),
    "resize_bicubic_antialias": (lambda o, x: o.resize(x, (2, 3), "bicubic", True), [S2]),
    "resize_area": (lambda o, x: o.resize(x, (3, 3), "area"), [S2]),
    "resize_nearest_pad": (lambda o, x: o.resize(x, (5, 3), "nearest", pad_to_aspect_ratio=True),
                           [S2]),
    "affine_transform_reflect": (lambda o, x: o.affine_transform(x, T_PROJ, fill_mode="reflect"),
                                 [S2]),
    "affine_transform_nearest": (lambda o, x: o.affine_transform(x, T_SHIFT, "nearest"), [S2]),
    "map_coordinates_wrap": (lambda o, x: o.map_coordinates(x, COORDS, 1, "wrap"), [S2[0, ..., 0]]),
    "perspective_transform": (lambda o, x: o.perspective_transform(x, SP, EP), [S2]),
    "elastic_transform": (lambda o, x: o.elastic_transform(x, 2.0, 1.0, seed=3), [S2]),
    "crop_pad": (lambda o, x: o.pad_images(o.crop_images(x, 1, 1, 1, 1), 1, 2, 0, 1), [S2]),
    "colour": (lambda o, x: o.hsv_to_rgb(o.rgb_to_hsv(x) * 0.9) + o.rgb_to_grayscale(x), [S3]),
    "gaussian_blur": (lambda o, x: o.gaussian_blur(x, (3, 5), (1.0, 2.0)), [S2]),
    "sobel_edges": (lambda o, x: o.sobel_edges(x), [S2]),
    "ssim": (lambda o, x, y: o.ssim(x, y, filter_size=3), [S2, _u(1, 4, 5, 2)]),
    "extract_patches": (lambda o, x: o.extract_patches(x, 2, 1, padding="same"), [S2]),
    "extract_patches_3d": (lambda o, x: o.extract_patches_3d(x, 2), [_u(1, 3, 3, 3, 1)]),
    "scale_and_translate": (lambda o, x: o.scale_and_translate(
        x, (1, 3, 7, 2), [0.6, 1.5], [0.3, -1.0], (1, 2), "lanczos3"), [S2]),
}


def test_every_image_op_has_a_case():
    from kfront.ops import image
    missing = sorted(n for n in image.__all__ if n != "elastic_transform"  # random: own test
                     and not any(k == n or k.startswith(n + "_") for k in CASES))
    assert not missing, f"ops.image names without a case here: {missing}"
    no_grad = sorted(n for n in image.__all__ if not any(k.startswith(n) for k in GRAD)
                     and n not in ("rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb", "crop_images",
                                   "pad_images"))
    assert not no_grad, f"ops.image names without a gradient case: {no_grad}"


def _outputs(out) -> list:
    return [np.asarray(ops.convert_to_numpy(o)) for o in
            (out if isinstance(out, (tuple, list)) else (out,))]


@pytest.fixture(scope="module")
def keras_results(keras):
    return {name: [keras.ops.convert_to_numpy(o) for o in (lambda out: out if isinstance(
        out, (tuple, list)) else (out,))(f(keras.ops.image, *inputs))]
        for name, (f, inputs, _) in CASES.items()}


def test_results_match_keras(backend, keras_results):
    """Every case on this backend equals Keras (float32 within 1e-5 relative, others exact)."""
    for name, (f, inputs, rtol) in CASES.items():
        got, want = _outputs(f(ops.image, *inputs)), keras_results[name]
        assert len(got) == len(want), name
        for g, w in zip(got, want):
            assert g.shape == w.shape, (name, g.shape, w.shape)
            assert str(g.dtype) == str(w.dtype), (name, g.dtype, w.dtype)
            if g.dtype.kind == "f":
                np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol / 5, err_msg=name)
            else:
                np.testing.assert_array_equal(g, w, err_msg=name)


def test_map_coordinates_matches_scipy(backend):
    """Every fill mode (``mirror`` and ``reflect`` included) as scipy.ndimage."""
    ndimage = pytest.importorskip("scipy.ndimage")
    x = _u(4, 5)
    for mode in ("constant", "nearest", "wrap", "mirror", "reflect"):
        scipy_mode = {"wrap": "grid-wrap", "constant": "grid-constant"}.get(mode, mode)
        for order in (0, 1):
            got = ops.convert_to_numpy(ops.image.map_coordinates(x, COORDS, order, mode, 0.5))
            coords = np.round(COORDS) if order == 0 else COORDS  # scipy rounds halves up
            want = ndimage.map_coordinates(x, coords, order=order, mode=scipy_mode, cval=0.5)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=(mode, order))


def test_affine_transform_mirror(backend):
    """``mirror`` (TensorFlow has none): a shift by -2 reads c b | a b c d ..."""
    x = np.arange(5.0, dtype="float32").reshape(1, 5, 1)
    shift = np.array([1, 0, -2, 0, 1, 0, 0, 0], "float32")
    out = ops.convert_to_numpy(ops.image.affine_transform(x, shift, fill_mode="mirror"))
    np.testing.assert_array_equal(out[0, :, 0], [2, 1, 0, 1, 2])


def test_default_data_format_follows_the_config(backend):
    """``data_format=None`` reads ``kfront.config.image_data_format()`` at each call."""
    x = IMG[:1]
    assert ops.shape(ops.image.resize(x, (2, 2))) == (1, 2, 2, 3)
    kfront.config.set_image_data_format("channels_first")
    try:
        assert ops.shape(ops.image.resize(x, (2, 2))) == (1, 5, 2, 2)
    finally:
        kfront.config.set_image_data_format("channels_last")


def test_elastic_transform(backend):
    """Random (kfront's numbers, so not Keras's): seeded results repeat and equal the native
    engine's; ``alpha=0`` is the identity; integer images keep their dtype."""
    out = ops.convert_to_numpy(ops.image.elastic_transform(IMG, 3.0, 1.0, seed=5))
    again = ops.convert_to_numpy(ops.image.elastic_transform(IMG, 3.0, 1.0, seed=5))
    np.testing.assert_array_equal(out, again)
    assert out.shape == IMG.shape and out.dtype == IMG.dtype and not np.allclose(out, IMG)
    first = ops.image.elastic_transform(np.transpose(IMG, (0, 3, 1, 2)), 3.0, 1.0, "nearest",
                                        "constant", seed=5, data_format="channels_first")
    ints = ops.image.elastic_transform((IMG[0] * 255).astype("uint8"), 2.0, 1.0, seed=1)
    assert ops.dtype(ints) == "uint8" and ops.shape(first) == (2, 3, 5, 6)
    same = ops.image.elastic_transform(IMG, 0.0, 2.0, fill_mode="wrap", seed=5)
    np.testing.assert_allclose(ops.convert_to_numpy(same), IMG, rtol=1e-6)
    kfront.config.set_backend("numpy")
    native = ops.image.elastic_transform(IMG, 3.0, 1.0, seed=5)
    np.testing.assert_allclose(out, native, rtol=1e-5, atol=1e-6)


def _loss_fn(name):
    """A scalar loss of gradient case ``name``: its outputs weighted by fixed random weights."""
    f, inputs = GRAD[name]

    def loss(*xs):
        out = f(ops.image, *xs)
        total = 0.0
        for i, o in enumerate(out if isinstance(out, tuple) else (out,)):
            w = np.random.default_rng(i).normal(size=ops.shape(o))
            total = ops.add(total, ops.sum(ops.multiply(o, w)))
        return total
    return loss, [i.astype("float64") for i in inputs]


def _grads(name):
    loss, xs = _loss_fn(name)
    _, grads = ops.value_and_grad(loss, argnums=tuple(range(len(xs))))(*xs)
    return loss, xs, [np.asarray(ops.convert_to_numpy(g)) for g in grads]


@pytest.mark.parametrize("name", sorted(GRAD))
def test_native_gradient_matches_finite_differences(name):
    loss, xs, grads = _grads(name)
    assert_matches_finite_differences(name, loss, xs, range(len(xs)), grads)


def test_adapter_gradients_match_native(backend):
    if backend == "numpy":
        pytest.skip("the native engine is the reference")
    kfront.config.set_backend("numpy")
    native = {name: _grads(name)[2] for name in GRAD}
    kfront.config.set_backend(backend)
    for name in GRAD:
        for g, n in zip(_grads(name)[2], native[name]):
            np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-9, err_msg=name)


BAD = [
    (lambda: ops.image.resize(IMG, (3, 3), interpolation="cubic"), ValueError,
     "resize: `interpolation` must be one of"),
    (lambda: ops.image.resize(IMG, (3,)), ValueError, "resize: `size` must be two positive"),
    (lambda: ops.image.resize(IMG[0, 0], (3, 3)), ValueError,
     "resize: `images` must have rank 3 (one image) or 4 (a batch); got shape (6, 3)"),
    (lambda: ops.image.resize(IMG, (3, 3), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     ValueError, "resize: only one of `crop_to_aspect_ratio`"),
    (lambda: ops.image.resize(IMG, (3, 3), fill_mode="reflect"), ValueError,
     "resize: `fill_mode` must be one of ('constant',)"),
    (lambda: ops.image.resize(IMG, (3, 3), data_format="NHWC"), ValueError,
     "resize: `data_format` must be one of"),
    (lambda: ops.image.affine_transform(IMG, np.ones(6)), ValueError,
     "affine_transform: `transform` must have shape (8,) or (2, 8); got (6,)"),
    (lambda: ops.image.affine_transform(IMG, T_SHIFT, fill_mode="edge"), ValueError,
     "affine_transform: `fill_mode` must be one of"),
    (lambda: ops.image.map_coordinates(IMG, COORDS, 1), ValueError,
     "map_coordinates: `coordinates` must have shape (4, ...)"),
    (lambda: ops.image.map_coordinates(IMG[0, 0], COORDS, 3), ValueError,
     "map_coordinates: `order` must be 0 or 1; got 3"),
    (lambda: ops.image.resize(IMG > 0.5, (3, 3)), TypeError,
     "resize: the images must be real numbers (float or integer); got dtype bool"),
    (lambda: ops.image.perspective_transform(IMG, SP[:3], EP[:3]), ValueError,
     "perspective_transform: `start_points` must have shape (4, 2) or (batch, 4, 2)"),
    (lambda: ops.image.pad_images(IMG, 1, 1, 1), ValueError,
     "pad_images: give exactly two of `left_padding`, `right_padding`, `target_width`"),
    (lambda: ops.image.pad_images(IMG, 1, 1, target_height=3, target_width=9), ValueError,
     "pad_images: `bottom_padding` must be >= 0; got -3"),
    (lambda: ops.image.crop_images(IMG, -1, 1, 1, 1), ValueError,
     "crop_images: `top_cropping` must be >= 0; got -1"),
    (lambda: ops.image.crop_images(IMG, 3, 0, 3, 0), ValueError,
     "crop_images: cropping (3, 3) x (0, 0) is larger than the images (5, 6)"),
    (lambda: ops.image.rgb_to_grayscale(IMG[..., :2]), ValueError,
     "rgb_to_grayscale: `images` must have 1 or 3 channels; got 2"),
    (lambda: ops.image.rgb_to_hsv((IMG * 9).astype("int32")), TypeError,
     "rgb_to_hsv: `images` must be of a float dtype; got int32"),
    (lambda: ops.image.gaussian_blur(IMG, (3, 3), (0.0, 1.0)), ValueError,
     "gaussian_blur: `sigma` must be positive"),
    (lambda: ops.image.ssim(IMG, IMG[:1]), ValueError,
     "ssim: `image1` and `image2` must have the same shape"),
    (lambda: ops.image.ssim(IMG, IMG), ValueError,
     "ssim: images of (5, 6) are smaller than `filter_size` 11"),
    (lambda: ops.image.extract_patches(IMG, (2, 2), strides=(1, 1, 1)), ValueError,
     "extract_patches: `strides` must be an int or 2 of them"),
    (lambda: ops.image.extract_patches_3d(IMG[0], 2), ValueError,
     "extract_patches_3d: the input must have rank 4 or 5 (a batch)"),
    (lambda: ops.image.scale_and_translate(IMG, (2, 4, 4, 3), [1, 1], [0, 0], (1, 2), "area"),
     ValueError, "scale_and_translate: `method` must be one of"),
    (lambda: ops.image.scale_and_translate(IMG, (2, 4, 4, 3), [1], [0], (1, 2), "linear"),
     ValueError, "scale_and_translate: expected `output_shape` of 4 ints and `scale`"),
    (lambda: ops.image.elastic_transform(IMG, sigma=0), ValueError,
     "elastic_transform: `sigma` must be positive; got 0"),
]


def test_bad_input_errors(backend):
    for call, exc, message in BAD:
        with pytest.raises(exc) as info:
            call()
        assert message in str(info.value), (message, str(info.value))
