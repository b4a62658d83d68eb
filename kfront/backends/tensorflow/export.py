"""TensorFlow SavedModel writing for ``kfront.export.ExportArchive``: endpoints traced into
``tf.function``s over the ``tf.Variable``s that hold kfront's TensorFlow variables (Keras's
``TFExportArchive`` and ``SavedModelExportArchive``)."""
from __future__ import annotations

import numpy
import tensorflow as tf

from kfront.backends.common.variables import KVariable


class SavedModelWriter:
    """The ``tf`` object an ``ExportArchive`` fills: endpoints, tracked variables and
    collections as attributes of one ``AutoTrackable``, written by ``tf.saved_model.save``."""

    def __init__(self):
        self.root = tf.__internal__.tracking.AutoTrackable()
        self.root.variables = []
        self.root.trainable_variables = []
        self.root.non_trainable_variables = []
        self.signatures = {}  # endpoint name -> input signature, for those traced here

    def track_variables(self, variables) -> None:
        """Add ``variables`` (kfront Variables of the TensorFlow backend, or held values to
        copy into new ``tf.Variable``s) to the archive's ``variables`` lists."""
        for v in variables:
            tv = as_tf_variable(v)
            self.root.variables.append(tv)
            (self.root.trainable_variables if tv.trainable
             else self.root.non_trainable_variables).append(tv)

    def track_resource(self, resource) -> None:
        """Keep a TensorFlow trackable (a lookup table...) an endpoint uses."""
        if not hasattr(self.root, "_misc_assets"):
            self.root._misc_assets = []
        self.root._misc_assets.append(resource)

    def add_traced(self, name: str, fn, signature) -> tf.types.experimental.GenericFunction:
        """Trace ``fn`` over ``signature`` (a structure of ``tensor_spec`` leaves) now, so
        that every variable it reads is captured while its backend is active."""
        decorated = tf.function(fn, input_signature=signature, autograph=False)
        decorated.get_concrete_function()
        self.signatures[name] = signature
        setattr(self.root, name, decorated)
        return decorated

    def add_function(self, name: str, fn) -> tf.types.experimental.GenericFunction:
        """Add a ``tf.function`` the user traced (called at least once)."""
        setattr(self.root, name, fn)
        return fn

    def add_collection(self, name: str, variables) -> None:
        setattr(self.root, name, [as_tf_variable(v) for v in variables])

    def _concrete(self, name: str):
        fn = getattr(self.root, name)
        if name in self.signatures:
            return fn
        return list(fn._trackable_children("saved_model").values())[0]

    def write(self, filepath, names: list, options=None) -> str:
        """Save to ``filepath`` with every endpoint as a serving signature (the first also as
        ``serving_default``); returns the endpoints' printed signatures."""
        fns = [self._concrete(name) for name in names]
        self.root._all_variables = _variables_used_by(fns)
        signatures = dict(zip(names, fns))
        signatures.setdefault("serving_default", fns[0])
        tf.saved_model.save(self.root, str(filepath), options=options, signatures=signatures)
        return "\n\n".join(_printed_signature(getattr(self.root, name), name)
                           for name in names)


def is_function(fn) -> bool:
    """Whether ``fn`` is a ``tf.function``; with how many traces it holds."""
    return isinstance(fn, tf.types.experimental.GenericFunction)


def traced_count(fn) -> int:
    return len(fn._list_all_concrete_functions())


def is_trackable(x) -> bool:
    return isinstance(x, tf.__internal__.tracking.Trackable)


def is_tensor_spec(x) -> bool:
    return isinstance(x, tf.TensorSpec)


def tensor_spec(shape, dtype, name=None) -> tf.TensorSpec:
    return tf.TensorSpec(shape, dtype=dtype, name=name)


def is_variable(v) -> bool:
    """A ``tf.Variable`` or a kfront Variable (any backend)."""
    return isinstance(v, (tf.Variable, KVariable))


def as_tf_variable(v) -> tf.Variable:
    """The ``tf.Variable`` behind a kfront TensorFlow Variable, ``v`` itself if it is one,
    else a new ``tf.Variable`` holding a copy of a kfront Variable of another backend."""
    if isinstance(v, tf.Variable):
        return v
    if isinstance(getattr(v, "_value", None), tf.Variable):
        return v._value
    return tf.Variable(numpy.asarray(v.numpy()), trainable=v.trainable,
                       name=v.name.replace(":", "_"))


def _variables_used_by(fns) -> list:
    seen, trainable, other = set(), [], []
    for fn in fns:
        if hasattr(fn, "concrete_functions"):
            concrete = fn.concrete_functions
        elif hasattr(fn, "get_concrete_function"):
            concrete = [fn.get_concrete_function()]
        else:
            concrete = [fn]
        for c in concrete:
            for v in c.trainable_variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    trainable.append(v)
            for v in c.variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    other.append(v)
    return trainable + other


def _printed_signature(fn, name: str) -> str:
    text = fn._list_all_concrete_functions()[0].pretty_printed_signature(verbose=True)
    return "\n".join([f"* Endpoint '{name}'"] + text.split("\n")[1:])
