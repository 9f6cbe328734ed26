"""The course's structure: outline, registry, source notebooks and course_lib docstrings agree.

* every notebook of ``solutions/`` has its entry in the outline and the reverse; every
  registered exercise has, in its notebook and in the registry's order, an answer
  cell and a grade cell worth the registry's points (``course_problems``), and each
  kind of disagreement is reported in one sentence that names the files to edit;
* generation stamps grade ids and points from the registry, so a new exercise's
  cells need no hand-written metadata;
* each course_lib function an exercise re-implements names the exercise in its
  docstring (``python -m course_checks.outline docstrings --write`` writes the lines);
* the runtime the notebooks import loads neither nbclient, nbformat nor jupyter_client.
"""

from __future__ import annotations

import ast
import copy
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import ROOT, SOLUTIONS
from autograder.notebooks import normalize, normalize_file, notebook_text, source_notebook
from course_checks import exercises_for, get
from course_checks.doclinks import _relinked_literal as relinked
from course_checks.doclinks import (
    docstring_edits,
    docstring_problems,
    link_line,
    reimplemented,
    write_docstrings,
)
from course_checks.outline import (
    COURSE,
    OutlineError,
    answer_cell_id,
    course_problems,
    describe,
    grade_cell_id,
    notebook_problems,
    stamp_grade_cells,
)

NB = "07_optimizers"
WHERE = f"solutions/{NB}.ipynb"
HOME = "course_checks/exercises/nb07_optimizers.py"


def source(name: str = NB) -> nbformat.NotebookNode:
    return nbformat.read(SOLUTIONS / f"{name}.ipynb", as_version=4)


def cell(nb: nbformat.NotebookNode, cell_id: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.get("id") == cell_id)


def without(nb: nbformat.NotebookNode, *ids: str) -> nbformat.NotebookNode:
    nb.cells = [c for c in nb.cells if c.get("id") not in ids]
    return nb


# ---- the course as committed ----------------------------------------------------------


def test_outline_registry_and_source_notebooks_agree():
    problems = course_problems()
    assert problems == [], "\n".join(problems)


def test_the_outline_is_the_course_and_publish_reexports_it():
    from autograder import publish

    assert [e.stem for e in COURSE] == sorted(p.stem for p in SOLUTIONS.glob("*.ipynb"))
    assert publish.COURSE is COURSE
    assert {ex.notebook for ex in exercises_for_all()} <= {e.stem for e in COURSE}


def exercises_for_all():
    return [ex for e in COURSE for ex in exercises_for(e.stem)]


# ---- each disagreement, in one sentence -----------------------------------------------


def test_a_missing_answer_cell_names_the_exercise_and_its_registry_module():
    problems = notebook_problems(without(source(), "adam_step"), NB)
    assert (f"{WHERE} has no answer cell for exercise 'adam_step' (registered in {HOME}): "
            "add a code cell with ### BEGIN SOLUTION that defines `def adam_step(`") in problems


def test_a_missing_grade_cell_is_reported():
    problems = notebook_problems(without(source(), "check_adam_step"), NB)
    assert any(p.startswith(f"{WHERE} has no grade cell for exercise 'adam_step' "
                            f"(registered in {HOME})") for p in problems), problems


def test_a_grade_cell_without_an_exercise_is_reported():
    nb = source()
    extra = copy.deepcopy(cell(nb, "check_adam_step"))
    extra.source = extra.source.replace("adam_step", "adam_stepp")
    extra["id"] = "check_adam_stepp"
    nb.cells.insert(-1, extra)
    problems = notebook_problems(nb, NB)
    assert any("grade cell 'check_adam_stepp' checks 'adam_stepp', which has no exercise in "
               "the registry" in p for p in problems), problems


def test_a_grade_cell_of_another_notebook_says_where_it_is_registered():
    nb = source()
    extra = copy.deepcopy(cell(nb, "check_adam_step"))
    extra.source = extra.source.replace("adam_step", "relu")
    nb.cells.insert(-1, extra)
    problems = notebook_problems(nb, NB)
    assert any("registered for notebook 00_welcome in course_checks/exercises/nb00_welcome.py"
               in p for p in problems), problems


def test_points_that_disagree_are_reported_and_stamping_fixes_them():
    nb = source()
    cell(nb, "check_adam_step").metadata["nbgrader"]["points"] = 5
    problems = notebook_problems(nb, NB)
    assert (f"{WHERE}: grade cell 'check_adam_step' is worth 5 points, but exercise "
            f"'adam_step' is worth {get('adam_step').points:g} points (registered in {HOME}): run "
            "`python -m autograder normalize`") in problems
    assert notebook_problems(stamp_grade_cells(nb, NB), NB) == []
    assert cell(nb, "check_adam_step").metadata["nbgrader"]["points"] == get("adam_step").points


def test_a_comment_with_other_points_is_reported():
    nb = source()
    c = cell(nb, "check_adam_step")
    c.source = c.source.replace("(2 points with", "(3 points with")
    problems = notebook_problems(nb, NB)
    assert any("says 3 points in its comment" in p for p in problems), problems


def test_cells_out_of_the_registry_order_are_reported():
    nb = source()
    ids = [c.get("id") for c in nb.cells]
    a, b = ids.index("gd_step"), ids.index("momentum_step")
    gd = nb.cells[a:ids.index("check_gd_step") + 1]
    mom = nb.cells[b:ids.index("check_momentum_step") + 1]
    nb.cells[a:ids.index("check_momentum_step") + 1] = mom + gd
    problems = notebook_problems(nb, NB)
    assert any("the answer cells come in the order ['momentum_step', 'gd_step'" in p
               and "reorder the cells or the register() calls" in p for p in problems), problems


def test_a_grade_cell_before_its_answer_and_a_missing_hidden_check_are_reported():
    nb = source()
    grade = cell(nb, "check_gd_step")
    nb.cells.remove(grade)
    nb.cells.insert(0, grade)
    grade.source = grade.source.split("### BEGIN HIDDEN TESTS")[0]
    problems = notebook_problems(nb, NB)
    assert any("grade cell 'check_gd_step' comes before answer cell 'gd_step'" in p
               for p in problems), problems
    assert any("grade cell 'check_gd_step' has no hidden check" in p for p in problems)


def test_two_grade_cells_for_one_exercise_are_reported():
    nb = source()
    twin = copy.deepcopy(cell(nb, "check_gd_step"))
    twin["id"] = "check_gd_step_again"
    nb.cells.insert(-1, twin)
    problems = notebook_problems(nb, NB)
    assert any("cells ['check_gd_step', 'check_gd_step_again'] all check 'gd_step'" in p
               for p in problems), problems


def test_a_notebook_without_its_self_check_is_reported():
    problems = notebook_problems(without(source(), "selfcheck"), NB)
    assert any("the last cell is not the self-check" in p for p in problems), problems


def test_an_outline_without_a_notebook_and_a_notebook_without_an_entry(tmp_path):
    for e in COURSE[:2]:
        shutil.copy(SOLUTIONS / f"{e.stem}.ipynb", tmp_path)
    shutil.copy(SOLUTIONS / "00_welcome.ipynb", tmp_path / "99_extra.ipynb")
    problems = course_problems(tmp_path, COURSE[:3])
    assert any("99_extra.ipynb is not in the course outline" in p for p in problems)
    assert any(f"the course outline lists {COURSE[2].stem!r}, but there is no" in p
               for p in problems)


# ---- generation writes ids and points from the registry --------------------------------


def test_cells_written_without_metadata_are_stamped_to_the_committed_form(tmp_path):
    """An author writes an answer cell and a grade cell; ids, locks and points follow."""
    committed = (SOLUTIONS / f"{NB}.ipynb").read_text(encoding="utf-8")
    nb = nbformat.reads(committed, as_version=4)
    for ex in exercises_for(NB):
        for cid in (answer_cell_id(ex.name), grade_cell_id(ex.name)):
            c = cell(nb, cid)
            c.metadata.pop("nbgrader")
            c["id"] = f"fresh-{cid[:40]}"
    cell(nb, "selfcheck").metadata.pop("nbgrader")
    assert notebook_problems(nb, NB)  # unstamped: the ids and metadata are reported
    path = tmp_path / f"{NB}.ipynb"
    nbformat.write(nb, path)
    assert normalize_file(path)  # `python -m autograder normalize`
    assert path.read_text(encoding="utf-8") == committed
    assert notebook_text(normalize(stamp_grade_cells(nb, NB))) == committed


def test_generation_refuses_a_source_that_disagrees_with_the_registry(tmp_path):
    path = tmp_path / f"{NB}.ipynb"
    nbformat.write(without(source(), "adam_step"), path)
    with pytest.raises(OutlineError) as err:
        source_notebook(path)
    assert "has no answer cell for exercise 'adam_step'" in str(err.value)
    assert len(err.value.problems) == 1


def test_where_lists_everything_about_an_exercise():
    text = describe("adam_step")
    for part in (f"{HOME}:", "course_lib.optimizers.adam_step", "course_lib/optimizers.py:",
                 "eps_inside_sqrt", "solutions/07_optimizers.ipynb",
                 "notebooks/07_optimizers.ipynb", "'check_adam_step'", "2 points",
                 "Exercise `adam_step`, notebook 07_optimizers."):
        assert part in text, (part, text)


# ---- docstring links ------------------------------------------------------------------


def test_course_lib_docstrings_link_their_exercises():
    problems = docstring_problems()
    assert problems == [], "\n".join(problems)


def test_reimplemented_functions_come_from_the_reference_or_its_names():
    assert reimplemented(get("adam_step")) == [("course_lib.optimizers", "adam_step")]
    # a registry adapter: the course_lib functions it names
    targets = reimplemented(get("momentum_step"))
    assert ("course_lib.optimizers", "momentum_step") in targets


@pytest.fixture
def lib_copy(tmp_path):
    """A copy of course_lib to write links into (the real one is written by the lead)."""
    shutil.copytree(ROOT / "course_lib", tmp_path / "course_lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "course_lib"


def unlink_all(lib: Path) -> None:
    """Take every exercise link out of the docstrings of ``lib``."""
    for path, (_, unlinked, _) in docstring_edits(lib, links={})[0].items():
        path.write_text(unlinked, encoding="utf-8")


def test_writing_links_makes_a_copy_of_course_lib_current(lib_copy):
    unlink_all(lib_copy)
    originals = {path: path.read_text(encoding="utf-8") for path in lib_copy.rglob("*.py")}
    write_docstrings(lib_copy)
    assert docstring_problems(lib_copy) == []
    assert write_docstrings(lib_copy) == []  # idempotent
    text = (lib_copy / "optimizers.py").read_text(encoding="utf-8")
    tree = ast.parse(text)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "adam_step")
    assert ast.get_docstring(fn).endswith("\n\n" + link_line(get("adam_step")))
    for path in lib_copy.rglob("*.py"):
        long = [n for n, line in enumerate(path.read_text().splitlines(), 1) if len(line) > 100]
        assert long == [], f"{path}: lines {long} over 100 characters"
    # taking every link out again gives back the library as it was
    edits, _ = docstring_edits(lib_copy, links={})
    assert edits, "no link was written"
    for path, (_, unlinked, _) in edits.items():
        assert unlinked == originals[path], path


def test_a_stale_link_is_found_and_replaced(lib_copy):
    write_docstrings(lib_copy)
    path = lib_copy / "optimizers.py"
    good = link_line(get("adam_step"))
    path.write_text(path.read_text().replace(good, good.replace("07_", "17_")))
    problems = docstring_problems(lib_copy)
    assert problems == [f"{path}: the docstring of adam_step should end with «{good}»: run "
                        "`python -m course_checks.outline docstrings --write`"]
    assert write_docstrings(lib_copy) == [path]
    assert docstring_problems(lib_copy) == []


def test_a_link_no_exercise_wants_is_removed(lib_copy):
    path = lib_copy / "validation.py"
    before = path.read_text()
    tree = ast.parse(before)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and ast.get_docstring(n))
    doc = ast.get_docstring(fn, clean=False)
    stale = doc.rstrip() + "\n\n    Exercise `gone`, notebook 99_nowhere.\n    "
    path.write_text(before.replace(doc, stale, 1))
    edits, _ = docstring_edits(lib_copy)
    assert path in edits and edits[path][1] == before and edits[path][2] == [fn.name]


def test_docstring_literals_take_one_link_paragraph():
    one = relinked('"""Sum."""', ["Exercise `a`, notebook 01_x."], "    ")
    assert one == '"""Sum.\n\n    Exercise `a`, notebook 01_x.\n    """'
    multi = '"""Sum.\n\n    More.\n    """'
    two = relinked(multi, ["Exercise `a`, notebook 01_x.", "Exercise `b`, notebook 02_y."],
                   "    ")
    assert two == ('"""Sum.\n\n    More.\n\n    Exercise `a`, notebook 01_x.\n'
                   '    Exercise `b`, notebook 02_y.\n    """')
    assert relinked(two, [], "    ") == multi
    assert relinked(relinked(multi, ["Exercise `a`, notebook 01_x."], "    "),
                    ["Exercise `a`, notebook 01_x."], "    ").count("Exercise") == 1
    assert relinked(one, [], "    ") == '"""Sum."""'
    closing_on_text = 'r"""Sum.\n\n    Text."""'
    assert relinked(closing_on_text, ["Exercise `a`, notebook 01_x."], "    ") == (
        'r"""Sum.\n\n    Text.\n\n    Exercise `a`, notebook 01_x.\n    """')


def test_the_docstrings_command_checks_and_writes_a_copy(lib_copy, tmp_path):
    unlink_all(lib_copy)  # no links at all: out of date
    cmd = [sys.executable, "-m", "course_checks.outline", "docstrings", "--lib", str(lib_copy)]
    stale = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert stale.returncode == 1 and "docstrings --write" in stale.stderr
    wrote = subprocess.run([*cmd, "--write"], capture_output=True, text=True, cwd=ROOT,
                           timeout=120)
    assert wrote.returncode == 0, wrote.stderr
    assert subprocess.run(cmd, capture_output=True, cwd=ROOT, timeout=120).returncode == 0
    bad = subprocess.run([*cmd[:-1], str(tmp_path / "elsewhere")], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and "is not a course_lib package" in bad.stderr


# ---- the notebooks' runtime is light ----------------------------------------------------


def test_the_notebook_runtime_does_not_load_the_kernel_tooling():
    code = (
        "import sys\n"
        "import numpy as np\n"
        "from course_checks import check, get\n"
        "from course_checks.notebook import yours_or_reference\n"
        "from course_checks.selfcheck import report\n"
        "check('relu', get('relu').reference)\n"
        "yours_or_reference(None, 'adam_step')\n"
        "report({'relu': get('relu').reference}, '00_welcome')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'nbclient', 'nbformat', 'jupyter_client', 'nbgrader', 'nbconvert'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


def test_the_tooling_is_where_its_callers_look():
    from course_checks import selfcheck
    from course_checks.tools import execute, selfcheck_cli

    assert callable(execute.execute_notebook) and callable(execute.grade_cells)
    assert callable(selfcheck_cli.main)
    # the runtime module keeps no command line: `python -m autograder check` uses the tool
    assert not hasattr(selfcheck, "main")
