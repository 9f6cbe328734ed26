"""The class roster: who is in the course, under which ids the LMS knows them.

:func:`read_roster` reads the gradebook CSV an LMS exports:

* **Canvas** (Grades → Export): ``Student, ID, SIS User ID, SIS Login ID, Section,
  <assignment columns>...``; the second row may be ``Points Possible`` (skipped), and
  ``Student`` is the sortable name ``Last, First``. ``ID`` is the Canvas user id that
  Canvas puts in the names of a bulk download.
* **Moodle** (Grade administration → Export → Plain text file): ``First name, Last
  name, ID number, Institution, Department, Email address, <grade items>...``.
* **A plain CSV**: a ``student`` column (the id) and optional ``first_name``,
  ``last_name``, ``email`` columns.

Every student gets a course id (:attr:`Student.id`), the folder name under
``submitted/`` and the name in nbgrader's gradebook: Canvas's ``SIS Login ID``, else its
``SIS User ID``, else ``canvas<ID>``; Moodle's ``ID number``, else the e-mail address's
local part (the whole address when two students share it).
:func:`save_roster` stores the roster as ``COURSE/roster.json``; :func:`load_roster`
reads it back (``None`` when the course has no roster).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = [
    "Roster",
    "RosterError",
    "Student",
    "load_roster",
    "name_key",
    "read_roster",
    "safe_id",
    "save_roster",
]

CANVAS_HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_HEADER = ("First name", "Last name", "ID number", "Institution", "Department",
                 "Email address")
# Columns of a Canvas export that are not assignments (read-only totals and the like).
_CANVAS_NOT_GRADES = re.compile(r"^(Integration ID|Root Account|Current |Final |Unposted |"
                                r".* (Current|Final|Unposted) (Score|Points|Grade))")
_MOODLE_NOT_GRADES = ("Last downloaded from this course",)

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


class RosterError(ValueError):
    """A roster file that cannot be read (its message names the problem and the fix)."""


def safe_id(text: str) -> str:
    """``text`` as a folder name: runs of characters other than letters, digits and
    ``._@+-`` become one ``_``."""
    return _UNSAFE.sub("_", text.strip()).strip("_")


def name_key(text: str) -> str:
    """A name reduced for matching: accents removed, lower case, letters and digits only
    (``"Dóe, Jane"`` and ``"doejane"`` have the same key)."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", plain.lower())


@dataclass(frozen=True)
class Student:
    """One student of the roster."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_id: str = ""  # Canvas "ID" (in the names of Canvas bulk downloads)
    sis_id: str = ""  # Canvas "SIS User ID", Moodle "ID number"
    login: str = ""  # Canvas "SIS Login ID"
    section: str = ""

    @property
    def sortable_name(self) -> str:
        """``Last, First`` (as Canvas and nbgrader's formgrader show names)."""
        if self.last_name and self.first_name:
            return f"{self.last_name}, {self.first_name}"
        return self.last_name or self.first_name or self.id

    def name_keys(self) -> set[str]:
        """The keys a file name may use for this student: first+last and last+first."""
        keys = {name_key(self.first_name + self.last_name),
                name_key(self.last_name + self.first_name)}
        return {k for k in keys if k}


@dataclass
class Roster:
    """The students of the course, and what their LMS export held besides."""

    lms: str  # "canvas", "moodle" or "csv"
    students: list[Student]
    grade_columns: list[str] = field(default_factory=list)  # the export's assignment columns

    def __post_init__(self) -> None:
        self._by_id = {s.id: s for s in self.students}

    def get(self, student_id: str) -> Student | None:
        return self._by_id.get(student_id)

    def match(self, *, lms_id: str = "", token: str = "", name: str = "") -> Student | str:
        """The student a downloaded file belongs to, or why none is found.

        ``lms_id``: the Canvas user id of a bulk-download name. ``token``: an id, login,
        SIS id, e-mail address or its local part, or a name. ``name``: a full name in
        any order. An id match wins over a name match; a name that fits two students
        matches none.
        """
        if lms_id:
            hits = [s for s in self.students if s.lms_id == lms_id]
            if len(hits) == 1:
                return hits[0]
        if token:
            t = token.strip().lower()
            hits = [s for s in self.students
                    if t in {s.id.lower(), s.login.lower(), s.sis_id.lower(), s.email.lower(),
                             s.email.lower().partition("@")[0], s.lms_id.lower()} - {""}]
            if len(hits) == 1:
                return hits[0]
        for text in (name, token):
            key = name_key(text)
            if not key:
                continue
            hits = [s for s in self.students if key in s.name_keys()]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                return (f"the name {text!r} fits {len(hits)} roster students "
                        f"({', '.join(s.id for s in hits)})")
        what = " / ".join(x for x in (f"LMS id {lms_id}" if lms_id else "", token, name) if x)
        return f"no roster student matches {what}"


def _rows(path: Path) -> list[list[str]]:
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise RosterError(f"no roster file {path}: export the gradebook from your LMS as "
                          "CSV and pass its path") from None
    except UnicodeDecodeError:
        raise RosterError(f"{path} is not UTF-8 text: save the gradebook export as CSV "
                          "(UTF-8)") from None
    dialect = csv.excel_tab if text.count("\t") > text.count(",") else csv.excel
    return [r for r in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in r)]


def _unique(students: list[Student], path: Path) -> list[Student]:
    seen: dict[str, Student] = {}
    for s in students:
        if not s.id:
            raise RosterError(f"{path}: a student without any id ({s.sortable_name}): fill in "
                              "the id column and import again")
        if s.id in seen:
            raise RosterError(f"{path}: two students have the id {s.id!r} "
                              f"({seen[s.id].sortable_name}; {s.sortable_name})")
        seen[s.id] = s
    return students


def _records(rows: list[list[str]], *, lower: bool = False
             ) -> tuple[list[str], list[dict[str, str]]]:
    """The header (stripped, lowercased when ``lower``) and one ``{column: value}`` per row
    below it, values stripped (``""`` for the cells a short row lacks)."""
    header = [h.strip().lower() if lower else h.strip() for h in rows[0]]
    col = {h: i for i, h in enumerate(header)}
    return header, [{h: (r[i].strip() if i < len(r) else "") for h, i in col.items()}
                    for r in rows[1:]]


def _canvas(rows: list[list[str]], path: Path) -> Roster:
    header, records = _records(rows)
    students = []
    for cell in records:
        name = cell["Student"]
        if name.startswith("Points Possible") or (not cell["ID"] and not name):
            continue
        if name == "Student, Test":  # Canvas's test student ("Student View")
            continue
        last, _, first = name.partition(",")
        if not _:
            first, _, last = name.rpartition(" ")
        sid = cell["SIS Login ID"] or cell["SIS User ID"] or (
            f"canvas{cell['ID']}" if cell["ID"] else "")
        students.append(Student(safe_id(sid), first.strip(), last.strip(), "", cell["ID"],
                                cell["SIS User ID"], cell["SIS Login ID"], cell["Section"]))
    grades = [h for h in header[len(CANVAS_HEADER):] if h and not _CANVAS_NOT_GRADES.match(h)]
    return Roster("canvas", _unique(students, path), grades)


def _moodle(rows: list[list[str]], path: Path) -> Roster:
    header, raw = _records(rows)
    locals_ = [c["Email address"].partition("@")[0] for c in raw]
    students = []
    for c, local in zip(raw, locals_, strict=True):
        email_id = c["Email address"] if locals_.count(local) > 1 else local
        sid = c["ID number"] or email_id
        students.append(Student(safe_id(sid), c["First name"], c["Last name"],
                                c["Email address"], "", c["ID number"], "", ""))
    grades = [h for h in header[len(MOODLE_HEADER):] if h and h not in _MOODLE_NOT_GRADES]
    return Roster("moodle", _unique(students, path), grades)


def _plain(rows: list[list[str]], path: Path) -> Roster:
    _, records = _records(rows, lower=True)
    students = [Student(safe_id(cell["student"]), cell.get("first_name", ""),
                        cell.get("last_name", ""), cell.get("email", "")) for cell in records]
    return Roster("csv", _unique(students, path), [])


def read_roster(path: Path) -> Roster:
    """Read a Canvas or Moodle gradebook export, or a plain ``student,...`` CSV."""
    rows = _rows(path)
    if not rows:
        raise RosterError(f"{path} is empty: export the gradebook from your LMS as CSV")
    header = tuple(h.strip() for h in rows[0])
    if header[:len(CANVAS_HEADER)] == CANVAS_HEADER:
        return _canvas(rows, path)
    if header[:len(MOODLE_HEADER)] == MOODLE_HEADER:
        return _moodle(rows, path)
    if "student" in {h.lower() for h in header}:
        return _plain(rows, path)
    raise RosterError(
        f"{path}: unknown roster format (first columns {', '.join(header[:6])}): use "
        "Canvas's gradebook export (Student, ID, SIS User ID, ...), Moodle's plain-text "
        "grade export (First name, Last name, ID number, ...) or a CSV with a 'student' "
        "column")


def roster_path(course: Path) -> Path:
    return course / "roster.json"


def save_roster(roster: Roster, course: Path) -> Path:
    """Write ``COURSE/roster.json`` (replacing the course's roster)."""
    path = roster_path(course)
    data = {"lms": roster.lms, "grade_columns": roster.grade_columns,
            "students": [asdict(s) for s in roster.students]}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_roster(course: Path) -> Roster | None:
    """The course's roster, or ``None`` when none was imported."""
    path = roster_path(course)
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return Roster(data["lms"], [Student(**s) for s in data["students"]],
                  data.get("grade_columns", []))
