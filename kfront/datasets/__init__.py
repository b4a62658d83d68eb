"""Small built-in datasets with the Keras ``keras.datasets`` calling conventions.

Nothing here downloads anything: loaders read a file that is already on disk
(for example Keras's own cache in ``~/.keras/datasets``) or fall back to a small
set that ships inside the package.

Example:
    >>> from kfront.datasets import mnist
    >>> callable(mnist.load_data)
    True
"""

from kfront.datasets import mnist

__all__ = ["mnist"]
