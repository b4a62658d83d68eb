"""A run logged to TensorBoard, stopped by EarlyStopping: the seed MLP on MNIST with
``TensorBoard(histogram_freq=1)`` (scalars per epoch, weight histograms, the model graph) and
``EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)``.

Run: ``python examples/seed_tensorboard.py --log-dir runs/mlp`` then
``tensorboard --logdir runs/mlp`` (no TensorFlow needed: ``pip install tensorboard``);
``--smoke`` uses a few hundred digits and two epochs.
"""
from __future__ import annotations

import argparse
import os

import kfront as keras
from kfront.callbacks import EarlyStopping, TensorBoard
from plot_history import save_history_plot
from seed_mlp_styles import load_data, sequential_mlp


def main(log_dir: str = "runs/seed_mlp", epochs: int = 30, smoke: bool = False,
         plot_dir: str = ".") -> dict:
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = load_data(256 if smoke else None)
    model = sequential_mlp()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["acc"])
    callbacks = [TensorBoard(log_dir, histogram_freq=1, update_freq="epoch"),
                 EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)]
    history = model.fit(x_train, y_train, validation_split=0.2, batch_size=100,
                        epochs=2 if smoke else epochs, callbacks=callbacks,
                        verbose=0 if smoke else 2)
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"stopped after {len(history.history['loss'])} epochs; test accuracy "
          f"{acc * 100:.2f}%; view with: tensorboard --logdir {log_dir}")
    save_history_plot(history.history, os.path.join(plot_dir, "tensorboard_run.png"),
                      f"MLP with EarlyStopping ({keras.config.backend()})")
    return history.history


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log-dir", default="runs/seed_mlp")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--plot-dir", default=".")
    args = parser.parse_args()
    main(args.log_dir, args.epochs, args.smoke, args.plot_dir)
