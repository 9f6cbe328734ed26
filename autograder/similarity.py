"""Near-identical submissions: a ranked list of pairs for the instructor to look at.

``python -m autograder similarity --course DIR [--assignment NB] [--threshold 0.8]``
compares, per assignment, the **answer cells** of every pair of submissions and
writes a side-by-side HTML view of each pair at or above the threshold (matching
regions highlighted; the first 200 pairs), an index page and ``similarity.json``.
It is a list to look at, never a verdict: nothing here touches a grade, a result or
a feedback page.

How (winnowing, Schleimer, Wilkerson and Aiken, SIGMOD 2003, as in MOSS):

1. **Tokens.** Each answer cell is split into Python tokens (:mod:`tokenize`, or a
   plain regular expression for code that does not tokenize). Comments, blank lines
   and indentation are dropped; identifiers other than keywords, builtins and
   attribute names become ``V``, strings become ``S``. Renaming variables,
   reformatting or rewording comments therefore changes nothing.
2. **k-grams.** Every run of ``k`` consecutive tokens (default 6) of one cell is hashed
   (CRC-32 of its text: the same on every run and machine).
3. **Ignored code.** Every k-gram that occurs in any code cell of the released
   scaffold (the student notebook of the course's release, else the repository's
   ``notebooks/``) or of the reference solution (``solutions/<nb>.ipynb``) is
   dropped; when comparing, so is any fingerprint found in more than ``common``
   (default half) of an assignment's submissions, when that is at least 10 of them:
   code that the course handed out, the reference answer and what nearly everybody
   writes say nothing about copying.
4. **Winnowing.** In every window of ``w`` consecutive k-gram hashes (default 4) the
   smallest is kept (the fingerprints). Any common run of ``k + w - 1`` tokens or
   more is then guaranteed to share a fingerprint; shorter noise rarely does.
5. **Score.** For submissions A and B with fingerprint sets F_A and F_B, ``a_in_b =
   |F_A ∩ F_B| / |F_A|`` and ``b_in_a`` alike; the pair's score is the larger one
   (a student who copied part of a notebook is found too). Pairs sharing fewer than
   ``min_shared`` fingerprints (default 8) are not listed: a notebook that is nearly
   blank matches anything.

Cost: tokenizing is linear in the code; comparing is one set intersection per pair
(about 45,000 pairs for 300 submissions, a fraction of a second; see
``docs/grading.md`` for a measurement).
"""

from __future__ import annotations

import builtins
import functools
import html
import io
import json
import keyword
import re
import tokenize
import zlib
from dataclasses import asdict, dataclass, field, replace
from itertools import combinations
from pathlib import Path
from typing import Any

import nbformat

from . import NOTEBOOKS, SOLUTIONS

__all__ = [
    "Pair",
    "Submission",
    "compare_submissions",
    "fingerprint",
    "normalized_tokens",
    "similar_pairs",
    "winnow",
    "write_views",
]

K, W, COMMON, MIN_COMMON_COUNT, MIN_SHARED, MAX_VIEWS = 6, 4, 0.5, 10, 8, 200
_KEEP = frozenset(keyword.kwlist) | frozenset(dir(builtins))
_SKIP = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                   tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER})
_FALLBACK = re.compile(r"""[A-Za-z_]\w*|\d[\w.]*|'[^'\n]*'?|"[^"\n]*"?|\*\*|//|[=!<>]=|\S""")

Token = tuple[str, int, int]  # (normalized text, start offset, end offset) in the cell


def normalized_tokens(source: str) -> list[Token]:
    """The cell's tokens, normalized (identifiers ``V``, strings ``S``), with their spans."""
    return list(_tokens(source))


@functools.lru_cache(maxsize=4096)  # cells left as released are the same in many notebooks
def _tokens(source: str) -> tuple[Token, ...]:
    starts = [0]  # offset of each line's start (tokenize reads lines split at "\n" only)
    for line in source.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    out: list[Token] = []
    prev = ""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in _SKIP:
                continue
            a = starts[tok.start[0] - 1] + tok.start[1]
            b = starts[tok.end[0] - 1] + tok.end[1]
            text = tok.string
            if tok.type == tokenize.NAME and text not in _KEEP and prev != ".":
                text = "V"
            elif tok.type == tokenize.STRING or tok.type in _FSTRING:
                text = "S"
            out.append((text, a, b))
            prev = tok.string
        return tuple(_merge_fstrings(out))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    out, prev = [], ""
    for m in _FALLBACK.finditer(source):
        text = m.group()
        if text[0] in "'\"":
            text = "S"
        elif (text[0].isalpha() or text[0] == "_") and text not in _KEEP and prev != ".":
            text = "V"
        out.append((text, m.start(), m.end()))
        prev = m.group()
    return tuple(out)


_FSTRING = frozenset(getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE",
                                                      "FSTRING_END") if hasattr(tokenize, n))


def _merge_fstrings(tokens: list[Token]) -> list[Token]:
    """Consecutive ``S`` tokens (an f-string's parts on Python 3.12+) become one."""
    out: list[Token] = []
    for t in tokens:
        if t[0] == "S" and out and out[-1][0] == "S":
            out[-1] = ("S", out[-1][1], t[2])
        else:
            out.append(t)
    return out


def kgram_hashes(tokens: list[Token], k: int = K) -> list[int]:
    """CRC-32 of every run of ``k`` tokens (none when the cell has fewer)."""
    texts = [t[0] for t in tokens]
    return [zlib.crc32("\x1f".join(texts[i:i + k]).encode())
            for i in range(len(texts) - k + 1)]


def winnow(hashes: list[int], w: int = W) -> set[int]:
    """Winnowing: the minimum of every window of ``w`` consecutive hashes (a run shorter
    than a window gives its minimum)."""
    if len(hashes) <= w:
        return {min(hashes)} if hashes else set()
    return {min(hashes[i:i + w]) for i in range(len(hashes) - w + 1)}


@dataclass
class Submission:
    """One submission's answer cells and fingerprints."""

    student: str
    cells: dict[str, str]
    tokens: dict[str, list[Token]] = field(default_factory=dict, repr=False)
    hashes: dict[str, list[int]] = field(default_factory=dict, repr=False)
    own: frozenset[int] = field(default=frozenset(), repr=False)  # k-grams not ignored
    prints: frozenset[int] = frozenset()


def answer_ids(release: nbformat.NotebookNode) -> list[str]:
    """The ids of the answer cells (nbgrader ``solution`` code cells) of a released notebook."""
    return [c.get("id") for c in release.cells if c.get("cell_type") == "code"
            and (c.get("metadata", {}).get("nbgrader") or {}).get("solution")]


def answer_cells(nb: Any, ids: list[str]) -> dict[str, str]:
    """A submission's answer cells by id; a recreated cell is found by its ``def``."""
    cells = []  # (id, source) of the code cells; a file's source may be a list of lines
    raw = nb.get("cells") if isinstance(nb, dict) else None
    for c in raw if isinstance(raw, list) else []:
        src = c.get("source") if isinstance(c, dict) else None
        if isinstance(src, list) and all(isinstance(x, str) for x in src):
            src = "".join(src)
        if isinstance(src, str) and c.get("cell_type") == "code":
            cells.append((c.get("id"), src))
    by_id = dict(cells)
    out = {}
    for cid in ids:
        src = by_id.get(cid)
        if src is None:
            src = next((s for _, s in cells if f"def {cid}(" in s), None)
        if src is not None:
            out[cid] = src
    return out


def _code_hashes(nb: nbformat.NotebookNode, k: int) -> set[int]:
    return {h for c in nb.cells if c.get("cell_type") == "code"
            for h in kgram_hashes(normalized_tokens(c.source), k)}


def fingerprint(student: str, cells: dict[str, str], ignored: set[int], k: int = K,
                w: int = W) -> Submission:
    """Tokens, k-gram hashes and winnowed fingerprints of one submission's answer cells.

    Winnowing runs per cell on the hashes that are not ``ignored`` (each run of kept
    hashes separately), so code handed out never yields a fingerprint.
    """
    sub = Submission(student, dict(cells))
    prints: set[int] = set()
    for cid, src in cells.items():
        toks = normalized_tokens(src)
        hs = kgram_hashes(toks, k)
        sub.tokens[cid], sub.hashes[cid] = toks, hs
        run: list[int] = []
        for h in [*hs, None]:
            if h is None or h in ignored:
                prints |= winnow(run, w) if run else set()
                run = []
            else:
                run.append(h)
    sub.own = frozenset(h for hs in sub.hashes.values() for h in hs if h not in ignored)
    sub.prints = frozenset(prints)
    return sub


@dataclass
class Pair:
    """Two similar submissions of one assignment (``score`` = max of the two shares)."""

    assignment: str
    a: str
    b: str
    score: float
    a_in_b: float
    b_in_a: float
    shared: int
    view: str = ""


def compare_submissions(subs: list[Submission], assignment: str, *, common: float = COMMON,
                        min_shared: int = MIN_SHARED) -> list[Pair]:
    """Every pair sharing at least ``min_shared`` fingerprints, best first.

    Drops the fingerprints found in more than ``common`` of the submissions (when that
    is at least 10 of them) first; ``subs`` are not changed.
    """
    counts: dict[int, int] = {}
    for s in subs:
        for h in s.prints:
            counts[h] = counts.get(h, 0) + 1
    cut = max(common * len(subs), MIN_COMMON_COUNT - 1)
    frequent = {h for h, c in counts.items() if c > cut}
    sets = [(s.student, s.prints - frequent) for s in subs]
    pairs = []
    for (a, fa), (b, fb) in combinations(sets, 2):
        if not fa or not fb:
            continue
        n = len(fa & fb)
        if n < min_shared:
            continue
        ab, ba = n / len(fa), n / len(fb)
        pairs.append(Pair(assignment, a, b, round(max(ab, ba), 4), round(ab, 4), round(ba, 4),
                          n))
    pairs.sort(key=lambda p: (-p.score, -p.shared, p.a, p.b))
    return pairs


def _release_of(course: Path, assignment: str) -> Path:
    path = course / "release" / assignment / f"{assignment}.ipynb"
    return path if path.exists() else NOTEBOOKS / f"{assignment}.ipynb"


def load_assignment(course: Path, assignment: str, *, k: int = K,
                    w: int = W) -> tuple[list[Submission], list[str]]:
    """Fingerprints of every submission of one assignment, and the files skipped (why)."""
    from .course import submissions

    release = nbformat.read(_release_of(course, assignment), as_version=4)
    ignored = _code_hashes(release, k)
    source = SOLUTIONS / f"{assignment}.ipynb"
    if source.exists():
        ignored |= _code_hashes(nbformat.read(source, as_version=4), k)
    ids = answer_ids(release)
    subs, skipped = [], []
    for s in submissions(course, [assignment]):
        try:
            nb = json.loads(s.path.read_text(encoding="utf-8"))
            if not isinstance(nb, dict):
                raise ValueError("not a notebook")
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            skipped.append(f"{s.student}/{assignment}: unreadable ({type(exc).__name__})")
            continue
        subs.append(fingerprint(s.student, answer_cells(nb, ids), ignored, k, w))
    return subs, skipped


def similar_pairs(course: Path, assignments: list[str] | None = None, *,
                  threshold: float = 0.8, k: int = K, w: int = W, common: float = COMMON,
                  min_shared: int = MIN_SHARED,
                  ) -> tuple[list[Pair], dict[str, list[Submission]], list[str]]:
    """(pairs at or above ``threshold``, best first; the fingerprinted submissions per
    assignment; the files skipped) for the submitted assignments of ``course``."""
    from .course import submissions

    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold {threshold} is not between 0 and 1 (e.g. 0.8)")
    names = assignments or sorted({s.assignment for s in submissions(course)})
    pairs, loaded, skipped = [], {}, []
    for a in names:
        subs, skip = load_assignment(course, a, k=k, w=w)
        loaded[a] = subs
        skipped += skip
        pairs += [p for p in compare_submissions(subs, a, common=common, min_shared=min_shared)
                  if p.score >= threshold]
    pairs.sort(key=lambda p: (-p.score, -p.shared, p.assignment, p.a, p.b))
    return pairs, loaded, skipped


# ---- side-by-side views ------------------------------------------------------------


def _marks(sub: Submission, cid: str, other: set[int], k: int) -> list[tuple[int, int]]:
    """Character spans of ``sub``'s cell covered by a k-gram that ``other`` also has."""
    toks, hs = sub.tokens.get(cid, []), sub.hashes.get(cid, [])
    covered = [False] * len(toks)
    for i, h in enumerate(hs):
        if h in other:
            for j in range(i, i + k):
                covered[j] = True
    spans: list[tuple[int, int]] = []
    for t, c in zip(toks, covered):
        if not c:
            continue
        gap = sub.cells[cid][spans[-1][1]:t[1]] if spans else "x"
        if not gap.strip() and "\n" not in gap:
            spans[-1] = (spans[-1][0], t[2])  # join across spaces within a line
        else:
            spans.append((t[1], t[2]))
    return spans


def _highlight(text: str, spans: list[tuple[int, int]]) -> str:
    out, at = [], 0
    for a, b in spans:
        out += [html.escape(text[at:a]), "<mark>", html.escape(text[a:b]), "</mark>"]
        at = b
    out.append(html.escape(text[at:]))
    return "".join(out)


_CSS = """body{font-family:system-ui,sans-serif;margin:1rem 2rem;color:#1f2328}
table{border-collapse:collapse}table.sbs{width:100%;table-layout:fixed}
td,th{border:1px solid #d0d7de;
padding:.3rem .5rem;vertical-align:top;text-align:left}th{background:#f6f8fa}
pre{margin:0;white-space:pre-wrap;font-size:.85rem;line-height:1.45}mark{background:#ffd8a8}
.muted{color:#656d76}td.n{text-align:right;font-variant-numeric:tabular-nums}"""


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>"
            f"{html.escape(title)}</title><style>{_CSS}</style></head><body>{body}"
            "</body></html>\n")


def _view(pair: Pair, a: Submission, b: Submission, ignored_common: set[int], k: int) -> str:
    ha, hb = a.own - ignored_common, b.own - ignored_common
    rows = []
    for cid in dict.fromkeys([*a.cells, *b.cells]):
        ta, tb = a.cells.get(cid, ""), b.cells.get(cid, "")
        ma, mb = _marks(a, cid, hb, k), _marks(b, cid, ha, k)
        rows.append(f"<tr><th colspan=2>{html.escape(cid)}"
                    f"{'' if ma or mb else ' <span class=muted>(no match)</span>'}</th></tr>"
                    f"<tr><td><pre>{_highlight(ta, ma)}</pre></td>"
                    f"<td><pre>{_highlight(tb, mb)}</pre></td></tr>")
    title = f"{pair.assignment}: {pair.a} and {pair.b}"
    return _page(title, (
        f"<h1>{html.escape(title)}</h1><p>Score {pair.score:.0%}: {pair.shared} shared "
        f"fingerprints; {pair.a_in_b:.0%} of {html.escape(pair.a)}'s answer code is found in "
        f"{html.escape(pair.b)}'s, {pair.b_in_a:.0%} the other way. Highlighted: runs of at "
        f"least {k} tokens (names ignored) that the other submission also has, outside the "
        "released scaffold and the reference solution.</p><p class=muted>A list to look at, "
        "not a verdict: similar code can have honest causes.</p><table class=sbs><tr>"
        f"<th>{html.escape(pair.a)}</th><th>{html.escape(pair.b)}</th></tr>{''.join(rows)}"
        "</table>"))


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@+-]+", "_", name)


def write_views(pairs: list[Pair], loaded: dict[str, list[Submission]], out: Path, *,
                k: int = K, common: float = COMMON, max_views: int = MAX_VIEWS
                ) -> tuple[Path, list[Pair]]:
    """Write a side-by-side page for each of the first ``max_views`` pairs, ``index.html``
    (every pair) and ``similarity.json`` under ``out``. Returns the index's path and
    copies of the pairs whose ``view`` is their page's path (relative to ``out``; ""
    for the pairs past ``max_views``)."""
    out.mkdir(parents=True, exist_ok=True)
    pairs = [replace(p, view="") for p in pairs]
    frequent: dict[str, set[int]] = {}
    for a, subs in loaded.items():
        counts: dict[int, int] = {}
        for s in subs:
            for h in s.own:
                counts[h] = counts.get(h, 0) + 1
        cut = max(common * len(subs), MIN_COMMON_COUNT - 1)
        frequent[a] = {h for h, c in counts.items() if c > cut}
    for p in pairs[:max_views]:
        by = {s.student: s for s in loaded[p.assignment]}
        rel = Path(_safe(p.assignment)) / f"{_safe(p.a)}--{_safe(p.b)}.html"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(_view(p, by[p.a], by[p.b], frequent[p.assignment], k),
                               encoding="utf-8")
        p.view = str(rel)  # our copy
    rows = "".join(
        f"<tr><td class=n>{i}</td><td class=n>{p.score:.0%}</td><td class=n>{p.a_in_b:.0%}"
        f"</td><td class=n>{p.b_in_a:.0%}</td><td class=n>{p.shared}</td>"
        f"<td>{html.escape(p.assignment)}</td><td>{html.escape(p.a)}</td>"
        f"<td>{html.escape(p.b)}</td><td>"
        + (f"<a href='{html.escape(p.view)}'>side by side</a>" if p.view else "")
        + "</td></tr>" for i, p in enumerate(pairs, 1))
    index = out / "index.html"
    index.write_text(_page("Similar submissions", (
        "<h1>Similar submissions</h1><p>Pairs of submissions whose answer cells share code "
        "outside the released scaffold and the reference solution, most similar first. A "
        "list to look at, never a verdict: grades are not affected.</p>"
        + (f"<table><tr><th>#</th><th>score</th><th>A in B</th><th>B in A</th><th>shared</th>"
           f"<th>notebook</th><th>A</th><th>B</th><th></th></tr>{rows}</table>"
           if pairs else "<p>No pair reaches the threshold.</p>"))), encoding="utf-8")
    (out / "similarity.json").write_text(
        json.dumps([asdict(p) for p in pairs], indent=1) + "\n", encoding="utf-8")
    return index, pairs
