"""kfront.backend and kfront.config: Keras 3's dtype rules and settings, and their effects."""
from __future__ import annotations

import itertools
import logging

import numpy as np
import pytest

import kfront
from kfront import backend as K
from kfront import config

DTYPES = ["bool", "uint8", "uint16", "uint32", "int8", "int16", "int32", "int64", "bfloat16",
          "float16", "float32", "float64", "complex64", int, float, None]


def test_result_type_matches_keras_on_every_pair(keras):
    kb = keras.backend
    assert K.result_type() == kb.result_type() == "float32"
    for args in [(d,) for d in DTYPES] + list(itertools.combinations_with_replacement(DTYPES, 2)) \
            + [("int8", "uint8", float), (int, float, "bool")]:
        try:
            theirs = kb.result_type(*args)
        except ValueError:
            with pytest.raises(ValueError, match="result_type"):
                K.result_type(*args)
            continue
        if args == (int,):  # Keras on TensorFlow reads a Python int as int64 (kfront: int32)
            theirs = "int32"
        assert K.result_type(*args) == theirs, args


def test_dtype_predicates_and_settings_match_keras(keras):
    kb = keras.backend
    for d in DTYPES[:-3] + [np.float32, np.dtype("int16")]:
        assert K.standardize_dtype(d) == kb.standardize_dtype(d), d
        assert K.is_float_dtype(d) == kb.is_float_dtype(d), d
        assert K.is_int_dtype(d) == kb.is_int_dtype(d), d
    for name in ("floatx", "epsilon", "image_data_format"):
        assert getattr(K, name)() == getattr(kb, name)()
    assert K.backend() == config.backend()
    assert K.is_keras_tensor(kfront.Input((2,))) and not K.is_keras_tensor(np.ones(2))
    with pytest.raises(ValueError, match="set_image_data_format.*got 'nhwc'"):
        K.set_image_data_format("nhwc")
    try:
        K.set_image_data_format("channels_first")
        assert config.image_data_format() == "channels_first"
    finally:
        K.set_image_data_format("channels_last")


def test_get_uid_and_clear_session_reset_names():
    K.clear_session()
    assert [K.get_uid("a"), K.get_uid("a"), K.get_uid("b")] == [1, 2, 1]
    assert [kfront.layers.Dense(1).name, kfront.layers.Dense(1).name] == ["dense", "dense_1"]
    kfront.metrics.Mean(), kfront.optimizers.Adam()
    K.clear_session(free_memory=False)
    assert K.get_uid("a") == 1
    assert kfront.layers.Dense(1).name == "dense"
    assert kfront.metrics.Mean().name == "mean" and kfront.optimizers.Adam().name == "adam"


def test_dtype_policy_sets_new_layers_dtype():
    assert config.dtype_policy().name == "float32"
    try:
        config.set_dtype_policy("float64")
        assert kfront.layers.Dense(2).dtype == "float64"
        with pytest.raises(ValueError, match="mixed precision DTypePolicy"):
            config.set_dtype_policy("mixed_float17")
        with pytest.raises(ValueError, match="set_dtype_policy.*Received: policy=3"):
            config.set_dtype_policy(3)
    finally:
        config._settings["dtype_policy"] = None
    assert kfront.layers.Dense(2).dtype == "float32"


def _model():
    m = kfront.Sequential([kfront.layers.Input((3,)), kfront.layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    return m


def test_max_epochs_and_steps_cap_fit():
    x, y = np.ones((40, 3), "float32"), np.ones((40, 1), "float32")
    try:
        config.set_max_epochs(2)
        config.set_max_steps_per_epoch(1)
        steps = []
        cb = kfront.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: steps.append(b))
        h = _model().fit(x, y, batch_size=10, epochs=5, verbose=0, callbacks=[cb])
        assert len(h.history["loss"]) == 2 and steps == [0, 0]
    finally:
        config.set_max_epochs(None)
        config.set_max_steps_per_epoch(None)
    assert config.max_epochs() is None and config.max_steps_per_epoch() is None


def test_interactive_logging_routes_progress_to_the_logger(capsys, caplog):
    x, y = np.ones((4, 3), "float32"), np.ones((4, 1), "float32")
    try:
        config.disable_interactive_logging()
        assert not config.is_interactive_logging_enabled()
        with caplog.at_level(logging.INFO, logger="kfront"):
            _model().fit(x, y, epochs=1, verbose=2)
        assert "loss" in caplog.text and "loss" not in capsys.readouterr().out
    finally:
        config.enable_interactive_logging()
    assert config.is_interactive_logging_enabled()


def test_flags_toggle_like_keras(keras):
    for name in ("flash_attention", "traceback_filtering"):
        before = getattr(config, f"is_{name}_enabled")()
        keras_before = getattr(keras.config, f"is_{name}_enabled")()
        assert before == keras_before
        try:
            for switch in ("disable", "enable", "disable"):
                getattr(config, f"{switch}_{name}")()
                getattr(keras.config, f"{switch}_{name}")()
                assert (getattr(config, f"is_{name}_enabled")()
                        == getattr(keras.config, f"is_{name}_enabled")()), (name, switch)
        finally:
            config._settings[name] = before
            getattr(keras.config, f"{'enable' if keras_before is not False else 'disable'}"
                                  f"_{name}")()
    assert config.is_nnx_enabled() is False
