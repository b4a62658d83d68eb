"""Quantized dtype policies (``keras.dtype_policies.QuantizedDTypePolicy`` and its kin): a
layer quantized by ``quantize(mode)`` keeps its source policy's dtypes and names its mode,
``"<mode>_from_<source policy>"`` (``"int8_from_float32"``, ``"int4/128_from_float32"``).

Example:
    >>> from kfront import dtype_policies
    >>> p = dtype_policies.get("int8_from_float32")
    >>> p.quantization_mode, p.compute_dtype, p.get_config()
    ('int8', 'float32', {'mode': 'int8', 'source_name': 'float32'})
"""
from __future__ import annotations

from kfront.dtype_policies.dtype_policy import QUANTIZATION_MODES, DTypePolicy


class QuantizedDTypePolicy(DTypePolicy):
    """The policy of a layer quantized in ``mode`` from the policy ``source_name``.

    Example:
        >>> from kfront.dtype_policies.quantized import QuantizedDTypePolicy
        >>> QuantizedDTypePolicy("int8", "float32").name
        'int8_from_float32'
    """

    def __init__(self, mode: str, source_name: str | None = None):
        if source_name is None:
            from kfront import config
            source_name = config.dtype_policy().name
        self._compute_dtype, self._variable_dtype = self._parse_name(source_name)
        self._check_quantization_mode(mode, self._compute_dtype)
        self._name = f"{mode}_from_{source_name}"
        self._source_name = source_name
        self._quantization_mode = mode

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return (self._quantization_mode == other._quantization_mode
                and self._source_name == other._source_name)

    __hash__ = DTypePolicy.__hash__

    def get_config(self) -> dict:
        return {"mode": self._quantization_mode, "source_name": self._source_name}

    @staticmethod
    def _check_quantization_mode(mode: str, compute_dtype: str) -> None:
        if mode not in QUANTIZATION_MODES:
            raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
                             f"Received: mode={mode}")
        if compute_dtype == "float16" and mode == "int8":
            raise ValueError(f"Quantization mode='{mode}' doesn't work well with "
                             "compute_dtype='float16'.")


class QuantizedFloat8DTypePolicy(QuantizedDTypePolicy):
    """The float8 policy, with the length of the amax histories (default 1024).

    Example:
        >>> from kfront.dtype_policies.quantized import QuantizedFloat8DTypePolicy
        >>> QuantizedFloat8DTypePolicy("float8", "float32", 16).amax_history_length
        16
    """

    default_amax_history_length = 1024

    def __init__(self, mode: str, source_name: str | None = None,
                 amax_history_length: int = 1024):
        super().__init__(mode=mode, source_name=source_name)
        if not isinstance(amax_history_length, int):
            raise TypeError("`amax_history_length` must be an integer. "
                            f"Received: amax_history_length={amax_history_length}")
        self._amax_history_length = amax_history_length

    @property
    def amax_history_length(self) -> int:
        return self._amax_history_length

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return self._amax_history_length == other._amax_history_length

    __hash__ = DTypePolicy.__hash__

    def get_config(self) -> dict:
        return {**super().get_config(), "amax_history_length": self.amax_history_length}


def _split_mode(mode, prefix: str, fields: int, expected: str, names: str) -> list:
    parts = mode.split("/") if isinstance(mode, str) else []
    if len(parts) != fields + 1 or parts[0] != prefix:
        raise ValueError(f"Invalid mode for {prefix.upper() if prefix != 'int4' else 'Int4'}"
                         f"DTypePolicy. Expected format {expected}, but got '{mode}'.")
    try:
        return [int(p) for p in parts[1:]]
    except ValueError:
        raise ValueError(f"Invalid mode for {prefix.upper() if prefix != 'int4' else 'Int4'}"
                         f"DTypePolicy. {names} must be integer(s). Expected format "
                         f"{expected}, but got '{mode}'.") from None


def _check_group(value: int, what: str, mode: str, label: str) -> None:
    if value < -1 or value == 0:
        raise ValueError(f"Invalid {label} in mode. Supported values are -1 ({what}) or a "
                         f"positive integer, but got {value} from '{mode}'.")


class Int4DTypePolicy(QuantizedDTypePolicy):
    """The int4 policy, mode ``"int4/<block_size>"`` (-1: one scale per channel).

    Example:
        >>> from kfront.dtype_policies.quantized import Int4DTypePolicy
        >>> p = Int4DTypePolicy("int4/128", "float32")
        >>> p.name, p.block_size, p.quantization_mode
        ('int4/128_from_float32', 128, 'int4')
    """

    def __init__(self, mode: str, source_name: str | None = None):
        (block_size,) = _split_mode(mode, "int4", 1, "'int4/<block_size>'", "<block_size>")
        _check_group(block_size, "per-channel", mode, "block_size")
        super().__init__(mode="int4", source_name=source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.mode = "int4"
        self.block_size = block_size

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return self.block_size == other.block_size

    __hash__ = DTypePolicy.__hash__

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": f"int4/{self.block_size}"}


class _CalibratedPolicy(QuantizedDTypePolicy):
    """``"<algorithm>/<weight_bits>/<group_size>"`` policies (GPTQ, AWQ)."""

    _algorithm = ""
    _bits: tuple = ()

    def __init__(self, mode: str, source_name: str | None = None):
        algorithm = self._algorithm
        weight_bits, group_size = _split_mode(
            mode, algorithm, 2, f"'{algorithm}/<weight_bits>/<group_size>'",
            "<weight_bits> and <group_size>")
        if weight_bits not in self._bits:
            raise ValueError(f"Invalid weight_bits in mode. Supported values are "
                             f"{', '.join(map(str, self._bits))}, but got {weight_bits} from "
                             f"'{mode}'.")
        _check_group(group_size, "whole-tensor" if algorithm == "gptq" else "per-channel", mode,
                     "group_size")
        super().__init__(mode=algorithm, source_name=source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.mode = algorithm
        self.weight_bits = weight_bits
        self.group_size = group_size

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return self.weight_bits == other.weight_bits and self.group_size == other.group_size

    __hash__ = DTypePolicy.__hash__

    def get_config(self) -> dict:
        return {**super().get_config(),
                "mode": f"{self.mode}/{self.weight_bits}/{self.group_size}"}


class GPTQDTypePolicy(_CalibratedPolicy):
    """The GPTQ policy, mode ``"gptq/<weight_bits>/<group_size>"`` (bits 2, 3, 4 or 8).

    Example:
        >>> from kfront.dtype_policies.quantized import GPTQDTypePolicy
        >>> GPTQDTypePolicy("gptq/4/128", "float32").weight_bits
        4
    """

    _algorithm, _bits = "gptq", (2, 3, 4, 8)


class AWQDTypePolicy(_CalibratedPolicy):
    """The AWQ policy, mode ``"awq/4/<group_size>"``.

    Example:
        >>> from kfront.dtype_policies.quantized import AWQDTypePolicy
        >>> AWQDTypePolicy("awq/4/-1", "float32").group_size
        -1
    """

    _algorithm, _bits = "awq", (4,)


ALL_OBJECTS = (QuantizedDTypePolicy, QuantizedFloat8DTypePolicy, Int4DTypePolicy,
               GPTQDTypePolicy, AWQDTypePolicy)


def _get_quantized_dtype_policy_by_str(policy: str) -> QuantizedDTypePolicy:
    """The quantized policy named ``"<mode>_from_<source policy>"``."""
    if not isinstance(policy, str):
        raise TypeError(f"`policy` must be a string. Received: policy={policy}")
    if not policy.startswith(QUANTIZATION_MODES):
        raise ValueError("`policy` is incompatible with the current supported quantization.")
    parts = policy.split("_from_")
    if len(parts) != 2:
        raise ValueError("Cannot convert `policy` into a valid pair (`mode`, `source_name`) to "
                         f"instantiate `QuantizedDTypePolicy`. Received: policy={policy}")
    mode, source_name = parts
    if mode.startswith("int4") and "/" in mode:
        return Int4DTypePolicy(mode, source_name)
    if mode.startswith("gptq"):
        return GPTQDTypePolicy(mode, source_name)
    if mode.startswith("awq"):
        return AWQDTypePolicy(mode, source_name)
    if mode.startswith("float8"):
        return QuantizedFloat8DTypePolicy(mode, source_name)
    return QuantizedDTypePolicy(mode, source_name)
