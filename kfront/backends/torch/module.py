"""On the torch backend every kfront Layer, and so every Model, is a ``torch.nn.Module``.

As in Keras 3 (``keras/src/backend/torch/layer.py``), but chosen at run time: while torch is
the active backend, ``Layer`` derives from ``TorchLayerBase`` (``kfront.layers.layer`` swaps its
base when a layer is made after a backend switch; the backend package names the class as
``layer_base``). Classes, their names and configs do not change, and other backends never
see torch.

kfront's own tracking stays the truth; torch reads it through views instead of registering
anything on ``__setattr__``:

- ``_parameters``: the layer's own trainable variables, keyed by weight name, each the
  variable's ``torch.nn.Parameter`` itself (so ``parameters()`` lists ``trainable_weights``
  in their order, gradients land on ``variable.value.grad`` and torch optimizers update
  the variables in place);
- ``_buffers``: its own non-trainable variables (moving statistics, integer state), which
  ``state_dict()`` saves and ``load_state_dict()`` loads but torch optimizers never see;
- ``_modules``: its sublayers, keyed by the attribute that holds them (``dense_1``,
  ``blocks_0`` for the first of a list ``blocks``) or else by their position (``0``, ``1``...
  in a Sequential or functional model), so ``state_dict`` keys do not depend on layer names.

A torch module set as a public attribute of a layer is wrapped in ``TorchModuleWrapper``, as
Keras does, so that its parameters are the layer's weights.

``train()`` / ``eval()`` set the ``training`` flag of every module; as in Keras a layer's
``call`` still takes ``training`` from its argument, not from the flag.
"""
from __future__ import annotations

import copy
from collections.abc import MutableMapping

import torch

# the per-instance state torch.nn.Module.__init__ sets (hooks, ``training``), less the three
# registries that are views here
_STATE = {k: v for k, v in torch.nn.Module().__dict__.items()
          if k not in ("_parameters", "_buffers", "_modules")}


class _VariableSlots(MutableMapping):
    """Name -> tensor of some of a layer's variables, as torch's ``_parameters`` or
    ``_buffers``. Setting an existing name replaces that variable's storage (torch's ``_apply``
    does so when it cannot convert a tensor in place); new names are refused."""

    def __init__(self, layer, variables: dict):
        self._layer, self._variables = layer, variables

    def __getitem__(self, name):
        return self._variables[name]._value

    def __setitem__(self, name, value) -> None:
        variable = self._variables.get(name)
        if variable is None or not isinstance(value, torch.Tensor):
            raise TypeError(f'Layer "{self._layer.name}": cannot register torch parameter or '
                            f"buffer {name!r} on a kfront layer; create weights with "
                            f"add_weight() instead")
        old = variable._value
        if value is old:
            return
        if isinstance(old, torch.nn.Parameter) and not isinstance(value, torch.nn.Parameter):
            value = torch.nn.Parameter(value, requires_grad=old.requires_grad)
        variable._value = value

    def __delitem__(self, name) -> None:
        raise TypeError(f'Layer "{self._layer.name}": cannot remove weight {name!r} through '
                        f"torch")

    def __iter__(self):
        return iter(self._variables)

    def __len__(self) -> int:
        return len(self._variables)


class _SublayerSlots(MutableMapping):
    """Name -> sublayer of a layer, as torch's ``_modules`` (read-only)."""

    def __init__(self, layer):
        self._layer = layer
        self._children = _child_names(layer)

    def __getitem__(self, name):
        return self._children[name]

    def __setitem__(self, name, value) -> None:
        raise TypeError(f'Layer "{self._layer.name}": cannot register torch module {name!r} '
                        f"on a kfront layer; set a kfront layer as an attribute, or wrap the "
                        f"module in kfront.layers.TorchModuleWrapper")

    def __delitem__(self, name) -> None:
        raise TypeError(f'Layer "{self._layer.name}": cannot remove sublayer {name!r} through '
                        f"torch")

    def __iter__(self):
        return iter(self._children)

    def __len__(self) -> int:
        return len(self._children)


def _unique(name: str, taken: dict) -> str:
    name = name.replace(".", "_") or "_"  # torch splits state_dict keys at dots
    key, n = name, 1
    while key in taken:
        key, n = f"{name}_{n}", n + 1
    return key


def _own_variables(layer, trainable: bool) -> dict:
    out: dict = {}
    for variable in (*layer._trainable_weights, *layer._non_trainable_weights):
        if bool(variable.trainable) == trainable:
            out[_unique(variable.name, out)] = variable
    return out


def _child_names(layer) -> dict:
    """The layer's sublayers by the public attribute holding them (``name_i`` inside a list
    or tuple), else by their position among the sublayers."""
    held: dict = {}
    for key, value in layer.__dict__.items():
        if key.startswith("_"):
            continue
        if isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                if isinstance(item, torch.nn.Module):
                    held.setdefault(id(item), f"{key}_{i}")
        elif isinstance(value, torch.nn.Module):
            held.setdefault(id(value), key)
    out: dict = {}
    for i, sub in enumerate(layer._sublayers):
        out[_unique(held.get(id(sub), str(i)), out)] = sub
    return out


class TorchLayerBase(torch.nn.Module):
    """The base of ``kfront.layers.Layer`` while torch is the active backend (Keras's
    ``TorchLayer``): layers are ``torch.nn.Module``s whose parameters, buffers and
    submodules are views of kfront's variables and sublayers.

    Example:
        >>> import numpy as np, kfront, torch
        >>> kfront.config.set_backend("torch")
        >>> model = kfront.Sequential([kfront.layers.Input((3,)), kfront.layers.Dense(2)])
        >>> isinstance(model, torch.nn.Module), list(model.state_dict())
        (True, ['0.kernel', '0.bias'])
        >>> [tuple(p.shape) for p in model.parameters()]
        [(3, 2), (2,)]
        >>> kfront.config.set_backend("numpy")
    """

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        instance.__dict__.update({k: copy.copy(v) for k, v in _STATE.items()})
        return instance

    @property
    def _parameters(self) -> _VariableSlots:
        return _VariableSlots(self, _own_variables(self, trainable=True))

    @property
    def _buffers(self) -> _VariableSlots:
        return _VariableSlots(self, _own_variables(self, trainable=False))

    @property
    def _modules(self) -> _SublayerSlots:
        return _SublayerSlots(self)

    def forward(self, *args, **kwargs):
        """Call the layer (torch's name for it)."""
        return self(*args, **kwargs)

    def __getattr__(self, name):
        # a property that raised AttributeError lands here: raise its own error again rather
        # than torch's generic one
        for klass in type(self).__mro__:
            if name in klass.__dict__:
                attribute = klass.__dict__[name]
                if hasattr(type(attribute), "__get__"):
                    return attribute.__get__(self, type(self))
                break
        if not name.startswith("_"):  # as torch: submodules by key (``0``, ``blocks_1``)
            children = self._modules
            if name in children:
                return children[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _held_torch_modules(self) -> list:
        """Plain torch modules the layer holds (TorchModuleWrapper's ``module``)."""
        return [v for v in self.__dict__.values()
                if isinstance(v, torch.nn.Module) and not isinstance(v, TorchLayerBase)]

    def train(self, mode: bool = True):
        """Set the ``training`` flag of this module, its sublayers and the torch modules
        they wrap (for which it decides, e.g., a torch Dropout's behaviour)."""
        super().train(mode)
        for module in self._held_torch_modules():
            module.train(mode)
        return self

    def _apply(self, fn, recurse=True):
        super()._apply(fn, recurse)
        for module in self._held_torch_modules():  # their buffers: .to(device) moves them too
            module._apply(fn, recurse)
        return self

    def get_parameter(self, target: str) -> torch.nn.Parameter:
        """The parameter at ``target`` (``"0.kernel"``), as in ``state_dict`` keys."""
        return self._get_tensor(target, "_parameters", "parameter")

    def get_buffer(self, target: str) -> torch.Tensor:
        """The buffer at ``target`` (``"1.moving_mean"``), as in ``state_dict`` keys."""
        return self._get_tensor(target, "_buffers", "buffer")

    def register_parameter(self, name: str, param) -> None:
        """Refused: a kfront layer's parameters are its weights (``add_weight``)."""
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Refused: a kfront layer's buffers are its non-trainable weights (``add_weight``)."""
        self._buffers[name] = tensor

    def add_module(self, name: str, module) -> None:
        """Refused: a kfront layer's submodules are the layers set as its attributes."""
        self._modules[name] = module

    register_module = add_module

    def _get_tensor(self, target: str, registry: str, what: str):
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        slots = getattr(module, registry)
        if name not in slots:
            raise AttributeError(f"{type(module).__name__} has no {what} `{name}`")
        return slots[name]

    def __setattr__(self, name, value):
        # after Layer.__setattr__: a torch module set as a public attribute becomes a
        # TorchModuleWrapper sublayer, so its parameters are weights (Keras's _setattr_hook)
        if (isinstance(value, torch.nn.Module) and not isinstance(value, TorchLayerBase)
                and not name.startswith("_") and "_sublayers" in self.__dict__):
            from kfront.layers.framework_wrappers import TorchModuleWrapper
            if not isinstance(self, TorchModuleWrapper):
                value = TorchModuleWrapper(value)
                self._sublayers.append(value)
        object.__setattr__(self, name, value)  # never torch's registration

    __delattr__ = object.__delattr__  # kfront's attributes are plain ones

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        if local_metadata.get("assign_to_params_buffers", False):
            raise NotImplementedError(
                f'Layer "{self.name}": load_state_dict(assign=True) would replace the '
                f"variables' tensors; kfront layers load in place (assign=False)")
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                      missing_keys, unexpected_keys, error_msgs)
