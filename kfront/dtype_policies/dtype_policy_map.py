"""``DTypePolicyMap``: layer paths (exact or regular expressions) to dtype policies."""
from __future__ import annotations

import re
from collections.abc import MutableMapping

from kfront.dtype_policies.dtype_policy import DTypePolicy


class DTypePolicyMap(DTypePolicy, MutableMapping):
    """A dict-like policy (``keras.dtype_policies.DTypePolicyMap``) mapping layer paths to
    ``DTypePolicy`` instances; a key is an exact path or a regular expression matched with
    ``re.fullmatch``. Paths it does not match get ``default_policy``.

    Args:
        default_policy: the policy of unmatched paths (``None``: the global policy).
        policy_map: an optional dict of path -> policy.

    Example:
        >>> from kfront.dtype_policies import DTypePolicyMap
        >>> m = DTypePolicyMap(default_policy="float32")
        >>> m["encoder/.*"] = "mixed_float16"
        >>> m["encoder/dense"].name, m["decoder"].name
        ('mixed_float16', 'float32')
    """

    def __init__(self, default_policy=None, policy_map: dict | None = None):
        from kfront import dtype_policies
        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError("DTypePolicyMap: `default_policy` cannot be a DTypePolicyMap.")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError(f"DTypePolicyMap: if specified, `policy_map` must be a dict. "
                            f"Received: policy_map={policy_map!r} of type "
                            f"{type(policy_map).__name__}")
        self._default_policy_arg = default_policy
        self._default_policy = dtype_policies.get(default_policy)
        self._policy_map = policy_map or {}
        self._quantization_mode = None

    @property
    def name(self) -> str:
        return f"map_{self.default_policy._name}"

    @property
    def default_policy(self) -> DTypePolicy:
        """The policy of paths the map does not match."""
        from kfront import dtype_policies
        return dtype_policies.get(self._default_policy)

    @property
    def variable_dtype(self) -> str:
        return self.default_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        return self.default_policy.compute_dtype

    @property
    def quantization_mode(self) -> str | None:
        return self.default_policy.quantization_mode

    def __getitem__(self, key: str) -> DTypePolicy:
        """The policy of ``key``: an exact match, else the one pattern that fully matches it,
        else ``default_policy``; a key matching several patterns raises ``ValueError``."""
        if key in self._policy_map:
            return self._policy_map[key]
        matching = [p for p in self._policy_map if re.fullmatch(p, key)]
        if len(matching) > 1:
            raise ValueError(f"Path '{key}' matches multiple dtype policy specification keys: "
                             f"{matching}. Please make sure each path only matches at most one "
                             "dtype policy specification key in the DTypePolicyMap.")
        if matching:
            return self._policy_map[matching[0]]
        return self.default_policy

    def __setitem__(self, key: str, policy) -> None:
        from kfront import dtype_policies
        if key in self._policy_map:
            raise ValueError(f"{key} already exist in the DTypePolicyMap with value "
                             f"{self._policy_map[key]}. Please make sure to not use duplicated "
                             "keys.")
        try:
            policy = dtype_policies.get(policy)
        except Exception:
            raise ValueError("DTypePolicyMap: cannot interpret the assigned value by "
                             f"`dtype_policies.get`. Received: {policy!r} of type "
                             f"{type(policy).__name__}") from None
        self._policy_map[key] = policy

    def __delitem__(self, key: str):
        return self._policy_map.pop(key)

    def __contains__(self, key) -> bool:
        return key in self._policy_map

    def __len__(self) -> int:
        return len(self._policy_map)

    def __iter__(self):
        return iter(self._policy_map)

    def get_config(self) -> dict:
        from kfront.saving import serialization_lib
        if self._default_policy_arg is None:
            # as Keras: without a default, the entries defer to the global policy on loading
            for policy in self._policy_map.values():
                policy._name = None
                if hasattr(policy, "_source_name"):
                    policy._source_name = None
        return {"default_policy": self._default_policy_arg,
                "policy_map": serialization_lib.serialize_keras_object(self._policy_map)}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> "DTypePolicyMap":
        from kfront.saving import serialization_lib
        config = dict(config)
        config["policy_map"] = serialization_lib.deserialize_keras_object(
            config["policy_map"], custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        default = self._default_policy.name if self._default_policy is not None else None
        mapping = [(k, v.name) for k, v in self._policy_map.items()]
        return (f"<DTypePolicyMap at {hex(id(self))} default_policy={default}, "
                f"mapping={mapping}>")
