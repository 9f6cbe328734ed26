"""Wrong answers to notebook 09_hyperparameter_tuning (see tests/mutations/__init__.py)."""

from ._variants import mutations

MUTATIONS = mutations(__file__)  # nb09.toml: the correct answers and the changes
