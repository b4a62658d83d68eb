"""``CompileMetrics``: the metrics given to ``compile()`` held as one metric, as Keras 3 does."""
from __future__ import annotations

from kfront.metrics import Metric


def flat_metrics(metrics) -> list:
    """``metrics`` with each ``CompileMetrics`` replaced by the metrics it holds."""
    return [inner for m in metrics
            for inner in (m.metrics if isinstance(m, CompileMetrics) else [m])]


class CompileMetrics(Metric):
    """A model's compiled ``metrics`` and ``weighted_metrics`` as one ``Metric`` named
    ``compile_metrics``, which ``model.metrics`` lists after the loss tracker (Keras 3's
    ``keras.src.trainers.compile_utils.CompileMetrics``): ``update_state(y, y_pred,
    sample_weight)`` updates each metric on its output (only ``weighted_metrics`` take the
    sample weights), ``result()`` is a dict of their results by name (``<output>_<name>``
    for metrics given by output name), ``metrics`` lists them. It holds no metric until the
    model resolves them from the first batch's shapes (``built``).

    Example:
        >>> import numpy as np, kfront
        >>> from kfront import layers
        >>> m = kfront.Sequential([layers.Input((2,)), layers.Dense(1)])
        >>> m.compile(loss="mse", metrics=["mae"])
        >>> m.metrics_names
        ['loss', 'compile_metrics']
        >>> _ = m.evaluate(np.ones((4, 2)), np.zeros((4, 1)), verbose=0)
        >>> [metric.name for metric in m.metrics[1].metrics]
        ['mae']
    """

    def __init__(self, model):
        super().__init__(name="compile_metrics")
        self._model = model

    @property
    def built(self) -> bool:
        return self._model.__dict__.get("_compiled_metrics") is not None

    @property
    def metrics(self) -> list:
        """The compiled metrics, in compile order (``metrics``, then ``weighted_metrics``)."""
        return list(self._model.__dict__.get("_compiled_metrics") or ())

    @property
    def variables(self) -> list:
        return [v for m in self.metrics for v in m.variables]

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        self._update(y_true, y_pred, sample_weight)

    def _update(self, y_true, y_pred, sample_weight=None) -> None:
        """``update_state`` itself (a compiled step's trace calls it with the metrics'
        ``update_state`` intercepted, see ``kfront.models.custom_step``)."""
        model = self._model
        if not self.built:
            model._resolve_metrics(y_true, y_pred)
        ys, preds = model._per_output(y_true, "y"), model._per_output(y_pred, "y_pred")
        for metric, i, weighted in zip(model._compiled_metrics, model._metric_outputs,
                                       model._metric_weighted):
            metric.update_state(ys[i], preds[i],
                                sample_weight=sample_weight if weighted else None)

    def reset_state(self) -> None:
        for metric in self.metrics:
            metric.reset_state()

    def result(self) -> dict:
        """``{name: result}`` of the compiled metrics, named as Keras's logs name them."""
        if not self.built:
            raise ValueError("Cannot get result() since the metric has not yet been built.")
        return {key: metric.result()
                for key, metric in zip(self._model._metric_keys, self.metrics)}

    def stateless_update_state(self, metric_variables, y_true, y_pred,
                               sample_weight=None) -> list:
        """Each compiled metric's ``stateless_update_state`` on its output and its share of
        ``metric_variables`` (their ``variables`` one after the other)."""
        model, out = self._model, []
        ys, preds = model._per_output(y_true, "y"), model._per_output(y_pred, "y_pred")
        for (metric, values), i, weighted in zip(self._shares(metric_variables),
                                                 model._metric_outputs, model._metric_weighted):
            out.extend(metric.stateless_update_state(
                values, ys[i], preds[i], sample_weight=sample_weight if weighted else None))
        return out

    def stateless_result(self, metric_variables) -> dict:
        return {key: metric.stateless_result(values) for key, (metric, values) in
                zip(self._model._metric_keys, self._shares(metric_variables))}

    def stateless_reset_state(self) -> list:
        return [v for metric in self.metrics for v in metric.stateless_reset_state()]

    def _shares(self, metric_variables) -> list:
        values, start, out = list(metric_variables), 0, []
        for metric in self.metrics:
            n = len(metric.variables)
            out.append((metric, values[start:start + n]))
            start += n
        return out

    def get_config(self) -> dict:
        return {"name": self.name}
