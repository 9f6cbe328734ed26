"""Wrong answers to notebook 02_initialization (see tests/mutations/__init__.py)."""

from ._variants import mutations

MUTATIONS = mutations(__file__)  # nb02.toml: the correct answers and the changes
