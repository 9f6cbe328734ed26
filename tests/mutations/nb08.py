"""Wrong answers to notebook 08_learning_rate_decay (see tests/mutations/__init__.py)."""

from ._variants import mutations

MUTATIONS = mutations(__file__)  # nb08.toml: the correct answers and the changes
