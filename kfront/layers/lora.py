"""LoRA (low-rank adaptation) of ``Dense``, ``EinsumDense``, ``Embedding`` and ``Conv1D/2D/3D``,
as Keras 3 has it.

``layer.enable_lora(rank)`` (or ``lora_rank=`` at construction, applied when the layer is
built) freezes the layer's weight ``W`` (``kernel``, or ``embeddings``) and adds two trainable
float32 weights, ``A`` (``W``'s shape with its last axis replaced by ``rank``) and ``B``
``(rank, W.shape[-1])``, named ``lora_kernel_a`` / ``lora_kernel_b`` (``lora_embeddings_a`` /
``_b``). The layer then computes with ``W + (lora_alpha / rank) * A @ B`` (cast to its compute
dtype), which reading ``layer.kernel`` also gives; ``A`` starts ``he_uniform`` and ``B`` zeros, so
the layer's output is unchanged at first. Weights keep Keras's order (``kernel, bias,
lora_kernel_a, lora_kernel_b``); ``trainable_weights`` lists the bias and ``A``, ``B``.

Saving writes what Keras writes: the merged weight in ``W``'s slot and no LoRA weights, so a
file loads into a model with or without LoRA; loading into a LoRA layer sets ``W`` from the file
and ``A``, ``B`` to zeros (Keras's ``load_own_variables``).

Keras 3.15.1's ``Dense`` and ``Embedding`` built with ``lora_rank`` drop ``lora_alpha`` (they
use ``lora_alpha=lora_rank``; later Keras passes it on, as ``EinsumDense`` and ``Conv`` do):
kfront always uses the ``lora_alpha`` given.

On an ``int8`` or ``int4`` quantized layer (QLoRA, either order: ``quantize`` then
``enable_lora`` or the reverse, which quantizes the frozen weight without the update) the
quantized product gets ``(lora_alpha / rank) * (x @ A) @ B`` added (Keras's ``_int8_call``);
saving re-quantizes the merged weight ``dequantized W + update`` (new weight, scale and zero
point), as Keras does; there ``kernel`` stays the quantized variable. ``float8`` layers have no
LoRA (Keras's ``_float8_call`` raises).

After enabling LoRA on a compiled model, compile it again (as after changing ``trainable``).

Example:
    >>> import numpy as np
    >>> from kfront import layers
    >>> layer = layers.Dense(3)
    >>> x = np.ones((2, 4), "float32")
    >>> y = layer(x)
    >>> layer.enable_lora(2)
    >>> [w.name for w in layer.trainable_weights], [w.name for w in layer.non_trainable_weights]
    (['bias', 'lora_kernel_a', 'lora_kernel_b'], ['kernel'])
    >>> bool(np.allclose(layer(x), y))   # B starts at zeros
    True
"""
from __future__ import annotations

from kfront import initializers, ops
from kfront.backends.common import variables as _variables

_LORA_QUANTIZATION = (None, "int8", "int4")  # the modes LoRA works with

__all__ = ["LoraMixin", "lora_weight"]


def _check_rank(who: str, rank, argument: str) -> None:
    if isinstance(rank, bool) or not isinstance(rank, int) or rank <= 0:
        raise ValueError(f"{who}: {argument} must be a positive int, got {rank!r}")


def _check_alpha(who: str, alpha) -> None:
    if alpha is not None and (isinstance(alpha, bool) or not isinstance(alpha, (int, float))
                              or not alpha > 0):
        raise ValueError(f"{who}: lora_alpha must be a positive number or None, got {alpha!r}")


def lora_weight(name: str) -> property:
    """The layer attribute ``name`` (``"kernel"``, ``"embeddings"``): the variable itself, or
    the adapted weight ``W + (lora_alpha / lora_rank) * A @ B`` once LoRA is enabled (Keras's
    ``kernel`` property; a quantized layer's stays its quantized variable). Assigning sets the
    variable."""
    private = f"_{name}"

    def get(self):
        variable = self.__dict__.get(private)
        if variable is None:
            raise AttributeError(f'{type(self).__name__} "{self.name}" has no `{name}` yet: '
                                 "build the layer (call it once) first")
        if not self.__dict__.get("lora_enabled", False) or getattr(self, "quantization_mode",
                                                                     None):
            return variable
        return ops.cast(ops.add(variable, self._lora_delta()), self.compute_dtype)

    def set(self, value) -> None:
        setattr(self, private, value)

    return property(get, set, doc=f"The layer's `{name}` (with the LoRA update once enabled).")


class _MergedWeight:
    """What saving and loading see in a LoRA layer's slot of ``variable`` (the adapted weight,
    or a quantized layer's weight, scale or zero point): saving reads the value with the LoRA
    update merged (``merged()``, in the variable's dtype), loading assigns the variable and
    zeroes ``A`` and ``B``, as Keras's ``save_own_variables`` / ``load_own_variables``."""

    def __init__(self, layer, variable, merged):
        self._layer, self._variable, self._merged = layer, variable, merged
        self.name, self.path = variable.name, variable.path
        self.shape, self.dtype = tuple(variable.shape), variable.dtype

    @property
    def value(self):
        return ops.cast(self._merged(), self.dtype)

    def assign(self, value) -> None:
        self._variable.assign(value)
        for variable in self._layer._lora_variables():
            variable.assign(ops.zeros(variable.shape, variable.dtype))

    def _host_buffer(self):
        return None  # loading assigns (and zeroes A and B)


def _initialize_now(variables) -> None:
    """Run now the initializers that an open ``deferred_initialization()`` put off for
    ``variables``: a LoRA layer's saved weight is loaded through ``_MergedWeight``, which the
    scope's ``finish`` cannot recognise, so it must not draw them again afterwards."""
    ids = {id(v) for v in variables}
    for pending in _variables._deferred:
        keep = []
        for variable, initializer, shape, dtype in pending:
            if id(variable) in ids:
                variable.assign(initializer(shape, dtype=dtype))
            else:
                keep.append((variable, initializer, shape, dtype))
        pending[:] = keep


class LoraMixin:
    """``enable_lora`` and what goes with it (put first in the layer's bases; the class sets
    ``_lora_target``, defines ``<target> = lora_weight("<target>")`` and calls
    ``_init_lora`` in ``__init__``, ``_build_lora`` at the end of ``build``)."""

    _lora_target = "kernel"
    _lora_prefix = "lora_kernel"

    @property
    def _lora_constraint(self):
        return getattr(self, f"{self._lora_target}_constraint", None)

    @property
    def _lora_regularizer(self):
        return getattr(self, f"{self._lora_target}_regularizer", None)

    def _init_lora(self, lora_rank, lora_alpha) -> None:
        who = f'{type(self).__name__} "{self.name}"'
        if lora_rank is not None:
            if isinstance(lora_rank, bool) or not isinstance(lora_rank, int) or lora_rank < 0:
                raise ValueError(f"{who}: lora_rank must be a positive int or None, got "
                                 f"{lora_rank!r}")
            mode = getattr(self, "quantization_mode", None)
            if lora_rank and mode not in _LORA_QUANTIZATION:
                raise NotImplementedError(f"{who}: LoRA on a layer quantized in mode {mode!r} "
                                          "is not implemented (only 'int8' and 'int4', as "
                                          "Keras)")
        _check_alpha(who, lora_alpha)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False

    def _build_lora(self) -> None:
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def enable_lora(self, rank: int, lora_alpha: float | None = None,
                    a_initializer="he_uniform", b_initializer="zeros") -> None:
        """Freeze the layer's weight and train a rank-``rank`` update ``A @ B`` scaled by
        ``lora_alpha / rank`` (``lora_alpha`` defaults to ``rank``). The layer must be built,
        have no constraint on that weight, and be float, int8 or int4; LoRA is enabled once.

        Example:
            >>> import numpy as np
            >>> from kfront import layers
            >>> layer = layers.EinsumDense("ab,bc->ac", 4)
            >>> _ = layer(np.ones((1, 3), "float32"))
            >>> layer.enable_lora(2, lora_alpha=4.0)
            >>> tuple(layer.lora_kernel_a.shape), tuple(layer.lora_kernel_b.shape)
            ((3, 2), (2, 4))
        """
        who = f'{type(self).__name__} "{self.name}"'
        target = self._lora_target
        if self._lora_constraint is not None:
            raise ValueError(f"{who}: LoRA is incompatible with {target}_constraint; remove "
                             f"the `{target}_constraint` argument to enable LoRA")
        if not self.built:
            raise ValueError(f"{who}: cannot enable LoRA on a layer that isn't yet built; "
                             "call or build it first")
        if self.lora_enabled:
            raise ValueError(f"{who}: LoRA is already enabled (rank {self.lora_rank}); it can "
                             "be enabled only once per layer")
        mode = getattr(self, "quantization_mode", None)
        if mode not in _LORA_QUANTIZATION:
            raise NotImplementedError(f"{who}: LoRA on a layer quantized in mode {mode!r} is "
                                      "not implemented (only 'int8' and 'int4', as Keras)")
        _check_rank(who, rank, "rank")
        _check_alpha(who, lora_alpha)
        variable = self.__dict__[f"_{target}"]
        packed = mode == "int4" and self._is_quantized  # (built from a config: not yet)
        shape = tuple(self._kernel_shape if packed else variable.shape)
        a = self.add_weight(shape=shape[:-1] + (rank,), initializer=initializers.get(a_initializer),
                            dtype="float32", regularizer=self._lora_regularizer,
                            name=f"{self._lora_prefix}_a")
        b = self.add_weight(shape=(rank, shape[-1]), initializer=initializers.get(b_initializer),
                            dtype="float32", regularizer=self._lora_regularizer,
                            name=f"{self._lora_prefix}_b")
        setattr(self, f"{self._lora_prefix}_a", a)
        setattr(self, f"{self._lora_prefix}_b", b)
        _initialize_now((variable, a, b))
        variable.trainable = False
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    def _lora_variables(self) -> tuple:
        return tuple(getattr(self, f"{self._lora_prefix}_{s}") for s in "ab")

    def _lora_delta(self):
        """The update ``(lora_alpha / rank) * A @ B`` in the weight's shape."""
        a, b = self._lora_variables()
        return ops.multiply(ops.matmul(a, b), self.lora_alpha / self.lora_rank)

    def _float_values(self):
        # quantize() after enable_lora quantizes the frozen weight alone (as Keras)
        return ops.convert_to_numpy(self.__dict__[f"_{self._lora_target}"])

    def quantize(self, mode=None, type_check: bool = True, config=None) -> None:
        """Quantize the layer (see ``kfront/layers/quantized.py``); with LoRA enabled, the
        frozen weight is quantized and the LoRA weights stay (``int8`` and ``int4``)."""
        wanted = mode if mode is not None else getattr(config, "mode", None)
        if self.lora_enabled and wanted not in _LORA_QUANTIZATION:
            raise NotImplementedError(f'{type(self).__name__} "{self.name}": quantizing a '
                                      f"layer with LoRA enabled in mode {wanted!r} is not "
                                      "implemented (only 'int8' and 'int4', as Keras)")
        super().quantize(mode, type_check=type_check, config=config)

    def _maybe_build(self, shapes) -> None:
        super()._maybe_build(shapes)  # (a quantized layer's variables are made after build)
        if self.lora_enabled and getattr(self, "quantization_mode", None):
            _initialize_now([slot._variable for slot in self._variables_in_saving_order()
                             if isinstance(slot, _MergedWeight)])

    def _lora_output(self, inputs, outputs):
        """A quantized layer's ``outputs`` for ``inputs`` (ids for an Embedding) plus the LoRA
        path ``(lora_alpha / rank) * (inputs @ A) @ B`` (Keras's int8 and int4 calls)."""
        if not self.lora_enabled:
            return outputs
        a, b = self._lora_variables()
        kind = self._quantization_kind
        if kind == "embedding":
            h = ops.take(a, inputs, axis=0)
        elif kind == "einsum":
            h = ops.einsum(self.equation, inputs, a)
        else:
            h = ops.matmul(inputs, a)
        update = ops.multiply(ops.matmul(h, b), self.lora_alpha / self.lora_rank)
        return ops.cast(ops.add(outputs, update), self.compute_dtype)

    def _requantized(self) -> dict:
        """The quantized variables' values (by name) for the merged weight ``dequantized W +
        update``, quantized as ``quantize`` did this layer (Keras re-quantizes it when
        saving)."""
        if self.quantization_mode == "int4":
            base = self._dequantized_kernel()
        else:  # int8
            q = ops.convert_to_tensor(self.__dict__[f"_{self._lora_target}"])
            scale = ops.convert_to_tensor(getattr(self, f"{self._lora_target}_scale"))
            base = (ops.divide(ops.cast(q, self.compute_dtype), ops.expand_dims(scale, -1))
                    if self._quantization_kind == "embedding" else self._kernel_from(q, scale))
        merged = ops.convert_to_numpy(ops.cast(ops.add(base, self._lora_delta()),
                                               self.compute_dtype))
        config = {k: v for k, v in self.get_config().items()
                  if k not in ("lora_rank", "lora_alpha", "dtype", "quantization_config")}
        clone = type(self).from_config({**config, "dtype": self.dtype_policy._source_name})
        shapes = self._build_shapes
        if shapes is None and self._quantization_kind == "dense":  # built by build() itself
            shapes = (None, self._lora_variables()[0].shape[0])
        clone._maybe_build(shapes)
        clone._layer_policy_property().fset(clone, self.dtype_policy)
        clone._quantized_build(self.quantization_mode, self.quantization_config, merged)
        return {v.name: v.numpy() for v in clone.weights}

    def _variables_in_saving_order(self) -> list:
        """Keras's saved variables: the merged weight in place of the frozen one (a quantized
        layer: its weight, scale and zero point re-quantized), no LoRA weights."""
        parent = getattr(super(), "_variables_in_saving_order", None)
        own = parent() if parent is not None else \
            list(self._trainable_weights) + list(self._non_trainable_weights)
        if not self.lora_enabled:
            return own
        lora = self._lora_variables()
        own = [v for v in own if not any(v is w for w in lora)]
        target = self._lora_target
        if not getattr(self, "quantization_mode", None):
            variable = self.__dict__[f"_{target}"]
            return [_MergedWeight(self, v, lambda: getattr(self, target)) if v is variable
                    else v for v in own]
        cache: dict = {}

        def value(name):
            if not cache:
                cache.update(self._requantized())
            return cache[name]
        names = (target, f"{target}_scale", f"{target}_zero")
        return [_MergedWeight(self, v, lambda n=v.name: value(n)) if v.name in names else v
                for v in own]

    def _lora_config(self) -> dict:
        """Keras's config keys (only when a rank is set)."""
        return {"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha} if self.lora_rank \
            else {}
