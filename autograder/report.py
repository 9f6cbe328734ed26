"""The class report: what a whole class got right and wrong, for the instructor.

``python -m autograder report --course DIR [--out DIR]`` reads the stored results
(:func:`autograder.course.load_results`) and writes two files with the same data:

* ``report.json`` — :func:`class_report`'s dictionary;
* ``report.html`` — one self-contained page (figures are embedded PNGs drawn with
  matplotlib's Agg backend; no script, font or style is loaded from anywhere).

What it holds, per notebook: the score distribution (gradable submissions only:
``graded`` and ``flagged``), the pass rate of every exercise, and **the named mistakes
of the class per exercise** — how many students' answers matched each catalogued
mistake of the registry, and their share of the notebook's gradable submissions,
with the hint the registry gives for it; the kinds of error the diagnosis names when no
catalogued mistake matches (``kind:sign_flipped``, ``kind:off_by_one``, ...) are counted
the same way. Across notebooks: the most common mistakes
of the class, lateness (under the course's late policy, ``course.toml``, and the
submission times ``collect`` recorded; else any lateness fields the results carry),
and the flagged and not-gradable submissions with the instructor's reasons.

Nothing here changes a grade or a result; the report is for teaching.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html
import io
import json
import re
import statistics
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path
from typing import Any

from .grading import SubmissionGrade

__all__ = ["class_report", "course_lateness", "render_html", "write_report"]

#: the fields every ``SubmissionGrade`` has had; any other field whose name matches
#: ``_LATE_NAME`` (added by a late policy) is shown in the report's lateness table
_BASE_FIELDS = frozenset({"student", "assignment", "status", "reason", "exercises", "flags",
                          "sha256", "seconds", "grader_version", "timings", "fingerprint"})
_LATE_NAME = re.compile(r"late|penalt|submitted|extension|deadline|due|raw|final", re.I)
#: exercise statuses that mean "wrong answer" (a named mistake may say which)
_WRONG = ("failed", "error")


def _gradable(g: SubmissionGrade) -> bool:
    return g.status != "not gradable"


def _hints(exercise: str) -> tuple[str, dict[str, str]]:
    """(summary, {mistake name: hint}) from the registry; empty for an unknown exercise.

    Besides the catalogued mistakes, the kinds of error the diagnosis names
    (``kind:sign_flipped``, ``course_checks.diagnose.KINDS``) and the exercise declares
    (``kind:<explanation>``) are named mistakes too, with their advice as the hint.
    """
    from course_checks import get
    from course_checks.diagnose import KINDS

    kinds = {f"kind:{k}": advice for k, advice in KINDS.items()}
    try:
        ex = get(exercise)
    except KeyError:
        return "", kinds
    kinds.update({f"kind:{e.name}": e.text for e in ex.explanations})
    return ex.summary, {**kinds, **{m.name: m.hint for m in ex.mistakes}}


def _order(assignment: str, seen: list[str]) -> list[str]:
    """Exercises in registry order, then any the registry does not know (old results)."""
    from course_checks import exercises_for

    known = [e.name for e in exercises_for(assignment)]
    return [n for n in known if n in seen] + [n for n in seen if n not in known]


def _plain(value: Any) -> Any:
    """A JSON-safe version of a lateness value (datetimes as ISO text, dicts flattened)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def _late_fields(g: SubmissionGrade) -> dict[str, Any]:
    """The lateness fields of a result, read defensively (the late policy adds them)."""
    out: dict[str, Any] = {}
    names = ([f.name for f in dataclasses.fields(g)] if dataclasses.is_dataclass(g)
             else list(vars(g)))
    for name in names:
        if name in _BASE_FIELDS or not _LATE_NAME.search(name):
            continue
        value = getattr(g, name, None)
        if isinstance(value, dict):  # e.g. late = {"days": 1.5, "penalty": 0.2}
            for k, v in value.items():
                out[f"{name}.{k}"] = _plain(v)
        else:
            out[name] = _plain(value)
    return out


def _is_late(fields: dict[str, Any]) -> bool:
    for name, v in fields.items():
        if "late" in name.lower() or "penalt" in name.lower():
            if isinstance(v, bool) and v:
                return True
            if isinstance(v, int | float) and not isinstance(v, bool) and v > 0:
                return True
    return False


def _histogram(scores: list[float], max_total: float) -> dict[str, list[float]]:
    """Counts per bin ``[edges[i], edges[i+1])``: one bin per point up to 30 points (the
    last one, ``[max, max + 1)``, holds the full marks alone), else 20 equal bins whose
    last one is closed."""
    top = max(max_total, max(scores, default=0.0), 1.0)
    if top <= 30 and float(top).is_integer():
        edges = [float(k) for k in range(round(top) + 2)]
    else:
        edges = [round(i * top / 20, 6) for i in range(21)]
    nbins = len(edges) - 1
    counts = [0] * nbins
    for s in scores:
        i = next((j for j in range(nbins) if edges[j] <= s < edges[j + 1]), nbins - 1)
        counts[i if s >= 0 else 0] += 1
    return {"edges": edges, "counts": counts}


def course_lateness(course: Path, results: Iterable[SubmissionGrade]
                    ) -> dict[tuple[str, str], dict[str, Any]]:
    """Lateness of each result under the course's late policy (``course.toml``) and the
    submission times ``collect`` recorded: ``{(student, notebook): fields}``, for the
    submissions that have a deadline or a time; ``{}`` when this version of the course
    tools has no late policy. A broken ``course.toml`` raises its ``ConfigError``."""
    try:
        from .course import assignments, submission_time
        from .policy import load_config
    except ImportError:
        return {}
    config = load_config(course, assignments())
    out = {}
    for g in results:
        when = submission_time(course, g.student, g.assignment)
        lt = config.lateness(g.student, g.assignment, when)
        if lt.deadline is None and when is None:
            continue
        out[(g.student, g.assignment)] = {
            "submitted_at": _plain(when), "deadline": _plain(lt.deadline),
            "late_hours": round(lt.late_by.total_seconds() / 3600, 2),
            "penalty_percent": lt.penalty_percent,
            "penalty_points": round(g.max_total * lt.penalty_percent / 100, 2),
        }
    return out


def class_report(results: Iterable[SubmissionGrade],
                 lateness: dict[tuple[str, str], dict[str, Any]] | None = None
                 ) -> dict[str, Any]:
    """The report's data (plain JSON types) from stored results.

    Shares are of a notebook's *gradable* submissions (``graded`` or ``flagged``): a
    notebook that could not be read says nothing about what its student understood.
    ``lateness`` (:func:`course_lateness`) gives each submission's lateness fields;
    without it, any lateness fields the results themselves carry are shown.
    """
    results = list(results)
    lateness = lateness or {}
    by_nb: dict[str, list[SubmissionGrade]] = {}
    for g in results:
        by_nb.setdefault(g.assignment, []).append(g)
    notebooks, top = [], []
    for a in sorted(by_nb):
        subs = by_nb[a]
        ok = [g for g in subs if _gradable(g)]
        scores = sorted(g.total for g in ok)
        max_total = max((g.max_total for g in subs), default=0.0)
        seen = list(dict.fromkeys(e.exercise for g in subs for e in g.exercises))
        exercises = []
        for name in _order(a, seen):
            summary, hints = _hints(name)
            grades = [e for g in ok for e in g.exercises if e.exercise == name]
            n = len(grades)
            passed = sum(e.status == "passed" for e in grades)
            named = Counter(e.mistake for e in grades if e.status != "passed" and e.mistake)
            unnamed = sum(e.status in _WRONG and not e.mistake for e in grades)
            mistakes = [{"mistake": m, "count": c, "share": round(c / n, 4) if n else 0.0,
                         "hint": hints.get(m, "")}
                        for m, c in sorted(named.items(), key=lambda kv: (-kv[1], kv[0]))]
            top += [{"notebook": a, "exercise": name, **m} for m in mistakes]
            exercises.append({
                "exercise": name, "summary": summary,
                "points": max((e.max_points for e in grades), default=0.0),
                "gradable": n, "passed": passed,
                "pass_rate": round(passed / n, 4) if n else None,
                "statuses": dict(sorted(Counter(e.status for e in grades).items())),
                "mistakes": mistakes, "unnamed_wrong": unnamed,
            })
        notebooks.append({
            "notebook": a, "submissions": len(subs), "gradable": len(ok),
            "flagged": sum(g.status == "flagged" for g in subs),
            "not_gradable": len(subs) - len(ok), "max_points": max_total,
            "mean": round(statistics.fmean(scores), 3) if scores else None,
            "median": statistics.median(scores) if scores else None,
            "min": scores[0] if scores else None, "max": scores[-1] if scores else None,
            "full_marks": sum(s >= max_total for s in scores) if max_total else 0,
            "scores": scores, "distribution": _histogram(scores, max_total),
            "exercises": exercises,
        })
    top.sort(key=lambda m: (-m["share"], -m["count"], m["notebook"], m["exercise"]))
    late_rows = []
    for g in results:
        fields = lateness.get((g.student, g.assignment)) or _late_fields(g)
        if fields:
            late_rows.append({"student": g.student, "notebook": g.assignment,
                              "late": _is_late(fields), **fields})
    late_cols = list(dict.fromkeys(k for r in late_rows for k in r
                                   if k not in ("student", "notebook", "late")))
    return {
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "students": len({g.student for g in results}),
        "submissions": len(results),
        "notebooks": notebooks,
        "top_mistakes": top,
        "lateness": ({"columns": late_cols, "late": sum(r["late"] for r in late_rows),
                      "rows": late_rows} if late_rows else None),
        "flagged": [{"student": g.student, "notebook": g.assignment, "flags": list(g.flags)}
                    for g in results if g.status == "flagged"],
        "not_gradable": [{"student": g.student, "notebook": g.assignment, "reason": g.reason}
                         for g in results if g.status == "not gradable"],
    }


# ---- figures -----------------------------------------------------------------------


def _png(fig) -> str:
    """A figure as an ``<img>`` with its PNG embedded (base64)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="" src="data:image/png;base64,{data}">'


def _figures(nb: dict[str, Any]) -> str:
    """Score histogram and pass rate per exercise, side by side, as one PNG each."""
    from matplotlib.figure import Figure

    dist = nb["distribution"]
    fig = Figure(figsize=(4.6, 2.8))
    ax = fig.add_subplot()
    edges, counts = dist["edges"], dist["counts"]
    widths = [b - a for a, b in pairwise(edges)]
    per_point = all(w == 1 for w in widths)  # one bar per score, centred on it
    ax.bar(edges[:-1], counts, width=widths, align="center" if per_point else "edge",
           color="#4c72b0", edgecolor="white")
    if per_point:
        ax.set_xlim(-0.6, edges[-2] + 0.6)
        ax.xaxis.get_major_locator().set_params(integer=True)
    else:
        ax.set_xlim(0, edges[-1])
    ax.set_xlabel(f"points (of {nb['max_points']:g})")
    ax.set_ylabel("submissions")
    ax.set_title("score distribution", fontsize=10)
    ax.yaxis.get_major_locator().set_params(integer=True)
    hist = _png(fig)
    ex = nb["exercises"]
    fig = Figure(figsize=(4.6, 0.45 + 0.32 * max(len(ex), 1)))
    ax = fig.add_subplot()
    names = [e["exercise"] for e in ex][::-1]
    rates = [100 * (e["pass_rate"] or 0) for e in ex][::-1]
    colors = ["#1a7f37" if r >= 80 else "#d29922" if r >= 50 else "#b42318" for r in rates]
    ax.barh(names, rates, color=colors)
    for y, r in enumerate(rates):
        ax.text(min(r + 1, 88), y, f"{r:.0f} %", va="center", fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("passed (% of gradable submissions)")
    ax.set_title("pass rate per exercise", fontsize=10)
    ax.tick_params(axis="y", labelsize=8)
    return f'<div class="figs">{hist}{_png(fig)}</div>'


# ---- HTML --------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;
color:#1f2328}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #d0d7de;
padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
td.n{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#656d76}
.figs{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}.figs img{max-width:100%}
.bar{display:inline-block;height:.7rem;background:#cf222e;vertical-align:middle;margin-right:.3rem}
code{background:#f6f8fa;padding:0 .2rem}.hint,div.muted{font-size:.88rem}.hint{color:#424a53}
"""


def _e(x: Any) -> str:
    return html.escape(str(x))


def _num(x: Any) -> str:
    if x is None:
        return "–"
    return f"{x:g}" if isinstance(x, float) else _e(x)


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f} %"


def _mistake_cell(m: dict[str, Any], n: int) -> str:
    width = max(2, round(60 * m["share"]))
    return (f'<span class="bar" style="width:{width}px"></span><code>{_e(m["mistake"])}</code>'
            f' — {m["count"]} of {n} ({_pct(m["share"])})'
            f'<div class="hint">{_e(m["hint"])}</div>')


def render_html(data: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (no external resource of any kind)."""
    parts = [f"<h1>Class report</h1><p class='muted'>{data['students']} students, "
             f"{data['submissions']} submissions; generated {_e(data['generated'])}. "
             "Shares are of each notebook's gradable submissions.</p>"]
    rows = "".join(
        f"<tr><td><a href='#nb-{_e(nb['notebook'])}'>{_e(nb['notebook'])}</a></td>"
        f"<td class=n>{nb['submissions']}</td><td class=n>{nb['gradable']}</td>"
        f"<td class=n>{nb['flagged']}</td><td class=n>{nb['not_gradable']}</td>"
        f"<td class=n>{_num(nb['mean'])}</td><td class=n>{_num(nb['median'])}</td>"
        f"<td class=n>{_num(nb['max_points'])}</td><td class=n>{nb['full_marks']}</td></tr>"
        for nb in data["notebooks"])
    parts.append("<table><tr><th>notebook</th><th>submissions</th><th>gradable</th>"
                 "<th>flagged</th><th>not gradable</th><th>mean</th><th>median</th>"
                 f"<th>max points</th><th>full marks</th></tr>{rows}</table>")
    gradable = {nb["notebook"]: nb["gradable"] for nb in data["notebooks"]}
    top = data["top_mistakes"][:15]
    if top:
        rows = "".join(f"<tr><td>{_e(m['notebook'])}</td><td>{_e(m['exercise'])}</td>"
                       f"<td>{_mistake_cell(m, gradable[m['notebook']])}</td></tr>"
                       for m in top)
        parts.append("<h2>Most common mistakes of the class</h2><table><tr><th>notebook</th>"
                     f"<th>exercise</th><th>mistake — students (share)</th></tr>{rows}</table>")
    for nb in data["notebooks"]:
        parts.append(f"<h2 id='nb-{_e(nb['notebook'])}'>{_e(nb['notebook'])}</h2>")
        if nb["gradable"]:
            parts.append(_figures(nb))
        rows = []
        for ex in nb["exercises"]:
            ms = "".join(f"<div>{_mistake_cell(m, ex['gradable'])}</div>"
                         for m in ex["mistakes"][:4])
            more = len(ex["mistakes"]) - 4
            if more > 0:
                ms += f"<div class=muted>and {more} more mistakes (report.json)</div>"
            if ex["unnamed_wrong"]:
                ms += (f"<div class=muted>{ex['unnamed_wrong']} other wrong answers "
                       "(no catalogued mistake)</div>")
            other = {s: c for s, c in ex["statuses"].items() if s not in ("passed", *_WRONG)}
            if other:
                ms += ("<div class=muted>" + ", ".join(f"{c} {_e(s)}" for s, c in other.items())
                       + "</div>")
            rows.append(f"<tr><td><b>{_e(ex['exercise'])}</b><div class=hint>"
                        f"{_e(ex['summary'])}</div></td><td class=n>{_num(ex['points'])}</td>"
                        f"<td class=n>{ex['passed']} / {ex['gradable']} "
                        f"({_pct(ex['pass_rate'])})</td><td>{ms}</td></tr>")
        parts.append("<table><tr><th>exercise</th><th>points</th><th>passed</th>"
                     f"<th>named mistakes</th></tr>{''.join(rows)}</table>")
    late = data["lateness"]
    parts.append("<h2>Lateness</h2>")
    if late:
        cols = late["columns"]
        head = "".join(f"<th>{_e(c)}</th>" for c in cols)
        rows = "".join(
            f"<tr><td>{_e(r['student'])}</td><td>{_e(r['notebook'])}</td>"
            + "".join(f"<td>{_e('' if r.get(c) is None else r.get(c))}</td>" for c in cols)
            + "</tr>" for r in late["rows"] if r["late"])
        dated = sum(r.get("deadline") is not None for r in late["rows"])
        if "deadline" in late["columns"] and not dated:
            parts.append("<p class=muted>No deadline in course.toml: nothing is late "
                         "(the submission times are in report.json).</p>")
        parts.append(f"<p>{late['late']} late submissions.</p>" + (
            f"<table><tr><th>student</th><th>notebook</th>{head}</tr>{rows}</table>"
            if rows else ""))
    else:
        parts.append("<p class=muted>The results carry no lateness (no late policy).</p>")
    parts.append(f"<h2>Flagged ({len(data['flagged'])})</h2>")
    if data["flagged"]:
        rows = "".join(f"<tr><td>{_e(f['student'])}</td><td>{_e(f['notebook'])}</td><td>"
                       + "<br>".join(_e(x) for x in f["flags"]) + "</td></tr>"
                       for f in data["flagged"])
        parts.append("<p class=muted>Graded on what the functions returned; the flags are for "
                     "your review (students never see their text).</p><table><tr><th>student"
                     f"</th><th>notebook</th><th>flags</th></tr>{rows}</table>")
    parts.append(f"<h2>Not gradable ({len(data['not_gradable'])})</h2>")
    if data["not_gradable"]:
        rows = "".join(f"<tr><td>{_e(f['student'])}</td><td>{_e(f['notebook'])}</td>"
                       f"<td>{_e(f['reason'])}</td></tr>" for f in data["not_gradable"])
        parts.append("<table><tr><th>student</th><th>notebook</th><th>reason</th></tr>"
                     f"{rows}</table>")
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Class report</title><style>{_CSS}</style></head><body>"
            + "".join(parts) + "</body></html>\n")


def write_report(results: Iterable[SubmissionGrade], out: Path,
                 course: Path | None = None) -> tuple[Path, Path]:
    """Write ``out/report.html`` and ``out/report.json``; returns their paths. With
    ``course``, lateness comes from its late policy (:func:`course_lateness`)."""
    results = list(results)
    data = class_report(results, course_lateness(course, results) if course else None)
    out.mkdir(parents=True, exist_ok=True)
    page, blob = out / "report.html", out / "report.json"
    page.write_text(render_html(data), encoding="utf-8")
    blob.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return page, blob
