"""Seeds shared by every backend: random numbers are drawn on the host with numpy's PCG64, so the
same seed gives the same values on every backend."""
from __future__ import annotations

import contextlib
import threading
from typing import Iterable, Iterator

import numpy as np

_global = {"rng": np.random.default_rng()}
_held = threading.local()  # .ids: the Variables held by this thread's open StatelessScopes


class SeedGenerator:
    """A stateful source of seeds, as ``keras.random.SeedGenerator``.

    Example:
        >>> import kfront
        >>> g = kfront.random.SeedGenerator(42)
        >>> a = kfront.random.normal((2,), seed=g); b = kfront.random.normal((2,), seed=g)
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs):
        self.seed = seed
        self.name = name
        # unseeded: a seed from the global generator, so set_random_seed controls it (as Keras)
        start = int(_global["rng"].integers(0, 2 ** 31 - 1)) if seed is None else seed
        self.rng = np.random.default_rng(start)
        self.state = _state_variable(start, name or _auto_scope())

    def next(self) -> np.random.Generator:
        return self.rng

    def next_state(self):
        """The state's value, the state then counting one draw more (``[seed, n]`` ->
        ``[seed, n + 1]``, Keras's ``SeedGenerator.next()``): the seed of a draw inside a
        traced function, where host samples would be compiled in as constants (see the
        JAX and TensorFlow backends' ``random.py``)."""
        from kfront import ops
        value = ops.copy(self.state.value)
        self.state.assign(ops.add(value, np.array([0, 1], self.state.dtype)))
        return value

    def get_config(self) -> dict:
        """``{"seed", "name"}``, as Keras writes it (the generator's progress is not saved)."""
        return {"seed": self.seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> "SeedGenerator":
        return cls(**config)


#: the state's dtype per backend, Keras's ``random_seed_dtype()``
_STATE_DTYPES = {"tensorflow": "int64", "torch": "int32"}


def _auto_scope() -> str:
    """An unnamed generator's scope, numbered as Keras's: ``seed_generator``, then
    ``seed_generator_1``... (reset by ``clear_session``; ``name`` and the config stay None)."""
    from kfront.layers.layer import unique_name
    return unique_name("seed_generator")


def _state_variable(seed: int, scope: str):
    """Keras's ``seed_generator_state`` Variable, ``[seed, 0]``: a layer lists it in its
    ``variables`` and ``non_trainable_variables`` (not in its ``weights``, nor in saved
    files). Eager draws come from ``rng`` and leave it as it is; draws traced from it
    (``next_state``) advance it."""
    from kfront import config
    from kfront.backend_objects import Variable
    from kfront.backends.common.name_scope import name_scope
    value = np.array([int(seed) & 0x7FFFFFFF, 0])
    with name_scope(scope):
        return Variable(value.astype(_STATE_DTYPES.get(config.backend(), "uint32")),
                        trainable=False, name="seed_generator_state")


def set_global_seed(seed: int) -> None:
    """Reseed the generator used by random ops called with ``seed=None``."""
    _global["rng"] = np.random.default_rng(seed)


@contextlib.contextmanager
def holding(variables: Iterable) -> Iterator[None]:
    """Mark ``variables`` as held by a ``StatelessScope`` (``stateless_call``) while the block
    runs: a host draw from a SeedGenerator whose state is among them comes from the state,
    which advances (see ``_rng``)."""
    outer = getattr(_held, "ids", frozenset())
    _held.ids = outer | {id(v) for v in variables}
    try:
        yield
    finally:
        _held.ids = outer


def _rng(seed) -> np.random.Generator:
    """The Generator a host sampler draws from: ``generator(seed)``, except for a
    SeedGenerator whose state a ``StatelessScope`` holds, as in ``stateless_call``: then a
    Generator seeded by the state ``[seed, n]``, which advances to ``[seed, n + 1]`` (as
    Keras's draws in a StatelessScope: the state returned has moved on, and the same state
    given again draws the same values); eager draws elsewhere keep the generator's stream."""
    if isinstance(seed, SeedGenerator) and id(seed.state) in getattr(_held, "ids", ()):
        from kfront import ops
        return np.random.default_rng(ops.convert_to_numpy(seed.next_state()).tolist())
    return generator(seed)


def generator(seed) -> np.random.Generator:
    """The numpy Generator for a ``seed`` argument: int (same values each call), SeedGenerator
    (advancing), or None (the global one)."""
    if seed is None:
        return _global["rng"]
    if isinstance(seed, SeedGenerator):
        return seed.rng
    if isinstance(seed, (int, np.integer)):
        return np.random.default_rng(int(seed))
    raise TypeError(f"seed must be an int, a kfront.random.SeedGenerator or None, got "
                    f"{type(seed).__name__}")


_CHUNK = 1 << 20  # values drawn in float64 at a time when a narrower dtype is asked for


def _draw(sample, shape, dtype) -> np.ndarray:
    """``sample(size=n)`` (float64) into an array of ``shape``: of ``dtype`` when numpy has it,
    filled a chunk at a time, so a large float32 weight never has a float64 copy beside it.
    The values are those of one float64 draw, cast (the generator's stream is sequential)."""
    shape = tuple(shape)
    try:
        target = np.dtype(dtype) if dtype is not None else None
    except TypeError:  # bfloat16 and other names numpy lacks: the caller casts
        target = None
    if target is None or target == np.float64 or target.kind != "f":
        return sample(size=shape)
    out = np.empty(shape, target)
    flat = out.reshape(-1)
    for start in range(0, flat.size, _CHUNK):
        flat[start:start + _CHUNK] = sample(size=min(_CHUNK, flat.size - start))
    return out


def normal(shape, mean=0.0, stddev=1.0, seed=None, dtype=None) -> np.ndarray:
    rng = _rng(seed)
    return _draw(lambda size: rng.normal(mean, stddev, size=size), shape, dtype)


def uniform(shape, minval=0.0, maxval=1.0, seed=None, dtype=None) -> np.ndarray:
    rng = _rng(seed)
    return _draw(lambda size: rng.uniform(minval, maxval, size=size), shape, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, seed=None) -> np.ndarray:
    """Normal samples, redrawn until within two standard deviations of the mean."""
    rng = _rng(seed)
    out = rng.normal(0.0, 1.0, size=tuple(shape))
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.normal(0.0, 1.0, size=int(bad.sum()))
        bad = np.abs(out) > 2
    return out * stddev + mean


def randint(shape, minval, maxval, seed=None) -> np.ndarray:
    return _rng(seed).integers(minval, maxval, size=tuple(shape))


def gamma(shape, alpha, seed=None) -> np.ndarray:
    """Gamma(alpha, 1) samples (``alpha`` broadcasts against ``shape``)."""
    return _rng(seed).standard_gamma(np.asarray(alpha, np.float64), size=tuple(shape))


def beta(shape, alpha, beta, seed=None) -> np.ndarray:
    return _rng(seed).beta(np.asarray(alpha, np.float64), np.asarray(beta, np.float64),
                                size=tuple(shape))


def binomial(shape, counts, probabilities, seed=None) -> np.ndarray:
    return _rng(seed).binomial(np.asarray(counts, np.int64),
                                    np.asarray(probabilities, np.float64), size=tuple(shape))


def categorical(logits, num_samples: int, seed=None) -> np.ndarray:
    """``num_samples`` class indices per row of the 2-D ``logits`` (int64), by inverting each
    row's softmax CDF (classes of zero probability, logit -inf, are never drawn)."""
    logits = np.asarray(logits, np.float64)
    cdf = np.cumsum(np.exp(logits - logits.max(axis=1, keepdims=True)), axis=1)
    u = _rng(seed).random((logits.shape[0], num_samples)) * cdf[:, -1:]
    idx = [np.searchsorted(c, r, side="right") for c, r in zip(cdf, u)]
    return np.minimum(np.array(idx, np.int64).reshape(u.shape), logits.shape[1] - 1)


def shuffle_indices(n, seed=None) -> np.ndarray:
    return _rng(seed).permutation(n)


class SeedStream:
    """Per-call seeds for the random ops of compiled steps (two int64s in [0, 2**31 - 1)).

    They come from a child of kfront's global generator: ``Generator.spawn`` does not advance
    the global stream, so compiling changes no other random numbers (fit's shuffling...), and
    ``kfront.utils.set_random_seed`` makes them reproducible (a new global generator gets a new
    child)."""

    def __init__(self):
        self._parent = self._rng = None

    def next(self) -> np.ndarray:
        parent = generator(None)
        if parent is not self._parent:
            self._parent, self._rng = parent, parent.spawn(1)[0]
        return self._rng.integers(0, 2 ** 31 - 1, size=2, dtype=np.int64)
