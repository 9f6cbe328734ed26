"""Wrong answers to notebook 04_gradient_checking (see tests/mutations/__init__.py)."""

from ._variants import mutations

MUTATIONS = mutations(__file__)  # nb04.toml: the correct answers and the changes
