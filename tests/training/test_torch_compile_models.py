"""torch.compile of many models in one process: dynamo keeps at most ``recompile_limit``
specializations per code object and then runs it eagerly, so each model's compiled step has
code objects of its own, and the library frames it reaches after a graph break get a higher
limit while it runs. Dynamo's limit is lowered from 8 to 2 here, so that 3 models show what
10 would (dynamo's tracing takes seconds per model), on the train step and the predict step."""
from __future__ import annotations

import functools

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch backend needs torch")

import kfront  # noqa: E402
from conformance.support import activate  # noqa: E402
from kfront.backends.torch.trainer import _own_code  # noqa: E402


@pytest.fixture
def compile_counter(monkeypatch):
    """torch.compile with dynamo's counting backend (graphs run eagerly: fast)."""
    from torch._dynamo.testing import CompileCounter
    activate("torch")
    counter = CompileCounter()
    monkeypatch.setattr(torch, "compile", functools.partial(torch.compile, backend=counter))
    yield counter
    kfront.config.set_backend("numpy")


def _model(width: int, jit: bool):
    model = kfront.Sequential([kfront.Input((width,)), kfront.layers.Dense(
        3, kernel_initializer="ones", bias_initializer="zeros")])
    model.compile(optimizer="sgd", loss="mse", jit_compile=jit, run_eagerly=not jit)
    return model


def test_more_models_than_the_recompile_limit_each_compile(compile_counter, monkeypatch):
    from torch._dynamo.eval_frame import _debug_get_cache_entry_list as cache_entries
    monkeypatch.setattr(torch._dynamo.config, "recompile_limit", 2)
    codes = set()
    for width in range(2, 5):  # 3 models, each with its own shapes
        x = np.linspace(-1, 1, 4 * width, dtype="float32").reshape(4, width)
        y = np.ones((4, 3), "float32")
        model = _model(width, jit=True)
        graphs = compile_counter.frame_count
        loss = model.train_on_batch(x, y)
        assert compile_counter.frame_count > graphs, f"width {width}: nothing was compiled"
        graphs = compile_counter.frame_count
        prediction = model.predict_on_batch(x)
        assert compile_counter.frame_count > graphs, f"width {width}: predict not compiled"
        for key, step in model._compiled_fns.items():
            if (key if isinstance(key, str) else key[0]) in ("train", "predict"):
                code = step.compiled._torchdynamo_orig_callable.__code__
                assert len(cache_entries(code)) == 1, (width, key)  # its own code, one graph
                codes.add(id(code))
    assert len(codes) == 6
    assert torch._dynamo.config.recompile_limit == 2  # raised only during the steps
    eager = _model(width, jit=False)
    assert eager.train_on_batch(x, y) == pytest.approx(loss, rel=1e-6)
    np.testing.assert_allclose(eager.predict_on_batch(x), prediction, rtol=1e-6)


def test_own_code_copies_nested_helpers():
    def outer(k):
        def helper(x):
            def inner(y):
                return y + k
            return inner(x) * 2

        def countdown(n):  # refers to itself through its closure
            return 0 if n == 0 else 1 + countdown(n - 1)

        def step(x, scale=3, *, shift=0):
            return helper(x) * scale + countdown(2) + shift
        return step

    step = outer(1)
    copy = _own_code(step)
    assert copy(1) == step(1) == 14 and copy(1, 2, shift=1) == step(1, 2, shift=1) == 11
    assert copy.__code__ is not step.__code__ and copy.__qualname__ == step.__qualname__
    cells = dict(zip(copy.__code__.co_freevars, copy.__closure__))
    helper, countdown = cells["helper"].cell_contents, cells["countdown"].cell_contents
    original = dict(zip(step.__code__.co_freevars, step.__closure__))["helper"].cell_contents
    assert helper.__code__ is not original.__code__
    inner = [c for c in helper.__code__.co_consts if hasattr(c, "co_code")]
    assert inner and not any(c is o for c in inner for o in original.__code__.co_consts)
    assert countdown.__closure__[0].cell_contents is countdown  # the copy calls itself
    assert _own_code(print) is print  # not a Python function: as is
