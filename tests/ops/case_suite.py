"""The checks an op suite runs on its table of cases, shared by ``test_elementwise.py`` and
``test_reductions.py``.

A table maps a case name to ``(f(ops_namespace, *inputs), inputs, differentiable)``; a case
named ``op`` or ``op_<anything>`` covers ``op``. ``f`` is called with ``keras.ops`` (the oracle,
TensorFlow backend in-process) and with ``kfront.ops`` on each backend.
"""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import ops


def check_covered(covered: set, names: list, cases: dict, module: str) -> None:
    """``covered`` is exactly ``names`` (a module's ``__all__``) and each has a case."""
    assert covered == set(names), sorted(covered ^ set(names))
    missing = sorted(n for n in covered if not any(k == n or k.startswith(n + "_")
                                                   for k in cases))
    assert not missing, f"{module} names without a case: {missing}"


def _as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def keras_outputs(keras, cases: dict) -> dict:
    return {name: [np.asarray(keras.ops.convert_to_numpy(o)) for o in _as_tuple(f(keras.ops, *xs))]
            for name, (f, xs, _) in cases.items()}


def _held(dtype: str) -> str:
    """Keras's result dtype as the active backend holds it: torch holds uint32 as int64, as
    Keras's torch backend (torch has no uint32 add, max, clip... kernels)."""
    return "int64" if dtype == "uint32" and kfront.config.backend() == "torch" else dtype


def check_results(cases: dict, want: dict) -> None:
    """Every case equals Keras: shapes and dtypes, float within 1e-5 relative, others exact."""
    for name, (f, inputs, _) in cases.items():
        got = [np.asarray(ops.convert_to_numpy(o)) for o in _as_tuple(f(ops, *inputs))]
        assert len(got) == len(want[name]), name
        for g, w in zip(got, want[name]):
            assert g.shape == w.shape, (name, g.shape, w.shape)
            assert str(g.dtype) == _held(str(w.dtype)), (name, g.dtype, w.dtype)
            if g.dtype.kind in "fc":
                np.testing.assert_allclose(g, w, rtol=1e-5, atol=2e-6, err_msg=name)
            else:
                np.testing.assert_array_equal(g, w, err_msg=name)


def _grads(cases: dict, name: str):
    """A scalar loss of case ``name`` (its float outputs weighted by fixed random weights), its
    float64 inputs, the differentiated argument numbers and the gradients."""
    f, inputs, _ = cases[name]

    def loss(*xs):
        total = 0.0
        for i, o in enumerate(_as_tuple(f(ops, *xs))):
            if ops.dtype(o).startswith("float"):
                w = np.random.default_rng(i).normal(size=ops.shape(o))
                total = ops.add(total, ops.sum(ops.multiply(o, w)))
        return total
    xs = [x.astype("float64") if x.dtype.kind == "f" else x for x in inputs]
    argnums = tuple(i for i, x in enumerate(xs) if x.dtype.kind == "f")
    traced = loss
    if kfront.config.backend() == "jax":  # one compiled program, not one per primitive
        import jax
        traced = jax.jit(loss)
    _, grads = ops.value_and_grad(traced, argnums=argnums)(*xs)
    return loss, xs, argnums, [np.asarray(ops.convert_to_numpy(g)) for g in grads]


def assert_matches_finite_differences(name: str, loss, xs: list, argnums, grads) -> None:
    """``grads`` (of ``loss`` w.r.t. ``xs[argnums]``) equal central finite differences in
    float64 (relative error < 1e-6)."""
    eps = 1e-6
    for arg, g in zip(argnums, grads):
        fd = np.zeros_like(xs[arg])
        for idx in np.ndindex(xs[arg].shape):
            plus, minus = [x.copy() for x in xs], [x.copy() for x in xs]
            plus[arg][idx] += eps
            minus[arg][idx] -= eps
            fd[idx] = (float(loss(*plus)) - float(loss(*minus))) / (2 * eps)
        err = np.max(np.abs(g - fd)) / max(np.max(np.abs(fd)), 1e-12)
        assert err < 1e-6, (name, arg, err)


def check_finite_differences(cases: dict) -> None:
    """The native engine's gradients equal central finite differences (float64, rel. 1e-6)."""
    for name in [k for k, c in cases.items() if c[2]]:
        assert_matches_finite_differences(name, *_grads(cases, name))


def check_adapter_gradients(cases: dict, backend: str, covered: set) -> None:
    """The backend's gradients (its framework's autodiff) equal the native engine's: every
    differentiable case, except on JAX, where each case is a compilation (~0.5 s): there the
    first differentiable case of each op in ``covered``."""
    if backend == "numpy":
        pytest.skip("the native engine is the reference")
    names = [k for k, c in cases.items() if c[2]]
    if backend == "jax":
        names = [next(k for k in names if k == op or k.startswith(op + "_"))
                 for op in sorted(covered) if any(k == op or k.startswith(op + "_")
                                                  for k in names)]
    kfront.config.set_backend("numpy")
    native = {name: _grads(cases, name)[3] for name in names}
    kfront.config.set_backend(backend)
    for name in names:
        for g, n in zip(_grads(cases, name)[3], native[name]):
            np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-9, err_msg=name)


def check_errors(bad: list) -> None:
    for call, exc, message in bad:
        with pytest.raises(exc) as info:
            call()
        assert message in str(info.value), (message, str(info.value))
