"""A DataLoader over a TensorDataset is read by rows (``TensorRows``): the same batches as
iterating it, in the loader's order (its sampler and seed), and the plain path elsewhere."""
from __future__ import annotations

import numpy as np
import pytest

from kfront.models.data_adapters.iterable_adapters import TensorRows, TorchDataLoaderAdapter

torch = pytest.importorskip("torch")
data = torch.utils.data

DATASET = data.TensorDataset(torch.randn(23, 3, 2), torch.arange(23),
                             torch.randn(23, dtype=torch.float64))


@pytest.mark.parametrize("kwargs", [dict(batch_size=5), dict(batch_size=5, drop_last=True),
                                    dict(batch_size=4, shuffle=True)])
def test_tensor_rows_give_the_loaders_batches(kwargs):
    torch.manual_seed(1)
    want = [[t.numpy() for t in batch] for batch in data.DataLoader(DATASET, **kwargs)]
    after_want = torch.rand(3)
    torch.manual_seed(1)
    loader = data.DataLoader(DATASET, **kwargs)
    assert TensorRows.of(loader, iter(loader)) is not None
    torch.manual_seed(1)
    got = list(TorchDataLoaderAdapter(loader).get_numpy_iterator())
    assert torch.equal(torch.rand(3), after_want)  # the same draws from torch's generator
    assert len(got) == len(want)
    for (x, y, sw), (wx, wy, wsw) in zip(got, want):
        for a, b in ((x, wx), (y, wy), (sw, wsw)):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a, b)


def test_tensor_rows_only_for_the_default_collation_of_numpy_viewable_tensors():
    def of(loader):
        return TensorRows.of(loader, iter(loader))
    assert of(data.DataLoader(data.TensorDataset(torch.zeros(4, 2, requires_grad=True)))) is None
    assert of(data.DataLoader(data.TensorDataset(torch.zeros(4, 2, dtype=torch.bfloat16)))) is None
    assert of(data.DataLoader(DATASET, collate_fn=lambda b: b)) is None
    assert of(data.DataLoader(DATASET, batch_size=None)) is None
