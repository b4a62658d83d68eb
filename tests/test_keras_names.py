"""Every public name of real Keras's top-level ``keras`` namespace, ``keras.ops`` (and its
submodules), ``keras.random``, ``keras.tree``, ``keras.backend``, ``keras.config``,
``keras.distillation``, ``keras.legacy`` (and ``keras.legacy.saving``) exists in kfront, with
Keras's parameter names and defaults. The module key ``""`` is the top level (``keras`` ->
``kfront``); its names are written without a dot in the lists below (``"Operation"``).

Keras 3.15 has no public ``keras.ops.math`` or ``keras.ops.core``: the names of
``keras.src.ops.math`` / ``core`` are exported in ``keras.ops`` itself and checked there (the
submodules checked are whatever modules ``keras.ops`` holds).

Three lists hold what is allowed to differ:
- ``EXCEPTIONS``: names kfront does not provide on purpose, each with its reason;
- ``NOT_YET``: names known missing today, per module. Shrink-only: the test fails when a name
  outside it is missing AND when a name in it now exists (delete it from the list);
- ``SIGNATURE_DIFFS_NOT_YET``: present names whose parameters differ from Keras's today, with
  the same shrink-only rule; ``SIGNATURE_EXCEPTIONS`` holds deliberate differences with reasons.

``python tests/test_keras_names.py`` rewrites NOT_YET and SIGNATURE_DIFFS_NOT_YET in this file
from today's kfront (review the diff: it must only shrink).
"""
from __future__ import annotations

import importlib
import inspect
import os
import textwrap
import types
import warnings

import pytest

from conformance.support import backend  # noqa: F401  (fixture)

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

# "keras.<module>" -> "kfront.<module>" ("" is the top level: keras -> kfront)
MODULES = {m: m for m in (
    "", "activations", "applications", "backend", "callbacks", "config", "constraints",
    "datasets", "distillation", "distribution", "dtype_policies", "export", "initializers",
    "layers", "legacy", "legacy.saving", "losses", "metrics", "mixed_precision", "models", "ops",
    "optimizers", "preprocessing", "quantizers", "random", "regularizers", "saving", "tree",
    "utils", "visualization", "wrappers")}


def qualified(module: str, name: str) -> str:
    """The key of ``name`` of ``module`` in the lists below (no dot for the top level)."""
    return f"{module}.{name}" if module else name

# "module.name" -> why kfront does not provide it
EXCEPTIONS: dict[str, str] = {
    "src": "Keras's private implementation package, public only because importing keras "
           "imports it; kfront's implementation modules are its own",
    "Operation": "Keras's base class of its ops and layers, subclassed (call + "
                 "compute_output_spec) to define a new symbolic op; kfront's ops are functions "
                 "that kfront/ops/symbolic.py turns into OpLayer nodes on KerasTensors, and a new "
                 "op is a kfront.layers.Layer subclass (Keras's Layer is an Operation): kfront "
                 "has no separate base class that could honestly carry the name",
    "SymbolicScope": "Keras's flag, read by its ops, that a call is tracing KerasTensors for "
                     "compute_output_spec; kfront infers symbolic shapes by running the ops on "
                     "small concrete arrays (kfront/ops/symbolic.py), so nothing would read it",
    "callbacks.OrbaxCheckpoint": "Keras's bridge to JAX's Orbax checkpoint manager "
                                 "(ocp.training.Checkpointer): it needs orbax-checkpoint and its 11 "
                                 "dependencies (tensorstore...); kfront's ModelCheckpoint and "
                                 "BackupAndRestore checkpoint on every backend in Keras's formats",
}

# "module.name" -> why kfront's parameters differ from Keras's
SIGNATURE_EXCEPTIONS: dict[str, str] = {
    "Sequential": "as models.Sequential (the same class)",
    "Optimizer": "as optimizers.Optimizer (the same class)",
    "name_scope": "Keras's (name, **kwargs) is its TensorFlow backend's subclass, which passes "
                  "the keywords to the common class (name, caller=None, deduplicate=True, "
                  "override_parent=None): kfront's has those (Keras's JAX/torch/numpy read so)",
    "models.Sequential": "Keras's (*args, **kwargs) is how inspect reads its class (Keras layers "
                         "define __new__); its real constructor is (layers=None, trainable=True, "
                         "name=None), which kfront's is",
    "optimizers.Optimizer": "Keras's (*args, **kwargs) is its backend wrapper class; the "
                            "parameters are BaseOptimizer's, which kfront's are",
    "callbacks.ProgbarLogger": "kfront also takes tf.keras 2's count_mode ('steps'; 'samples' is "
                               "refused as Keras 3 does), so Keras 2 code runs unchanged",
}

NOT_YET: dict[str, set[str]] = {
    '': set(),
    'activations': set(),
    'applications': set(),
    'backend': set(),
    'callbacks': set(),
    'config': set(),
    'constraints': set(),
    'datasets': set(),
    'datasets.boston_housing': set(),
    'datasets.california_housing': set(),
    'datasets.cifar10': set(),
    'datasets.cifar100': set(),
    'datasets.fashion_mnist': set(),
    'datasets.imdb': set(),
    'datasets.mnist': set(),
    'datasets.reuters': set(),
    'distillation': set(),
    'distribution': set(),
    'dtype_policies': set(),
    'export': set(),
    'initializers': set(),
    'layers': set(),
    'legacy': set(),
    'legacy.saving': set(),
    'losses': set(),
    'metrics': set(),
    'mixed_precision': set(),
    'models': set(),
    'ops': set(),
    'ops.image': set(),
    'ops.linalg': set(),
    'ops.nn': set(),
    'ops.numpy': set(),
    'optimizers': set(),
    'optimizers.legacy': set(),
    'optimizers.schedules': set(),
    'preprocessing': set(),
    'preprocessing.image': set(),
    'preprocessing.sequence': set(),
    'quantizers': set(),
    'random': set(),
    'regularizers': set(),
    'saving': set(),
    'tree': set(),
    'utils': set(),
    'utils.bounding_boxes': set(),
    'utils.legacy': set(),
    'visualization': set(),
    'wrappers': set(),
}

SIGNATURE_DIFFS_NOT_YET: set[str] = {
    'KerasTensor', 'Variable'
}


def keras_modules(keras) -> dict[str, types.ModuleType]:
    """"module" -> keras module, for the modules above and the submodules of keras.ops,
    keras.optimizers (schedules), keras.preprocessing, keras.datasets and keras.utils."""
    out = {m: importlib.import_module(f"keras.{m}" if m else "keras") for m in MODULES}
    for parent in ("ops", "optimizers", "preprocessing", "datasets", "utils"):
        for name in public_names(out[parent]):
            if isinstance(getattr(out[parent], name), types.ModuleType):
                out[f"{parent}.{name}"] = getattr(out[parent], name)
    return out


def kfront_module(module: str):
    try:
        return importlib.import_module(f"kfront.{module}" if module else "kfront")
    except ModuleNotFoundError:
        return None


def public_names(module) -> list[str]:
    return sorted(n for n in dir(module) if not n.startswith("_"))


def missing_names(keras) -> dict[str, set[str]]:
    """"module" -> the Keras names that kfront's module lacks (exceptions left out)."""
    out = {}
    for module, kmod in keras_modules(keras).items():
        ours = kfront_module(module)
        out[module] = {n for n in public_names(kmod)
                       if (ours is None or not hasattr(ours, n))
                       and qualified(module, n) not in EXCEPTIONS}
    return out


def _params(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    return [(p.name, "-" if p.default is inspect.Parameter.empty else repr(p.default))
            for p in sig.parameters.values()]


def signature_diffs(keras) -> dict[str, str]:
    """"module.name" -> how kfront's parameters differ, for names present in both."""
    out = {}
    for module, kmod in keras_modules(keras).items():
        ours = kfront_module(module)
        for n in public_names(kmod):
            theirs = getattr(kmod, n)
            if ours is None or not hasattr(ours, n) or isinstance(theirs, types.ModuleType) \
                    or not callable(theirs) or qualified(module, n) in SIGNATURE_EXCEPTIONS:
                continue
            a, b = _params(getattr(ours, n)), _params(theirs)
            if a is not None and b is not None and a != b:
                out[qualified(module, n)] = f"kfront {a} vs keras {b}"
    return out


@pytest.fixture(scope="module")
def k(keras):
    return keras


def test_every_keras_name_exists_in_kfront(k):
    missing = missing_names(k)
    assert set(NOT_YET) <= set(missing), f"NOT_YET names modules Keras lacks: " \
                                         f"{set(NOT_YET) - set(missing)}"
    lines = [f"{m or '(top level)'}: not yet in kfront: {len(NOT_YET.get(m, ()))} names"
             for m in sorted(missing)]
    lines += [f"exception {name}: {why}" for name, why in sorted(EXCEPTIONS.items())]
    print("\n".join(lines))
    warnings.warn("Keras names: " + "; ".join(lines), UserWarning)
    problems = []
    for module, names in sorted(missing.items()):
        allowed = NOT_YET.get(module, set())
        if names - allowed:
            problems.append(f"kfront{'.' if module else ''}{module} lacks Keras's "
                            f"{sorted(names - allowed)}")
        if allowed - names:
            problems.append(f"kfront{'.' if module else ''}{module} now has "
                            f"{sorted(allowed - names)}: delete them from NOT_YET[{module!r}]")
    assert not problems, "\n".join(problems)


def test_exceptions_name_real_keras_names_with_reasons(k):
    modules = keras_modules(k)
    for table in (EXCEPTIONS, SIGNATURE_EXCEPTIONS):
        for name, why in table.items():
            module, _, attr = name.rpartition(".")
            assert module in modules and hasattr(modules[module], attr), name
            assert why.strip() and "not done" not in why and "not yet" not in why, name


@pytest.mark.parametrize("module", ["", "backend", "config", "distillation", "legacy",
                                    "legacy.saving", "random", "tree"])
def test_fully_covered_modules_have_nothing_missing(module):
    assert not NOT_YET.get(module), f"keras.{module} must be complete in kfront"


def test_signatures_match_keras(k):
    diffs = signature_diffs(k)
    lines = [f"signatures differing from Keras, not yet fixed: {len(SIGNATURE_DIFFS_NOT_YET)}"]
    lines += [f"signature exception {name}: {why}"
              for name, why in sorted(SIGNATURE_EXCEPTIONS.items())]
    print("\n".join(lines))
    warnings.warn("Keras signatures: " + "; ".join(lines), UserWarning)
    new = {n: d for n, d in diffs.items() if n not in SIGNATURE_DIFFS_NOT_YET}
    fixed = sorted(n for n in SIGNATURE_DIFFS_NOT_YET if n not in diffs)
    assert not new, "parameters differ from Keras's:\n" + "\n".join(
        f"{n}: {d}" for n, d in sorted(new.items()))
    assert not fixed, f"these now match Keras: delete them from SIGNATURE_DIFFS_NOT_YET: {fixed}"


def test_keras_keyword_arguments_give_keras_results(backend, keras):
    # parameters that exist for Keras's signature: the same keywords, the same results
    import numpy as np

    from kfront import ops
    x = np.arange(6, dtype="int32").reshape(2, 3)
    for f in (lambda o: o.cumsum(x, axis=1, dtype="float32"), lambda o: o.arange(1, 7, step=None),
              lambda o: o.pad(x, ((0, 1), (1, 0)), constant_values=None),
              lambda o: o.stack(x=[x, x], axis=1), lambda o: o.stop_gradient(variable=x * 1.0),
              lambda o: o.one_hot(x, 6, sparse=False),
              lambda o: o.convert_to_tensor(x, ragged=None),
              lambda o: o.eye(3, 4, k=1), lambda o: o.eye(3, k=-2, dtype="int32"),
              lambda o: o.round(np.float32(x * 1234.5678), decimals=-2),
              lambda o: o.round(x * 17, -1),
              lambda o: o.round(np.float32([1.2345, -2.5551]), decimals=2),
              lambda o: o.max(x, axis=0, initial=4), lambda o: o.min(x * 1.0, 1, True, 1.0)):
        got, want = ops.convert_to_numpy(f(ops)), keras.ops.convert_to_numpy(f(keras.ops))
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-6)  # exact for the integer results
    with pytest.raises(ValueError, match="one_hot: sparse=True"):
        ops.one_hot(x, 6, sparse=True)
    with pytest.raises(ValueError, match="convert_to_tensor: ragged=True"):
        ops.convert_to_tensor(x, ragged=True)


def _literal(names, indent: int) -> str:
    """A set literal of ``names`` wrapped at 100 columns."""
    if not names:
        return "set()"
    pad = " " * (indent + 4)
    body = textwrap.wrap(", ".join(repr(n) for n in sorted(names)), 96 - indent,
                         break_long_words=False, break_on_hyphens=False)
    return "{\n" + "\n".join(pad + line for line in body) + "\n" + " " * indent + "}"


if __name__ == "__main__":  # rewrite NOT_YET and SIGNATURE_DIFFS_NOT_YET from today's kfront
    import pathlib
    import re

    import keras as _keras

    import kfront  # noqa: F401

    _missing, _diffs = missing_names(_keras), signature_diffs(_keras)
    _not_yet = "NOT_YET: dict[str, set[str]] = {\n" + "".join(
        f"    {m!r}: {_literal(v, 4)},\n" for m, v in sorted(_missing.items())) + "}\n"
    _sig = f"SIGNATURE_DIFFS_NOT_YET: set[str] = {_literal(_diffs, 0)}\n"
    _path = pathlib.Path(__file__)
    _text = re.sub(r"NOT_YET: dict\[str, set\[str\]\] = \{\n.*?\n\}\n", lambda m: _not_yet,
                   _path.read_text(), count=1, flags=re.S)
    _text = re.sub(r"SIGNATURE_DIFFS_NOT_YET: set\[str\] = (set\(\)|\{.*?\n\})\n",
                   lambda m: _sig, _text, count=1, flags=re.S)
    _path.write_text(_text)
    print({m: len(v) for m, v in sorted(_missing.items())}, "signature diffs:", len(_diffs))
    for _n, _d in sorted(_diffs.items()):
        print(_n, _d)
