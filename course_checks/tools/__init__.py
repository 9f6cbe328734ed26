"""Tooling that runs notebooks in a Jupyter kernel: never imported by the notebooks.

* :mod:`course_checks.tools.execute` — run a notebook top to bottom in a fresh kernel,
  with its errors, wall time and peak memory (nbclient); score its graded cells
  (nbgrader);
* :mod:`course_checks.tools.selfcheck_cli` — ``python -m course_checks NOTEBOOK``,
  the student self-check from a terminal.

The notebooks import only the light runtime (``course_checks``,
``course_checks.notebook``, ``course_checks.selfcheck``), which must not load
nbclient, nbformat or jupyter_client (``tests/test_outline.py`` checks it).
"""
