"""TensorBoard event files without TensorFlow: ``EventFileWriter`` and the ``TensorBoard`` callback.

Events are ``tensorboard.compat.proto`` protocol buffers framed by the ``tensorboard`` package's
own ``RecordWriter`` (length, masked CRC-32C, data, masked CRC-32C) into
``events.out.tfevents.<time>.<host>.<pid>.<n>.v2`` files, the layout TensorBoard (and Keras's
``tf.summary`` writer) uses. Nothing here imports TensorFlow; the ``tensorboard`` package is the
optional extra ``kfront[tensorboard]``.

Example:
    >>> import tempfile
    >>> from kfront.tensorboard_logging import EventFileWriter
    >>> with tempfile.TemporaryDirectory() as logdir:
    ...     with EventFileWriter(logdir) as writer:
    ...         writer.add_scalar("loss", 0.5, step=0)
    ...         writer.add_histogram("weights", [0.0, 1.0, 2.0], step=0)
    ...     os.path.basename(writer.path).startswith("events.out.tfevents.")
    True
"""
from __future__ import annotations

import importlib
import io
import itertools
import json
import os
import socket
import time
import warnings

import numpy as np

from kfront.callbacks import Callback

__all__ = ["EventFileWriter", "TensorBoard"]

_file_counter = itertools.count()


def _tensorboard_protos():
    """The ``tensorboard`` modules used here (imported on first use: an optional extra)."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, types_pb2
        from tensorboard.summary.writer.record_writer import RecordWriter
    except ImportError as error:
        raise ImportError("TensorBoard logging needs the `tensorboard` package (it does not need "
                          "TensorFlow): `pip install tensorboard` or `pip install "
                          f"kfront[tensorboard]`. Import failed with: {error}") from error
    return event_pb2, summary_pb2, tensor_pb2, types_pb2, RecordWriter


def _png(image: np.ndarray) -> bytes:
    """``image`` (height, width, 1 | 3 | 4 channels of uint8) encoded as PNG by Pillow."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError("TensorBoard(write_images=True) encodes images with Pillow: `pip "
                          "install pillow` or `pip install kfront[image]`. Import failed with: "
                          f"{error}") from error
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[image.shape[-1]]
    buffer = io.BytesIO()
    Image.fromarray(image[..., 0] if mode == "L" else image, mode=mode).save(buffer, "PNG")
    return buffer.getvalue()


class EventFileWriter:
    """Writes TensorBoard events (scalars, histograms, text tensors) to a new file in ``logdir``.

    Args:
        logdir: folder of the run (created when missing).

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     writer = EventFileWriter(logdir)
        ...     writer.add_scalar("epoch_loss", 1.25, step=3)
        ...     writer.close()
        ...     os.path.getsize(writer.path) > 0
        True
    """

    def __init__(self, logdir: str):
        (self._event_pb2, self._summary_pb2, self._tensor_pb2, self._types_pb2,
         record_writer) = _tensorboard_protos()
        os.makedirs(logdir, exist_ok=True)
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
                f"{os.getpid()}.{next(_file_counter)}.v2")
        self.path = os.path.join(logdir, name)
        self._records = record_writer(open(self.path, "wb"))
        self._write(self._event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))

    def _write(self, event) -> None:
        self._records.write(event.SerializeToString())

    def _add(self, value, step: int) -> None:
        summary = self._summary_pb2.Summary(value=[value])
        self._write(self._event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary))

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        """A scalar (shown in TensorBoard's Scalars tab) at ``step``."""
        self._add(self._summary_pb2.Summary.Value(tag=tag, simple_value=float(value)), step)

    def add_histogram(self, tag: str, values, step: int, buckets: int = 30) -> None:
        """A histogram of ``values`` with ``buckets`` equal-width buckets (``tf.summary``'s
        default count) at ``step``."""
        values = np.asarray(values, dtype="float64").ravel()
        if values.size == 0:
            counts, edges, low, high = np.zeros(1), np.zeros(2), 0.0, 0.0
        else:
            counts, edges = np.histogram(values, bins=buckets)
            low, high = values.min(), values.max()
        histogram = self._summary_pb2.HistogramProto(
            min=float(low), max=float(high), num=float(values.size), sum=float(values.sum()),
            sum_squares=float(np.dot(values, values)),
            bucket_limit=[float(e) for e in edges[1:]], bucket=[float(c) for c in counts])
        self._add(self._summary_pb2.Summary.Value(tag=tag, histo=histogram), step)

    def add_text_tensor(self, tag: str, text: str, step: int, plugin_name: str,
                        content: bytes = b"") -> None:
        """A string tensor for a TensorBoard plugin (``graph_keras_model`` reads a model's
        JSON config this way)."""
        tensor = self._tensor_pb2.TensorProto(dtype=self._types_pb2.DT_STRING,
                                              string_val=[text.encode("utf-8")])
        metadata = self._summary_pb2.SummaryMetadata(
            plugin_data=self._summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin_name,
                                                                     content=content))
        self._add(self._summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=metadata),
                  step)

    def add_images(self, tag: str, images, step: int, max_outputs: int = 3) -> None:
        """Images ``(k, height, width, channels)`` (1, 3 or 4 channels) as ``tf.summary.image``
        writes them: floats taken in [0, 1] (scaled by 255.5 and clipped, as
        ``tf.image.convert_image_dtype``), the first ``max_outputs`` encoded as PNG (Pillow,
        the ``image`` extra) in a string tensor ``[width, height, png...]`` for the ``images``
        plugin."""
        images = np.asarray(images)
        if images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
            raise ValueError(f"add_images: expected images of shape (k, height, width, "
                             f"channels) with 1, 3 or 4 channels; got shape {images.shape}")
        if images.dtype != np.uint8:
            images = np.clip(images.astype("float64") * 255.5, 0, 255).astype(np.uint8)
        pngs = [_png(image) for image in images[:max_outputs]]
        tensor = self._tensor_pb2.TensorProto(
            dtype=self._types_pb2.DT_STRING,
            string_val=[str(images.shape[2]).encode(), str(images.shape[1]).encode(), *pngs])
        tensor.tensor_shape.dim.add(size=2 + len(pngs))
        metadata = self._summary_pb2.SummaryMetadata(
            plugin_data=self._summary_pb2.SummaryMetadata.PluginData(plugin_name="images"),
            data_class=self._summary_pb2.DATA_CLASS_BLOB_SEQUENCE)
        self._add(self._summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=metadata),
                  step)

    def flush(self) -> None:
        self._records.flush()

    def close(self) -> None:
        if not self._records.closed:
            self._records.close()

    def __enter__(self) -> "EventFileWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class TensorBoard(Callback):
    """Logs a run for TensorBoard, as ``keras.callbacks.TensorBoard`` does, with no TensorFlow.

    ``log_dir/train`` gets ``epoch_<metric>`` scalars (step = epoch), ``epoch_learning_rate``,
    ``batch_<metric>`` scalars every ``update_freq`` batches (step = global batch count, from 1),
    weight histograms ``<weight.path>/histogram`` every ``histogram_freq`` epochs and, with
    ``write_graph``, the model's config for TensorBoard's Graphs tab (the ``keras`` tag of the
    ``graph_keras_model`` plugin; Sequential and Functional models, as Keras). No backend gives
    an op-level graph here: the train function's graph is not written. ``log_dir/validation``
    gets the ``val_`` metrics as ``epoch_<metric>`` and each ``evaluate``'s results as
    ``evaluation_<metric>_vs_iterations`` (step = optimizer iterations).

    Args:
        log_dir: folder of the run.
        histogram_freq: epochs between weight histograms (0: none).
        write_graph: write the model's config for the Graphs tab.
        write_images: with the histograms, write each weight as an image
            ``<weight.path>/image`` (biases as a row, kernels transposed to be wide,
            3-D kernels one image per channel), as Keras; needs Pillow.
        write_steps_per_second: log ``batch_steps_per_second`` / ``epoch_steps_per_second``.
        update_freq: ``"epoch"``, ``"batch"`` (every batch) or an integer number of batches.
        profile_batch: the batch, or the pair ``(start, stop)`` of batches (counted from 1
            over the whole ``fit``), to profile with the backend's profiler into
            ``log_dir/train/plugins/profile/``; 0: none. JAX and TensorFlow only (as Keras);
            no op graph is exported with the trace.
        embeddings_freq: epochs between saves of the weights for the embedding projector
            (``log_dir/train/keras_embedding.ckpt-<epoch>.weights.h5``); when set,
            ``log_dir/projector_config.pbtxt`` names each ``Embedding`` layer, as Keras 3.
        embeddings_metadata: a metadata file for every embedding, or a dict from
            ``Embedding`` layer names to metadata files.

    Example:
        >>> import tempfile, numpy as np
        >>> import kfront
        >>> model = kfront.Sequential([kfront.layers.Dense(1, input_shape=(2,))])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0,
        ...                   callbacks=[TensorBoard(logdir, histogram_freq=1)])
        ...     sorted(os.listdir(logdir))
        ['train']
    """

    def __init__(self, log_dir: str = "logs", histogram_freq: int = 0, write_graph: bool = True,
                 write_images: bool = False, write_steps_per_second: bool = False,
                 update_freq: str | int = "epoch", profile_batch: int = 0,
                 embeddings_freq: int = 0, embeddings_metadata=None):
        super().__init__()
        if not (update_freq in ("epoch", "batch") or
                (isinstance(update_freq, int) and not isinstance(update_freq, bool)
                 and update_freq > 0)):
            raise ValueError("TensorBoard: `update_freq` should be 'epoch', 'batch' or a positive "
                             f"integer number of batches. Received: update_freq={update_freq!r}")
        if not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError("TensorBoard: `histogram_freq` should be a non-negative integer. "
                             f"Received: histogram_freq={histogram_freq!r}")
        self._start_batch, self._stop_batch = _profile_range(profile_batch)
        self._profiler = None
        if self._stop_batch:
            from kfront import config
            if config.backend() not in ("jax", "tensorflow"):
                raise ValueError(f"TensorBoard: profiling is not available with the "
                                 f"{config.backend()} backend (only jax and tensorflow). "
                                 f"Received: profile_batch={profile_batch} (must be 0)")
            self._profiler = importlib.import_module(
                f"kfront.backends.{config.backend()}.profiler")
        self._profiler_started = False
        self._batch_trace_context = None
        if not isinstance(embeddings_freq, int) or embeddings_freq < 0:
            raise ValueError("TensorBoard: `embeddings_freq` should be a non-negative integer. "
                             f"Received: embeddings_freq={embeddings_freq!r}")
        self.log_dir = str(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers: dict = {}
        self._global_train_batch = 0  # batches begun (the profiler's count)
        self._logged_train_batch = 0  # batches whose logs came (the step of batch scalars)
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._epoch_start_iterations = 0

    def _writer(self, which: str) -> EventFileWriter:
        if which not in self._writers:
            self._writers[which] = EventFileWriter(os.path.join(self.log_dir, which))
        return self._writers[which]

    def set_model(self, model) -> None:
        super().set_model(model)
        self._close_writers()
        if self.write_graph and type(model).__name__ in ("Sequential", "Functional"):
            config = json.dumps({"class_name": type(model).__name__,
                                 "config": model.get_config()}, default=str)
            self._writer("train").add_text_tensor("keras", config, step=0,
                                                  plugin_name="graph_keras_model", content=b"1")
        if self.embeddings_freq:
            self._configure_embeddings()

    def _configure_embeddings(self) -> None:
        """``log_dir/projector_config.pbtxt`` for the projector plugin, as Keras 3 writes it."""
        _tensorboard_protos()  # the clear error when tensorboard is missing
        from google.protobuf import text_format
        from tensorboard.plugins.projector import projector_config_pb2

        from kfront.layers import Embedding
        config = projector_config_pb2.ProjectorConfig()
        metadata = self.embeddings_metadata
        unused = dict(metadata) if isinstance(metadata, dict) else {}
        for layer in self.model.layers:
            if isinstance(layer, Embedding):
                embedding = config.embeddings.add()
                # Keras's name: that of the first weights of a TF checkpoint
                embedding.tensor_name = \
                    "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"
                if isinstance(metadata, str):
                    embedding.metadata_path = metadata
                elif layer.name in unused:
                    embedding.metadata_path = unused.pop(layer.name)
        if unused:
            raise ValueError("TensorBoard: unrecognized `Embedding` layer names passed to the "
                             f"`embeddings_metadata` argument: {list(unused)}")
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w") as f:
            f.write(text_format.MessageToString(config))

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _optimizer(self):
        return getattr(self.model, "optimizer", None)

    def _iterations(self) -> int:
        optimizer = self._optimizer()
        if optimizer is None or not hasattr(optimizer, "iterations"):
            return 0
        from kfront import ops
        return int(ops.convert_to_numpy(optimizer.iterations))

    def _learning_rates(self) -> dict:
        from kfront import ops
        optimizer = self._optimizer()
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if hasattr(optimizer, "optimizers"):
            return {f"learning_rate_{opt.name}": float(ops.convert_to_numpy(opt.learning_rate))
                    for opt in optimizer.optimizers}
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            return {"learning_rate": float(ops.convert_to_numpy(optimizer.learning_rate))}
        return {}

    def on_train_begin(self, logs=None):
        self._global_train_batch = self._logged_train_batch = 0

    def on_train_end(self, logs=None):
        self._stop_profiler()
        self._close_writers()

    def _start_profiler(self) -> None:
        try:
            self._profiler.start_trace(os.path.join(self.log_dir, "train"))
            self._profiler_started = True
        except Exception as error:  # as Keras: a profiler failure does not stop training
            warnings.warn(f"TensorBoard: failed to start the profiler: {error}", stacklevel=2)

    def _stop_profiler(self) -> None:
        if not self._profiler_started:
            return
        self._profiler_started = False
        try:
            self._profiler.stop_trace(save=True)
        except Exception as error:
            warnings.warn(f"TensorBoard: failed to stop the profiler: {error}", stacklevel=2)

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start_iterations = self._iterations()
            self._epoch_start_time = time.time()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()
        if self._profiler is not None:
            if self._global_train_batch == self._start_batch:
                self._start_profiler()
            if self._profiler_started:
                self._batch_trace_context = self._profiler.start_batch_trace(batch)

    def on_train_batch_end(self, batch, logs=None):
        if self._profiler_started:
            if self._batch_trace_context is not None:
                self._profiler.stop_batch_trace(self._batch_trace_context)
                self._batch_trace_context = None
            if self._global_train_batch >= self._stop_batch:
                self._stop_profiler()
        self._logged_train_batch += 1
        if self.update_freq == "epoch" or self._logged_train_batch % self.update_freq:
            return
        writer, step = self._writer("train"), self._logged_train_batch
        if self.write_steps_per_second:
            elapsed = max(time.time() - self._batch_start_time, 1e-9)
            writer.add_scalar("batch_steps_per_second", 1.0 / elapsed, step)
        for name, value in (logs or {}).items():
            if isinstance(value, (int, float)):
                writer.add_scalar(f"batch_{name}", value, step)

    def _reads_batch_logs(self) -> bool:
        return self.update_freq != "epoch"

    def _takes_late_batch_logs(self) -> bool:
        """Batch scalars may be written a few batches late (``CallbackList.defer_batch_logs``;
        the same values at the same steps) unless a batch's wall time or the profiler is
        measured around it."""
        return not self.write_steps_per_second and self._profiler is None

    def on_test_end(self, logs=None):
        if not logs or self._optimizer() is None:
            return
        writer, step = self._writer("validation"), self._iterations()
        for name, value in logs.items():
            writer.add_scalar(f"evaluation_{name}_vs_iterations", value, step)
        writer.flush()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        train_logs.update(self._learning_rates())
        if self.write_steps_per_second:
            elapsed = max(time.time() - self._epoch_start_time, 1e-9)
            train_logs["steps_per_second"] = (self._iterations()
                                              - self._epoch_start_iterations) / elapsed
        for which, epoch_logs in (("train", train_logs), ("validation", val_logs)):
            if epoch_logs:
                writer = self._writer(which)
                for name, value in epoch_logs.items():
                    writer.add_scalar(f"epoch_{name}", value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            os.makedirs(os.path.join(self.log_dir, "train"), exist_ok=True)
            self.model.save_weights(os.path.join(
                self.log_dir, "train", f"keras_embedding.ckpt-{epoch}.weights.h5"))
        for writer in self._writers.values():
            writer.flush()

    def _log_weights(self, epoch: int) -> None:
        from kfront import ops
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = str(getattr(weight, "path", weight.name)).replace(":", "_")
                value = ops.convert_to_numpy(weight)
                writer.add_histogram(f"{name}/histogram", value, epoch)
                if self.write_images:
                    image = _weight_image(value)
                    if image is not None:
                        writer.add_images(f"{name}/image", image, epoch)


def _profile_range(profile_batch) -> tuple:
    """Keras's ``profile_batch``: 0 (off), a batch, or a pair / ``"start,stop"`` string of the
    first and last (1-based) batches to profile."""
    message = ("TensorBoard: `profile_batch` must be a non-negative integer or a pair of "
               "positive integers (or a comma separated string of them), the first and last "
               f"batches to profile. Received: profile_batch={profile_batch!r}")
    value = profile_batch
    if isinstance(value, str):
        try:
            value = [int(v) for v in value.split(",")]
        except ValueError:
            raise ValueError(message) from None
    if isinstance(value, int) and not isinstance(value, bool):
        start = stop = value
    elif (isinstance(value, (tuple, list)) and len(value) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        start, stop = value
    else:
        raise ValueError(message)
    if start < 0 or stop < start or (stop and not start):
        raise ValueError(message)
    return start, stop


def _weight_image(w: np.ndarray) -> np.ndarray | None:
    """A weight as Keras's ``TensorBoard._log_weight_as_image`` shows it, ``(k, h, w, c)``
    images, or None where it shows none."""
    from kfront import config
    w = np.squeeze(w)
    if w.ndim == 1:  # a bias: one column
        w = w.reshape(1, w.shape[0], 1, 1)
    elif w.ndim == 2:  # a dense kernel, wider than tall
        if w.shape[0] > w.shape[1]:
            w = w.T
        w = w.reshape(1, w.shape[0], w.shape[1], 1)
    elif w.ndim == 3:  # a 1-D convolution kernel: one image per (last-axis) channel
        if config.image_data_format() == "channels_last":
            w = np.transpose(w, (2, 0, 1))
        w = w.reshape(w.shape[0], w.shape[1], w.shape[2], 1)
    return w if w.ndim == 4 and w.shape[-1] in (1, 3, 4) else None
