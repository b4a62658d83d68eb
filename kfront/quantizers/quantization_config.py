"""Quantization configs (``keras.quantizers.*QuantizationConfig``, ``GPTQConfig``,
``AWQConfig``): which quantizers ``quantize()`` uses for weights and activations.

Example:
    >>> from kfront.quantizers import Int8QuantizationConfig
    >>> Int8QuantizationConfig().mode
    'int8'
"""
from __future__ import annotations

QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")


def _serialize(obj):
    from kfront.quantizers import serialize
    return serialize(obj)


def _deserialize(config):
    from kfront.quantizers import deserialize
    return deserialize(config)


class QuantizationConfig:
    """Base class of quantization configs: a ``weight_quantizer`` and an
    ``activation_quantizer``; subclasses name their ``mode``.

    Example:
        >>> from kfront.quantizers import Int4QuantizationConfig
        >>> Int4QuantizationConfig(block_size=64).get_config()["block_size"]
        64
    """

    def __init__(self, weight_quantizer=None, activation_quantizer=None):
        self.weight_quantizer = weight_quantizer
        self.activation_quantizer = activation_quantizer

    @property
    def mode(self) -> str:
        raise NotImplementedError("Subclasses must implement this property. Do not instantiate "
                                  "QuantizationConfig directly.")

    def get_config(self) -> dict:
        return {"weight_quantizer": _serialize(self.weight_quantizer),
                "activation_quantizer": _serialize(self.activation_quantizer)}

    @classmethod
    def from_config(cls, config: dict) -> "QuantizationConfig":
        return cls(weight_quantizer=_deserialize(config.get("weight_quantizer")),
                   activation_quantizer=_deserialize(config.get("activation_quantizer")))

    @staticmethod
    def weight_quantizer_or_default(config, default):
        if config is not None and config.weight_quantizer is not None:
            return config.weight_quantizer
        return default

    @staticmethod
    def activation_quantizer_or_default(config, default):
        return config.activation_quantizer if config is not None else default


class Int8QuantizationConfig(QuantizationConfig):
    """int8 weights (per output channel) and, by default, int8 activations
    (``AbsMaxQuantizer`` on the last axis).

    Example:
        >>> from kfront.quantizers import Int8QuantizationConfig
        >>> type(Int8QuantizationConfig().activation_quantizer).__name__
        'AbsMaxQuantizer'
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default"):
        from kfront.quantizers.quantizers import AbsMaxQuantizer
        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = AbsMaxQuantizer()
        super().__init__(weight_quantizer, activation_quantizer)
        if self.weight_quantizer is not None and self.weight_quantizer.output_dtype != "int8":
            raise ValueError("Int8QuantizationConfig requires a weight_quantizer with "
                             "output_dtype='int8'. Received: "
                             f"output_dtype={self.weight_quantizer.output_dtype}")

    @property
    def mode(self) -> str:
        return "int8"


class Int4QuantizationConfig(QuantizationConfig):
    """int4 weights, two per byte; ``block_size`` rows per group with a zero point
    (sub-channel, default 128), or ``None`` / ``-1`` for one symmetric scale per channel.

    Example:
        >>> from kfront.quantizers import Int4QuantizationConfig
        >>> Int4QuantizationConfig(block_size=None).block_size is None
        True
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default",
                 block_size: int | None = 128):
        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = None
        super().__init__(weight_quantizer, activation_quantizer)
        if block_size is not None and block_size != -1 and block_size <= 0:
            raise ValueError("block_size must be None, -1, or a positive integer. "
                             f"Received: block_size={block_size}")
        self.block_size = block_size
        if (block_size is not None and block_size > 0
                and (weight_quantizer is not None or activation_quantizer is not None)):
            raise ValueError("Int4 sub-channel quantization (block_size > 0) does not support "
                             "custom quantizers. Either set block_size to None or -1 for "
                             "per-channel quantization, or remove the custom quantizer "
                             f"arguments. Received: block_size={block_size}")
        if self.weight_quantizer is not None:
            if tuple(self.weight_quantizer.value_range) != (-8, 7):
                raise ValueError("Int4QuantizationConfig requires a weight_quantizer with "
                                 "value_range=(-8, 7). Received: "
                                 f"value_range={self.weight_quantizer.value_range}")
            if self.weight_quantizer.output_dtype != "int8":
                raise ValueError("Int4QuantizationConfig requires a weight_quantizer with "
                                 "output_dtype='int8'. Received: "
                                 f"output_dtype={self.weight_quantizer.output_dtype}")

    @property
    def mode(self) -> str:
        return "int4"

    def get_config(self) -> dict:
        return {**super().get_config(), "block_size": self.block_size}

    @classmethod
    def from_config(cls, config: dict) -> "Int4QuantizationConfig":
        return cls(weight_quantizer=_deserialize(config.get("weight_quantizer")),
                   activation_quantizer=_deserialize(config.get("activation_quantizer")),
                   block_size=config.get("block_size", None))


class Float8QuantizationConfig(QuantizationConfig):
    """float8 (e4m3 inputs and kernel, e5m2 gradients) with delayed scaling; takes no
    quantizers.

    Example:
        >>> from kfront.quantizers import Float8QuantizationConfig
        >>> Float8QuantizationConfig().get_config()
        {}
    """

    def __init__(self):
        super().__init__(None, None)

    @property
    def mode(self) -> str:
        return "float8"

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "Float8QuantizationConfig":
        return cls()


def _check_group_size(group_size: int, what: str) -> None:
    if group_size < -1 or group_size == 0:
        raise ValueError(f"Invalid group_size. Supported values are -1 ({what}) or a positive "
                         f"integer, but got {group_size}.")


def _check_calibration(num_samples: int, sequence_length: int) -> None:
    if num_samples <= 0:
        raise ValueError("num_samples must be a positive integer.")
    if sequence_length <= 0:
        raise ValueError("sequence_length must be a positive integer.")


class GPTQConfig(QuantizationConfig):
    """Settings of GPTQ post-training quantization (Keras's signature). kfront keeps and
    serializes the settings; ``quantize("gptq")`` itself raises NotImplementedError.

    Example:
        >>> from kfront.quantizers import GPTQConfig
        >>> GPTQConfig(dataset=None, tokenizer=None).dtype_policy_string()
        'gptq/4/128'
    """

    def __init__(self, dataset, tokenizer, *, weight_bits: int = 4, num_samples: int = 128,
                 per_channel: bool = True, sequence_length: int = 512,
                 hessian_damping: float = 0.01, group_size: int = 128, symmetric: bool = False,
                 activation_order: bool = False, quantization_layer_structure: dict = None):
        super().__init__()
        if weight_bits not in (2, 3, 4, 8):
            raise ValueError(f"Unsupported weight_bits {weight_bits}. Supported values are 2, "
                             "3, 4, and 8.")
        _check_calibration(num_samples, sequence_length)
        if hessian_damping < 0 or hessian_damping > 1:
            raise ValueError("hessian_damping must be between 0 and 1.")
        _check_group_size(group_size, "whole-tensor")
        self.dataset, self.tokenizer = dataset, tokenizer
        self.num_samples, self.per_channel = num_samples, per_channel
        self.sequence_length, self.hessian_damping = sequence_length, hessian_damping
        self.weight_bits, self.group_size = weight_bits, group_size
        self.symmetric, self.activation_order = symmetric, activation_order
        self.quantization_layer_structure = quantization_layer_structure

    def get_config(self) -> dict:
        return {"dataset": None, "tokenizer": None, "weight_bits": self.weight_bits,
                "num_samples": self.num_samples, "per_channel": self.per_channel,
                "sequence_length": self.sequence_length,
                "hessian_damping": self.hessian_damping, "group_size": self.group_size,
                "symmetric": self.symmetric, "activation_order": self.activation_order,
                "quantization_layer_structure": self.quantization_layer_structure}

    @classmethod
    def from_config(cls, config: dict) -> "GPTQConfig":
        return cls(**config)

    @property
    def mode(self) -> str:
        return "gptq"

    def dtype_policy_string(self) -> str:
        return f"gptq/{self.weight_bits}/{self.group_size}"


class AWQConfig(QuantizationConfig):
    """Settings of AWQ post-training quantization (Keras's signature). kfront keeps and
    serializes the settings; ``quantize("awq")`` itself raises NotImplementedError.

    Example:
        >>> from kfront.quantizers import AWQConfig
        >>> AWQConfig(dataset=None, tokenizer=None, group_size=64).dtype_policy_string()
        'awq/4/64'
    """

    def __init__(self, dataset, tokenizer, *, weight_bits: int = 4, num_samples: int = 128,
                 sequence_length: int = 512, group_size: int = 128, num_grid_points: int = 20,
                 quantization_layer_structure: dict = None):
        super().__init__()
        if weight_bits != 4:
            raise ValueError("AWQ only supports 4-bit quantization. "
                             f"Received weight_bits={weight_bits}.")
        _check_calibration(num_samples, sequence_length)
        _check_group_size(group_size, "per-channel")
        if num_grid_points <= 0:
            raise ValueError("num_grid_points must be a positive integer.")
        self.dataset, self.tokenizer = dataset, tokenizer
        self.weight_bits, self.num_samples = weight_bits, num_samples
        self.sequence_length, self.group_size = sequence_length, group_size
        self.num_grid_points = num_grid_points
        self.quantization_layer_structure = quantization_layer_structure

    @property
    def mode(self) -> str:
        return "awq"

    def dtype_policy_string(self) -> str:
        return f"awq/{self.weight_bits}/{self.group_size}"

    def get_config(self) -> dict:
        return {"dataset": None, "tokenizer": None, "weight_bits": self.weight_bits,
                "num_samples": self.num_samples, "sequence_length": self.sequence_length,
                "group_size": self.group_size, "num_grid_points": self.num_grid_points,
                "quantization_layer_structure": self.quantization_layer_structure}

    @classmethod
    def from_config(cls, config: dict) -> "AWQConfig":
        return cls(**config)


def validate_and_resolve_config(mode, config) -> QuantizationConfig:
    """The config ``quantize(mode, config)`` runs with (Keras's rules and messages)."""
    if isinstance(config, str):
        mode, config = config, None
    _validate_mode(mode)
    if config is None:
        defaults = {"int8": Int8QuantizationConfig, "int4": Int4QuantizationConfig,
                    "float8": Float8QuantizationConfig}
        if mode in defaults:
            config = defaults[mode]()
        elif mode == "gptq":
            raise ValueError("For GPTQ, you must pass a `GPTQConfig` object in the `config` "
                             "argument.")
        elif mode == "awq":
            raise ValueError("For AWQ, you must pass an `AWQConfig` object in the `config` "
                             "argument.")
        else:
            raise ValueError("You must provide either `mode` or `config` to `quantize`.")
    elif not isinstance(config, QuantizationConfig):
        raise ValueError("Argument `config` must be an instance of `QuantizationConfig`. "
                         f"Received: config={config} (of type {type(config)})")
    if mode is not None and config.mode != mode:
        raise ValueError(f"Contradictory arguments: mode='{mode}' but "
                         f"config.mode='{config.mode}'")
    _validate_mode(config.mode)
    return config


def _validate_mode(mode) -> None:
    if mode is not None and mode not in QUANTIZATION_MODES:
        raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
                         f"Received: mode={mode}")
