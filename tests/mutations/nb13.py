"""Wrong answers to notebook 13_frameworks (see tests/mutations/__init__.py)."""

from ._variants import mutations

MUTATIONS = mutations(__file__)  # nb13.toml: the correct answers and the changes
