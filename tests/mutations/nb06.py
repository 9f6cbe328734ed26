"""Wrong answers to notebook 06_exponentially_weighted_averages (see mutations/__init__.py)."""

from ._variants import mutations

MUTATIONS = mutations(__file__)  # nb06.toml: the correct answers and the changes
