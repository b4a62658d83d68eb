"""Input pipelines and custom train steps: the seed MLP (784-256-256-10, Adam, batch 100)
trained by ``fit`` on the bundled digits, on every backend, fed by

- ``arrays``: numpy arrays (the reference; the built-in train step),
- ``pydataset``: a ``kfront.utils.PyDataset`` slicing the same arrays,
- ``tfdata``: a ``tf.data.Dataset`` (``from_tensor_slices(...).batch(100).prefetch``),
- ``dataloader``: a torch ``DataLoader`` over a ``TensorDataset``,
- ``custom_step``: arrays again, with Keras's guide ``train_step`` override (value_and_grad,
  ``optimizer.apply``, metrics through ``self.metrics``), compiled like the built-in step.

Targets: every pipeline and the custom step reach >= 0.9x the arrays case's samples/s.
Run with ``python benchmarks/run.py pipelines``; ``PIPELINES_QUICK=1`` trains one short epoch
per case (to check that the suite runs, not for timing).
"""
from __future__ import annotations

import os

from common import digits, main, timed

TITLE = "Input pipelines and custom train_step, MLP 784-256-256-10, Adam, batch 100"
QUICK = os.environ.get("PIPELINES_QUICK") == "1"
BATCH = 100
EPOCHS, REPEAT_DATA = (1, 1) if QUICK else (3, 3)
BACKENDS = ("numpy", "torch", "tensorflow", "jax")
FEEDS = ("pydataset", "tfdata", "dataloader", "custom_step")


def _data(kind: str, x, y):
    """``fit``'s ``x`` and ``y`` for a feed kind."""
    if kind in ("arrays", "custom_step"):
        return x, y
    if kind == "pydataset":
        import kfront

        class Batches(kfront.utils.PyDataset):
            def __len__(self):
                return -(-len(x) // BATCH)

            def __getitem__(self, i):
                return x[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH]

        return Batches(), None
    if kind == "tfdata":
        import tensorflow as tf
        return tf.data.Dataset.from_tensor_slices((x, y)).batch(BATCH).prefetch(2), None
    import torch
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    return torch.utils.data.DataLoader(dataset, batch_size=BATCH), None


def _model(kfront, custom: bool):
    from kfront import layers, ops

    class GuideStep(kfront.Sequential):
        """Keras's "customizing fit" guide, part 2."""

        def train_step(self, data):
            x, y = data

            def loss_fn(_):
                y_pred = self(x, training=True)
                return self.compute_loss(y=y, y_pred=y_pred), y_pred
            (loss, y_pred), grads = ops.value_and_grad(loss_fn, has_aux=True)(
                self.trainable_variables)
            self.optimizer.apply(grads, self.trainable_variables)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    cls = GuideStep if custom else kfront.Sequential
    return cls([layers.Input((784,)), layers.Dense(256, activation="relu"),
                layers.Dense(256, activation="relu"), layers.Dense(10, activation="softmax")])


def fit(backend: str, kind: str) -> dict:
    os.environ["KFRONT_BACKEND"] = backend
    import kfront
    x, y = digits(repeat=REPEAT_DATA)
    model = _model(kfront, kind == "custom_step")
    model.compile(optimizer=kfront.optimizers.Adam(), loss="categorical_crossentropy",
                  metrics=["acc"])
    fx, fy = _data(kind, x, y)
    batch = BATCH if fy is not None else None
    return timed(lambda: model.fit(fx, fy, batch_size=batch, epochs=1, verbose=0), len(x),
                 EPOCHS, first_step=lambda: model.train_on_batch(x[:BATCH], y[:BATCH]))


CASES = {}
for _b in BACKENDS:
    for _kind in ("arrays",) + FEEDS:
        CASES[f"{_b}-{_kind}"] = lambda b=_b, k=_kind: fit(b, k)
RATIOS = [(f"{b}-{k}", f"{b}-arrays", 0.9) for b in BACKENDS for k in FEEDS]

if __name__ == "__main__":
    main(CASES)
