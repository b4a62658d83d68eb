"""TensorFlow's profiler behind ``TensorBoard(profile_batch=...)`` (Keras's
``keras/src/backend/tensorflow/tensorboard.py``): traces go to
``<logdir>/plugins/profile/<run>/``."""
from __future__ import annotations

import tensorflow as tf


def start_trace(logdir: str) -> None:
    """Start profiling into ``logdir``."""
    tf.profiler.experimental.start(logdir=logdir)


def stop_trace(save: bool = True) -> None:
    """Stop profiling, writing the trace when ``save``."""
    tf.profiler.experimental.stop(save=save)


def start_batch_trace(batch: int):
    """Mark the steps of ``batch`` in the trace; returns what ``stop_batch_trace`` ends."""
    context = tf.profiler.experimental.Trace("Profiled batch", step_num=batch)
    context.__enter__()
    return context


def stop_batch_trace(context) -> None:
    context.__exit__(None, None, None)
