"""``EinsumDense``: a dense layer whose product with the kernel is an einsum equation."""
from __future__ import annotations

import math
import re
import string

from kfront import activations, constraints, initializers, ops, regularizers
from kfront.layers.layer import InputSpec, Layer
from kfront.layers.lora import LoraMixin, lora_weight
from kfront.layers.quantized import QuantizedLayerMixin

__all__ = ["EinsumDense", "einsum2"]


def _expand_ellipsis(equation: str, ranks: tuple) -> tuple:
    """``"...ab,bc->...ac"`` with the ``...`` replaced by fresh letters for the given ranks."""
    lhs, out = equation.replace(" ", "").split("->")
    specs = lhs.split(",")
    if "..." not in equation:
        return specs, out
    free = [c for c in string.ascii_letters if c not in equation]
    extra = [rank - (len(s) - 3) if "..." in s else 0 for s, rank in zip(specs, ranks)]
    n = max(extra)
    ell = "".join(free[:n])
    specs = [s.replace("...", ell[n - k:]) for s, k in zip(specs, extra)]
    return specs, out.replace("...", ell)


def _merged(sizes: list):
    """The product of ``sizes``, or -1 when one is unknown (a traced batch size)."""
    return -1 if any(s is None for s in sizes) else math.prod(sizes)


def einsum2(equation: str, a, b):
    """Two-operand einsum (each label at most once per operand) from ``kfront.ops``:
    labels of one operand missing elsewhere are summed, the rest become one batched matmul.

    Example:
        >>> import numpy as np
        >>> from kfront.layers.einsum_dense import einsum2
        >>> einsum2("bij,jk->bik", np.ones((2, 3, 4)), np.ones((4, 5))).shape
        (2, 3, 5)
    """
    (la, lb), out = _expand_ellipsis(equation, (len(ops.shape(a)), len(ops.shape(b))))
    for spec, x in ((la, a), (lb, b)):
        if len(spec) != len(ops.shape(x)) or len(set(spec)) != len(spec):
            raise ValueError(f"einsum: equation {equation!r} does not fit an operand of shape "
                             f"{tuple(ops.shape(x))} (one label per axis, each once)")
    sa = [c for c in la if c not in lb and c not in out]
    sb = [c for c in lb if c not in la and c not in out]
    if sa:
        a = ops.sum(a, axis=tuple(la.index(c) for c in sa))
        la = "".join(c for c in la if c not in sa)
    if sb:
        b = ops.sum(b, axis=tuple(lb.index(c) for c in sb))
        lb = "".join(c for c in lb if c not in sb)
    size = dict(zip(lb, ops.shape(b)))
    size.update({c: n for c, n in zip(la, ops.shape(a)) if n is not None or c not in size})
    batch = [c for c in out if c in la and c in lb]
    contract = [c for c in la if c in lb and c not in out]
    fa = [c for c in out if c in la and c not in lb]
    fb = [c for c in out if c in lb and c not in la]

    def arrange(x, spec, order, groups):
        perm = [spec.index(c) for c in order]
        if perm != list(range(len(perm))):
            x = ops.transpose(x, perm)
        return ops.reshape(x, [_merged([size[c] for c in g]) for g in groups])

    lead = (batch,) if batch else ()  # no batch labels: a 2-D product (one GEMM, no bmm)
    a = arrange(a, la, batch + fa + contract, (*lead, fa, contract))
    b = arrange(b, lb, batch + contract + fb, (*lead, contract, fb))
    y = ops.reshape(ops.matmul(a, b), [size[c] if size[c] is not None else -1
                                       for c in batch + fa + fb])
    perm = [(batch + fa + fb).index(c) for c in out]
    return y if perm == list(range(len(perm))) else ops.transpose(y, perm)


def _analyze(equation: str, bias_axes, input_shape, partial_output_shape, who: str):
    """Keras's ``_analyze_einsum_string``: (kernel shape, bias shape or None, output shape)."""
    eq = equation.replace("...", "0")
    for pattern, left in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", False),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", True),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", False)):
        m = re.match(pattern, eq)
        if m:
            break
    else:
        raise ValueError(f"{who}: invalid einsum equation {equation!r}; equations must be of "
                         "the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...")
    in_spec, w_spec, out_spec = m.groups()
    elided = len(input_shape) - len(in_spec)
    out_shape = [input_shape[0], *partial_output_shape]
    if elided > 0 and left:
        for i in range(1, elided):
            out_shape.insert(1, input_shape[i])
    elif elided > 0:
        out_shape.extend(input_shape[len(input_shape) - elided:])
    if left:
        in_map = {d: i + elided - len(input_shape) for i, d in enumerate(in_spec)}
        out_map = {d: i + elided for i, d in enumerate(out_spec)}
    else:
        in_map = {d: i for i, d in enumerate(in_spec)}
        out_map = {d: i for i, d in enumerate(out_spec)}
    if len(out_shape) != len(out_spec) + max(elided, 0):
        raise ValueError(f"{who}: output_shape {tuple(partial_output_shape)} does not fit the "
                         f"output spec {out_spec!r} of {equation!r} for inputs of shape "
                         f"{tuple(input_shape)}")
    for d in in_spec:
        if d in out_map and out_shape[out_map[d]] not in (None, input_shape[in_map[d]]):
            raise ValueError(f"{who}: input shape and output shape do not match at shared "
                             f"dimension {d!r}: input {input_shape[in_map[d]]}, output "
                             f"{out_shape[out_map[d]]}")
    for d in out_spec:
        if d not in in_spec and d not in w_spec:
            raise ValueError(f"{who}: dimension {d!r} of the output spec {out_spec!r} is in "
                             f"neither the input spec {in_spec!r} nor the weight spec "
                             f"{w_spec!r}")
    kernel_shape = []
    for d in w_spec:
        if d in out_map:
            kernel_shape.append(out_shape[out_map[d]])
        elif d in in_map:
            kernel_shape.append(input_shape[in_map[d]])
        else:
            raise ValueError(f"{who}: weight dimension {d!r} is in neither the input spec "
                             f"{in_spec!r} nor the output spec {out_spec!r}")
    bias_shape = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError(f"{who}: bias dimension {c!r} is not part of the output "
                                 f"spec {out_spec!r}")
        offset = elided if left else 0
        sizes = {c: out_shape[i + offset] for i, c in enumerate(out_spec)}
        first = min(out_spec.find(c) for c in bias_axes)
        bias_shape = [sizes[c] if c in bias_axes else 1 for c in out_spec[first:]]
        if not left:
            bias_shape += [1] * max(elided, 0)
    return kernel_shape, bias_shape, out_shape


class EinsumDense(LoraMixin, QuantizedLayerMixin, Layer):
    """A dense layer computing ``einsum(equation, inputs, kernel) + bias`` (Keras's
    ``EinsumDense``): ``output_shape`` is the output without its batch axis (``None`` for axes
    the input gives), ``bias_axes`` the output letters that get a bias. ``lora_rank`` /
    ``enable_lora`` adapt the kernel with LoRA (``kfront/layers/lora.py``).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layer = layers.EinsumDense("abc,cde->abde", output_shape=(None, 4, 8), bias_axes="de")
        >>> layer(np.ones((2, 5, 16), "float32")).shape, tuple(layer.kernel.shape)
        ((2, 5, 4, 8), (16, 4, 8))
    """

    def __init__(self, equation: str, output_shape, activation=None, bias_axes: str | None = None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(quantization_config=quantization_config, **kwargs)
        if gptq_unpacked_column_size:
            raise NotImplementedError(f'EinsumDense "{self.name}": GPTQ-packed kernels '
                                      f"(gptq_unpacked_column_size={gptq_unpacked_column_size!r})"
                                      " are not supported by kfront; leave it None")
        self.equation = equation
        self.partial_output_shape = ((output_shape,) if isinstance(output_shape, int)
                                     else tuple(output_shape))
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._init_lora(lora_rank, lora_alpha)
        self.supports_masking = True

    kernel = lora_weight("kernel")

    def build(self, input_shape):
        kernel_shape, bias_shape, self.full_output_shape = _analyze(
            self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape,
            f'EinsumDense "{self.name}"')
        self.input_spec = InputSpec(ndim=len(input_shape))
        self.kernel = self.add_weight(shape=kernel_shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.bias = (None if bias_shape is None else
                     self.add_weight(shape=bias_shape, initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer,
                                     constraint=self.bias_constraint, name="bias"))
        self.built = True
        self._build_lora()

    def call(self, inputs, training=None):
        if self.quantization_mode:
            x = self._lora_output(inputs, self.quantized_call(inputs, training=training))
        else:
            x = einsum2(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = ops.add(x, self._bias_for_call())
        return x if self.activation is activations.linear else self.activation(x)

    def compute_output_shape(self, input_shape):
        return tuple(_analyze(self.equation, self.bias_axes, tuple(input_shape),
                              self.partial_output_shape, f'EinsumDense "{self.name}"')[2])

    def get_config(self) -> dict:
        return {**super().get_config(), "output_shape": self.partial_output_shape,
                "equation": self.equation, "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                **self._lora_config()}
