"""``kfront.Function``: a callable graph of ops from symbolic inputs to outputs
(``keras.Function``), without the Model API (no training, no saving)."""
from __future__ import annotations

from kfront.backends.common import tree
from kfront.ops.symbolic import KerasTensor


class Function:
    """The computation from the KerasTensors ``inputs`` to ``outputs`` (nested structures),
    called on arrays of the inputs' structure (``keras.Function``).

    The inputs must come from ``kfront.Input``; a ``KerasTensor`` built directly (which Keras
    also accepts) raises NotImplementedError. Layers called in the graph keep their weights.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront import ops
        >>> a, b = kfront.Input((3,)), kfront.Input((3,))
        >>> fn = kfront.Function(inputs=[a, b], outputs=ops.sigmoid(a + b))
        >>> y = fn([np.zeros((2, 3), "float32"), np.zeros((2, 3), "float32")])
        >>> kfront.ops.convert_to_numpy(y).tolist()
        [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
    """

    def __init__(self, inputs, outputs, name: str | None = None):
        from kfront.models.functional import Functional
        flat_inputs, flat_outputs = tree.flatten(inputs)[0], tree.flatten(outputs)[0]
        for what, flat, given in (("inputs", flat_inputs, inputs),
                                  ("outputs", flat_outputs, outputs)):
            if not flat:
                raise ValueError(f"Function: `{what}` argument cannot be empty. Received: "
                                 f"{what}={given!r}")
            bad = [t for t in flat if not isinstance(t, KerasTensor)]
            if bad:
                raise TypeError(f"Function: `{what}` must be KerasTensors; got "
                                f"{type(bad[0]).__name__}")
        if any(t._keras_history is None for t in flat_inputs):
            raise NotImplementedError("Function: an input KerasTensor built directly "
                                      "(kfront.KerasTensor(shape)) is not supported by kfront; "
                                      "make the inputs with kfront.Input(shape)")
        self._graph = Functional(inputs, outputs, name=name)
        self.name = self._graph.name
        self._inputs, self._outputs = flat_inputs, flat_outputs

    @property
    def inputs(self) -> list:
        """The flat list of input KerasTensors."""
        return list(self._inputs)

    @property
    def outputs(self) -> list:
        """The flat list of output KerasTensors."""
        return list(self._outputs)

    def __call__(self, inputs):
        return self.call(inputs)

    def call(self, inputs):
        """The outputs computed from ``inputs`` (arrays in the inputs' structure)."""
        return self._graph(inputs)

    def compute_output_spec(self, inputs):
        """The outputs' KerasTensors (shapes and dtypes) for symbolic ``inputs``."""
        return self._graph(inputs)

    def __repr__(self) -> str:
        return f"<Function name={self.name}>"
