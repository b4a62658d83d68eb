"""Shared by the preprocessing-layer suites: which cases of a table run on a backend."""
from __future__ import annotations


def per_backend(cases: dict, backend: str) -> dict:
    """All cases, or on JAX (eager ops compile per shape, ~0.3 s each) the first case of
    each layer class: the layers' code is shared, the ops have their own JAX suites."""
    if backend != "jax":
        return cases
    seen, out = set(), {}
    for key, case in cases.items():
        if case[0] not in seen:
            seen.add(case[0])
            out[key] = case
    return out
