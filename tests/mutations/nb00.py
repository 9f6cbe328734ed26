"""Wrong answers to notebook 00_welcome (see tests/mutations/__init__.py)."""

from ._variants import mutations

MUTATIONS = mutations(__file__)  # nb00.toml: the correct answers and the changes
