"""The model file format moved to ``ember.saving.saving_lib`` (``ember.saving`` is the public
package); these names stay importable from here for code written against ember 0.1.

Example:
    >>> from ember.models.saving import load_model, save_model
"""

from ember.saving.saving_lib import (
    FORMAT,
    FORMAT_VERSION,
    atomic_write,
    compile_config,
    load_model,
    load_weights,
    save_model,
    save_weights,
)

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "atomic_write",
    "compile_config",
    "load_model",
    "load_weights",
    "save_model",
    "save_weights",
]
