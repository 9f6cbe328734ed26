"""Wrong answers to notebook 11_softmax_regression (see tests/mutations/__init__.py)."""

from ._variants import mutations

MUTATIONS = mutations(__file__)  # nb11.toml: the correct answers and the changes
