"""Shared by the seed examples: the common command line and a plot of a run's history.

``save_history_plot`` draws each metric of ``History.history`` (training and ``val_`` curves
together) into a PNG when matplotlib is installed (``pip install kfront[examples]``), and
says so and returns ``None`` otherwise.
"""
from __future__ import annotations

import argparse
import os


def parse_args(description: str, epochs: int) -> argparse.Namespace:
    """``--epochs``, ``--smoke`` (a few batches: what CI runs) and ``--plot-dir``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--smoke", action="store_true",
                        help="tiny data and one epoch (seconds; used by the tests)")
    parser.add_argument("--plot-dir", default=".", help="where the history plots go")
    return parser.parse_args()


def save_history_plot(history: dict, path: str, title: str = "") -> str | None:
    """Plot every metric of ``history`` (a ``History.history`` dict) against the epoch."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"(matplotlib is not installed: no plot written to {path})")
        return None
    names = [k for k in history if not k.startswith("val_")]
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3), squeeze=False)
    for ax, name in zip(axes[0], names):
        ax.plot(range(1, len(history[name]) + 1), history[name], marker="o", label="train")
        if f"val_{name}" in history:
            ax.plot(range(1, len(history[f"val_{name}"]) + 1), history[f"val_{name}"],
                    marker="o", label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    print(f"history plot: {path}")
    return path
