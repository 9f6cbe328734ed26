"""Wrong answers to notebook 01_practical_aspects (see tests/mutations/__init__.py)."""

from ._variants import mutations

MUTATIONS = mutations(__file__)  # nb01.toml: the correct answers and the changes
