"""The public function of each variant of a model family (``ResNet50``, ``EfficientNetB3``,
...): Keras's signature, a name, a docstring, and a call to the family's builder."""
from __future__ import annotations

import inspect
import sys
from typing import Any, Callable

# parameter: (default, annotation, description); ``name``'s default is the variant's
_PARAMETERS = {
    "include_top": (True, bool, "Whether to include the classifier head."),
    "include_preprocessing": (True, bool, "Whether to rescale and normalize the input inside "
                                          "the model."),
    "weights": ("imagenet", Any, '``None``, ``"imagenet"`` or the path of a weights file.'),
    "input_tensor": (None, Any, "A symbolic tensor to use as the model's input."),
    "input_shape": (None, Any, "The input shape without the batch size (at least 32x32) "
                               "when ``include_top=False``."),
    "pooling": (None, Any, '``None``, ``"avg"`` or ``"max"`` global pooling when '
                           "``include_top=False``."),
    "classes": (1000, int, "The number of classes of the classifier."),
    "classifier_activation": ("softmax", Any, "The classifier's activation (``None`` gives "
                                              "logits)."),
}
# Keras's parameter orders (all end with ``name``)
STANDARD = ("include_top", "weights", "input_tensor", "input_shape", "pooling", "classes",
            "classifier_activation")
PREPROCESSING_SECOND = ("include_top", "include_preprocessing") + STANDARD[1:]
PREPROCESSING_LAST = STANDARD + ("include_preprocessing",)


def _docstring(public_name: str, default_name: str, about: str, order: tuple,
               params: int | None) -> str:
    args = "\n".join(f"    {p}: {_PARAMETERS[p][2]}" for p in order)
    if params is None:
        example = (f"    >>> import inspect\n"
                   f"    >>> from kfront.applications import {public_name}\n"
                   f'    >>> inspect.signature({public_name}).parameters["name"].default\n'
                   f"    {default_name!r}")
    else:
        example = (f"    >>> from kfront.applications import {public_name}\n"
                   f"    >>> m = {public_name}(weights=None, include_top=False, "
                   f"input_shape=(32, 32, 3))\n"
                   f"    >>> m.name, m.count_params()\n"
                   f"    ({default_name!r}, {params})")
    return (f"{about}\n\nArgs:\n{args}\n    name: The model's name.\n\nReturns:\n"
            f"    A ``Functional`` model.\n\nExample:\n{example}\n")


def variant(module: str, public_name: str, build: Callable[..., Any], default_name: str,
            about: str, order: tuple = STANDARD, params: int | None = None) -> Callable:
    """The public model function ``module.public_name``: Keras's parameters ``order`` and
    ``name`` (default ``default_name``), passed by keyword to ``build``. Its docstring starts
    with ``about``; its example shows ``params`` (the parameter count without the top at
    32x32) or, when ``None``, the default name. The example runs with ``module``'s doctests.

    Example:
        >>> from kfront.applications._variants import variant
        >>> f = variant(__name__, "Toy", lambda **kw: kw["name"], "toy", "A toy.")
        >>> f.__name__, f(), f(name="other")
        ('Toy', 'toy', 'other')
    """
    signature = inspect.Signature(
        [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                           default=_PARAMETERS[p][0], annotation=_PARAMETERS[p][1])
         for p in order]
        + [inspect.Parameter("name", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                             default=default_name, annotation=str)])

    def model(*args, **kwargs):
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{public_name}(): {e}") from None
        bound.apply_defaults()
        return build(**bound.arguments)

    model.__signature__ = signature
    model.__name__ = model.__qualname__ = public_name
    model.__module__ = module
    model.__doc__ = _docstring(public_name, default_name, about, order, params)
    # doctest finds only functions defined in the module itself: ``__test__`` names the rest
    owner = sys.modules.get(module)
    if owner is not None and module != __name__:
        owner.__dict__.setdefault("__test__", {})[public_name] = model
    return model
