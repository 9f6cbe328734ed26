"""Wrong answers to notebook 05_minibatch_gradient_descent (see tests/mutations/__init__.py)."""

from ._variants import mutations

MUTATIONS = mutations(__file__)  # nb05.toml: the correct answers and the changes
