"""``check_backends``: run one model with identical weights on every installed backend and
report how far each backend's outputs and gradients are from the native engine's."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from kfront import backends as _backends
from kfront import config, ops
from kfront.backends import B
from kfront.backends.common import tree


@dataclass
class BackendReport:
    """Largest absolute deviation from the reference backend, per output and per gradient.

    ``deviations[backend]`` maps ``"output 0"``... and ``"grad <weight path>"``... to floats;
    ``skipped[backend]`` says why a backend did not run (e.g. its framework is missing).
    """
    reference: str
    names: list = field(default_factory=list)
    deviations: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)

    def max_deviation(self) -> float:
        """The largest deviation over every backend, output and gradient."""
        return max((v for d in self.deviations.values() for v in d.values()), default=0.0)

    def __str__(self) -> str:
        backends = list(self.deviations)
        width = max([len(n) for n in self.names] + [10])
        lines = [f"max |backend - {self.reference}| per output and per gradient",
                 " " * width + "".join(f"{b:>14}" for b in backends)]
        for name in self.names:
            lines.append(f"{name:<{width}}" + "".join(
                f"{self.deviations[b].get(name, float('nan')):>14.3e}" for b in backends))
        lines += [f"{b}: skipped ({why})" for b, why in self.skipped.items()]
        return "\n".join(lines)


def check_backends(build_fn: Callable, inputs, backends: Sequence[str] | None = None,
                   reference: str = "numpy", training: bool = False) -> BackendReport:
    """Build ``build_fn()`` on each backend with the reference backend's initial weights, run it
    on ``inputs``, and compare outputs and the gradients of ``sum(outputs)`` with respect to
    every trainable weight against the reference backend.

    Backends that are not installed are skipped with the reason. The active backend is restored
    afterwards. ``training=False`` keeps dropout and similar layers deterministic.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront import layers
        >>> build = lambda: kfront.Sequential([layers.Input((4,)), layers.Dense(3)])
        >>> r = kfront.testing.check_backends(build, np.ones((2, 4), "float32"), ["numpy"])
        >>> [name.split("/")[-1] for name in r.names]
        ['output 0', 'kernel', 'bias']
    """
    names = list(backends or _backends.NAMES)
    if reference in names:
        names.remove(reference)
    names.insert(0, reference)
    previous = config.backend()
    report = BackendReport(reference=reference)
    weights = want = None
    try:
        for name in names:
            try:
                config.set_backend(name)
            except (ImportError, NotImplementedError) as e:
                if name == reference:
                    raise
                report.skipped[name] = str(e)
                continue
            model = build_fn()
            if weights is None:
                weights = model.get_weights()
            else:
                model.set_weights(weights)
            got, labels = _run(model, inputs, training)
            if want is None:  # layer names differ between builds: label by the reference's
                want, report.names = got, labels
            report.deviations[name] = {k: float(np.max(np.abs(a - b), initial=0.0))
                                       for k, a, b in zip(report.names, got, want)}
    finally:
        config.set_backend(previous)
    return report


def _run(model, inputs, training: bool) -> tuple[list, list]:
    """Outputs and gradients of sum(outputs) w.r.t. the trainable weights (float64 numpy), and
    their labels."""
    variables = model.trainable_variables

    def total():
        outs = tree.flatten(model(inputs, training=training))[0]
        value = ops.sum(outs[0])
        for o in outs[1:]:
            value = ops.add(value, ops.sum(o))
        return value, outs

    (_, outs), grads = B.variables_value_and_grad(total, variables, has_aux=True)
    arrays = [ops.convert_to_numpy(t).astype("float64") for t in list(outs) + list(grads)]
    labels = [f"output {i}" for i in range(len(outs))] + [f"grad {v.path}" for v in variables]
    return arrays, labels
