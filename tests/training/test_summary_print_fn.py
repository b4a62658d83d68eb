"""``Model.summary`` hands its text over as Keras 3.15 does: ``print_fn`` is called once with
the whole summary (ending in a newline, no keyword arguments); without it the text goes to
stdout (or to the log when interactive logging is off). ``expand_nested`` (indented rows of
a nested model's layers), ``show_trainable`` and ``layer_range`` (names or regexes, either
order, both ends included) give Keras's table, character for character."""
from __future__ import annotations

import logging

import pytest

import kfront


def _model(lib):
    dense = lib.layers.Dense
    inner = lib.Sequential([lib.Input((3,)), dense(4, name="d1"), dense(2, name="d2")],
                           name="inner")
    inputs = lib.Input((3,), name="x")
    hidden = dense(3, name="pre")(inputs)
    return lib.Model(inputs, dense(1, name="post", trainable=False)(inner(hidden)),
                     name="outer")


def _calls(lib, **kwargs) -> list:
    calls = []
    _model(lib).summary(print_fn=lambda *args, **kw: calls.append((args, kw)), **kwargs)
    return calls


@pytest.mark.parametrize("kwargs", [
    {}, {"expand_nested": True, "show_trainable": True}, {"layer_range": ["pre", "inner"]},
    {"layer_range": ["inner", "pre"]},
    {"expand_nested": True, "layer_range": ["inn", "post"], "line_length": 70}])
def test_print_fn_gets_keras_text_once(keras, kwargs):
    ours, theirs = _calls(kfront, **kwargs), _calls(keras, **kwargs)
    assert len(ours) == 1 and ours[0][1] == {} and ours[0][0][0].endswith("\n")
    assert ours == theirs


def test_nested_rows_are_indented():
    (text,), _ = _calls(kfront, expand_nested=True)[0]
    assert "│    └ d1 (Dense) " in text and "│    └ d2 (Dense) " in text


@pytest.mark.parametrize("layer_range", [["zzz", "post"], ["post"], ["pre", 3]])
def test_bad_layer_range_as_keras(keras, layer_range):
    errors = []
    for lib in (kfront, keras):
        with pytest.raises(ValueError) as info:
            _model(lib).summary(layer_range=layer_range, print_fn=lambda *a, **k: None)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


def test_stdout_or_log_without_print_fn(keras, capsys, caplog):
    _model(keras).summary()
    theirs = capsys.readouterr().out
    _model(kfront).summary()
    assert capsys.readouterr().out == theirs
    kfront.config.disable_interactive_logging()
    try:
        with caplog.at_level(logging.INFO, logger="kfront"):
            _model(kfront).summary()
    finally:
        kfront.config.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    assert theirs.strip("\n") in caplog.text
