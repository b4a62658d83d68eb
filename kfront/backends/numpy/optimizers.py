"""Fused optimizer updates for the native engine (the ``optimizer_kernels`` backend hook).

Each kernel does what the optimizer's portable ``_update_step`` does, with the same operations
in the same order (so results are bit-identical), but on raw ``xp`` arrays: slots are updated
in place (a native Variable owns its buffer) and the variable gets one fresh array, so arrays
that earlier computations still hold are never changed under them.
"""
from __future__ import annotations

from kfront.backends.numpy.engine import get_xp, raw
from kfront.backends.numpy.threads import parallel

# Elements per piece of a threaded update. Each of the update's ~13 NumPy calls on a piece
# takes and drops the GIL; on pieces of threads.py's cache-sized default (~22k elements for
# Adam) the two threads spent more time handing the GIL over than computing, and the pool lost
# to one thread (1M parameters: 1.7 ms pooled, 1.5 ms on one thread; pieces of 2^17: 0.7 ms).
_UPDATE_PIECE = 1 << 17


def _arrays(grad, variable, slots):
    """The raw arrays, or None when dtypes differ (the portable path handles casts)."""
    g, w = raw(grad), variable._value
    if g.dtype != w.dtype or any(s._value.dtype != w.dtype for s in slots):
        return None
    return g, w, [s._value for s in slots]


def sgd(grad, variable, slots, hyper):
    arrays = _arrays(grad, variable, slots)
    if arrays is None:
        return NotImplemented
    g, w, bufs = arrays
    lr = hyper["learning_rate"]
    if not bufs:
        variable._value = w - g * lr
        return None
    (m,), momentum = bufs, hyper["momentum"]
    m *= momentum
    m -= g * lr
    variable._value = w + (m * momentum - g * lr if hyper["nesterov"] else m)
    return None


def adam(grad, variable, slots, hyper):
    arrays = _arrays(grad, variable, slots)
    if arrays is None:
        return NotImplemented
    g, w, bufs = arrays
    xp = get_xp(g)
    new = xp.empty_like(w)
    own = [new, *bufs]
    # flat chunks on the worker threads (elementwise, so identical to one pass)
    split = all(a.flags.c_contiguous for a in own)
    g, w, new, m, v, *v_hat = (a.reshape(-1) if split else a for a in (g, w, *own))

    def update(a, b):
        sl = slice(a, b) if split else Ellipsis
        mc, vc, gc = m[sl], v[sl], g[sl]
        step = gc - mc
        step *= hyper["one_minus_beta_1"]
        mc += step
        step = xp.square(gc)
        step -= vc
        step *= hyper["one_minus_beta_2"]
        vc += step
        if hyper["amsgrad"]:
            vc = xp.maximum(v_hat[0][sl], vc, out=v_hat[0][sl])
        denominator = xp.sqrt(vc)
        denominator += hyper["epsilon"]
        step = mc * hyper["alpha"]
        step /= denominator
        xp.subtract(w[sl], step, out=new[sl])
    parallel(update, w.size, 12 * w.size if split else 0, xp,
             pieces=-(-w.size // _UPDATE_PIECE))
    variable._value = new.reshape(variable._value.shape)
    return None


def rmsprop(grad, variable, slots, hyper):
    arrays = _arrays(grad, variable, slots)
    if arrays is None:
        return NotImplemented
    g, w, bufs = arrays
    xp = get_xp(g)
    rho, one_minus_rho = hyper["rho"], hyper["one_minus_rho"]
    velocity = bufs[0]
    velocity *= rho
    velocity += xp.square(g) * one_minus_rho
    if hyper["centered"]:
        average = bufs[-1]
        average *= rho
        average += g * one_minus_rho
        denominator = velocity - xp.square(average)
    else:
        denominator = velocity.copy()
    denominator += hyper["epsilon"]
    increment = g * hyper["learning_rate"]
    increment /= xp.sqrt(denominator)
    if hyper["momentum"] > 0:
        momentum = bufs[1]
        momentum *= hyper["momentum"]
        momentum += increment
        increment = momentum
    variable._value = w - increment
    return None


def adagrad(grad, variable, slots, hyper):
    arrays = _arrays(grad, variable, slots)
    if arrays is None:
        return NotImplemented
    g, w, (accumulator,) = arrays
    xp = get_xp(g)
    accumulator += xp.square(g)
    step = g * hyper["learning_rate"]
    step /= xp.sqrt(accumulator + hyper["epsilon"])
    variable._value = w - step
    return None


optimizer_kernels = {"sgd": sgd, "adam": adam, "rmsprop": rmsprop, "adagrad": adagrad}
