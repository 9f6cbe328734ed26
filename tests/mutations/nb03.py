"""Wrong answers to notebook 03_regularization (see tests/mutations/__init__.py)."""

from ._variants import mutations

MUTATIONS = mutations(__file__)  # nb03.toml: the correct answers and the changes
