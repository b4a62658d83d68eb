"""Ops on symbolic tensors: ``kfront.ops`` calls on ``KerasTensor``s build functional graphs.

``install`` (run once by ``kfront.ops``) wraps every public op of ``kfront.ops`` and its
submodules: when an argument holds a ``KerasTensor``, the call becomes a node of the functional
graph instead of a computation. The node's layer is an ``OpLayer`` (one subclass per op, named
as Keras's operation classes: ``Relu``, ``Add``, ``GetItem``, ``Sum``...) holding the op's
non-tensor arguments as its config, and the output ``KerasTensor``s get the shapes and dtypes
found by running the op on the active backend on small arrays (unknown sizes tried at two
values; sizes that change are unknown, ``None``). Functional models run, train, summarize and
save such nodes like layers; loading finds the op classes in the saving allowlist (they only
call ``kfront.ops``).

Example:
    >>> import numpy as np, kfront
    >>> from kfront import layers, ops
    >>> inputs = layers.Input((3,))
    >>> outputs = ops.sum(ops.relu(inputs) + 1.0, axis=-1)
    >>> outputs.shape
    (None,)
    >>> model = kfront.Model(inputs, outputs)
    >>> ops.convert_to_numpy(model(np.array([[-1.0, 0.0, 2.0]], "float32"))).tolist()
    [5.0]
"""
from __future__ import annotations

import functools
import inspect
import types

import numpy

from kfront.backends import B
from kfront.backends.common import tree
from kfront.ops.errors import clear_error


class KerasTensor:
    """A symbolic tensor: a shape and dtype, and the layer call that produced it.

    Python's operators and indexing on it are ``kfront.ops`` calls, recorded in the graph.

    Example:
        >>> from kfront import layers
        >>> x = layers.Input((4,))
        >>> (2 * x[:, :2] + 1).shape
        (None, 2)
    """

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name
        self._keras_history = history  # (Node, output index) or None for an Input

    ndim = property(lambda self: len(self.shape))

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor has no truth value: use ops.cond / ops.where "
                        "for data-dependent choices in a functional model")

    def __iter__(self):
        if not self.shape or self.shape[0] is None:
            raise TypeError(f"Cannot iterate over a symbolic KerasTensor of shape {self.shape} "
                            "(its first dimension must be known)")
        return (self[i] for i in range(self.shape[0]))

    def __tf_tensor__(self, dtype=None, name=None):
        raise ValueError(
            "A KerasTensor cannot be used as input to a TensorFlow function. A KerasTensor is "
            "a symbolic placeholder for a shape and dtype, used when constructing functional "
            "models: use it only as input to a layer or an operation of `kfront.layers` and "
            "`kfront.ops`. To apply a TensorFlow function `tf_fn` in a functional model, wrap "
            "it in a layer:\n\nclass MyLayer(Layer):\n    def call(self, x):\n        "
            "return tf_fn(x)\n\nx = MyLayer()(x)\n")

    __hash__ = object.__hash__


def _install_operators() -> None:
    from kfront import ops
    binary = {"add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide",
              "div": "divide", "matmul": "matmul", "pow": "power", "mod": "mod",
              "floordiv": "floor_divide", "and": "logical_and", "or": "logical_or",
              "xor": "logical_xor"}
    for short, name in binary.items():
        f = getattr(ops, name)
        setattr(KerasTensor, f"__{short}__", lambda self, o, f=f: f(self, o))
        setattr(KerasTensor, f"__r{short}__", lambda self, o, f=f: f(o, self))
    for short, name in {"lt": "less", "gt": "greater", "le": "less_equal",
                        "ge": "greater_equal", "ne": "not_equal"}.items():
        f = getattr(ops, name)
        setattr(KerasTensor, f"__{short}__", lambda self, o, f=f: f(self, o))
    KerasTensor.__neg__ = lambda self: ops.negative(self)
    KerasTensor.__abs__ = lambda self: ops.abs(self)
    KerasTensor.__invert__ = lambda self: ops.logical_not(self)
    KerasTensor.__round__ = lambda self, ndigits=None: ops.round(self)
    KerasTensor.__getitem__ = lambda self, key: ops.getitem(self, key)
    KerasTensor.T = property(lambda self: ops.transpose(self))


def _symbolic(args, kwargs) -> bool:
    """Whether an op's arguments hold a KerasTensor (directly or in a list/tuple)."""
    for a in args:
        t = type(a)
        if t is KerasTensor:
            return True
        if t is list or t is tuple:
            for b in a:
                if type(b) is KerasTensor:
                    return True
    if kwargs:
        return _symbolic(tuple(kwargs.values()), None)
    return False


# parameters that carry the op's tensors: they stay call arguments of the node (as in Keras's
# operations' ``call``); the other parameters become the node layer's config
_TENSOR_PARAMS = frozenset({
    "x", "x1", "x2", "y", "a", "b", "inputs", "condition", "key", "index", "indices", "values",
    "updates", "elements", "xs", "query", "value", "target", "output", "segment_ids",
    "predictions", "targets", "init", "pred", "operands", "data", "arrays", "tensors", "images",
    "kernel", "mask", "bias", "weights", "start_indices", "lower", "upper", "init_val",
    "loop_vars", "primals", "tangents", "mean", "variance", "offset", "scale"})


def _is_tensor_param(name: str, value) -> bool:
    leaves = tree.flatten(value)[0]
    if any(type(v) is KerasTensor for v in leaves):
        return True
    return name in _TENSOR_PARAMS and value is not None and not isinstance(value, (str, bool))


def _split(fn, signature, args, kwargs):
    """-> (call args, config): the leading parameters up to the last tensor parameter as
    positional call arguments, the others as config (keyword arguments of the op)."""
    bound = signature.bind(*args, **kwargs)
    names = list(bound.arguments)
    last = -1
    for i, name in enumerate(names):
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL or (
                kind is not inspect.Parameter.KEYWORD_ONLY and kind is not
                inspect.Parameter.VAR_KEYWORD and _is_tensor_param(name, bound.arguments[name])):
            last = i
    call_args, config = [], {}
    for i, name in enumerate(names):
        kind = signature.parameters[name].kind
        value = bound.arguments[name]
        if i <= last and kind is inspect.Parameter.VAR_POSITIONAL:
            call_args.extend(value)
        elif i <= last:
            call_args.append(value)
        elif kind is inspect.Parameter.VAR_KEYWORD:
            config.update(value)
        else:
            config[name] = value
    return call_args, config


def _tuples(value):
    """Lists (from a JSON config) back to tuples: axes, shapes and paddings as ops expect."""
    if isinstance(value, (list, tuple)):
        return tuple(_tuples(v) for v in value)
    return value


# a string KerasTensor is run as arrays of this dtype (no backend op takes strings); outputs of
# it are strings again (reshape, concatenate, getitem...), as Keras's output specs keep 'string'
_STRING_STANDIN = "uint8"
_STANDINS = {"bfloat16": "float32", "string": _STRING_STANDIN}


def _dummy(kt: KerasTensor, size: int, attempt: int) -> numpy.ndarray:
    shape = tuple(size if d is None else d for d in kt.shape)
    dtype = _STANDINS.get(kt.dtype, kt.dtype)
    if attempt == 0 and numpy.dtype(dtype).kind in "fc":
        values = numpy.random.default_rng(len(shape)).uniform(0.25, 0.75, shape)
        return values.astype(dtype)
    if attempt == 1 and len(shape) >= 2:  # identity-like: square-matrix ops (cholesky, inv)
        return numpy.broadcast_to(numpy.eye(shape[-2], shape[-1], dtype=dtype), shape).copy()
    return numpy.zeros(shape, dtype)


def _string_output(op_name: str, requested, x) -> str:
    """The dtype of output ``x`` of an op given a string KerasTensor (run as the stand-in):
    'string' where the stand-in came through; a float where the op asked for it (``cast``)."""
    dtype = B.dtype(x)
    if dtype == _STRING_STANDIN:
        return "string"
    if dtype[0] in "fbc" and dtype != "bool" and (
            requested is None or B.standardize_dtype(requested) != dtype):
        raise ValueError(f"ops.{op_name}: got a string KerasTensor, which it would promote to "
                         f"{dtype}: strings pass only through ops that keep their dtype "
                         f"(reshape, expand_dims, concatenate of strings, getitem...), "
                         f"comparisons and an explicit cast (Keras: dtype='string' is not a "
                         f"valid dtype for Keras type promotion)")
    return dtype


def infer_outputs(fn, op_name: str, name: str, args, kwargs):
    """The KerasTensors ``fn(*args, **kwargs)`` returns, found by running it on arrays."""
    leaves, spec = tree.flatten((list(args), dict(kwargs)))
    kts = [v for v in leaves if type(v) is KerasTensor]
    unknown = any(d is None for t in kts for d in t.shape)
    error = None
    for attempt in range(3):
        for sizes in ((2, 3), (4, 8)):
            runs = []
            try:
                for size in sizes if unknown else sizes[:1]:
                    values = [_dummy(v, size, attempt) if type(v) is KerasTensor else v
                              for v in leaves]
                    a, k = tree.unflatten(spec, values)
                    with B.no_grad():
                        runs.append(fn(*a, **k))
            except Exception as e:  # noqa: BLE001  (try other dummy values)
                error = e
                continue
            first, out_spec = tree.flatten(runs[0])
            last = tree.flatten(runs[-1])[0]
            dtype = (functools.partial(_string_output, op_name, kwargs.get("dtype"))
                     if any(t.dtype == "string" for t in kts) else B.dtype)
            outs = [KerasTensor(tuple(p if p == q else None for p, q in
                                      zip(B.shape(x), B.shape(y))), dtype(x), name=name)
                    for x, y in zip(first, last)]
            return tree.unflatten(out_spec, outs)
    raise ValueError(f"ops.{op_name} on symbolic inputs: could not infer its output (running it on "
                     f"arrays of the inputs' shapes failed: {error})") from error


def _layer_base():
    from kfront.layers.layer import Layer

    class OpLayer(Layer):
        """A ``kfront.ops`` call in a functional graph (Keras's ``Operation``): the op's
        non-tensor arguments are its config; it has no weights."""

        _is_operation = True  # an operation, not listed in ``model.layers``
        _op = None            # the op function
        _op_name = ""

        def __init__(self, name: str | None = None, **config):
            config.pop("trainable", None)  # Layer config keys Keras may write
            params = inspect.signature(type(self)._op).parameters
            unknown = sorted(set(config) - set(params))
            if unknown and not any(p.kind is p.VAR_KEYWORD for p in params.values()):
                raise TypeError(f"{type(self).__name__}: unexpected config keys {unknown} for "
                                f"ops.{self._op_name} (its parameters: {list(params)})")
            super().__init__(name=name)
            self._op_config = {k: _tuples(v) for k, v in config.items()}
            self.built = True

        def __call__(self, *args, **kwargs):
            kwargs.pop("training", None)  # passed by functional models to every layer
            if type(self).__name__ == "GetItem" and len(args) > 1 and isinstance(args[1], list):
                args = (args[0], tuple(args[1]), *args[2:])  # a JSON key comes back as a list
            kwargs = {**self._op_config, **kwargs}
            if not _symbolic(args, kwargs):
                return type(self)._op(*args, **kwargs)
            from kfront.layers.input_layer import Node
            outputs = infer_outputs(type(self)._op, self._op_name, self.name, args, kwargs)
            node = Node(self, args[0] if args else (), tuple(args[1:]),
                        {k: v for k, v in kwargs.items() if k not in self._op_config}, outputs)
            for i, t in enumerate(node.flat_outputs):
                t._keras_history = (node, i)
            return outputs

        def call(self, *args, **kwargs):
            return type(self)._op(*args, **{**self._op_config, **kwargs})

        def compute_output_shape(self, *input_shapes):
            raise NotImplementedError(f'{type(self).__name__} "{self.name}": call it on '
                                      f"KerasTensors to get its output shape")

        def get_config(self) -> dict:
            return {"name": self.name, **self._op_config}

    return OpLayer


# Keras's class names where they are not the op name in CamelCase
_CLASS_NAMES = {"getitem": "GetItem", "fft": "FFT", "fft2": "FFT2", "ifft2": "IFFT2",
                "rfft": "RFFT", "irfft": "IRFFT", "stft": "STFT", "istft": "ISTFT",
                "svd": "SVD"}
_KERAS_MODULE = {"core": "core", "control_flow": "core", "numpy": "numpy", "arrays": "numpy",
                 "elementwise": "numpy", "reductions": "numpy", "nn": "nn", "math": "math",
                 "linalg": "linalg", "image": "image", "rnn": "nn"}
# not graph ops: conversions to the host, transforms of functions, dtype helpers
_NOT_WRAPPED = {"convert_to_numpy", "value_and_grad", "standardize_dtype", "custom_gradient",
                "jvp", "is_tensor", "shape", "dtype"}
_state: dict = {"classes": {}, "wrapped": {}, "graph_ops": [], "base": None}


def class_name(op_name: str) -> str:
    """Keras's operation class name for an op: ``"not_equal"`` -> ``"NotEqual"``."""
    return _CLASS_NAMES.get(op_name) or "".join(p[:1].upper() + p[1:]
                                                for p in op_name.split("_"))


def _op_class(fn, op_name: str, module: str):
    key = (op_name, module)
    cls = _state["classes"].get(key)
    if cls is None:
        if _state["base"] is None:
            _state["base"] = _layer_base()
        cls = type(class_name(op_name), (_state["base"],),
                   {"_op": staticmethod(fn), "_op_name": op_name,
                    "__module__": f"keras.src.ops.{_KERAS_MODULE.get(module, 'numpy')}",
                    "__doc__": f"``kfront.ops.{op_name}`` as a functional-graph operation."})
        _state["classes"][key] = cls
    return cls


def _wrap(fn, op_name: str, module: str):
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if not _symbolic(args, kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as e:  # a backend's complaint: re-raised naming the op (errors.py)
                clear = clear_error(op_name, signature, args, kwargs, e)
                if clear is None:
                    raise
                raise clear from e
        call_args, config = _split(fn, signature, args, kwargs)
        return _op_class(fn, op_name, module)(**config)(*call_args)
    return op


def _symbolic_aware(fn, name: str):
    """``shape`` / ``dtype`` / ``is_tensor`` / ``convert_to_numpy`` answering for KerasTensors."""
    answers = {"shape": lambda t: t.shape, "dtype": lambda t: t.dtype,
               "is_tensor": lambda t: False}

    @functools.wraps(fn)
    def op(x, *args, **kwargs):
        if type(x) is KerasTensor:
            if name in answers:
                return answers[name](x)
            raise TypeError(f"ops.{name}: got a symbolic KerasTensor {x}; it has no value until "
                            "a model built from it is called on data")
        return fn(x, *args, **kwargs)
    return op


def install(package: types.ModuleType, modules) -> None:
    """Wrap every public op of ``modules`` (and rebind it wherever the package and the
    modules hold it), and give ``KerasTensor`` its operators."""
    wrapped = _state["wrapped"]
    for module in modules:
        short = module.__name__.rsplit(".", 1)[-1]
        names = getattr(module, "__all__", None) or [
            n for n, v in vars(module).items() if not n.startswith("_")
            and inspect.isfunction(v) and v.__module__ == module.__name__]
        for name in names:
            fn = getattr(module, name, None)
            if not inspect.isfunction(fn) or id(fn) in wrapped or name == "standardize_dtype" \
                    or fn.__module__ == __name__:
                continue
            if name in ("shape", "dtype", "is_tensor", "convert_to_numpy"):
                wrapped[id(fn)] = _symbolic_aware(fn, name)
            elif name not in _NOT_WRAPPED:
                home = fn.__module__.rsplit(".", 1)[-1] if fn.__module__.startswith(
                    "kfront.ops.") else short
                wrapped[id(fn)] = _wrap(fn, name, home)
                _state["graph_ops"].append((fn, name, home))
    for namespace in (package, *modules):
        for name, value in list(vars(namespace).items()):
            if inspect.isfunction(value) and id(value) in wrapped:
                setattr(namespace, name, wrapped[id(value)])
    _install_operators()


def op_tables() -> dict:
    """``{keras module: {class name: OpLayer subclass}}`` for every wrapped op: the saving
    allowlist's entries for operations in functional configs."""
    tables: dict = {}
    for fn, name, home in _state["graph_ops"]:
        cls = _op_class(fn, name, home)
        tables.setdefault(cls.__module__, {})[cls.__name__] = cls
    return tables
