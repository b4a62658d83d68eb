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
# (function, kwargs) built on both sides and compared layer by layer: at least one function of
# each builder, on a small input, with include_top, pooling, alpha and minimalistic variants
SPECS = [
    ("ResNet50", {"input_shape": [32, 32, 3], "classes": 7}),
    ("ResNet50V2", {**SMALL, "pooling": "avg"}), ("VGG16", {**SMALL, "pooling": "max"}),
    ("VGG19", SMALL),
    ("MobileNet", {"input_shape": [32, 32, 3], "alpha": 0.5}),
    ("MobileNetV2", {"input_shape": [32, 32, 3], "alpha": 1.4}),
    ("MobileNetV3Small", {"input_shape": [32, 32, 3]}),
    ("MobileNetV3Large", {**SMALL, "minimalistic": True, "alpha": 0.75}),
    ("DenseNet121", {"input_shape": [32, 32, 3]}), ("Xception", {"input_shape": [71, 71, 3]}),
    ("InceptionV3", {"input_shape": [75, 75, 3], "include_top": False, "pooling": "avg"}),
    ("InceptionResNetV2", {"input_shape": [75, 75, 3]}),
    ("EfficientNetB0", {"input_shape": [32, 32, 3]}),
    ("EfficientNetV2B0", {"input_shape": [32, 32, 3]}),
    ("EfficientNetV2S", {**SMALL, "include_preprocessing": False}),
    ("ConvNeXtTiny", {"input_shape": [32, 32, 3]}),
    ("NASNetMobile", {"input_shape": [32, 32, 3]}),
]
# The other (large) variants of the parametrized builders: the arguments each passes to its
# builder (the same function in Keras and here: EfficientNet, EfficientNetV2, ConvNeXt, NASNet)
# are compared instead of building hundreds of millions of weights twice
BUILDER_VARIANTS = {
    "efficientnet": ("EfficientNet", [f"EfficientNetB{i}" for i in range(1, 8)]),
    "efficientnet_v2": ("EfficientNetV2", ["EfficientNetV2B1", "EfficientNetV2B2",
                                           "EfficientNetV2B3", "EfficientNetV2M",
                                           "EfficientNetV2L"]),
    "convnext": ("ConvNeXt", ["ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge",
                              "ConvNeXtXLarge"]),
    "nasnet": ("NASNet", ["NASNetLarge"]),
}
# The deeper ResNets and DenseNets: the stacks (Keras: stack_residual_blocks_v1/v2 with
# filters, blocks, stride, name) and dense blocks (Keras: dense_block, whose conv blocks are
# ``{name}_block{i}`` with growth rate 32) they are made of
STACK_VARIANTS = ["ResNet101", "ResNet152", "ResNet101V2", "ResNet152V2", "DenseNet169",
                  "DenseNet201"]

NAMES = sorted({fn for fn, _ in SPECS})
MODULES = ["convnext", "densenet", "efficientnet", "efficientnet_v2", "imagenet_utils",
           "inception_resnet_v2", "inception_v3", "mobilenet", "mobilenet_v2", "mobilenet_v3",
           "nasnet", "resnet", "resnet50", "resnet_v2", "vgg16", "vgg19", "xception"]


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
def keras_processes():
    """Keras's side, built in two subprocesses (half the specs each) that run while kfront
    builds its models."""
    script = os.path.join(os.path.dirname(__file__), "keras_side.py")
    procs = [subprocess.Popen([sys.executable, script, json.dumps(SPECS[i::2])],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
             for i in range(2)]
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _keras_summaries(procs) -> list:
    halves = []
    for proc in procs:
        out, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err[-3000:]
        halves.append(json.loads(out.split("@@", 1)[1]))
    merged = [None] * len(SPECS)
    merged[0::2], merged[1::2] = halves
    return merged


def _summary(model) -> dict:
    return {"name": model.name,
            "layers": [[layer.name, type(layer).__name__, [list(w.shape) for w in layer.weights]]
                       for layer in model.layers]}


def test_every_model_function_matches_keras_layers(keras_processes):
    covered = NAMES + STACK_VARIANTS + [fn for _, fns in BUILDER_VARIANTS.values() for fn in fns]
    assert sorted(covered) == sorted(n for n in dir(apps) if n[0].isupper())  # all 40
    ours = [_summary(getattr(apps, fn)(weights=None, **kwargs)) for fn, kwargs in SPECS]
    theirs = _keras_summaries(keras_processes)
    assert len(theirs) == len(SPECS)
    for (fn, kwargs), mine, keras_one in zip(SPECS, ours, theirs):
        assert mine["name"] == keras_one["name"], fn
        assert _normalized(mine["layers"]) == _normalized(keras_one["layers"]), (fn, kwargs)


def _builder_arguments(monkeypatch, module, builder: str, fn: str) -> dict:
    """The arguments ``module.fn()`` passes to ``module.builder`` (which is not run)."""
    import inspect
    real = getattr(module, builder)
    seen = {}

    def record(*args, **kwargs):
        seen.update(inspect.signature(real).bind(*args, **kwargs).arguments)

    monkeypatch.setattr(module, builder, record)
    getattr(module, fn)()
    monkeypatch.undo()
    return seen


def test_large_variants_pass_keras_builder_arguments(keras, monkeypatch):
    for module, (builder, fns) in BUILDER_VARIANTS.items():
        ours, theirs = getattr(apps, module), _keras_module(keras, module)
        assert getattr(ours, "DEFAULT_BLOCKS_ARGS", None) == getattr(
            theirs, "DEFAULT_BLOCKS_ARGS", None)
        assert getattr(ours, "MODEL_CONFIGS", None) == getattr(theirs, "MODEL_CONFIGS", None)
        for fn in fns:
            mine = _builder_arguments(monkeypatch, ours, builder, fn)
            keras_args = _builder_arguments(monkeypatch, theirs, builder, fn)
            assert mine == keras_args and mine, fn


def _calls(monkeypatch, module, names, fn, **kwargs) -> list:
    """(function, arguments but the input) of each call ``fn`` makes to ``module.<names>``,
    which return their input unchanged instead of building layers."""
    import inspect
    seen = []
    for name in names:
        real = getattr(module, name)

        def record(*args, _name=name, _real=real, **kw):
            bound = inspect.signature(_real).bind(*args, **kw)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            seen.append((_name, {k: v for k, v in list(arguments.items())[1:]}))
            return args[0]

        monkeypatch.setattr(module, name, record)
    fn(weights=None, **kwargs)
    monkeypatch.undo()
    return seen


def test_deep_resnets_and_densenets_have_keras_stacks(keras, monkeypatch):
    ka, small = keras.applications, {"include_top": False, "input_shape": (32, 32, 3)}
    kres, kdense = _keras_module(keras, "resnet"), _keras_module(keras, "densenet")
    for fn in STACK_VARIANTS:
        if fn.startswith("ResNet"):
            version = "v2" if fn.endswith("V2") else "v1"
            theirs = _calls(monkeypatch, kres, [f"stack_residual_blocks_{version}"],
                            getattr(ka, fn), **small)
            ours = _calls(monkeypatch, apps.resnet, [f"_stack_{version}"], getattr(apps, fn),
                          **small)
            assert [tuple(a.values()) for _, a in ours] == [
                tuple(a.values()) for _, a in theirs] and ours, fn
        else:
            theirs = _calls(monkeypatch, kdense, ["dense_block", "transition_block"],
                            getattr(ka, fn), **small)
            ours = _calls(monkeypatch, apps.densenet, ["_conv_block", "_transition_block"],
                          getattr(apps, fn), **small)
            expected = []
            for name, args in theirs:
                if name == "dense_block":
                    expected += [(32, f"{args['name']}_block{i + 1}")
                                 for i in range(args["blocks"])]
                else:
                    expected.append((args["reduction"], args["name"]))
            assert [tuple(a.values()) for _, a in ours] == expected and expected, fn


def test_names_and_signatures_match_keras(keras):
    import inspect
    ka = keras.applications
    assert sorted(n for n in dir(apps) if not n.startswith("_")) == sorted(
        n for n in dir(ka) if not n.startswith("_"))
    for name in NAMES:
        ours, theirs = (inspect.signature(getattr(m, name)).parameters for m in (apps, ka))
        assert [(p.name, p.default) for p in ours.values()] == [
            (p.name, p.default) for p in theirs.values()], name
    for module in MODULES:
        public = {n for n in dir(getattr(ka, module)) if not n.startswith("_")}
        assert public <= set(dir(getattr(apps, module))), module


# ------------------------------------------------------------------------ outputs, weights
OUTPUT_SPECS = [("MobileNetV3Small", {"input_shape": (32, 32, 3), "classifier_activation": None}),
                ("EfficientNetB0", {"input_shape": (32, 32, 3), "include_top": False}),
                ("ResNet50", {"input_shape": (32, 32, 3), "include_top": False})]


def _randomize(model, seed: int) -> None:
    """Random values for the vectors Keras initializes to constants (BatchNormalization
    statistics, biases), so that copying them is checked too."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        if len(w.shape) == 1 or "mean" in w.path or "variance" in w.path:
            value = (rng.uniform(0.5, 1.5, w.shape) if "variance" in w.path or "gamma" in w.path
                     else rng.normal(0, 0.2, w.shape))
            if "count" not in w.path:
                w.assign(value.astype(w.dtype))


@pytest.fixture(scope="module")
def keras_models(keras):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    out = {}
    for i, (fn, kwargs) in enumerate(OUTPUT_SPECS):
        model = getattr(keras.applications, fn)(weights=None, **kwargs)
        _randomize(model, i)
        out[fn] = (model, np.asarray(model(x, training=False)))
    return x, out


def _copy_from_keras(ours, theirs) -> None:
    mine = [layer for layer in ours.layers if layer.weights]  # Keras's order, as Keras's
    keras_layers = [layer for layer in theirs.layers if layer.weights]
    assert [type(a).__name__ for a in mine] == [type(b).__name__ for b in keras_layers]
    for a, b in zip(mine, keras_layers):
        a.set_weights(b.get_weights())


def test_outputs_equal_keras_with_its_weights(backend, keras_models):
    x, keras_out = keras_models
    # kfront's JAX backend compiles each op at its first call (~30 s for a MobileNetV3's ops
    # on this machine): there, the cheapest of the three only
    for fn, kwargs in OUTPUT_SPECS[2:] if backend == "jax" else OUTPUT_SPECS:
        theirs, expected = keras_out[fn]
        model = getattr(apps, fn)(weights=None, **kwargs)
        _copy_from_keras(model, theirs)
        got = kfront.ops.convert_to_numpy(model(x, training=False))
        assert got.shape == expected.shape
        assert np.abs(expected).max() > 1e-2, fn  # the comparison is not between zeros
        np.testing.assert_allclose(got, expected, atol=1e-4, rtol=1e-4, err_msg=f"{backend} {fn}")


def test_keras_weight_files_load(keras, keras_models, tmp_path):
    x, keras_out = keras_models
    theirs, expected = keras_out["MobileNetV3Small"]
    kwargs = dict(OUTPUT_SPECS[0][1])
    new_style = str(tmp_path / "m.weights.h5")
    theirs.save_weights(new_style)
    legacy = str(tmp_path / "m.h5")
    keras.src.legacy.saving.legacy_h5_format.save_model_to_hdf5(theirs, legacy)
    for path in (new_style, legacy):
        model = apps.MobileNetV3Small(weights=path, **kwargs)
        got = kfront.ops.convert_to_numpy(model(x, training=False))
        np.testing.assert_allclose(got, expected, atol=1e-4, rtol=1e-4, err_msg=path)
    # a file of another architecture is refused with a clear message, nothing loaded
    other = str(tmp_path / "other.h5")
    keras.src.legacy.saving.legacy_h5_format.save_model_to_hdf5(
        keras_out["ResNet50"][0], other)
    with pytest.raises(ValueError, match="layers with weights"):
        apps.MobileNetV3Small(weights=other, **kwargs)


# -------------------------------------------------------------------- ImageNet weight files
def _keras_module(keras, name):
    import importlib
    name = "resnet" if name == "resnet50" else name
    return importlib.import_module(f"keras.src.applications.{name}")


def test_weight_file_table_matches_keras(keras):
    import inspect
    for module in MODULES:
        if module == "resnet50":  # Keras's resnet50 names the resnet module's functions
            continue
        ours, theirs = getattr(apps, module), _keras_module(keras, module)
        for const in ("WEIGHTS_HASHES", "BASE_WEIGHTS_PATH", "BASE_WEIGHT_PATH", "WEIGHTS_PATH",
                      "WEIGHTS_PATH_NO_TOP", "BASE_WEIGHT_URL", "CLASS_INDEX_PATH",
                      "NASNET_MOBILE_WEIGHT_PATH", "NASNET_LARGE_WEIGHT_PATH_NO_TOP"):
            if hasattr(theirs, const):
                assert getattr(ours, const) == getattr(theirs, const), (module, const)
        source = inspect.getsource(theirs)
        # hashes Keras writes inline in its functions
        hashes = getattr(ours, "WEIGHTS_HASHES", ())
        for pair in hashes.values() if isinstance(hashes, dict) else [hashes]:
            for h in pair:
                assert h in source, (module, h)


def _requested(monkeypatch, fn, **kwargs):
    """The (file name, URL, hash) a model asks get_file for with weights="imagenet"."""
    from kfront.applications import _base
    seen = []

    class Stop(Exception):
        pass

    def fake(*args):
        seen.append(args)
        raise Stop

    monkeypatch.setattr(_base, "fetch", fake)
    with pytest.raises(Stop):
        fn(weights="imagenet", **kwargs)
    return seen[0]


def test_imagenet_requests_keras_files(monkeypatch, keras):
    import warnings
    warnings.simplefilter("ignore", UserWarning)
    small = {"include_top": False, "input_shape": (32, 32, 3)}
    cases = [
        (apps.MobileNet, dict(small, alpha=0.25), "mobilenet_2_5_224_tf_no_top.h5",
         "mobilenet/mobilenet_2_5_224_tf_no_top.h5", None),
        (apps.MobileNetV2, dict(small, alpha=0.35),
         "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5",
         "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5", None),
        (apps.MobileNetV3Small, small, "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5",
         "mobilenet_v3/weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5",
         "d3e8ec802a04aa4fc771ee12a9a9b836"),
        (apps.VGG16, small, "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
         "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
         "6d6bbae143d832006294945121d1f1fc"),
        (apps.EfficientNetV2B0, small, "efficientnetv2-b0_notop.h5",
         "efficientnet_v2/efficientnetv2-b0_notop.h5", "893217f2bb855e2983157299931e43ff"),
        (apps.NASNetMobile, small, "nasnet_mobile_no_top.h5", "nasnet/NASNet-mobile-no-top.h5",
         "1ed92395b5b598bdda52abe5c0dbfd63"),
    ]
    for fn, kwargs, file_name, url_tail, file_hash in cases:
        name, url, got_hash = _requested(monkeypatch, fn, **kwargs)
        assert (name, got_hash) == (file_name, file_hash), fn.__name__
        assert url == "https://storage.googleapis.com/tensorflow/keras-applications/" + url_tail
    name, url, got_hash = _requested(monkeypatch, apps.EfficientNetB0, **small)
    assert (name, url, got_hash) == (
        "efficientnetb0_notop.h5",
        "https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5",
        "50bc09e76180e00e4465e1a485ddc09d")


def test_offline_imagenet_weights_give_a_clear_error(monkeypatch, tmp_path):
    import urllib.error
    import urllib.request

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(urllib.request, "urlretrieve", offline)
    with pytest.raises(OSError, match="place the file at .*weights_mobilenet_v3_small"):
        with pytest.warns(UserWarning, match="224"):
            apps.MobileNetV3Small(weights="imagenet", include_top=False, input_shape=(32, 32, 3))


# ------------------------------------------------------------ preprocessing and decoding
def test_preprocess_input_equals_keras(keras, backend):
    ku = keras.applications.imagenet_utils
    rng = np.random.default_rng(0)
    for shape in [(2, 4, 5, 3), (4, 5, 3), (2, 3, 4, 5), (3, 4, 5)]:
        x = rng.uniform(0, 255, shape).astype("float32")
        for data_format in ("channels_last", "channels_first"):
            if (data_format == "channels_last") != (shape[-1] == 3):
                continue
            for mode in ("caffe", "tf", "torch"):
                expected = ku.preprocess_input(x.copy(), data_format=data_format, mode=mode)
                got = apps.imagenet_utils.preprocess_input(x.copy(), data_format=data_format,
                                                           mode=mode)
                np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-4)
                tensor = apps.imagenet_utils.preprocess_input(
                    kfront.ops.convert_to_tensor(x), data_format=data_format, mode=mode)
                np.testing.assert_allclose(kfront.ops.convert_to_numpy(tensor), expected,
                                           rtol=1e-6, atol=1e-4)
    ints = rng.integers(0, 255, (1, 2, 2, 3)).astype("uint8")
    np.testing.assert_allclose(apps.imagenet_utils.preprocess_input(ints),
                               ku.preprocess_input(ints))
    x = rng.uniform(0, 255, (1, 3, 3, 3)).astype("float32")
    for module in MODULES:
        if module != "imagenet_utils":
            ours = getattr(apps, module).preprocess_input(x.copy())
            theirs = getattr(keras.applications, module).preprocess_input(x.copy())
            np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-4, err_msg=module)
    for bad, match in [(dict(mode="bgr"), "mode"), (dict(data_format="nhwc"), "data_format")]:
        with pytest.raises(ValueError, match=match):
            apps.imagenet_utils.preprocess_input(x, **bad)


def test_decode_predictions_with_a_local_class_index(keras, monkeypatch, tmp_path):
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    path = tmp_path / "imagenet_class_index.json"
    path.write_text(json.dumps(index))
    from kfront.applications import _base
    monkeypatch.setattr(_base, "fetch", lambda *args: str(path))
    monkeypatch.setattr(apps.imagenet_utils, "CLASS_INDEX", None)
    keras_module = _keras_module(keras, "imagenet_utils")
    monkeypatch.setattr(keras_module.file_utils, "get_file", lambda *a, **k: str(path))
    monkeypatch.setattr(keras_module, "CLASS_INDEX", None)
    preds = np.random.default_rng(0).random((3, 1000)).astype("float32")
    for top in (1, 5):
        assert apps.resnet50.decode_predictions(preds, top=top) == \
            keras.applications.resnet50.decode_predictions(preds, top=top)
    with pytest.raises(ValueError, match="samples, 1000"):
        apps.imagenet_utils.decode_predictions(preds[:, :10])


# ------------------------------------------------------------------------- argument errors
def _message(fn, **kwargs) -> str:
    with pytest.raises(ValueError) as info:
        fn(**kwargs)
    return str(info.value)


def test_bad_arguments_raise_keras_errors(keras):
    ka = keras.applications
    cases = [
        ("ResNet50", dict(weights="imagenet", classes=10)),
        ("ResNet50", dict(weights=None, include_top=False, input_shape=(16, 16, 3))),
        ("ResNet50", dict(weights="imagenet", input_shape=(64, 64, 3))),
        ("ResNet50", dict(weights="no_such_file.h5")),
        ("Xception", dict(weights=None, include_top=False, input_shape=(64, 64, 3))),
        ("VGG16", dict(weights=None, include_top=False, input_shape=(32, 32))),
        ("VGG16", dict(weights=None, include_top=True, input_shape=(None, None, 3))),
        ("DenseNet121", dict(weights="imagenet", include_top=False, input_shape=(64, 64, 1))),
        ("MobileNet", dict(weights="imagenet", alpha=0.3, include_top=False)),
        ("NASNetMobile", dict(weights=None, include_top=False, input_shape=(16, 16, 3))),
    ]
    for fn, kwargs in cases:
        assert _message(getattr(apps, fn), **kwargs) == _message(getattr(ka, fn), **kwargs), fn
    assert "at least 32x32" in _message(apps.MobileNetV3Small, weights=None,
                                        input_shape=(16, 16, 3))
