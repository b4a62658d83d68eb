"""The ops modules whose ops each have a suite of their own under ``tests/ops/`` (every backend
against real Keras, native gradients against finite differences, adapters against the native
engine, bad input). The op-table meta-tests (``test_ops_forward.py``, ``test_ops_grad.py``,
``conformance/test_ops_conformance.py``) leave these names to those suites."""
from __future__ import annotations

from kfront.ops import arrays, control_flow, elementwise, linalg, math, reductions

MODULES = (arrays, control_flow, elementwise, linalg, math, reductions)


def own_suite_names() -> set[str]:
    """The public names of the modules with suites of their own."""
    return {name for module in MODULES for name in module.__all__}
