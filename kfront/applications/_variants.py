"""The public function of each variant of a model family (``ResNet50``, ``EfficientNetB3``,
...): Keras's signature, a name, a docstring, and a call to the family's builder."""
from __future__ import annotations

import inspect
import sys
from typing import Any, Callable

# parameter: (default, annotation, description); ``name``'s default is the variant's
_PARAMETERS = {
    "include_top": (True, bool, "Whether to include the classifier head."),
    "include_preprocessing": (True, bool, "Whether the model preprocesses (rescales or "
                                          "normalizes) its [0, 255] input inside."),
    "weights": ("imagenet", Any, '``None``, ``"imagenet"`` or the path of a weights file.'),
    "input_tensor": (None, Any, "A symbolic tensor to use as the model's input."),
    "input_shape": (None, Any, "The input shape without the batch size (at least "
                               "{size}) when ``include_top=False``."),
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


def _docstring(public_name: str, default_name, about: str, specs: dict, params: int | None,
               min_size: int) -> str:
    size = f"{min_size}x{min_size}"
    args = "\n".join(f"    {p}: {spec[2].replace('{size}', size)}" for p, spec in specs.items())
    if params is None:
        example = (f"    >>> import inspect\n"
                   f"    >>> from kfront.applications import {public_name}\n"
                   f'    >>> inspect.signature({public_name}).parameters["name"].default\n'
                   f"    {default_name!r}")
    else:
        example = (f"    >>> from kfront.applications import {public_name}\n"
                   f"    >>> m = {public_name}(weights=None, include_top=False, "
                   f"input_shape=({min_size}, {min_size}, 3))\n"
                   f"    >>> m.count_params()\n"
                   f"    {params}")
    return (f"{about}\n\nArgs:\n{args}\n\nReturns:\n"
            f"    A ``Functional`` model.\n\nExample:\n{example}\n")


def variant(module: str, public_name: str, build: Callable[..., Any], default_name: str | None,
            about: str, order: tuple = STANDARD, params: int | None = None,
            min_size: int = 32, extra: dict | None = None) -> Callable:
    """The public model function ``module.public_name``: Keras's parameters ``order`` and
    ``name`` (default ``default_name``), passed by keyword to ``build``. Its docstring starts
    with ``about``; its example shows ``params`` (the parameter count without the top, at the
    smallest input: ``min_size`` square) or, when ``None``, the default name. The example runs
    with ``module``'s doctests. ``extra`` gives (default, annotation, description) of the
    parameters of ``order`` that are not the common ones, or replaces a common one's.

    Example:
        >>> from kfront.applications._variants import variant
        >>> f = variant(__name__, "Toy", lambda **kw: kw["name"], "toy", "A toy.")
        >>> f.__name__, f(), f(name="other"), f(True, "imagenet", None, None, None, 10)
        ('Toy', 'toy', 'other', 'toy')
        >>> f(*range(9))
        Traceback (most recent call last):
        ...
        TypeError: Toy(): too many positional arguments
    """
    specs = {p: (extra or {}).get(p) or _PARAMETERS[p] for p in order}
    specs["name"] = (extra or {}).get("name") or (default_name, str, "The model's name.")
    signature = inspect.Signature(
        [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default,
                           annotation=annotation)
         for p, (default, annotation, _) in specs.items()])

    def model(*args: Any, **kwargs: Any):
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{public_name}(): {e}") from None
        bound.apply_defaults()
        return build(**bound.arguments)

    model.__signature__ = signature
    model.__name__ = model.__qualname__ = public_name
    model.__module__ = module
    model.__doc__ = _docstring(public_name, default_name, about, specs, params, min_size)
    # doctest finds only functions defined in the module itself: ``__test__`` names the rest
    owner = sys.modules.get(module)
    if owner is not None and module != __name__:
        owner.__dict__.setdefault("__test__", {})[public_name] = model
    return model
