"""The course's front door and its static edition.

The course's outline (:data:`COURSE`, :data:`PARTS`: every notebook, its part and
what it teaches) lives in ``course_checks/outline.py``, next to the registry of
exercises; it is re-exported here.

* :func:`draw_course_map` draws ``docs/course_map.png`` (topics → notebooks);
* :func:`landing_notebook` makes ``notebooks/index.ipynb``, the page
  ``python3 course.py lab`` opens: every notebook in order with one line on what
  it teaches, and the course map (embedded as an attachment, so it shows in
  JupyterLab, in nbconvert's HTML and on code hosts, and travels with the file);
* :func:`build_html` executes the solution notebooks and exports them with
  nbconvert (LaTeX left to MathJax, figures embedded as PNG) plus an
  ``index.html``, for instructors who publish the course.

Command line (``python3 course.py html [OUTDIR]`` calls the third)::

    python -m autograder.publish landing            # redraw the map, rewrite index.ipynb
    python -m autograder.publish html [OUTDIR]      # default build/html
    python -m autograder.publish check              # exit 1 if index.ipynb is out of date
"""

from __future__ import annotations

import argparse
import base64
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

import nbformat

from course_checks.outline import COURSE, PARTS, Entry

from . import NOTEBOOKS, ROOT, SOLUTIONS
from .notebooks import normalize, notebook_names, notebook_text, write_notebook

__all__ = [
    "COURSE",
    "PARTS",
    "Entry",
    "PublishError",
    "build_html",
    "draw_course_map",
    "landing_notebook",
    "notebook_html",
    "write_landing",
]

COURSE_MAP = ROOT / "docs" / "course_map.png"
INDEX = NOTEBOOKS / "index.ipynb"


def _entries() -> dict[str, Entry]:
    return {e.stem: e for e in COURSE}


# ---- the course map ----------------------------------------------------------------


def draw_course_map(path: Path = COURSE_MAP) -> Path:
    """Draw the map: one column per part, one box per notebook with its topics, in order."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    w, step, box_h, gap, top = 3.1, 3.45, 1.0, 0.32, 5.6
    fig, ax = plt.subplots(figsize=(17, 7.4), dpi=100)
    ax.set_xlim(0, 0.3 + step * len(PARTS) - 0.1)
    ax.set_ylim(0.3, 7.2)
    ax.axis("off")
    ax.set_title("Course map: the topics of each part, and the notebooks that teach them "
                 "(work through them in order)", fontsize=14, fontweight="bold", loc="left")
    heads = []
    for part, (label, color) in enumerate(PARTS):
        x = 0.3 + part * step
        members = [e for e in COURSE if e.part == part]
        n = len(members)
        ax.add_patch(FancyBboxPatch((x - 0.1, top - n * (box_h + gap) + gap - 0.15), w + 0.2,
                                    n * (box_h + gap) - gap + 0.3,
                                    boxstyle="round,pad=0.02,rounding_size=0.12",
                                    facecolor=color, alpha=0.08, edgecolor=color, lw=1))
        ax.add_patch(FancyBboxPatch((x, top + 0.45), w, 0.75, boxstyle="round,pad=0.02",
                                    facecolor=color, edgecolor=color))
        ax.text(x + w / 2, top + 0.825, f"{part_range(members)}\n{label}", ha="center",
                va="center", fontsize=10, fontweight="bold", color="white", linespacing=1.3)
        heads.append((x, top + 0.825))
        for i, e in enumerate(members):
            y = top - i * (box_h + gap) - box_h
            ax.add_patch(FancyBboxPatch((x, y), w, box_h, boxstyle="round,pad=0.02",
                                        facecolor="white", edgecolor=color, lw=1.8))
            ax.text(x + 0.12, y + box_h * 0.68, e.stem[:2], ha="left", va="center",
                    fontsize=13, fontweight="bold", color=color)
            ax.text(x + 0.5, y + box_h * 0.68, e.short, ha="left", va="center", fontsize=10,
                    fontweight="bold", color="#111827")
            ax.text(x + 0.12, y + box_h * 0.27, e.topics, ha="left", va="center", fontsize=8.5,
                    color="#374151")
            if i:
                ax.annotate("", xy=(x + w / 2, y + box_h), xytext=(x + w / 2, y + box_h + gap),
                            arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.4,
                                        "shrinkA": 0, "shrinkB": 0})
    for (xa, ya), (xb, yb) in pairwise(heads):
        ax.annotate("", xy=(xb - 0.02, yb), xytext=(xa + w + 0.02, ya),
                    arrowprops={"arrowstyle": "-|>", "color": "#4b5563", "lw": 2,
                                "shrinkA": 0, "shrinkB": 0})
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return path


def part_range(members: list[Entry]) -> str:
    """``"01-04"`` for a part's notebooks (``"00"`` for one)."""
    first, last = members[0].stem[:2], members[-1].stem[:2]
    return f"notebook {first}" if first == last else f"notebooks {first}–{last}"


# ---- the landing notebook ----------------------------------------------------------


def notebook_title(path: Path) -> str:
    """The first Markdown heading of a notebook (``07 · Optimizers: ...``)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return path.stem


INTRO = """\
# Improving Deep Neural Networks — in numpy

**Start here.** This course is about the practical side of deep learning: why a
network trains fast or slowly, why it overfits, how to initialize and regularize
it, how to know its gradients are right, and how mini-batches, momentum, Adam,
learning-rate decay, hyperparameter search and batch normalization work. You build
every piece yourself in numpy; each exercise is checked as soon as you run the
cell after it. Everything runs on a laptop, with no GPU and no network.

Work through the notebooks in order: each one uses what the ones before it built.\
"""

HOW = """\
## How to work in a notebook

* Run the cells **one by one from the top** (<kbd>Shift</kbd>+<kbd>Enter</kbd>).
  Each exercise is a cell marked `# YOUR CODE HERE`; the locked cell after it
  checks your function and tells you what is wrong, often by name.
* **Run → Run All Cells** runs the whole notebook: the check of an exercise you have
  not done yet shows an error (on purpose) and the run goes on; the demos and
  explorers after it use the course's reference in its place, so they work anyway.
* The sliders and dropdowns of the **explorers** redraw their figure when you move
  them; long searches show a progress bar.
* The last cell of every notebook is a **self-check**: your points on the visible
  checks. The **Validate** button in the toolbar runs the whole notebook as nbgrader
  will and lists the checks that fail. Hidden checks run on other inputs when a
  class is graded.
* Stuck with a kernel in a strange state? **Kernel → Restart Kernel and Run up to
  Selected Cell**.\
"""


def _notebook_list(names: Iterable[str], titles: dict[str, str]) -> str:
    entries = _entries()
    lines = ["## The notebooks", ""]
    for i, name in enumerate(names, 1):
        line = entries[name].line if name in entries else ""
        lines.append(f"{i}. [{titles[name]}]({name}.ipynb)" + (f" — {line}" if line else ""))
    return "\n".join(lines)


def landing_notebook(png: bytes | None = None, names: list[str] | None = None,
                     source_dir: Path = SOLUTIONS) -> nbformat.NotebookNode:
    """``notebooks/index.ipynb``: the course map and every notebook, in order, linked."""
    png = png if png is not None else COURSE_MAP.read_bytes()
    names = names if names is not None else notebook_names(source_dir)
    titles = {n: notebook_title(source_dir / f"{n}.ipynb") for n in names}
    md = nbformat.v4.new_markdown_cell
    course_map = md(
        "## The course map\n\n"
        "![Course map: five parts (start; setting up and regularizing; optimization; tuning, "
        "batch norm and many classes; putting it together) and the notebooks of each, "
        "with their topics](attachment:course_map.png)",
        id="course-map")
    course_map.attachments = {"course_map.png": {"image/png": base64.b64encode(png).decode()}}
    nb = nbformat.v4.new_notebook(cells=[
        md(INTRO, id="intro"),
        course_map,
        md(_notebook_list(names, titles), id="notebooks"),
        md(HOW, id="how"),
    ])
    return normalize(nb)


def write_landing(draw: bool = True) -> tuple[Path, Path]:
    """Redraw ``docs/course_map.png`` (when ``draw``) and rewrite ``notebooks/index.ipynb``."""
    if draw:
        draw_course_map(COURSE_MAP)
    write_notebook(landing_notebook(COURSE_MAP.read_bytes()), INDEX)
    return COURSE_MAP, INDEX


def landing_is_current() -> bool:
    """Whether the committed index.ipynb is what :func:`landing_notebook` makes now."""
    if not INDEX.exists() or not COURSE_MAP.exists():
        return False
    want = notebook_text(landing_notebook(COURSE_MAP.read_bytes()))
    return INDEX.read_text(encoding="utf-8") == want


# ---- static HTML -------------------------------------------------------------------


class PublishError(RuntimeError):
    """A notebook could not be published (it raised an error when executed)."""


# nbconvert's lab template writes no alt for a figure: take the one the figure's output
# carries (course_lib.plots.alt_text, in the output's metadata["image/png"]["alt"]).
_ALT_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block data_png scoped -%}
{%- set alt = (output | get_metadata('alt', 'image/png')) or (cell | get_metadata('alt')) -%}
{%- if alt -%}{{ super() | replace('<img ', '<img alt="' ~ (alt | escape_html) ~ '" ', 1) }}
{%- else -%}{{ super() }}{%- endif -%}
{%- endblock data_png -%}
"""


def notebook_html(nb: nbformat.NotebookNode, resources_dir: Path | None = None,
                  mathjax_url: str | None = None) -> str:
    """One notebook as a standalone HTML page (JupyterLab's look, PNGs and images embedded,
    a figure's alt text from its output's metadata).

    Formulas stay LaTeX for MathJax, which the page loads from ``mathjax_url``
    (nbconvert's default: a CDN, so a reader needs the network for typeset math).
    """
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", embed_images=True,
                            extra_loaders=[DictLoader({"course.html.j2": _ALT_TEMPLATE})],
                            template_file="course.html.j2")
    if mathjax_url:
        exporter.mathjax_url = mathjax_url
    resources = {"metadata": {"path": str(resources_dir or NOTEBOOKS)}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


_LINK = re.compile(r'href="(\d\d_[A-Za-z0-9_]+)\.ipynb"')

MATHJAX_DIR = "mathjax"
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"  # the configuration the package ships


def bundle_mathjax(out_dir: Path) -> str | None:
    """Copy MathJax 2 (from ``jupyter-server-mathjax``) into ``out_dir/mathjax``.

    Returns the relative URL the pages load it from, or None when the package is not
    installed (the pages then load MathJax from nbconvert's CDN).
    """
    try:
        import jupyter_server_mathjax
    except ImportError:
        return None
    static = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (static / "MathJax.js").exists():
        return None
    shutil.copytree(static, Path(out_dir) / MATHJAX_DIR, dirs_exist_ok=True)
    return f"{MATHJAX_DIR}/MathJax.js?config={MATHJAX_CONFIG}"


# The bundled MathJax has the STIX-Web fonts only (not MathJax's TeX fonts).
_STIX_CONFIG = (
    '<script type="text/x-mathjax-config">MathJax.Hub.Config({"HTML-CSS": '
    '{availableFonts: ["STIX-Web"], preferredFont: "STIX-Web", webFont: "STIX-Web", '
    'imageFont: null}});</script>\n'
)


def build_html(
    out_dir: Path = ROOT / "build" / "html",
    names: Iterable[str] | None = None,
    *,
    source_dir: Path = SOLUTIONS,
    jobs: int = 1,
    allow_errors: bool = False,
    mathjax_url: str | None = None,
    log: Callable[[str], None] = print,
) -> list[Path]:
    """Execute each solution notebook and write ``out_dir/<name>.html`` and ``index.html``.

    Links between notebooks point to the HTML pages. Without ``mathjax_url``, MathJax
    is copied to ``out_dir/mathjax`` (see :func:`bundle_mathjax`) so that the formulas
    render without the network. Raises :class:`PublishError` listing the cells when a
    notebook raises and ``allow_errors`` is false.
    """
    from course_checks.tools.execute import execute_notebook

    names = list(names) if names is not None else notebook_names(source_dir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    bundled = False
    if mathjax_url is None:
        mathjax_url = bundle_mathjax(out_dir)
        bundled = mathjax_url is not None
        if not bundled:
            log("jupyter-server-mathjax is not installed: the pages load MathJax from a CDN")

    def page_of(nb: nbformat.NotebookNode, resources_dir: Path) -> str:
        """The HTML page, its notebook links pointing to the other pages."""
        page = _LINK.sub(r'href="\1.html"', notebook_html(nb, resources_dir, mathjax_url))
        if bundled:
            page = page.replace('<script type="text/x-mathjax-config">',
                                _STIX_CONFIG + '<script type="text/x-mathjax-config">', 1)
        return page

    def one(name: str) -> Path:
        t0 = time.perf_counter()
        report = execute_notebook(source_dir / f"{name}.ipynb")
        if report.timed_out or (report.errors and not allow_errors):
            where = "; ".join(f"cell {e.cell_id}: {e.ename}: {e.evalue[:200]}"
                              for e in report.errors) or "a cell timed out"
            raise PublishError(f"{name} does not run cleanly: {where}")
        path = out_dir / f"{name}.html"
        path.write_text(page_of(report.nb, source_dir), encoding="utf-8")
        log(f"{path} ({time.perf_counter() - t0:.1f} s)")
        return path

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        written = list(pool.map(one, names))
    landing = (nbformat.read(INDEX, as_version=4) if INDEX.exists()
               else landing_notebook(names=names, source_dir=source_dir))
    index = out_dir / "index.html"
    index.write_text(page_of(landing, NOTEBOOKS), encoding="utf-8")
    log(f"{index}")
    return [index, *written]


# ---- command line ------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.publish", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("landing", help="redraw docs/course_map.png and rewrite notebooks/index.ipynb")
    sub.add_parser("check", help="exit 1 if notebooks/index.ipynb is out of date")
    h = sub.add_parser("html", help="execute the solution notebooks and export them as HTML")
    h.add_argument("out_dir", nargs="?", default=str(ROOT / "build" / "html"))
    h.add_argument("names", nargs="*", help="notebooks (default: all)")
    h.add_argument("--jobs", "-j", type=int, default=1, help="notebooks executed at once")
    h.add_argument("--allow-errors", action="store_true",
                   help="publish notebooks even when a cell raises")
    h.add_argument("--mathjax-url", default=None,
                   help="where the pages load MathJax from (default: a copy in OUT_DIR/mathjax, "
                        "from jupyter-server-mathjax; else nbconvert's CDN)")
    args = p.parse_args(argv)
    if args.command == "landing":
        for path in write_landing():
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    if args.command == "check":
        if landing_is_current():
            return 0
        print("notebooks/index.ipynb is out of date: run `python -m autograder.publish landing`",
              file=sys.stderr)
        return 1
    try:
        paths = build_html(Path(args.out_dir), args.names or None, jobs=args.jobs,
                           allow_errors=args.allow_errors, mathjax_url=args.mathjax_url)
    except PublishError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"open {paths[0]} in a browser")
    return 0


if __name__ == "__main__":
    sys.exit(main())
