"""compile / fit / evaluate / predict, shared by every model type and every backend."""
from __future__ import annotations

import collections
import functools
import inspect
import math
import warnings

import numpy as np

from kfront import distribution as distribution_lib
from kfront import ops
from kfront.backends import B
from kfront.backends.common import keras_mask, tree
from kfront.models import data as data_utils
from kfront.models.data_adapters import get_data_adapter, is_array_like
from kfront.models.data_adapters.data_adapter import (DataAdapter, class_weight_to_sample_weight,
                                                      unpack_x_y_sample_weight)

# a step's outputs with their masks (``Trainer._metric_outputs_of``): a namedtuple, which
# jax.jit, tf.function and torch.compile return as they got it
_MaskedOutputs = collections.namedtuple("_MaskedOutputs", ["y_pred", "masks"])


#: batches whose metric updates may wait (on the device) before ``fit``/``evaluate`` apply them
_FLUSH_EVERY = 8


class Trainer:
    """The training API of ``Model`` (mixed into it)."""

    compiled = False

    # ------------------------------------------------------------------------------- compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly: bool = False, steps_per_execution: int = 1,
                jit_compile="auto", auto_scale_loss: bool = True) -> None:
        """Configure training: optimizer, loss (name, function or Loss), metrics (names such as
        ``"acc"`` or Metric objects).

        Example:
            >>> import kfront
            >>> from kfront import layers
            >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(1)])
            >>> m.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        """
        from kfront import losses, optimizers
        self.optimizer = optimizers.get(optimizer)
        if auto_scale_loss and self.dtype_policy.name == "mixed_float16" and self.optimizer \
                and not isinstance(self.optimizer, optimizers.LossScaleOptimizer):
            # as Keras: float16 gradients underflow without a loss scale
            self.optimizer = optimizers.LossScaleOptimizer(self.optimizer,
                                                           name="loss_scale_optimizer")
        self.loss = loss
        if loss is not None:  # unknown names fail here; "ce" is resolved from shapes later
            _map_outputs(loss, lambda s: None if _is_shape_dependent(s) else losses.get(s))
            if isinstance(loss, dict) and self.output_names is not None:
                self._by_output(loss, "loss", len(self.output_names))  # unknown names fail here
        self._loss_fns = self._loss_weight_list = None  # resolved on the first batch
        self._output_loss_trackers, self._metric_outputs = [], []
        self.loss_weights = loss_weights
        if metrics is not None or weighted_metrics is not None or not self.compiled:
            # as Keras: compiling again without metrics keeps the metrics compiled before
            from kfront.models.compile_metrics import CompileMetrics
            self._metric_specs = metrics
            self._weighted_metric_specs = weighted_metrics
            self._compile_metrics = (CompileMetrics(self) if metrics is not None
                                     or weighted_metrics is not None else None)
        self._compiled_metrics = None  # resolved on the first batch, when shapes are known
        from kfront import metrics as metrics_mod
        self._loss_tracker = metrics_mod.Mean(name="loss")
        self.run_eagerly = run_eagerly
        if jit_compile is True and not self._supports_jit():
            warnings.warn("Model doesn't support `jit_compile=True`. Proceeding with "
                          "`jit_compile=False`.", stacklevel=2)  # Keras's words
            jit_compile = False
        self.jit_compile = jit_compile
        self._compiled_fns = {}  # train/test/predict steps, compiled lazily
        self.compiled = True
        self._compile_config = {"optimizer": self.optimizer, "loss": loss,
                                "loss_weights": loss_weights, "metrics": metrics,
                                "weighted_metrics": weighted_metrics, "run_eagerly": run_eagerly,
                                "steps_per_execution": steps_per_execution,
                                "jit_compile": jit_compile}

    def get_compile_config(self) -> dict | None:
        """The ``compile()`` arguments as Keras 3 saves them (``compile_config``), the
        optimizer as its config; ``None`` before ``compile``."""
        if not self.compiled:
            return None
        from kfront.saving.serialization_lib import serialize_dict
        return serialize_dict(self._compile_config)

    def compile_from_config(self, config: dict) -> None:
        """``compile()`` from ``get_compile_config()`` output (Keras's or kfront's); the
        optimizer's variables are created when the model is built, ready to be loaded."""
        from kfront.saving.serialization_lib import deserialize_keras_object
        config = deserialize_keras_object(config)
        known = ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics",
                 "run_eagerly", "steps_per_execution", "jit_compile", "auto_scale_loss")
        self.compile(**{k: v for k, v in config.items() if k in known})
        if self.built and self.trainable_variables:
            self.optimizer.build(self.trainable_variables)

    def _compute_loss(self, x, y, y_pred, sample_weight, training: bool):
        """``compute_loss`` as the built-in steps call it: ``training`` is passed only when
        the (possibly overridden) method takes it, as Keras 3 does (keras-io's
        knowledge_distillation overrides ``compute_loss(self, x, y, y_pred, sample_weight,
        allow_empty=False)``). An override sees the batch as the backend's tensors, as in
        Keras (the built-in loss takes the host arrays as they come)."""
        if _overrides(type(self), "compute_loss"):
            x, y, sample_weight = _as_tensors((x, y, sample_weight))
        if _takes_training(getattr(self.compute_loss, "__func__", self.compute_loss)):
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def _assert_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(f'Model "{self.name}": call compile() before {what}()')

    # ---------------------------------------------------------------------------- loss, metrics
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss(es), weighted and summed, plus the losses the model added
        (``add_loss``, regularizers) in its latest call (Keras 3's hook: override it to change
        the loss of the built-in ``train_step``).

        Example:
            >>> import numpy as np, kfront
            >>> from kfront import layers
            >>> m = kfront.Sequential([layers.Input((2,)), layers.Dense(1, use_bias=False,
            ...     kernel_initializer="ones")])
            >>> m.compile(loss="mse")
            >>> x = np.ones((1, 2), "float32")
            >>> float(m.compute_loss(x, np.zeros((1, 1), "float32"), m(x)))
            4.0
        """
        if self._loss_fns is None:
            self._resolve_metrics(y, y_pred)
        ys, preds = self._per_output(y, "y"), self._per_output(y_pred, "y_pred")
        fns = self._loss_fns if isinstance(self._loss_fns, list) else [self._loss_fns] * len(preds)
        if fns and len(ys) != len(preds):
            raise ValueError(f'Model "{self.name}" has {len(preds)} output(s) but y has '
                             f"{len(ys)} array(s)")
        weights = self._loss_weight_list or [1.0] * len(preds)
        total = None
        for fn, yt, yp, w in zip(fns, ys, preds, weights):
            if fn is None or yt is None:
                continue
            term = fn(yt, yp, sample_weight=sample_weight)
            term = term if w == 1.0 else ops.multiply(term, w)
            total = term if total is None else ops.add(total, term)
        for extra in self.losses:  # / replicas in a user's step on a tf.distribute strategy
            extra = distribution_lib.scale_loss(extra)
            total = extra if total is None else ops.add(total, extra)
        if total is None:
            raise ValueError(f'Model "{self.name}": no loss to compute: pass loss=... to '
                             "compile(), or add losses in call() with self.add_loss()")
        return total

    def _resolve_metrics(self, y, y_pred) -> None:
        """Loss functions, loss weights and metrics per output, from the compile arguments
        (single, lists in output order, or dicts keyed by output name) and the first batch's
        shapes."""
        from kfront import losses
        from kfront import metrics as metrics_mod
        ys, preds = self._per_output(y, "y"), self._per_output(y_pred, "y_pred")
        shapes = [(np.shape(t), tuple(ops.shape(p))) for t, p in zip(ys, preds)]
        loss = self._by_output(self.loss, "loss", len(preds))
        if loss is None:
            self._loss_fns = []
        elif isinstance(loss, list) or len(preds) > 1:  # as Keras: one loss is one per output
            specs = loss if isinstance(loss, list) else [loss] * len(preds)
            self._loss_fns = [None if s is None else losses.resolve(s, *sh)
                              for s, sh in zip(specs, shapes)]
        else:
            self._loss_fns = losses.resolve(loss, *shapes[0])
        weights = self._by_output(self.loss_weights, "loss_weights", len(preds))
        self._loss_weight_list = ([1.0 if w is None else w for w in weights]
                                  if weights is not None else None)
        names = self.output_names or [f"output_{i}" for i in range(len(preds))]
        self._output_loss_trackers = []
        # as Keras: a "<output>_loss" log per output only when more than one loss is computed
        if isinstance(self._loss_fns, list) and sum(f is not None for f in self._loss_fns) > 1:
            self._output_loss_trackers = [(i, metrics_mod.Mean(name=f"{names[i]}_loss"))
                                          for i, fn in enumerate(self._loss_fns)
                                          if fn is not None]
        self._compiled_metrics, self._metric_outputs = [], []
        self._metric_weighted, self._metric_keys = [], []
        fn = None if isinstance(loss, (list, dict)) else loss
        # as Keras: with several outputs, metrics are named "<output>_<name>" (no prefix for
        # outputs without names, as a subclassed model's)
        prefixes = [f"{n}_" if len(preds) > 1 else "" for n in self.output_names] \
            if self.output_names else [""] * len(preds)
        for weighted, given, what in ((False, self._metric_specs, "metrics"),
                                      (True, self._weighted_metric_specs, "weighted_metrics")):
            for i, spec in enumerate(self._metrics_by_output(given, what, len(preds))):
                if spec and (i >= len(ys) or ys[i] is None):
                    raise ValueError(f'Model "{self.name}": the compiled metrics {spec} need '
                                     "targets y, and the data has none")
                for m in spec:
                    metric = metrics_mod.resolve(m, np.shape(ys[i]), shapes[i][1], fn)
                    self._metric_keys.append(_log_key(prefixes[i], metric.name, weighted,
                                                      self._metric_keys))
                    self._compiled_metrics.append(metric)
                    self._metric_outputs.append(i)
                    self._metric_weighted.append(weighted)

    def _metrics_by_output(self, given, what: str, n_outputs: int) -> list:
        """``metrics`` / ``weighted_metrics`` as one list of metric specs per output, as
        Keras 3 reads them: with one output, every metric given (flattened) is for it; with
        several, a list or tuple of one entry per output (a spec, a list of specs or None), or
        a dict by output name (outputs left out get none)."""
        from kfront import tree
        if not given:
            return [[] for _ in range(n_outputs)]
        if n_outputs == 1:
            return [tree.flatten(given)]
        if isinstance(given, dict):
            per_output = self._by_output(given, what, n_outputs)
        elif isinstance(given, (list, tuple)) and len(given) == n_outputs:
            per_output = list(given)
        else:
            raise ValueError(f'Model "{self.name}" has {n_outputs} outputs '
                             f"({self.output_names}): {what} must be a list with one entry "
                             f"per output (a metric, a list of metrics or None) or a dict by "
                             f"output name; received {what}={given!r}")
        return [[] if spec is None else tree.flatten(spec) for spec in per_output]

    @property
    def output_names(self) -> list | None:
        """The outputs' names (Keras's: a dict of outputs' sorted keys, else the output
        layers' names); ``None`` when the model has no symbolic outputs."""
        struct = self.__dict__.get("_outputs_struct")
        if isinstance(struct, dict):
            return sorted(struct)
        outputs = self.__dict__.get("_outputs")
        if not outputs:
            return None
        return [t._keras_history[0].layer.name for t in outputs]

    def _per_output(self, value, what: str) -> list:
        """``y`` / ``y_pred`` as a list in output order (a dict by output name)."""
        if isinstance(value, dict):
            names = self.output_names
            if names is None:
                return list(value.values())
            unknown = sorted(set(value) - set(names))
            if unknown:
                raise ValueError(f'Model "{self.name}": {what} has key(s) {unknown} that name '
                                 f"no output; the outputs are {names}")
            return [value.get(n) for n in names]
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        return self._place_targets(values) if what == "y" else values

    def _place_targets(self, ys: list) -> list:
        """Keras's loss "partially defined over y_pred": with ``compile(loss=[fn, None])``
        and one target per non-None loss (keras-io's miniature GPT fits ``y`` alone on its
        ``[logits, embeddings]`` outputs), the targets go to those outputs, None to the rest."""
        loss = getattr(self, "loss", None)
        if not isinstance(loss, (list, tuple)) or len(ys) == len(loss):
            return ys
        slots = [i for i, fn in enumerate(loss) if fn is not None]
        if len(slots) != len(ys):
            return ys
        placed = [None] * len(loss)
        for i, target in zip(slots, ys):
            placed[i] = target
        return placed

    def _by_output(self, spec, what: str, n_outputs: int):
        """A compile argument given as a dict by output name -> a list in output order; a
        list must have one entry per output; a single value stays single."""
        if isinstance(spec, dict):
            names = self.output_names
            if names is None:
                raise ValueError(f'Model "{self.name}": {what} is a dict by output name, but '
                                 "the model's outputs have no names (build it functionally)")
            unknown = sorted(set(spec) - set(names))
            if unknown:
                raise ValueError(f'Model "{self.name}": the {what} dict has key(s) {unknown} '
                                 f"that name no output; the outputs are {names}")
            return [spec.get(n) for n in names]
        if isinstance(spec, (list, tuple)):
            if len(spec) != n_outputs:
                raise ValueError(f'Model "{self.name}": {what} has {len(spec)} entries but the '
                                 f"model has {n_outputs} output(s)")
            return list(spec)
        return spec

    @property
    def metrics(self) -> list:
        """Keras 3's list: once compiled, the loss tracker (``Mean`` named ``"loss"``) and
        the compiled metrics as one ``CompileMetrics`` named ``"compile_metrics"`` (when
        ``compile`` was given metrics; its ``metrics`` are filled on the first batch), the
        per-output loss trackers of a model with several outputs, then the ``Metric``
        objects set as the model's attributes; ``fit`` and ``evaluate`` reset them at each
        epoch. Override it to list your own."""
        from kfront.metrics import Metric
        out = []
        if "_loss_tracker" in self.__dict__:
            out.append(self._loss_tracker)
        if self.__dict__.get("_compile_metrics") is not None:
            out.append(self._compile_metrics)
        out.extend(m for _, m in self.__dict__.get("_output_loss_trackers") or ())
        out.extend(v for k, v in self.__dict__.items()
                   if isinstance(v, Metric) and not k.startswith("_"))
        return out

    @property
    def metrics_names(self) -> list:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        """Update the compiled metrics with a batch's targets and outputs and return
        ``get_metrics_result()`` (Keras 3's hook; the loss tracker is the step's to update)."""
        if self._compiled_metrics is None:
            self._resolve_metrics(y, y_pred)
        self._update_output_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        """``{name: result}`` of ``self.metrics`` (a metric's dict result merged in), as Python
        floats where a result is a scalar. Compiled metrics not resolved yet (no batch has run,
        e.g. a fit resumed after its last batch) report nothing."""
        from kfront.models.compile_metrics import CompileMetrics
        logs = {}
        for m in self.metrics:
            if isinstance(m, CompileMetrics) and not m.built:
                continue
            result = m.result()
            if isinstance(result, dict):
                logs.update({k: _to_float(v) for k, v in result.items()})
            else:
                logs[m.name] = _to_float(result)
        return logs

    # ------------------------------------------------- tf.keras 2 spellings (kept by Keras 3)
    def compiled_loss(self, y, y_pred, sample_weight=None, regularization_losses=None):
        """Deprecated tf.keras 2 spelling of ``compute_loss(None, y, y_pred, sample_weight)``,
        kept as Keras 3 keeps it for the older "customizing fit" guides
        (``regularization_losses`` is ignored: ``compute_loss`` adds the model's ``losses``)."""
        warnings.warn("`model.compiled_loss()` is deprecated. Instead, use "
                      "`model.compute_loss(x, y, y_pred, sample_weight, training)`.",
                      stacklevel=2)
        return self.compute_loss(x=None, y=y, y_pred=y_pred, sample_weight=sample_weight)

    @property
    def compiled_metrics(self):
        """Deprecated tf.keras 2 object with ``update_state(y, y_pred, sample_weight=None)``;
        as Keras 3's shim, it updates every metric of ``self.metrics``, giving a ``Mean``
        (such as the loss tracker) the predictions alone."""
        from kfront.metrics import Mean
        model = self

        class DeprecatedCompiledMetric:
            def update_state(self, y, y_pred, sample_weight=None) -> None:
                warnings.warn("`model.compiled_metrics()` is deprecated. Instead, use e.g. "
                              "`for metric in self.metrics: metric.update_state(y, y_pred)`",
                              stacklevel=2)
                for metric in model.metrics:
                    if isinstance(metric, Mean):
                        metric.update_state(y_pred, sample_weight=sample_weight)
                    else:
                        metric.update_state(y, y_pred, sample_weight=sample_weight)

        return DeprecatedCompiledMetric()

    def _update_metrics(self, loss, y, y_pred, sample_weight, batch_n) -> float:
        loss_value = float(ops.convert_to_numpy(loss))
        self._loss_tracker.update_state(loss_value, sample_weight=batch_n)
        self._update_output_metrics(y, y_pred, sample_weight)
        return loss_value

    def _update_output_metrics(self, y, y_pred, sample_weight) -> None:
        """The per-output losses (several outputs) and the compiled metrics, on the host."""
        if not (self._compiled_metrics or self._output_loss_trackers):
            return
        y_pred, masks = y_pred if isinstance(y_pred, _MaskedOutputs) else (y_pred, None)
        ys, preds = self._per_output(y, "y"), self._per_output(y_pred, "y_pred")
        host = {}
        for i in set(self._metric_outputs) | {i for i, _ in self._output_loss_trackers}:
            host[i] = ops.convert_to_numpy(preds[i])
            if masks is not None and masks[i] is not None:
                keras_mask.set_keras_mask(host[i], ops.convert_to_numpy(masks[i]))
        for i, tracker in self._output_loss_trackers:
            value = self._loss_fns[i](ys[i], host[i], sample_weight=sample_weight)
            tracker.update_state(float(ops.convert_to_numpy(value)),
                                 sample_weight=len(host[i]))
        for i, m, weighted in zip(self._metric_outputs, self._compiled_metrics,
                                  self._metric_weighted):
            m.update_state(ys[i], host[i], sample_weight=sample_weight if weighted else None)

    def _logs(self) -> dict:
        return self.get_metrics_result()

    # ----------------------------------------------------------------------------- steps
    def train_step(self, data) -> dict:
        """One gradient step on a batch ``data`` (``x``, ``(x, y)`` or
        ``(x, y, sample_weight)``, as ``kfront.utils.pack_x_y_sample_weight`` packs it); returns the metrics' results (``get_metrics_result()``).
        Keras 3's hook: override it to customize ``fit`` (the model's ``optimizer``,
        ``compute_loss``, ``metrics``, and a gradient API such as ``kfront.GradientTape`` or
        ``kfront.ops.value_and_grad``); ``fit`` then calls it with each batch, compiled as the
        built-in step is unless ``run_eagerly`` (see ``kfront.models.custom_step``).

        Example:
            >>> import numpy as np, kfront
            >>> from kfront import layers
            >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(1)])
            >>> m.compile(optimizer="sgd", loss="mse")
            >>> sorted(m.train_step((np.ones((4, 3), "float32"), np.ones((4, 1), "float32"))))
            ['loss']
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._update_metrics(*self._run_batch(self._train_batch, x, y, sample_weight))
        return self.get_metrics_result()

    def test_step(self, data) -> dict:
        """Loss and metrics on a batch ``data`` without updating weights; returns
        ``get_metrics_result()`` (Keras 3's hook, called by ``evaluate``)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._update_metrics(*self._run_batch(self._test_batch, x, y, sample_weight))
        return self.get_metrics_result()

    def predict_step(self, data):
        """The model's outputs on a batch ``data`` (``x``, or ``(x,)`` when ``x`` is a tuple
        or list; Keras 3's hook, called by ``predict``)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self._predict_batch(x)

    def _train_batch(self, x, y, sample_weight=None):
        """The built-in gradient step on a batch; returns ``(loss, y_pred)`` as backend tensors.

        The forward and backward pass run through ``B.compile_stateful`` (jax.jit, tf.function
        or torch.compile where the compile settings ask for it). Compiled, the optimizer
        update runs inside the same call when the optimizer allows it (one compiled call per
        step, see ``Optimizer._can_update_in_graph``); otherwise, and eagerly, it runs after
        it through the backend's fused kernels."""
        variables = self._step_variables()
        optimizer = self.optimizer

        def loss_and_grads(x, y, sample_weight):
            def loss_fn():  # gradients of the scaled loss (the optimizer unscales them)
                y_pred = self(x, training=True)
                loss = self._compute_loss(x, y, y_pred, sample_weight, training=True)
                # (the outputs' masks are read here: the native engine's held masks end
                # with the recorded call)
                return optimizer.scale_loss(loss), (loss, self._metric_outputs_of(y_pred))
            (_, aux), grads = B.variables_value_and_grad(loss_fn, variables, has_aux=True)
            return aux, grads
        loss_and_grads = distribution_lib.all_reduce_gradients(
            distribution_lib.across_replicas(loss_and_grads, self, "train"))

        if self._fuses_update(variables):
            raw_step, hyper = optimizer._begin_step()
            dtype = variables[0].dtype  # NumPy scalars: every compiled kind takes them cheaply
            per_step = {k: np.asarray(hyper[k], dtype)
                        for k in optimizer._per_step_hyper if k in hyper}
            fixed = {k: v for k, v in hyper.items() if k not in per_step}

            def train_fn(x, y, sample_weight, per_step):
                (loss, y_pred), grads = loss_and_grads(x, y, sample_weight)
                optimizer._update_in_graph(grads, variables, {**fixed, **per_step})
                return loss, y_pred

            loss, y_pred = self._run_compiled(("train", *sorted(fixed.items())), train_fn,
                                              x, y, sample_weight, per_step,
                                              state=lambda: self.variables + optimizer.variables)
            optimizer._advance(raw_step, assign=False)
            return loss, y_pred
        (loss, y_pred), grads = self._run_compiled("train", loss_and_grads, x, y, sample_weight)
        optimizer.apply(distribution_lib.reduce_after_step(grads), variables)
        distribution_lib.keep_layouts(variables, [optimizer])  # eager update: back on the mesh
        return loss, y_pred

    def _step_variables(self) -> list:
        """``trainable_variables`` for the train step: walked once per ``compile`` where the
        step is compiled (the compiled step keeps the variables it was traced with; the walk
        over the layers cost ~10-40 us a step), at every step where it runs eagerly."""
        fns = self.__dict__.setdefault("_compiled_fns", {})
        variables = fns.get("trainable_variables")
        if variables is None:
            variables = self.trainable_variables
            if self.built and variables and self._use_jit():
                fns["trainable_variables"] = variables
        return variables

    def _fuses_update(self, variables) -> bool:
        """Does the optimizer update run inside the compiled train step? (Decided once per
        ``compile``, which clears ``_compiled_fns``.)"""
        fns = self.__dict__.setdefault("_compiled_fns", {})
        if "fuses_update" not in fns:
            if not (self.built and variables):
                return False
            fns["fuses_update"] = (self._use_jit() and distribution_lib.reduces_in_step()
                                   and self.optimizer._can_update_in_graph(variables)
                                   and not self._rematerializes_in_tf_graph())
        return fns["fuses_update"]

    def _rematerializes_in_tf_graph(self) -> bool:
        """Does a layer under a ``RematScope`` recompute in the backward of a ``tf.function``
        step without XLA? There ``tf.recompute_grad``'s recomputation and an optimizer update
        in the same graph race once Grappler's dependency optimizer has run: in 30 random inits
        of Dense(8, tanh) -> Dense(1) under ``RematScope("full")``, 4-6 got the last kernel's
        gradient 1e-3 to 5e-2 off (none with XLA, with that Grappler pass off, or with the
        update applied after the compiled step, which is what kfront then does)."""
        from kfront import config
        return (config.backend() == "tensorflow" and self._use_jit() is True
                and any(getattr(getattr(layer, "_remat_mode", None), "mode", None)
                        for layer in self._layers_flat()))

    def _test_batch(self, x, y, sample_weight=None):
        """Loss and outputs on a batch, without updating weights."""
        def test_fn(x, y, sample_weight):
            y_pred = self(x, training=False)
            return (self._compute_loss(x, y, y_pred, sample_weight, training=False),
                    self._metric_outputs_of(y_pred))
        test_fn = distribution_lib.across_replicas(test_fn, self, "test")
        with B.no_grad():
            return self._run_compiled("test", test_fn, x, y, sample_weight)

    def _predict_batch(self, x):
        """Model outputs on a batch."""
        self._symbolic_build(x)
        with B.no_grad():
            return self._run_compiled("predict", distribution_lib.across_replicas(
                lambda x: self(x, training=False), self, "predict"), x)

    def _run_compiled(self, name, fn, *args, state=None):
        """``fn(*args)`` through the backend's compiled version, made on first use (an unbuilt
        model runs eagerly once, so that its weights exist before compiling). ``state``: the
        Variables ``fn`` reads or assigns, or a callable giving them, called only when the
        step is compiled (default: the model's)."""
        fns = self.__dict__.setdefault("_compiled_fns", {})
        args = distribution_lib.distribute_data(args)  # split over a mesh's batch axis (JAX)
        if name not in fns:
            if not self.built or not self.variables:
                return fn(*args)
            state = (self.variables if state is None
                     else state() if callable(state) else state)
            distribution_lib.distribute_state(state, [getattr(self, "optimizer", None)])
            fns[name] = B.compile_stateful(fn, state, self._use_jit())
        # eagerly, this call's ``fn``: the first one's closure holds the variables of its step
        # (a layer frozen since then without a new compile trains no more, as in Keras)
        step = fns[name] if self._use_jit() else fn
        with distribution_lib.collective_errors():  # a dead peer inside a compiled step
            return step(*args)

    def _use_jit(self) -> bool | str:
        """How to compile the steps: ``False`` (eagerly), ``True`` (the backend's compiler:
        jax.jit, tf.function, torch.compile) or ``"xla"`` (TensorFlow: ``tf.function`` with
        ``jit_compile=True``; the others as ``True``). ``run_eagerly`` never compiles;
        ``jit_compile=True`` asks for XLA, as in Keras, and ``False`` is a plain
        ``tf.function`` on TensorFlow, eager elsewhere. ``"auto"`` compiles where it pays
        (TensorFlow, JAX; not torch, whose torch.compile first step is long), and on
        TensorFlow uses XLA for models with a recurrent layer: their ``tf.while_loop`` steps
        run ~1.35x faster under XLA on CPU, while convolutions run ~2x slower (Keras 3's
        ``"auto"`` leaves XLA off on a CPU-only TensorFlow). A model with a layer that does
        not support jit (``supports_jit = False``: the string preprocessing layers, which run
        on the host) runs as Keras runs it: ``tf.function`` without XLA on TensorFlow (the
        layers run in the graph through ``tf.py_function``), eagerly elsewhere. Under a
        ``tf.distribute`` strategy (``MirroredStrategy``) ``"auto"`` never uses XLA, as in
        Keras, and ``jit_compile=True`` over several replicas raises (Keras fails there too:
        XLA cannot reach the other replicas' variables); so under a multi-process
        ``DataParallel`` on TensorFlow, whose all-reduce XLA cannot compile
        (``kfront.distribution.xla_obstacle``)."""
        if getattr(self, "run_eagerly", False):
            return False
        if not self._supports_jit():
            from kfront import config
            return config.backend() == "tensorflow"
        jit = getattr(self, "jit_compile", "auto")
        from kfront import config
        backend = config.backend()
        if jit == "auto":
            if (backend == "tensorflow" and self._has_recurrent_layer()
                    and not distribution_lib.replica_count(self)
                    and distribution_lib.xla_obstacle(self) is None):
                return "xla"
            return backend in ("tensorflow", "jax")
        obstacle = distribution_lib.xla_obstacle(self) if jit else None
        if obstacle is not None:
            raise ValueError(
                f'Model "{self.name}": jit_compile=True cannot compile a step that runs on '
                f'{obstacle}; use jit_compile=False or "auto" there, as Keras 3 does under '
                "tf.distribute")
        # ``False`` on TensorFlow is ``tf.function`` without XLA, as in Keras (eager there is
        # ``run_eagerly``); elsewhere the step runs eagerly, as Keras's JAX and torch trainers
        return "xla" if jit else backend == "tensorflow"

    def _supports_jit(self) -> bool:
        """Keras's ``model_supports_jit``: every layer's ``supports_jit`` (default True).
        Decided once per ``compile`` (a custom step asks at every call)."""
        fns = self.__dict__.setdefault("_compiled_fns", {})
        if "supports_jit" not in fns:
            fns["supports_jit"] = all(getattr(layer, "supports_jit", True)
                                      for layer in self._layers_flat())
        return fns["supports_jit"]

    def _has_recurrent_layer(self) -> bool:
        from kfront.layers.recurrent import _RNN
        return any(isinstance(layer, _RNN) for layer in self._layers_flat())

    def _symbolic_build(self, x, in_loop: bool = False) -> None:
        """Build an unbuilt Sequential for the shape of its first batch ``x``, as Keras 3.15
        builds it before running a batch: with the batch's own size (JAX, torch, numpy:
        ``build`` sees e.g. ``(128, 784)``, and ``summary()`` / ``input_shape`` keep it), but on
        TensorFlow with the size unknown in the loops of ``fit`` / ``evaluate`` (``in_loop``),
        which Keras-TF builds from its dataset's batch spec."""
        from kfront.models.sequential import Sequential
        if not self.built and isinstance(self, Sequential) and self.layers:
            leaves = tree.flatten(x)[0]
            if len(leaves) == 1:
                shape = tuple(np.shape(leaves[0]))
                self.build((None,) + shape[1:] if in_loop and B.NAME == "tensorflow"
                           else shape)

    def _run_batch(self, step_fn, x, y, sw, in_loop: bool = False) -> tuple:
        """``step_fn`` on a batch: what ``_update_metrics`` takes, ``(loss, y, y_pred, sw, n)``
        (the loss and outputs still on the device). ``in_loop``: see ``_symbolic_build``."""
        self._symbolic_build(x, in_loop)
        if self._compiled_metrics is None:
            self._resolve_metrics(y, self._probe_output(x))
        loss, y_pred = step_fn(x, y, sw)
        return loss, y, y_pred, sw, len(tree.flatten(x)[0][0])

    def _metric_outputs_of(self, y_pred):
        """A step's outputs as the step returns them: ``y_pred`` where the metrics read it
        (compiled metrics, per-output losses), else ``None`` (a compiled step then hands
        back one output less per call). Outputs that carry a mask (``_keras_mask``, which
        does not cross a compiled step's boundary) come with their masks, in output order,
        for ``_update_output_metrics`` to put back: Keras's metrics weigh by them."""
        if not (self._compiled_metrics or self._output_loss_trackers):
            return None
        masks = [None if p is None else keras_mask.get_keras_mask(p)
                 for p in self._per_output(y_pred, "y_pred")]
        return y_pred if all(m is None for m in masks) else _MaskedOutputs(y_pred, masks)

    def _flush_metrics(self, pending: list, keep: int = 0, each=None) -> float:
        """Update the metrics with the pending batches (oldest first) but the newest ``keep``,
        which the device may still be computing; returns the last updated batch's loss. The
        loss tracker takes the batches' losses in one update; with ``each``, the batches
        update the metrics one at a time, each followed by ``each(logs)`` (the logs after
        that batch, for callbacks taking batch logs late)."""
        done = pending[:len(pending) - keep]
        del pending[:len(done)]
        if each is not None:
            loss = 0.0
            for batch in done:
                loss = self._flush_metrics([batch])
                each(self._logs())
            return loss
        if not done:
            return 0.0
        losses = np.array([float(ops.convert_to_numpy(loss)) for loss, *_ in done])
        self._loss_tracker.update_state(losses, sample_weight=np.array([n for *_, n in done]))
        for _, y, y_pred, sw, _ in done:
            self._update_output_metrics(y, y_pred, sw)
        return float(losses[-1])

    def _probe_output(self, x):
        """The model's outputs on the batch ``x``, for their structure and shapes: abstractly
        where the backend can trace shapes (``output_spec``) and the model is built, else
        eagerly. The whole batch, as Keras traces the model on the batch's shape: a layer may
        need its size (a Pallas kernel tiling the batch by 128)."""
        spec = getattr(B, "output_spec", None)
        if spec is not None and self.built:
            try:
                return spec(lambda x: self(x, training=False), x)
            except Exception:  # a model whose call needs concrete values: run it
                pass
        with B.no_grad():
            return self(x, training=False)

    def _check_loss(self, loss_value: float, epoch: int, step: int) -> None:
        """Stop training (with a warning) once the loss is NaN or infinite."""
        if not math.isfinite(loss_value):
            warnings.warn(f'Model "{self.name}": the loss became {loss_value} by batch {step} '
                          f"of epoch {epoch + 1}; training stopped. Check the learning rate, "
                          f"NaN/inf in the inputs, and the loss's from_logits setting.",
                          RuntimeWarning, stacklevel=3)
            self.stop_training = True

    # ------------------------------------------------------------------------------ fit
    def fit(self, x=None, y=None, batch_size: int | None = None, epochs: int = 1,
            verbose="auto", callbacks=None, validation_split: float = 0.0,
            validation_data=None, shuffle: bool = True, class_weight=None, sample_weight=None,
            initial_epoch: int = 0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq: int = 1):
        """Train for ``epochs`` passes over the data; returns the ``History`` callback.

        ``x`` may be arrays (``y``, ``sample_weight`` arrays too; lists or dicts of them for
        several inputs or outputs), a Python generator, a ``kfront.utils.PyDataset``, a
        ``tf.data.Dataset`` or a ``torch.utils.data.DataLoader`` yielding ``(x, y)`` or
        ``(x, y, sample_weight)`` batches (see ``kfront.models.data_adapters``).

        Example:
            >>> import numpy as np, kfront
            >>> from kfront import layers
            >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(1)])
            >>> m.compile(optimizer="sgd", loss="mse")
            >>> h = m.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=0)
            >>> len(h.history["loss"])
            2
        """
        from kfront import callbacks as cb
        from kfront import config  # the caps of kfront.config.set_max_epochs / _steps_per_epoch
        self._assert_compiled("fit")
        val = None
        if validation_split and not is_array_like(x):
            raise ValueError(f"fit: validation_split needs x as arrays; x is a "
                             f"{type(x).__name__}: pass validation_data instead")
        if validation_split and validation_data is None:
            x, y = data_utils.to_arrays(x, "x"), data_utils.to_arrays(y, "y")
            sample_weight = data_utils.to_arrays(sample_weight, "sample_weight")
            (x, y, sample_weight), val = data_utils.split_validation(x, y, sample_weight,
                                                                     validation_split)
        adapter = get_data_adapter(x, y, sample_weight, batch_size=batch_size,
                                   shuffle=shuffle, class_weight=class_weight, what="fit")
        epochs = min(epochs, config.max_epochs() or epochs)
        batches = _EpochBatches(adapter, steps_per_epoch, "fit", epochs - initial_epoch)
        steps = batches.steps
        if steps is not None:
            steps = min(steps, config.max_steps_per_epoch() or steps)
            batches.steps = steps
        if validation_data is not None:
            val = _validation_parts(validation_data)
        val_batches = None
        if val is not None:
            val_adapter = get_data_adapter(*val, batch_size=validation_batch_size or batch_size,
                                           what="fit's validation")
            val_batches = _EpochBatches(val_adapter, validation_steps, "fit's validation",
                                        (epochs - initial_epoch) // validation_freq)
        verbose = 1 if verbose == "auto" else verbose
        callback_list = cb.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                        model=self, verbose=verbose, epochs=epochs, steps=steps)
        self.stop_training = False
        callback_list.on_train_begin()
        # where a run restored by BackupAndRestore resumes (set in on_train_begin, used once)
        initial_epoch = getattr(self, "_initial_epoch", None) or initial_epoch
        initial_step = getattr(self, "_initial_step", None) or 0
        self._initial_epoch = self._initial_step = None
        custom = _overrides(type(self), "train_step")
        # without a callback reading batch logs, metrics are updated every few batches: the
        # device then runs ahead of Python instead of waiting for it at every step (a user's
        # compiled train_step too: see custom_step.CompiledStep)
        # callbacks that can take batch logs late (TensorBoard's batch scalars) get them from
        # the flushes, so that the device still runs ahead
        late = not custom and callback_list.defer_batch_logs()
        flush_every = 1 if callback_list.reads_batch_logs() else _FLUSH_EVERY
        pending: list = []
        late_steps: list = []  # the steps of the pending batches, for the late callbacks
        each = (lambda logs: callback_list.late_train_batch_end(late_steps.pop(0), logs)) \
            if late else None
        logs = {}
        try:
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                callback_list.on_epoch_begin(epoch)
                _set_module_mode(self, training=True)
                adapter.on_epoch_begin()
                last = None if steps is None else steps - 1
                for step, (bx, by, bsw) in batches.epoch():
                    if epoch == initial_epoch and step < initial_step:
                        continue  # trained before the interruption
                    callback_list.on_train_batch_begin(step)
                    bx, by, bsw = distribution_lib.shard_batch(bx, by, bsw)
                    if custom:
                        step_logs = self._custom_step(self.train_step, bx, by, bsw,
                                                      1 if step == last else flush_every,
                                                      in_loop=True)
                        if step_logs is not None:
                            logs = step_logs
                            self._check_loss_log(logs, epoch, step)
                    else:
                        pending.append(self._run_batch(self._train_batch, bx, by, bsw,
                                                       in_loop=True))
                        late_steps += [step] if late else []
                        if len(pending) >= flush_every or step == last:
                            # the newest batch stays on the device while Python updates
                            # the metrics
                            keep = 0 if flush_every == 1 or step == last else 1
                            self._check_loss(self._flush_metrics(pending, keep, each), epoch,
                                             step)
                            logs = self._logs()
                    callback_list.on_train_batch_end(step, logs)
                    if self.stop_training:
                        break
                adapter.on_epoch_end()
                _set_module_mode(self, training=False)
                if batches.ran_out:
                    self.stop_training = True
                if custom:  # steps left by a stop from outside or an input of unknown length
                    step_logs = self._custom_step_flush()
                    if step_logs is not None:
                        logs = step_logs
                        self._check_loss_log(logs, epoch, step)
                else:
                    self._flush_metrics(pending, each=each)  # left by a stop from outside
                    logs = self._logs()
                if val_batches is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = self._evaluate_batches(val_batches, callback_list)
                    logs.update({f"val_{k}": v for k, v in val_logs.items()})
                callback_list.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        finally:
            adapter.close()
            if val_batches is not None:
                val_batches.adapter.close()
        callback_list.on_train_end(logs)
        return self.history

    def _custom_step(self, step, x, y, sw, flush_every: int = 1,
                     in_loop: bool = False) -> dict | None:
        """A user's ``train_step`` / ``test_step`` on a batch, its logs as floats. The compiled
        loss and metrics are resolved first from the batch's shapes, so that ``self.metrics``
        and ``compute_loss`` are ready inside the step. ``flush_every`` > 1: the host part of
        a compiled step may wait (``None`` while it does, see ``CompiledStep``). ``in_loop``:
        see ``_symbolic_build``."""
        self._symbolic_build(x, in_loop)
        if self._compiled_metrics is None and self.compiled and y is not None and (
                self.loss is not None or self._metric_specs or self._weighted_metric_specs):
            self._resolve_metrics(y, self._probe_output(x))
        from kfront.models.custom_step import CompiledStep
        from kfront.models.stateless_step import StatelessStep, takes_state
        from kfront.utils.data_utils import pack_x_y_sample_weight
        fns = self.__dict__.setdefault("_compiled_fns", {})
        key = ("custom", step.__name__)
        if key not in fns:  # compiled as the built-in steps are (custom_step, stateless_step)
            fns[key] = (StatelessStep if takes_state(step) else CompiledStep)(self, step)
        data = distribution_lib.distribute_data(pack_x_y_sample_weight(x, y, sw))
        logs = fns[key](_as_tensors(data), flush_every)
        distribution_lib.keep_layouts(self.variables, [getattr(self, "optimizer", None)])
        return None if logs is None and flush_every > 1 else \
            _floats(logs or {})

    def _custom_step_flush(self) -> dict | None:
        """The logs of a user's compiled ``train_step`` after its waiting host parts ran
        (``None`` when none waited)."""
        compiled = self.__dict__.get("_compiled_fns", {}).get(("custom", "train_step"))
        logs = compiled.flush() if compiled is not None else None
        return None if logs is None else _floats(logs)

    def _check_loss_log(self, logs: dict, epoch: int, step: int) -> None:
        """``_check_loss`` on a user step's ``"loss"`` log, where it is a number."""
        loss = _to_float(logs["loss"]) if "loss" in logs else None
        if isinstance(loss, float):
            self._check_loss(loss, epoch, step)

    # -------------------------------------------------------------------------- evaluate
    def evaluate(self, x=None, y=None, batch_size: int | None = None, verbose="auto",
                 sample_weight=None, steps=None, callbacks=None, return_dict: bool = False):
        """Loss and metrics on the data (any kind ``fit`` takes): a scalar, a list
        ``[loss, *metrics]``, or a dict. ``callbacks`` get ``on_test_begin``, each batch's
        ``on_test_batch_begin`` / ``on_test_batch_end`` and ``on_test_end`` (as in Keras 3,
        which also calls them for the validation inside ``fit``); ``verbose`` shows a
        progress bar.

        Example:
            >>> import numpy as np, kfront
            >>> from kfront import callbacks, layers
            >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(1, use_bias=False)])
            >>> m.compile(optimizer="sgd", loss="mse")
            >>> seen = []
            >>> hook = callbacks.LambdaCallback(
            ...     on_test_batch_end=lambda batch, logs: seen.append(batch))
            >>> m.evaluate(np.ones((4, 3)), np.zeros((4, 1)), batch_size=2, verbose=0,
            ...            callbacks=[hook]) >= 0
            True
            >>> seen
            [0, 1]
        """
        from kfront import callbacks as cb
        self._assert_compiled("evaluate")
        _set_module_mode(self, training=False)
        adapter = get_data_adapter(x, y, sample_weight, batch_size=batch_size, what="evaluate")
        batches = _EpochBatches(adapter, steps, "evaluate", 1)
        verbose = 1 if verbose == "auto" else verbose
        callback_list = callbacks if isinstance(callbacks, cb.CallbackList) else \
            cb.CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                            epochs=1, steps=batches.steps)
        try:
            logs = self._evaluate_batches(batches, callback_list)
        finally:
            adapter.close()
        return self._on_batch_result(logs, return_dict)

    def _evaluate_batches(self, batches: "_EpochBatches", callback_list) -> dict:
        """Loss and metrics over one pass of ``batches``, calling the test hooks of
        ``callback_list``; metrics are flushed every batch only when a callback reads the
        batch logs (a progress bar of ``evaluate`` does, not the silent one of ``fit``)."""
        from kfront import callbacks as cb
        custom = _overrides(type(self), "test_step")
        reads = custom or any(
            cb._implements(c, "on_test_batch_end") and not (
                isinstance(c, cb.ProgbarLogger) and c._called_in_fit) for c in callback_list)
        flush_every = 1 if reads else _FLUSH_EVERY
        self.reset_metrics()
        pending: list = []
        logs = {}
        callback_list.on_test_begin()
        for step, (x, y, sw) in batches.epoch():
            callback_list.on_test_batch_begin(step)
            if custom:
                logs = self._custom_step(self.test_step, x, y, sw, in_loop=True)
            else:
                if self._compiled_metrics is None:
                    self._symbolic_build(x, in_loop=True)
                    self._resolve_metrics(y, self._probe_output(x))
                    self.reset_metrics()
                pending.append(self._run_batch(self._test_batch, x, y, sw, in_loop=True))
                if len(pending) >= flush_every:
                    self._flush_metrics(pending, keep=0 if reads else 1)
                    logs = self._logs()
            callback_list.on_test_batch_end(step, logs)
        if not custom:
            self._flush_metrics(pending)
            logs = self._logs()
        callback_list.on_test_end(logs)
        return logs

    # --------------------------------------------------------------------------- predict
    def predict(self, x, batch_size: int | None = None, verbose="auto", steps=None,
                callbacks=None):
        """Model outputs for the data (any kind ``fit`` takes; targets are ignored) as numpy
        arrays (a list or dict of them for several outputs). ``callbacks`` get
        ``on_predict_begin``, each batch's ``on_predict_batch_begin`` /
        ``on_predict_batch_end`` (logs ``{"outputs": ...}``, as Keras 3) and
        ``on_predict_end``. ``verbose``: ``"auto"`` or 1 show Keras's progress bar, 2 one line
        at the end, 0 nothing.

        Example:
            >>> import numpy as np, kfront
            >>> from kfront import callbacks, layers
            >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
            >>> seen = []
            >>> hook = callbacks.LambdaCallback(
            ...     on_predict_batch_end=lambda batch, logs: seen.append(logs["outputs"].shape))
            >>> m.predict(np.ones((5, 3)), batch_size=2, verbose=0, callbacks=[hook]).shape
            (5, 2)
            >>> seen
            [(2, 2), (2, 2), (1, 2)]
        """
        from kfront import callbacks as cb
        from kfront.utils.data_utils import pack_x_y_sample_weight
        _set_module_mode(self, training=False)
        adapter = get_data_adapter(x, batch_size=batch_size, shuffle=False, what="predict")
        batches = _EpochBatches(adapter, steps, "predict", 1)
        callback_list = callbacks if isinstance(callbacks, cb.CallbackList) else \
            cb.CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                            epochs=1, steps=batches.steps)
        # outputs go to the host for callbacks reading them (the progress bar does not)
        hooked = any(cb._implements(c, "on_predict_batch_end", cb.ProgbarLogger
                                    if isinstance(c, cb.ProgbarLogger) else cb.Callback)
                     for c in callback_list)
        custom = _overrides(type(self), "predict_step")
        outs = []
        try:
            callback_list.on_predict_begin()
            with B.no_grad():
                for step, (bx, _, _) in batches.epoch():
                    callback_list.on_predict_batch_begin(step)
                    self._symbolic_build(bx)
                    out = (self.predict_step(_as_tensors(pack_x_y_sample_weight(bx)))
                           if custom else self._predict_batch(bx))
                    # kept on the device until the end: the device runs ahead of Python
                    # instead of waiting for each batch's copy to the host
                    flat, spec = tree.flatten(out)
                    outs.append(flat)
                    callback_list.on_predict_batch_end(step, {"outputs": tree.unflatten(
                        spec, [ops.convert_to_numpy(t) for t in flat]) if hooked else None})
        finally:
            adapter.close()
        if not outs:
            raise ValueError("predict: the data gave no batches")
        joined = [np.concatenate([ops.convert_to_numpy(t) for t in parts])
                  for parts in zip(*outs)]
        callback_list.on_predict_end()
        return tree.unflatten(spec, joined) if spec is not None else joined[0]

    # ----------------------------------------------------------------------- on_batch
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict: bool = False):
        """One gradient step on one batch; returns the loss (and metrics) on that batch."""
        self._assert_compiled("train_on_batch")
        x, y, sample_weight = self._one_batch(x, y, sample_weight)
        if class_weight is not None:
            cw = class_weight_to_sample_weight(self._per_output(y, "y")[0], class_weight)
            sample_weight = cw if sample_weight is None else sample_weight * cw
        self.reset_metrics()
        x, y, sample_weight = distribution_lib.shard_batch(x, y, sample_weight)
        if _overrides(type(self), "train_step"):
            return self._on_batch_result(self._custom_step(self.train_step, x, y,
                                                           sample_weight), return_dict)
        self._update_metrics(*self._run_batch(self._train_batch, x, y, sample_weight))
        return self._on_batch_result(self._logs(), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        """Loss (and metrics) on one batch, without updating weights."""
        self._assert_compiled("test_on_batch")
        x, y, sample_weight = self._one_batch(x, y, sample_weight)
        self.reset_metrics()
        if _overrides(type(self), "test_step"):
            return self._on_batch_result(self._custom_step(self.test_step, x, y,
                                                           sample_weight), return_dict)
        self._update_metrics(*self._run_batch(self._test_batch, x, y, sample_weight))
        return self._on_batch_result(self._logs(), return_dict)

    def predict_on_batch(self, x):
        """Model outputs for one batch, as numpy arrays: ``predict_step`` (a user's, or the
        built-in one, compiled as in ``predict``: one compiled call per input shape).

        Example:
            >>> import numpy as np, kfront
            >>> from kfront import layers
            >>> m = kfront.Sequential([layers.Input((3,)), layers.Dense(2, use_bias=False,
            ...     kernel_initializer="ones")])
            >>> m.predict_on_batch(np.ones((4, 3), "float32")).tolist()[0]
            [3.0, 3.0]
        """
        x = data_utils.to_arrays(x, "x")
        if _overrides(type(self), "predict_step"):
            from kfront.utils.data_utils import pack_x_y_sample_weight
            with B.no_grad():
                y = self.predict_step(_as_tensors(pack_x_y_sample_weight(x)))
        else:
            y = self._predict_batch(x)
        leaves, spec = tree.flatten(y)
        out = [ops.convert_to_numpy(t) for t in leaves]
        return tree.unflatten(spec, out) if spec is not None else out[0]

    @staticmethod
    def _one_batch(x, y, sample_weight) -> tuple:
        x, y = data_utils.to_arrays(x, "x"), data_utils.to_arrays(y, "y")
        sample_weight = data_utils.to_arrays(sample_weight, "sample_weight")
        data_utils.num_samples(x, y, sample_weight)
        return x, y, sample_weight

    def _on_batch_result(self, logs: dict, return_dict: bool):
        """``logs`` as Keras's ``pythonify_logs`` gives them (a dict a step returned under
        one key merged in, keys sorted, Python floats), or as its ``_flatten_metrics_in_order``:
        the values in the order of ``self.metrics`` (the compiled metrics by their own
        names), then the other keys sorted; one value alone."""
        from kfront.callbacks import pythonify_logs
        logs = pythonify_logs(logs)
        if return_dict:
            return logs
        from kfront.models.compile_metrics import CompileMetrics
        names = [name for m in self.metrics for name in (
            [sub.name for sub in m.metrics] if isinstance(m, CompileMetrics) else [m.name])]
        values = [logs[name] for name in names if name in logs]
        values += [logs[key] for key in sorted(logs) if key not in names]
        return values[0] if len(values) == 1 else values


class _EpochBatches:
    """An adapter's batches epoch by epoch: ``steps`` per epoch (``steps_per_epoch``, else
    one pass: ``None`` when unknown). With ``steps_per_epoch`` an input that cannot restart
    (a generator) goes on where the last epoch stopped, and one that can restarts at its end;
    when a generator runs out, ``ran_out`` is set (with a warning) and ``fit`` stops."""

    def __init__(self, adapter: DataAdapter, steps_per_epoch, what: str, passes: int):
        from kfront.models.data_adapters import ArrayDataAdapter
        self.adapter, self.what = adapter, what
        self.arrays = isinstance(adapter, ArrayDataAdapter)
        if steps_per_epoch is not None:
            steps_per_epoch = int(steps_per_epoch)
            if steps_per_epoch < 1:
                raise ValueError(f"{what}: steps must be a positive number of batches, got "
                                 f"{steps_per_epoch}")
        if steps_per_epoch is None:
            self.steps = adapter.num_batches
        elif self.arrays:
            self.steps = min(steps_per_epoch, adapter.num_batches)
        else:
            self.steps = steps_per_epoch
        if self.steps is None and adapter.infinite:
            source = getattr(getattr(adapter, "check", None), "source", "input")
            raise ValueError(f"{what}: x is an infinite {source} (it never "
                             "ends a pass); pass steps_per_epoch (steps for evaluate/predict, "
                             "validation_steps for validation data) = the number of batches "
                             "per epoch")
        if self.steps is None and not adapter.restarts and passes > 1:
            raise ValueError(
                f"{what}: x is a Python generator without a known length, which cannot "
                f"restart, and {passes} passes over it are asked for: an infinite generator "
                "would never end an epoch, a finite one would run out after the first. Pass "
                "steps_per_epoch (validation_steps for validation data) = the number of "
                "batches per epoch")
        self.given_steps = steps_per_epoch is not None
        self.ran_out = False
        self._iterator = None

    def epoch(self):
        """``(step, (x, y, sample_weight))`` for one epoch."""
        fresh = self._iterator is None or self.arrays or not self.given_steps
        if fresh:
            self._iterator = self.adapter.get_numpy_iterator()
        step = 0
        while self.steps is None or step < self.steps:
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
                if self.steps is None:
                    return
                if fresh or not self.adapter.restarts:
                    warnings.warn(f"{self.what}: the input ran out of data after {step} "
                                  f"batch(es) of an epoch of {self.steps}; training stops. "
                                  "Make sure it can give steps_per_epoch * epochs batches",
                                  RuntimeWarning, stacklevel=3)
                    self.ran_out = True
                    return
                self._iterator, fresh = self.adapter.get_numpy_iterator(), True
                continue
            fresh = False
            yield step, batch
            step += 1


def _validation_parts(validation_data) -> tuple:
    """``validation_data`` -> ``(x, y, sample_weight)``: a tuple of arrays is unpacked; any
    other input (a generator, a dataset) is ``x`` yielding its own batches."""
    if isinstance(validation_data, (tuple, list)):
        if len(validation_data) not in (2, 3):
            raise ValueError("fit: validation_data must be a tuple (x_val, y_val) or "
                             "(x_val, y_val, val_sample_weight), or a dataset/generator; got "
                             f"a {type(validation_data).__name__} of length "
                             f"{len(validation_data)}")
        return tuple(validation_data) + (None,) * (3 - len(validation_data))
    return validation_data, None, None


def _as_tensors(data):
    """A batch for a user's step: as in Keras, the backend's tensors."""
    leaves, spec = tree.flatten(data)
    return tree.unflatten(spec, [None if v is None else ops.convert_to_tensor(v)
                                 for v in leaves])


def _set_module_mode(model, training: bool) -> None:
    """On torch, where a Model is a ``torch.nn.Module``: ``model.train()`` while ``fit`` runs
    its batches, ``model.eval()`` for validation, ``evaluate`` and ``predict``, as Keras's torch
    trainer does (layers still take ``training`` from their call argument)."""
    from kfront import backends
    base = getattr(backends.load(backends.active_name()), "layer_base", None)
    if base is not None and isinstance(model, base):
        model.train(training)


@functools.lru_cache(maxsize=None)
def _takes_training(compute_loss) -> bool:
    """Does this ``compute_loss`` name a ``training`` parameter (Keras's test)?"""
    return "training" in inspect.signature(compute_loss).parameters


def _overrides(cls, method: str) -> bool:
    """Does ``cls`` override the Trainer's ``method`` (a user's ``train_step``...)?"""
    return getattr(cls, method) is not getattr(Trainer, method)


def _floats(logs: dict) -> dict:
    """A step's logs with each scalar as a Python float (on the host, detached), a nested
    dict (a ``CompileMetrics`` result) kept for the callbacks to flatten as Keras does."""
    leaves, spec = tree.flatten(logs)
    return tree.unflatten(spec, [_to_float(v) for v in leaves])


def _to_float(v):
    """A scalar result as a Python float (other values as they are)."""
    if isinstance(v, (int, float)):
        return float(v)
    try:
        a = ops.convert_to_numpy(v)
    except (TypeError, ValueError):
        return v
    return float(a) if np.ndim(a) == 0 else v


def _log_key(prefix: str, name: str, weighted: bool, taken: list) -> str:
    """A compiled metric's name in the logs, as Keras's ``CompileMetrics.result`` makes them
    unique: ``<output>_<name>``, then ``weighted_<name>`` for a weighted metric, then
    ``_1``, ``_2``... suffixes."""
    key = prefix + name
    if key not in taken:
        return key
    if weighted:
        key = f"{prefix}weighted_{name}"
        if key not in taken:
            return key
    n = 1
    while f"{key}_{n}" in taken:
        n += 1
    return f"{key}_{n}"


def _is_shape_dependent(spec) -> bool:
    return isinstance(spec, str) and spec.lower() in ("crossentropy", "ce")


def _map_outputs(spec, get):
    if isinstance(spec, (list, tuple)):
        return [None if s is None else get(s) for s in spec]
    if isinstance(spec, dict):
        return {k: None if s is None else get(s) for k, s in spec.items()}
    return get(spec)
