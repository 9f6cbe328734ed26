"""The course's autograder: notebook generation, grading and feedback on top of nbgrader.

``python -m autograder --help`` lists the commands.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"
NBGRADER_CONFIG = Path(__file__).resolve().parent / "nbgrader_config.py"

# nbgrader runs helper executables (alembic) by name: make the interpreter's own
# bin directory findable even when .venv is not activated.
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")
