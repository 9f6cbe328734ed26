"""Wrong answers to notebook 12_capstone (see tests/mutations/__init__.py)."""

from ._variants import mutations

MUTATIONS = mutations(__file__)  # nb12.toml: the correct answers and the changes
