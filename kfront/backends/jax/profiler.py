"""JAX's profiler behind ``TensorBoard(profile_batch=...)`` (Keras's
``keras/src/backend/jax/tensorboard.py``): traces go to ``<logdir>/plugins/profile/<run>/``."""
from __future__ import annotations

import jax


def start_trace(logdir: str) -> None:
    """Start profiling into ``logdir``."""
    jax.profiler.start_trace(logdir)


def stop_trace(save: bool = True) -> None:
    """Stop profiling; the trace is written (JAX always saves it)."""
    jax.profiler.stop_trace()


def start_batch_trace(batch: int):
    """Mark the steps of ``batch`` in the trace; returns what ``stop_batch_trace`` ends."""
    context = jax.profiler.TraceAnnotation(f"Profiled batch {batch}")
    context.__enter__()
    return context


def stop_batch_trace(context) -> None:
    context.__exit__(None, None, None)
