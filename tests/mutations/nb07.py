"""Wrong answers to notebook 07_optimizers (see tests/mutations/__init__.py)."""

from ._variants import mutations

MUTATIONS = mutations(__file__)  # nb07.toml: the correct answers and the changes
