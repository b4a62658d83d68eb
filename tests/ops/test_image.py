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

# name -> (f(image_ops_namespace, *inputs), inputs, differentiable, rtol)
CASES = {}
for _interp in ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5", "area"):
    for _aa in (False, True):
        for _size in ((3, 4), (7, 9)):
            # TensorFlow tabulates the bicubic kernel without antialias (1/1024 steps)
            CASES[f"resize_{_interp}_{_aa}_{_size[0]}"] = (
                lambda o, x, i=_interp, a=_aa, s=_size: o.resize(x, s, interpolation=i,
                                                                 antialias=a),
                [IMG], True, 2e-3 if (_interp, _aa) == ("bicubic", False) else 1e-5)
CASES.update({
    "resize_crop": (lambda o, x: o.resize(x, (4, 4), crop_to_aspect_ratio=True), [IMG], True,
                    1e-5),
    "resize_pad": (lambda o, x: o.resize(x, (3, 7), pad_to_aspect_ratio=True, fill_value=0.5),
                   [IMG], True, 1e-5),
    "resize_pad_tall": (lambda o, x: o.resize(x, (8, 3), pad_to_aspect_ratio=True), [IMG], True,
                        1e-5),
    "resize_channels_first_3d": (
        lambda o, x: o.resize(x, (3, 8), data_format="channels_first"), [IMG[0]], True, 1e-5),
    "resize_uint8": (lambda o, x: o.resize(x, (4, 9)), [(IMG * 255).astype("uint8")], False, 0),
    "resize_int32_same": (lambda o, x: o.resize(x, (5, 6), interpolation="nearest"),
                          [(IMG * 9).astype("int32")], False, 0),
    "affine_transform_batch": (lambda o, x: o.affine_transform(x, T_BATCH), [IMG], True, 1e-5),
    "affine_transform_3d": (lambda o, x: o.affine_transform(x, T_PROJ, fill_value=0.25),
                            [IMG[0]], True, 1e-5),
    "affine_transform_channels_first": (
        lambda o, x: o.affine_transform(x, T_PROJ, "nearest", data_format="channels_first"),
        [np.transpose(IMG, (0, 3, 1, 2))], True, 1e-5),
    "affine_transform_uint8": (lambda o, x: o.affine_transform(x, T_PROJ, "nearest"),
                               [(IMG * 255).astype("uint8")], False, 0),
})
for _mode in ("constant", "nearest", "wrap", "reflect"):
    for _interp in ("bilinear", "nearest"):
        for _i, _t in enumerate((T_SHIFT, T_PROJ, T_BATCH)):
            CASES[f"affine_transform_{_mode}_{_interp}_{_i}"] = (
                lambda o, x, m=_mode, i=_interp, t=_t: o.affine_transform(x, t, i, m, 0.25),
                [IMG], True, 1e-5)
# Keras's TensorFlow map_coordinates differs from scipy for "mirror" / "reflect" (checked
# against scipy below)
for _mode in ("constant", "nearest", "wrap"):
    for _order in (0, 1):
        CASES[f"map_coordinates_{_mode}_{_order}"] = (
            lambda o, x, m=_mode, k=_order: o.map_coordinates(x, COORDS, k, m, 0.5),
            [_u(5, 6)], True, 1e-5)
DIFFERENTIABLE = [k for k, c in CASES.items() if c[2]]
# the finite-difference and adapter checks run on a few representative cases (all share code)
GRAD_CASES = ["resize_bilinear_False_3", "resize_bicubic_True_7", "resize_area_False_3",
              "resize_nearest_False_7", "resize_lanczos3_True_3", "resize_pad",
              "affine_transform_reflect_bilinear_1", "affine_transform_constant_nearest_2",
              "map_coordinates_wrap_1", "map_coordinates_constant_0"]


def test_every_image_op_has_a_case():
    from kfront.ops import image
    missing = sorted(n for n in image.__all__
                     if not any(k == n or k.startswith(n + "_") for k in CASES))
    assert not missing, f"ops.image names without a case here: {missing}"
    assert set(GRAD_CASES) <= set(DIFFERENTIABLE)


def _outputs(out) -> list:
    return [np.asarray(ops.convert_to_numpy(o)) for o in
            (out if isinstance(out, (tuple, list)) else (out,))]


@pytest.fixture(scope="module")
def keras_results(keras):
    return {name: [keras.ops.convert_to_numpy(o) for o in (lambda out: out if isinstance(
        out, (tuple, list)) else (out,))(f(keras.ops.image, *inputs))]
        for name, (f, inputs, _, _) in CASES.items()}


def test_results_match_keras(backend, keras_results):
    """Every case on this backend equals Keras (float32 within 1e-5 relative, others exact)."""
    for name, (f, inputs, _, rtol) in CASES.items():
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


def _loss_fn(name):
    """A scalar loss of case ``name``: its outputs weighted by fixed random weights."""
    f, inputs, _, _ = CASES[name]

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


@pytest.mark.parametrize("name", GRAD_CASES)
def test_native_gradient_matches_finite_differences(name):
    loss, xs, grads = _grads(name)
    eps = 1e-6
    for arg, g in enumerate(grads):
        fd = np.zeros_like(xs[arg])
        for idx in np.ndindex(xs[arg].shape):
            plus = [x.copy() for x in xs]
            minus = [x.copy() for x in xs]
            plus[arg][idx] += eps
            minus[arg][idx] -= eps
            fd[idx] = (float(loss(*plus)) - float(loss(*minus))) / (2 * eps)
        err = np.max(np.abs(g - fd)) / max(np.max(np.abs(fd)), 1e-12)
        assert err < 1e-6, (name, arg, err)


def test_adapter_gradients_match_native(backend):
    if backend == "numpy":
        pytest.skip("the native engine is the reference")
    kfront.config.set_backend("numpy")
    native = {name: _grads(name)[2] for name in GRAD_CASES}
    kfront.config.set_backend(backend)
    for name in GRAD_CASES:
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
]


def test_bad_input_errors(backend):
    for call, exc, message in BAD:
        with pytest.raises(exc) as info:
            call()
        assert message in str(info.value), (message, str(info.value))
