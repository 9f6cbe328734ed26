"""The course's autograder: notebook generation, grading and feedback on top of nbgrader.

``python -m autograder --help`` lists the commands.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"
NBGRADER_CONFIG = Path(__file__).resolve().parent / "nbgrader_config.py"

# nbgrader runs helper executables (alembic) by name: make the interpreter's own
# bin directory findable even when .venv is not activated.
import os as _os
import sys as _sys

_bin = _os.path.dirname(_sys.executable)
if _bin not in _os.environ.get("PATH", "").split(_os.pathsep):
    _os.environ["PATH"] = _bin + _os.pathsep + _os.environ.get("PATH", "")
