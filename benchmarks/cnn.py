"""The seed CNN (Conv2D 32 5x5 relu, MaxPooling2D, Conv2D 64 5x5 relu, MaxPooling2D, Flatten,
Dense 1024 relu, Dense 10 softmax), Adam, batch 100, float32, on the bundled MNIST digits:
training samples/s.

Cases: kfront on each backend (``fit``), real Keras 3 on the same backends, and a hand-written
PyTorch CPU loop of the same model. Run with ``python benchmarks/run.py cnn``.
"""
from __future__ import annotations

from common import digits, first_step_ratios, fit_case, library_cases, main, quick, timed

TITLE = "Seed CNN 2x(conv5x5+maxpool)+Dense1024, Adam, batch 100"
BATCH, EPOCHS = 100, quick(2, 1)
SAMPLES = quick(4000, 200)  # of the 4,000 bundled digits


def build(lib):
    L = lib.layers
    return lib.Sequential([L.Input((28, 28, 1)), L.Conv2D(32, 5, activation="relu"),
                           L.MaxPooling2D(), L.Conv2D(64, 5, activation="relu"), L.MaxPooling2D(),
                           L.Flatten(), L.Dense(1024, activation="relu"),
                           L.Dense(10, activation="softmax")])


def _data():
    x, y = digits(flat=False)
    return x[:SAMPLES], y[:SAMPLES]


def fit(lib_name, backend):
    x, y = _data()
    return fit_case(lib_name, backend, build, x, y, BATCH, EPOCHS)


def torch_handwritten():
    """The same model as a plain PyTorch CPU training loop (NCHW, torch.optim.Adam)."""
    import torch
    from torch import nn
    x, y = _data()
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
    yt = torch.from_numpy(y.argmax(1))
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 5),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1024, 1024),
                          nn.ReLU(), nn.Linear(1024, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        perm = torch.randperm(len(xt))
        for s in range(0, len(xt), BATCH):
            idx = perm[s:s + BATCH]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(xt[idx]), yt[idx]).backward()
            opt.step()

    return timed(epoch, len(x), EPOCHS)


CASES = {**library_cases(fit), "torch-handwritten": torch_handwritten}
RATIOS = [("kfront-numpy", "torch-handwritten", 1.0),
          ("kfront-torch", "keras-torch", 2.0),
          ("kfront-tensorflow", "keras-tensorflow", 1.2),
          ("kfront-jax", "keras-jax", 1.2),
          ("kfront-numpy", "keras-torch", None),
          *first_step_ratios()]

if __name__ == "__main__":
    main(CASES)
