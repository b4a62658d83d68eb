"""Support for ``kfront.layers.TorchModuleWrapper``: a torch module's parameters become
kfront Variables that the module itself uses."""
from __future__ import annotations

import torch


def is_module(obj) -> bool:
    return isinstance(obj, torch.nn.Module)


def module_parameters(module) -> list:
    """``[(name, parameter)]`` of ``module``, each parameter once."""
    return list(module.named_parameters())


def bind_parameter(module, name: str, variable) -> None:
    """Make ``module``'s parameter ``name`` the very tensor of ``variable`` (shared storage:
    optimizer updates of the variable are the module's, and its gradients the variable's)."""
    owner, _, leaf = name.rpartition(".")
    sub = module.get_submodule(owner) if owner else module
    setattr(sub, leaf, variable._value)
