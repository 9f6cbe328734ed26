"""course_lib: the reference implementation of the course "Improving Deep Neural
Networks, in numpy, with autograded exercises".

Conventions (see docs/conventions.md): examples are columns (X is ``(n_x, m)``),
randomness is passed in as ``rng: np.random.Generator``, layers are pure
``*_forward -> (out, cache)`` / ``*_backward(dout, cache)`` pairs, and optimizer
steps are pure per-array functions.

Import the modules you need, e.g. ``from course_lib import optimizers`` or
``from course_lib.network import Network``.
"""

__version__ = "0.1.0"
