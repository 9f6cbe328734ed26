"""The course's late policy and LMS settings: ``COURSE/course.toml``.

Every key is optional; an unknown key is an error that names it::

    [course]
    timezone = "Europe/Berlin"      # for datetimes without an offset (default "UTC")

    [late]
    grace_minutes = 15              # this late still counts as on time (default 0)
    penalty_percent = 10            # of the notebook's max points, per started unit (default 0)
    per = "day"                     # the unit: "day" or "hour" (default "day")
    max_penalty_percent = 50        # the cap (default 100)

    [deadlines]
    07_optimizers = 2026-11-05T23:59:00

    [extensions]                    # per student: a new deadline, or a number of days more
    alice = { 07_optimizers = 2026-11-08T23:59:00 }
    bob = { 07_optimizers = 2 }

    [columns]                       # the LMS gradebook column of a notebook (export)
    07_optimizers = "07 Optimizers (48213)"

A submission ``t`` after its deadline (the student's extension, if any) by more than
the grace period is late by ``ceil((t - deadline) / unit)`` units (the grace period
is not subtracted: 25 hours late is 2 days), and loses ``min(units * penalty_percent,
max_penalty_percent)`` percent of the notebook's maximum points, never going below 0.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["ConfigError", "CourseConfig", "Lateness", "load_config"]

CONFIG_NAME = "course.toml"
_KEYS = {
    "course": {"timezone"},
    "late": {"grace_minutes", "penalty_percent", "per", "max_penalty_percent"},
}
_TABLES = ("course", "late", "deadlines", "extensions", "columns")
_UNITS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}


class ConfigError(ValueError):
    """A course.toml that cannot be used (the message names the key and the fix)."""


@dataclass(frozen=True)
class Lateness:
    """How late one submission is and what it costs."""

    submitted_at: datetime | None
    deadline: datetime | None
    late_by: timedelta  # zero when on time (or within the grace period)
    units: int  # started days or hours
    penalty_percent: float  # of the max points

    @property
    def late(self) -> bool:
        return self.units > 0

    def describe(self) -> str:
        if self.deadline is None or self.submitted_at is None:
            return ""
        if not self.late:
            return "on time"
        hours = self.late_by.total_seconds() / 3600
        return f"{hours:.1f} h late, {self.penalty_percent:g} % off"


@dataclass
class CourseConfig:
    timezone: str = "UTC"
    grace: timedelta = timedelta(0)
    penalty_percent: float = 0.0
    per: str = "day"
    max_penalty_percent: float = 100.0
    deadlines: dict[str, datetime] = field(default_factory=dict)
    extensions: dict[str, dict[str, datetime]] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def aware(self, when: datetime) -> datetime:
        """``when`` with the course's time zone when it has none."""
        return when if when.tzinfo else when.replace(tzinfo=self.tz)

    def deadline(self, student: str, assignment: str) -> datetime | None:
        return self.extensions.get(student, {}).get(assignment, self.deadlines.get(assignment))

    def lateness(self, student: str, assignment: str, submitted_at: datetime | None) -> Lateness:
        deadline = self.deadline(student, assignment)
        if deadline is None or submitted_at is None:
            return Lateness(submitted_at, deadline, timedelta(0), 0, 0.0)
        late_by = self.aware(submitted_at) - deadline
        if late_by <= self.grace:
            return Lateness(submitted_at, deadline, timedelta(0), 0, 0.0)
        units = math.ceil(late_by / _UNITS[self.per])
        percent = min(units * self.penalty_percent, self.max_penalty_percent)
        return Lateness(submitted_at, deadline, late_by, units, percent)


def _where(path: Path, key: str) -> str:
    return f"{path}: {key}"


def _number(path: Path, key: str, value, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(f"{_where(path, key)} must be a number from {low:g} to {high:g}, "
                          f"not {value!r}")
    return float(value)


def _datetime(path: Path, key: str, value, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):  # a whole day: its end
        return datetime.combine(value, time(23, 59, 59), tzinfo=tz)
    raise ConfigError(f"{_where(path, key)} must be a date and time such as "
                      f"2026-11-05T23:59:00, not {value!r}")


def load_config(course: Path, assignments: list[str] | None = None,
                students: list[str] | None = None) -> CourseConfig:
    """Read ``COURSE/course.toml`` (defaults when there is none).

    ``assignments`` and ``students``, when given, are the names deadlines, extensions
    and columns may use; any other is an error naming it.
    """
    path = Path(course) / CONFIG_NAME
    if not path.exists():
        return CourseConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    for table in data:
        if table not in _TABLES:
            raise ConfigError(f"{_where(path, table)}: unknown table or key (known: "
                              f"{', '.join(_TABLES)})")
        if not isinstance(data[table], dict):
            raise ConfigError(f"{_where(path, table)} must be a table [{table}]")
    for table, known in _KEYS.items():
        for key in data.get(table, {}):
            if key not in known:
                raise ConfigError(f"{_where(path, f'{table}.{key}')}: unknown key (known: "
                                  f"{', '.join(sorted(known))})")
    cfg = CourseConfig()
    tzname = data.get("course", {}).get("timezone", "UTC")
    try:
        ZoneInfo(str(tzname))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{_where(path, 'course.timezone')}: unknown time zone {tzname!r} "
                          "(use a name such as 'Europe/Berlin' or 'UTC')") from None
    cfg.timezone = str(tzname)
    tz = cfg.tz
    late = data.get("late", {})
    cfg.grace = timedelta(minutes=_number(path, "late.grace_minutes",
                                          late.get("grace_minutes", 0), 0, 60 * 24 * 365))
    cfg.penalty_percent = _number(path, "late.penalty_percent",
                                  late.get("penalty_percent", 0), 0, 100)
    cfg.max_penalty_percent = _number(path, "late.max_penalty_percent",
                                      late.get("max_penalty_percent", 100), 0, 100)
    cfg.per = late.get("per", "day")
    if cfg.per not in _UNITS:
        raise ConfigError(f"{_where(path, 'late.per')} must be \"day\" or \"hour\", "
                          f"not {cfg.per!r}")

    def check_assignment(key: str, name: str) -> None:
        if assignments is not None and name not in assignments:
            raise ConfigError(f"{_where(path, key)}: unknown notebook {name!r} (known: "
                              f"{', '.join(assignments)})")

    for name, value in data.get("deadlines", {}).items():
        check_assignment(f"deadlines.{name}", name)
        cfg.deadlines[name] = _datetime(path, f"deadlines.{name}", value, tz)
    for student, table in data.get("extensions", {}).items():
        if students is not None and student not in students:
            raise ConfigError(f"{_where(path, f'extensions.{student}')}: {student!r} is not "
                              "in the roster (use the student's id, as in submitted/)")
        if not isinstance(table, dict):
            raise ConfigError(f"{_where(path, f'extensions.{student}')} must be a table such "
                              "as { 07_optimizers = 2 }")
        for name, value in table.items():
            key = f"extensions.{student}.{name}"
            check_assignment(key, name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                base = cfg.deadlines.get(name)
                if base is None:
                    raise ConfigError(f"{_where(path, key)}: days more than what? "
                                      f"[deadlines] has no {name}")
                days = _number(path, key, value, 0, 365)
                cfg.extensions.setdefault(student, {})[name] = base + timedelta(days=days)
            else:
                cfg.extensions.setdefault(student, {})[name] = _datetime(path, key, value, tz)
    for name, value in data.get("columns", {}).items():
        check_assignment(f"columns.{name}", name)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{_where(path, f'columns.{name}')} must be the LMS column's "
                              "name, in quotes")
        cfg.columns[name] = value
    return cfg


def parse_time(text: str, tz: ZoneInfo | None = None) -> datetime:
    """An ISO date-time or nbgrader's ``2026-11-05 23:59:00.000000 UTC``; naive → ``tz``."""
    t = text.strip()
    if t.endswith(" UTC"):
        t = t[:-4] + "+00:00"
    when = datetime.fromisoformat(t.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=tz or UTC)


def format_time(when: datetime) -> str:
    """nbgrader's timestamp.txt format, in UTC."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
