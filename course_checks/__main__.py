"""``python -m course_checks NOTEBOOK..``: the student self-check (see tools/selfcheck_cli.py)."""

import sys

try:
    from .tools.selfcheck_cli import main
except ImportError as exc:  # run with a Python that is not the course's
    sys.exit(f"course_checks: {exc.name or exc} is not installed for {sys.executable}: run "
             "`python3 course.py setup` and use .venv/bin/python")

sys.exit(main())
