"""Wrong answers to notebook 10_batch_normalization (see tests/mutations/__init__.py)."""

from ._variants import mutations

MUTATIONS = mutations(__file__)  # nb10.toml: the correct answers and the changes
