"""Unseeded random ops (``seed=None``) traced by JAX in a function of the user's own raise a
ValueError asking for a SeedGenerator, as Keras 3 on JAX does (their host samples would be
compiled in as constants, the same at every call), under the same condition (a new array is
a tracer: ``jax.jit``, not ``jax.grad`` / ``jax.vmap`` alone). kfront's own compiled steps
(``compile_stateful``'s key scope), ``output_spec`` and other threads keep drawing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from conformance.support import activate

import kfront

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
    import json, jax, numpy as np, {lib} as lib

    class Noisy(lib.layers.Layer):
        def call(self, x):
            return x + lib.random.normal(lib.ops.shape(x))

    def outcome(fn):
        try:
            fn()
            return "ok"
        except ValueError as e:
            return "raises" if "SeedGenerator" in str(e) else "other: " + str(e)[:200]

    x = np.ones((2, 3), "float32")
    layer = Noisy()
    layer.build((2, 3))
    cases = {{
        "jit normal": lambda: jax.jit(lambda: lib.random.normal((2,)))(),
        "jit randint": lambda: jax.jit(lambda: lib.random.randint((2,), 0, 5))(),
        "jit shuffle": lambda: jax.jit(lambda x: lib.random.shuffle(x))(x),
        "jit dropout": lambda: jax.jit(lambda x: lib.random.dropout(x, 0.5))(x),
        "jit layer": lambda: jax.jit(lambda x: layer(x))(x),
        "jit stateless_call": lambda: jax.jit(lambda x: layer.stateless_call([], [], x))(x),
        "grad": lambda: jax.grad(lambda v: (v * lib.random.normal((3,))).sum())(x[0]),
        "vmap": lambda: jax.vmap(lambda v: v + lib.random.normal((3,)))(x),
        "jit int seed": lambda: jax.jit(lambda: lib.random.normal((2,), seed=3))(),
        "eager": lambda: lib.random.normal((2,)),
        "eager layer": lambda: layer(x),
    }}
    print(json.dumps({{name: outcome(fn) for name, fn in cases.items()}}))
    """


def _outcomes(lib: str) -> dict:
    """In a fresh Python with ``lib`` (keras or kfront) on JAX: per case, "ok" or "raises"
    (a ValueError naming SeedGenerator)."""
    env = {**os.environ, "KERAS_BACKEND": "jax", "KFRONT_BACKEND": "jax",
           "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(_PROBE.format(lib=lib))],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_unseeded_ops_under_a_user_jit_raise_as_keras():
    pytest.importorskip("jax")
    ours, theirs = _outcomes("kfront"), _outcomes("keras")
    assert ours == theirs
    assert [name for name, got in ours.items() if got == "raises"] == [
        "jit normal", "jit randint", "jit shuffle", "jit dropout", "jit layer",
        "jit stateless_call"]


@pytest.fixture
def jax_backend():
    activate("jax")
    yield
    kfront.config.set_backend("numpy")


class _Noisy(kfront.layers.Layer):
    """Adds unseeded normal noise in training (no SeedGenerator)."""

    def call(self, x, training=False):
        return x + kfront.random.normal(kfront.ops.shape(x), stddev=0.1) if training else x


def test_message_names_the_op_and_the_remedy(jax_backend):
    import jax
    with pytest.raises(ValueError, match=r"kfront\.random\.gamma: an unseeded") as info:
        jax.jit(lambda: kfront.random.gamma((2,), 2.0))()
    assert "kfront.random.SeedGenerator" in str(info.value)


def test_kfront_compiled_steps_and_other_threads_still_draw(jax_backend):
    import jax
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    model = kfront.Sequential([kfront.Input((4,)), _Noisy(), kfront.layers.Dense(1)])
    model.compile("sgd", "mse", jit_compile=True)
    history = model.fit(x, x[:, :1], batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    model.evaluate(x, x[:, :1], verbose=0)

    drawn = []  # a thread (a tf.data pipeline's) samples on the host while this one traces

    def traced(v):
        worker = threading.Thread(target=lambda: drawn.append(kfront.random.normal((3,))))
        worker.start()
        worker.join()
        return v * 2

    jax.jit(traced)(np.ones(3, "float32"))
    assert len(drawn) == 1 and np.asarray(drawn[0]).shape == (3,)
