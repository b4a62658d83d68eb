"""rows.sum_blocks (the block sums behind the native engine's bias, layer-norm and convolution
kernel-gradient reductions) sums all whole blocks in one call over a (blocks, per, width) view:
each block's partial must keep the bits of that block summed alone over its rows, for a short
last block, a piece starting at a later block, a strided term and trailing axes."""
from __future__ import annotations

import numpy as np
import pytest

from kfront.backends.numpy import rows


def _one_by_one(term, blocks, first, per):
    out = np.zeros((blocks, *term.shape[1:]), term.dtype)
    for j in range(-(-len(term) // per)):
        out[first + j] = term[j * per:(j + 1) * per].sum(axis=0)
    return out


@pytest.mark.parametrize("n_rows, width, per, first, dtype", [
    (4096, 128, 256, 0, "float32"),   # a transformer's layer-norm gradient: 16 whole blocks
    (1000, 256, 128, 3, "float32"),   # a short last block, written from block 3 on
    (777, 33, 40, 0, "float64"),
    (50, 8, 64, 1, "float32"),        # only a short block
])
def test_block_sums_keep_each_blocks_bits(n_rows, width, per, first, dtype):
    term = (np.random.default_rng(0).standard_normal((n_rows, width)) * 1e3).astype(dtype)
    blocks = first + -(-n_rows // per)
    got = np.zeros((blocks, width), dtype)
    rows.sum_blocks(np, term, got, first, per)
    np.testing.assert_array_equal(got.view(np.uint8),
                                  _one_by_one(term, blocks, first, per).view(np.uint8))


def test_strided_term_with_trailing_axes():
    base = np.random.default_rng(1).standard_normal((600, 3, 10)).astype("float32")
    term = base[:, :, ::2]  # strided rows of shape (3, 5)
    got = np.zeros((3, 3, 5), "float32")
    rows.sum_blocks(np, term, got, 0, 256)
    np.testing.assert_array_equal(got, _one_by_one(term, 3, 0, 256))
