"""What an LMS download's file names say: the student, the notebook, the attempt.

:func:`parse_name` reads one file's path, relative to the download's root:

* **Canvas** bulk download ("Download Submissions"):
  ``lastfirst_12345_67890_07_optimizers.ipynb`` — the student's sortable name squashed
  to lower case, the Canvas user id (the ``ID`` column of the gradebook export), the
  file's id, and the file name the student uploaded. ``lastfirst_LATE_12345_...``
  marks a submission Canvas counted late; a resubmitted file gets ``-1``, ``-2``, ...
  before its extension (``07_optimizers-1.ipynb``).
* **Moodle** "Download all submissions": a folder per student,
  ``Full Name_12345_assignsubmission_file_/07_optimizers.ipynb``, or, without
  folders, ``Full Name_12345_assignsubmission_file_07_optimizers.ipynb`` (the number
  is Moodle's participant id, not in the gradebook export: Moodle files are matched
  by name).
* **nbgrader**: ``[submitted/]<student>/<notebook>/<notebook>.ipynb``.
* **flat**: ``<student>_<notebook>.ipynb`` (or ``-``, ``.`` or a space between).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

__all__ = ["Parsed", "parse_name", "notebook_of"]

CANVAS = re.compile(r"^(?P<name>[^_/]+)_(?:(?P<late>LATE)_)?(?P<uid>\d+)_(?P<fid>\d+)_"
                    r"(?P<file>.+)$")
MOODLE_DIR = re.compile(r"^(?P<name>.+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_$")
MOODLE_FILE = re.compile(r"^(?P<name>.+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_"
                         r"(?P<file>.+)$")
RESUBMISSION = re.compile(r"^(?P<stem>.*?)-(?P<n>\d{1,3})$")


@dataclass(frozen=True)
class Parsed:
    """What a file's path says about it."""

    layout: str  # "canvas", "moodle", "nbgrader" or "flat"
    file: str  # the name the student gave the file (LMS prefix removed)
    lms_id: str = ""  # Canvas user id
    token: str = ""  # an id or squashed name (Canvas "lastfirst", the flat prefix, nbgrader folder)
    name: str = ""  # a full name (Moodle)
    notebook: str = ""  # the assignment, when the path says it
    lms_late: bool = False  # Canvas's LATE marker
    attempt: int = 0  # Canvas's -N suffix: later resubmissions have larger numbers


def notebook_of(file_name: str, known: list[str]) -> str:
    """The known notebook name a file name contains (the longest), or ``""``."""
    stem = PurePath(file_name).stem
    for a in sorted(known, key=len, reverse=True):
        if a in stem:
            return a
    return ""


def _attempt(file_name: str) -> tuple[str, int]:
    p = PurePath(file_name)
    m = RESUBMISSION.match(p.stem)
    if m and not m.group("stem").endswith("-"):
        return m.group("stem") + p.suffix, int(m.group("n"))
    return file_name, 0


def parse_name(rel: PurePath, known: list[str]) -> Parsed | str:
    """What the relative path ``rel`` of a downloaded file says, or why it says nothing."""
    parts = rel.parts
    if any(p.startswith(".") for p in parts) or "__MACOSX" in parts:
        return "hidden or system file"
    if rel.suffix != ".ipynb":
        return "not a notebook (.ipynb)"
    for i, part in enumerate(parts[:-1]):  # Moodle, one folder per student
        m = MOODLE_DIR.match(part)
        if m:
            if m.group("plugin") != "file":
                return f"a Moodle {m.group('plugin')} submission, not a file"
            inner = "/".join(parts[i + 1:])
            return Parsed("moodle", inner, name=m.group("name"),
                          notebook=notebook_of(parts[-1], known))
    m = MOODLE_FILE.match(parts[-1])
    if m:
        return Parsed("moodle", m.group("file"), name=m.group("name"),
                      notebook=notebook_of(m.group("file"), known))
    m = CANVAS.match(parts[-1])
    if m:
        file, attempt = _attempt(m.group("file"))
        return Parsed("canvas", m.group("file"), lms_id=m.group("uid"), token=m.group("name"),
                      notebook=notebook_of(file, known), lms_late=bool(m.group("late")),
                      attempt=attempt)
    if len(parts) >= 3 and parts[-2] in known:  # nbgrader: <student>/<assignment>/<file>
        return Parsed("nbgrader", parts[-1], token=parts[-3], notebook=parts[-2])
    stem = rel.stem
    file, attempt = _attempt(parts[-1])
    for a in sorted(known, key=len, reverse=True):  # flat: <student>_<assignment>.ipynb
        i = stem.find(a)
        if i > 0:
            student = stem[:i].rstrip("_- .")
            if student:
                return Parsed("flat", parts[-1], token=student, notebook=a, attempt=attempt)
    return "cannot tell the student from the name"
