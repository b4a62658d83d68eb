"""Global settings: the active backend, float precision, epsilon.

The backend is resolved once, at ``import kfront``, from (first found):
``KFRONT_BACKEND``, then ``$KFRONT_HOME/kfront.json`` (default ``~/.kfront/kfront.json``),
then ``"numpy"``.

Example:
    >>> import kfront
    >>> kfront.config.backend() in kfront.config.BACKENDS
    True
"""
from __future__ import annotations

import json
import os

from kfront import backends as _backends
from kfront.backends.common import host as _host

BACKENDS = _backends.NAMES

_settings = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last",
             "dtype_policy": None, "flash_attention": None, "interactive_logging": True,
             "traceback_filtering": True, "max_epochs": None, "max_steps_per_epoch": None}


def kfront_home() -> str:
    """The folder of ``kfront.json``: ``$KFRONT_HOME`` or ``~/.kfront``."""
    return os.environ.get("KFRONT_HOME") or os.path.join(os.path.expanduser("~"), ".kfront")


def _read_json() -> dict:
    path = os.path.join(kfront_home(), "kfront.json")
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"kfront config file {path} is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise ValueError(f"kfront config file {path} must hold a JSON object, got {type(data).__name__}")
    return data


def _initial_backend() -> str:
    data = _read_json()
    for key in ("floatx", "epsilon", "image_data_format"):
        if key in data:
            _settings[key] = data[key]
    return os.environ.get("KFRONT_BACKEND") or data.get("backend") or "numpy"


def backend() -> str:
    """Name of the active backend: ``"numpy"``, ``"torch"``, ``"tensorflow"`` or ``"jax"``."""
    return _backends.active_name()


def set_backend(backend: str) -> None:
    """Switch the active backend at run time.

    Objects built before the switch (layers, models, variables) are not converted: using
    them afterwards raises a ``RuntimeError``. Rebuild them after switching.

    Example:
        >>> import kfront
        >>> kfront.config.set_backend("numpy")
    """
    _backends.activate(backend)


def host_settings() -> dict:
    """The settings of this process that kfront changed for speed, each with ``changed``,
    ``value`` (what it is now) and ``off`` (how to keep kfront from changing it):
    ``"malloc"`` (glibc keeps freed memory, set when a backend is activated),
    ``"openblas_threads"`` (OpenBLAS on one thread, by the native engine) and
    ``"worker_threads"`` (the native engine's kernels on a thread pool).
    ``KFRONT_HOST_TUNING=0`` before ``import kfront`` turns them all off.

    Example:
        >>> import kfront
        >>> settings = kfront.config.host_settings()
        >>> sorted(settings)
        ['malloc', 'openblas_threads', 'worker_threads']
        >>> sorted(settings["malloc"])
        ['changed', 'off', 'value']
    """
    return _host.settings()


def disable_host_tuning() -> None:
    """Undo kfront's changes to the process's settings and make no more: OpenBLAS gets back
    its thread count, the native engine's kernels run on one thread, and glibc's default
    malloc thresholds are set again (``KFRONT_HOST_TUNING=0`` before ``import kfront`` avoids
    the changes altogether, ``mallopt`` included).

    Example:
        >>> import kfront
        >>> kfront.config.disable_host_tuning()  # doctest: +SKIP
        >>> kfront.config.host_settings()["worker_threads"]["changed"]  # doctest: +SKIP
        False
    """
    _host.disable()


def floatx() -> str:
    """Default float dtype name (``"float32"``)."""
    return _settings["floatx"]


def set_floatx(value: str) -> None:
    """Set the default float dtype: ``"float16"``, ``"float32"`` or ``"float64"``."""
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(f"Unknown floatx {value!r}: expected float16, bfloat16, float32 or float64")
    _settings["floatx"] = value


def epsilon() -> float:
    """Fuzz factor used in numeric expressions (``1e-7``)."""
    return _settings["epsilon"]


def set_epsilon(value: float) -> None:
    """Set the fuzz factor."""
    _settings["epsilon"] = float(value)


def enable_unsafe_deserialization() -> None:
    """Let loading unmarshal the Python bytecode of ``Lambda`` layers, for the whole process
    (as ``safe_mode=False`` does for one call). Classes and functions are still resolved only
    from kfront's allowlist, the registry and ``custom_objects``.

    Example:
        >>> import kfront
        >>> kfront.config.enable_unsafe_deserialization()  # doctest: +SKIP
    """
    from kfront.saving import safety
    safety.enable_unsafe_deserialization()


def image_data_format() -> str:
    """The default layout of image layers: ``"channels_last"`` (the default) or
    ``"channels_first"``."""
    return _settings["image_data_format"]


def set_image_data_format(data_format: str) -> None:
    """Set the default layout of image layers.

    Example:
        >>> import kfront
        >>> kfront.config.set_image_data_format("channels_last")
    """
    value = str(data_format).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError(f"set_image_data_format: expected 'channels_first' or 'channels_last', "
                         f"got {data_format!r}")
    _settings["image_data_format"] = value


def dtype_policy():
    """The default ``DTypePolicy`` of new layers (a ``floatx()`` policy unless set).

    Example:
        >>> import kfront
        >>> kfront.config.dtype_policy().name
        'float32'
    """
    from kfront.dtype_policies import DTypePolicy
    return _settings["dtype_policy"] or DTypePolicy(floatx())


def set_dtype_policy(policy) -> None:
    """Set the default dtype policy of new layers: a ``DTypePolicy`` or a policy name such
    as ``"float32"``, ``"mixed_float16"`` or ``"mixed_bfloat16"`` (Keras's
    ``keras.config.set_dtype_policy``).

    Example:
        >>> import kfront
        >>> kfront.config.set_dtype_policy("mixed_float16")
        >>> kfront.layers.Dense(2).compute_dtype
        'float16'
        >>> kfront.config.set_dtype_policy("float32")
    """
    from kfront import dtype_policies
    if isinstance(policy, str):
        policy = dtype_policies.get(policy)
    if not isinstance(policy, dtype_policies.DTypePolicy):
        raise ValueError("set_dtype_policy: invalid `policy` argument. Expected the string name "
                         "of a policy (such as 'mixed_float16') or a `DTypePolicy` instance. "
                         f"Received: policy={policy!r} (of type {type(policy).__name__})")
    _settings["dtype_policy"] = policy


def enable_flash_attention() -> None:
    """Let ``ops.dot_product_attention`` use flash attention where it can (the default). As in
    Keras, this resets the flag to ``None`` ("each call decides"), not to ``True``."""
    _settings["flash_attention"] = None


def disable_flash_attention() -> None:
    """Turn flash attention off in ``ops.dot_product_attention``."""
    _settings["flash_attention"] = False


def is_flash_attention_enabled():
    """``False`` once disabled, ``None`` (let each call decide) by default and after
    ``enable_flash_attention()``, as Keras's.

    Example:
        >>> import kfront
        >>> kfront.config.is_flash_attention_enabled() is None
        True
    """
    return _settings["flash_attention"]


def enable_interactive_logging() -> None:
    """Progress bars go to stdout (the default)."""
    _settings["interactive_logging"] = True


def disable_interactive_logging() -> None:
    """Progress bars (``kfront.utils.Progbar``, as ``fit`` shows them) go to the ``"kfront"``
    logger (level INFO) instead of stdout, as Keras sends them to absl logging. The one-line
    messages of callbacks (``Epoch 1/3``, early stopping...) still print to stdout."""
    _settings["interactive_logging"] = False


def is_interactive_logging_enabled() -> bool:
    """Whether progress bars go to stdout.

    Example:
        >>> import kfront
        >>> kfront.config.is_interactive_logging_enabled()
        True
    """
    return _settings["interactive_logging"]


def enable_traceback_filtering() -> None:
    """Record the setting. kfront never hides frames from tracebacks, so it changes nothing;
    it exists for scripts written for Keras, which filters its internal frames."""
    _settings["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    """Record the setting (no effect: kfront's tracebacks are always complete)."""
    _settings["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    """The recorded setting (``True`` by default, as Keras); see ``enable_traceback_filtering``.

    Example:
        >>> import kfront
        >>> kfront.config.is_traceback_filtering_enabled()
        True
    """
    return _settings["traceback_filtering"]


def is_nnx_enabled() -> bool:
    """``False``: Flax NNX integration is a feature of Keras's JAX backend that kfront lacks."""
    return False


def max_epochs() -> int | None:
    """The cap on ``fit``'s epochs (None: no cap), for quick test runs of training scripts.

    Example:
        >>> import kfront
        >>> kfront.config.max_epochs() is None
        True
    """
    return _settings["max_epochs"]


def set_max_epochs(max_epochs: int | None) -> None:
    """Cap every ``fit`` call at ``max_epochs`` epochs (None removes the cap)."""
    _settings["max_epochs"] = None if max_epochs is None else int(max_epochs)


def max_steps_per_epoch() -> int | None:
    """The cap on the steps of each ``fit`` epoch (None: no cap)."""
    return _settings["max_steps_per_epoch"]


def set_max_steps_per_epoch(max_steps_per_epoch: int | None) -> None:
    """Cap every ``fit`` epoch at ``max_steps_per_epoch`` steps (None removes the cap)."""
    _settings["max_steps_per_epoch"] = (None if max_steps_per_epoch is None
                                        else int(max_steps_per_epoch))
