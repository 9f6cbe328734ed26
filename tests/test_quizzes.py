"""The quizzes: conceptual questions checked, self-checked and graded like exercises.

A question (``course_checks/quizzes/nbNN_<name>.toml``) is an exercise whose answer is a
constant: a letter, or a number. These tests pin what makes it a fair question (at least
three choices, one right answer, an explanation for every wrong one), that the
notebooks' Quiz sections are what the registry writes, and that it flows through the
same machinery as every exercise: the grade cell's check, the self-check, the
sandboxed grader (its answer key never inside the sandbox) and the mistake names the
feedback and the export show.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import nbformat
import pytest

from autograder import NOTEBOOKS, SOLUTIONS
from course_checks import check, exercises_for, get, run_check
from course_checks.outline import COURSE
from course_checks.quiz import Question, is_question, questions_for, quizzer
from course_checks.runner import NotImplementedYet, evaluate_outputs
from course_checks.tools.quiz_cells import is_quiz_cell, quiz_cells, quiz_problems, write_quiz

QUESTIONS: list[Question] = [q for e in COURSE for q in questions_for(e.stem)]
QUIZZED = [e.stem for e in COURSE if questions_for(e.stem)]
NB = "01_practical_aspects"


def _wrong(q: Question):
    return q.why[0][0]


def test_every_notebook_but_the_welcome_has_four_to_eight_questions():
    for e in COURSE:
        n = len(questions_for(e.stem))
        assert n == 0 if e.stem == "00_welcome" else 4 <= n <= 8, (e.stem, n)
    assert len(QUESTIONS) >= 13 * 4


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.name)
def test_a_question_has_one_right_answer_and_explains_every_wrong_one(q):
    ex = get(q.name)
    assert is_question(ex) and ex.notebook == q.notebook and ex.points == 1
    assert q.name == f"quiz_{q.notebook[:2]}_{q.number}"
    assert len(q.text) > 30
    if q.numeric:
        assert len(q.why) >= 3, "a numeric question catalogues at least three wrong numbers"
        for value, _ in q.why:
            assert abs(value - q.answer) > q.rtol * abs(q.answer), value
    else:
        assert len(q.choices) >= 3 and len(set(q.letters)) == len(q.letters)
        assert q.answer in q.letters
        assert sorted(x for x, _ in q.why) == sorted(x for x in q.letters if x != q.answer)
        texts = [t.strip() for _, t in q.choices]
        assert all(texts) and len(set(texts)) == len(texts), "choices must differ"
    for _, explanation in q.why:
        assert len(explanation) > 40, f"{q.name}: say why the choice is wrong"
    assert [m.hint for m in ex.mistakes] == [w for _, w in q.why]


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.name)
def test_the_key_passes_and_every_wrong_choice_is_named_with_its_explanation(q):
    ex = get(q.name)
    assert run_check(ex, ex.reference).passed
    assert run_check(ex, ex.reference, hidden=True, seed=7).passed
    for mistake in ex.mistakes:
        result = run_check(ex, mistake.impl)
        assert not result.passed and result.mistake is mistake, result.message()
        assert mistake.hint in result.message() and mistake.name in result.message()
        assert not run_check(ex, mistake.impl, hidden=True, seed=7).passed


def test_letters_are_read_leniently_and_anything_else_is_explained():
    q = next(q for q in QUESTIONS if not q.numeric)
    ex = get(q.name)
    for spelled in (q.answer.lower(), f" {q.answer} ", f"{q.answer})"):
        assert run_check(ex, lambda s=spelled: s).passed, spelled
    for bad in ("Z", 2, None, ["A"]):
        result = run_check(ex, lambda b=bad: b)
        assert not result.passed and result.mistake is None
        assert "should return one of the letters" in result.message()
    with pytest.raises(NotImplementedYet):
        check(q.name, lambda: (_ for _ in ()).throw(NotImplementedError()))


def test_numbers_are_compared_within_their_tolerance():
    q = next(q for q in QUESTIONS if q.numeric)
    ex = get(q.name)
    close = q.answer * (1 + q.rtol / 2) if q.rtol else q.answer
    assert run_check(ex, lambda: close).passed
    assert run_check(ex, lambda: int(q.answer) if q.answer == int(q.answer) else q.answer).passed
    for bad in ("50", True, float("nan")):
        assert "should return a number" in run_check(ex, lambda b=bad: b).message()


def test_the_grader_judges_an_answer_computed_elsewhere():
    """What the sandbox returns (a plain str) is judged here, with the same names."""
    q = next(q for q in QUESTIONS if not q.numeric)
    ex = get(q.name)
    ok = evaluate_outputs(ex, 1, 1, [q.answer], [None], [()])
    assert ok.passed
    wrong = evaluate_outputs(ex, 1, 1, [_wrong(q)], [None], [()])
    assert not wrong.passed and wrong.mistake.name == f"choice_{_wrong(q)}"


def test_a_wrong_choice_is_source_a_student_could_have_written():
    """The catalogued wrong choices have source (the grading tests hand it in as answers)."""
    q = QUESTIONS[0]
    src = inspect.getsource(get(q.name).mistakes[0].impl)
    assert src.startswith("def choice_") and f'return "{_wrong(q)}"' in src


def test_malformed_questions_are_refused():
    ask = quizzer("99_nowhere")
    with pytest.raises(ValueError, match="three choices"):
        ask("Which one?", {"A": "a", "B": "b"}, answer="A", why={"B": "b"})
    with pytest.raises(ValueError, match="not one of"):
        ask("Which one?", {"A": "a", "B": "b", "C": "c"}, answer="D", why={})
    with pytest.raises(ValueError, match="every wrong choice"):
        ask("Which one?", {"A": "a", "B": "b", "C": "c"}, answer="A", why={"B": "b"})
    with pytest.raises(ValueError, match="three wrong numbers"):
        ask.number("How many?", answer=3, traps={1: "x", 2: "y"})
    with pytest.raises(ValueError, match="within rtol"):
        ask.number("How many?", answer=100, rtol=0.05, traps={1: "x", 2: "y", 99: "z"})


def test_a_quiz_file_is_read_in_order_and_a_malformed_one_is_named(tmp_path, monkeypatch):
    import course_checks.quiz
    import course_checks.registry
    from course_checks.quiz import load_quiz

    # registered into copies of the registry, so that no other test sees notebook 98
    monkeypatch.setattr(course_checks.registry, "_REGISTRY", dict(course_checks.registry._REGISTRY))
    monkeypatch.setattr(course_checks.quiz, "_QUESTIONS", dict(course_checks.quiz._QUESTIONS))
    path = tmp_path / "nb98_somewhere.toml"
    path.write_text('''notebook = "98_somewhere"
[[question]]
text = "Which letter comes first in the alphabet, of these four?"
answer = "B"
[question.choices]
C = "C"
B = "B"
D = "D"
E = "E"
[question.why]
C = "C comes after B in the alphabet, so it cannot be the first of these four."
D = "D comes after B and C in the alphabet, so it cannot be the first of them."
E = "E comes after B, C and D in the alphabet: it is the last of the four, not the first."
[[question]]
text = "How many sides has a hexagon, counted the usual way?"
answer = 6
[[question.trap]]
value = 5
why = "five sides: a pentagon, one side fewer than a hexagon has"
[[question.trap]]
value = 8
why = "eight sides: an octagon, two sides more than a hexagon has"
[[question.trap]]
value = 4.5
why = "four and a half: a polygon has a whole number of sides"
''', encoding="utf-8")
    one, two = load_quiz(path)
    assert (one.name, two.name) == ("quiz_98_1", "quiz_98_2")
    q1, q2 = questions_for("98_somewhere")
    assert q1.letters == ("C", "B", "D", "E") and q1.answer == "B"
    assert [v for v, _ in q2.why] == [5, 8, 4.5] and type(q2.why[0][0]) is int
    assert q2.rtol == 0.02 and [m.name for m in two.mistakes] == [
        "answer_1", "answer_2", "answer_3"]
    bad = tmp_path / "nb97_elsewhere.toml"
    for text, match in [('notebook = "96_other"\n[[question]]\ntext = "x"\nanswer = 1\n',
                         "does not match the file name"),
                        ('notebook = "97_elsewhere"\nquestions = []\n', "holds notebook"),
                        ('notebook = "97_elsewhere"\n[[question]]\ntext = "x"\n',
                         "question 1: give text and answer"),
                        ('notebook = "97_elsewhere"\n[[question]]\ntext = "x"\nanswer = 1\n'
                         '[[question.trap]]\nvalue = 2\n', "holds value and why"),
                        ('notebook = "97_elsewhere"\n[[question]]\n', "question 1"),
                        ("notebook = ", "not valid TOML")]:
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=match):
            load_quiz(bad)


def test_the_quiz_files_ship_with_the_package():
    """pyproject.toml's package-data installs the .toml files next to the package."""
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    data = pyproject["tool"]["setuptools"]["package-data"]["course_checks.quizzes"]
    quizzes = Path(__file__).parents[1] / "course_checks" / "quizzes"
    files = sorted(quizzes.glob("*.toml"))
    assert files and all(any(f.match(pattern) for pattern in data) for f in files)


# ---- the notebooks: one source of truth, written by a command --------------------------


@pytest.mark.parametrize("notebook", QUIZZED)
def test_the_quiz_section_is_what_the_registry_writes(notebook):
    nb = nbformat.read(SOLUTIONS / f"{notebook}.ipynb", as_version=4)
    assert quiz_problems(nb, notebook) == []
    ids = [c.get("id") for c in nb.cells]
    quiz = [i for i, c in enumerate(nb.cells) if is_quiz_cell(c)]
    assert ids[quiz[-1] + 1] == "references", "the Quiz section comes just before References"
    student = nbformat.read(NOTEBOOKS / f"{notebook}.ipynb", as_version=4)
    answers = {c.id: c.source for c in student.cells if c.get("id", "").startswith("quiz_")}
    for q in questions_for(notebook):
        assert "NotImplementedError" in answers[q.name]
        assert "BEGIN SOLUTION" not in answers[q.name] and "return " not in answers[q.name]
        assert q.name + "_text" in answers and "BEGIN HIDDEN" not in str(student)


def test_writing_the_quiz_is_idempotent_and_reported_when_stale():
    nb = nbformat.read(SOLUTIONS / f"{NB}.ipynb", as_version=4)
    once = [c.source for c in write_quiz(nb, NB).cells]
    twice = [c.source for c in write_quiz(nb, NB).cells]
    assert once == twice
    assert len(quiz_cells(NB)) == 1 + 3 * len(questions_for(NB))
    cell = next(c for c in nb.cells if c.get("id") == f"quiz_{NB[:2]}_1_text")
    cell.source = cell.source.replace("Question 1", "Question one")
    problems = quiz_problems(nb, NB)
    assert problems and "quiz_cells 01_practical_aspects" in problems[0]


def test_questions_come_after_the_exercises_of_their_notebook():
    """The registry's order is the order of the cells; the Quiz section is near the end."""
    for notebook in QUIZZED:
        kinds = [is_question(ex) for ex in exercises_for(notebook)]
        assert kinds == sorted(kinds), notebook


# ---- the self-check and the grader -----------------------------------------------------


def _with_answers(base: Path, answers: dict[str, str], tmp: Path) -> Path:
    nb = nbformat.read(base / f"{NB}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.get("id") in answers:
            cell.source = answers[cell.id]
    path = tmp / f"{NB}.ipynb"
    nbformat.write(nb, path)
    return path


def test_the_self_check_lists_the_quiz_and_explains_a_wrong_choice(tmp_path, capsys):
    from course_checks.tools.selfcheck_cli import main

    q = questions_for(NB)[0]
    bad = _wrong(q)
    path = _with_answers(SOLUTIONS, {q.name: f'def {q.name}():\n    return "{bad}"\n'},
                         tmp_path)
    assert main([str(path)]) == 1
    out = capsys.readouterr().out
    flat = " ".join(out.split())
    assert f"✗ {q.name}" in out and f"choice_{bad}" in out
    assert " ".join(dict(q.why)[bad].split()) in flat
    assert all(f"✓ {other.name}" in out for other in questions_for(NB)[1:])


PROBE = '''def {name}():
    import glob, os, sys
    seen = [p for d in sys.path + ["/opt", "/sandbox", "/tmp"]
            for p in glob.glob(os.path.join(d, "**"), recursive=True)]
    found = [p for p in seen
             if os.path.basename(p) in ("quizzes", "quiz.py", "nb01_practical_aspects.toml",
                                        "nb01_practical_aspects.py")]
    for module in ("course_checks.quizzes", "course_checks.quiz", "course_checks.registry"):
        try:
            __import__(module)
            found.append(module)
        except ImportError:
            pass
    searched = any(p.endswith("/cases.py") for p in seen)  # the search sees the sandbox
    return "found: " + repr(found) if found else f"nothing (searched: {{searched}})"
'''


def test_the_sandboxed_grader_scores_quiz_answers_and_cannot_reach_the_key(tmp_path):
    """One right, one wrong, one probing for the key inside the sandbox: graded in the
    grader's process from the plain strings the sandbox returns."""
    from autograder.grading import grade_notebook
    from autograder.sandbox import Limits, available

    ok, why = available()
    if not ok:
        pytest.skip(f"sandbox unavailable: {why}")
    q1, q2, q3 = questions_for(NB)[:3]
    answers = {c.id: c.source for c in nbformat.read(SOLUTIONS / f"{NB}.ipynb", as_version=4).cells
               if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    answers[q2.name] = f'def {q2.name}():\n    return "{_wrong(q2)}"\n'
    answers[q3.name] = PROBE.format(name=q3.name)
    path = _with_answers(NOTEBOOKS, answers, tmp_path)
    limits = Limits(cell_seconds=8, call_seconds=8, memory_bytes=1 << 30, cpu_seconds=120)
    g = grade_notebook(path, NB, "s", secret=b"quiz", limits=limits)
    by = {e.exercise: e for e in g.exercises}
    assert by[q1.name].points == 1 and by[q1.name].status == "passed"
    wrong = by[q2.name]
    assert wrong.points == 0 and wrong.mistake == f"choice_{_wrong(q2)}"
    assert " ".join(dict(q2.why)[_wrong(q2)].split()) in " ".join(wrong.message.split())
    probe = by[q3.name]
    assert probe.points == 0 and "'nothing (searched: True)'" in probe.message, probe.message
    others = [e for e in g.exercises if e.exercise not in (q2.name, q3.name)]
    assert all(e.status == "passed" for e in others), [(e.exercise, e.message) for e in others]


def test_the_sandbox_library_holds_no_quiz():
    from autograder.libstub import build_sandbox_lib

    for notebook in ("01_practical_aspects", "07_optimizers"):
        lib = build_sandbox_lib(notebook)
        names = {p.name for p in lib.rglob("*")}
        assert "course_checks" not in names and "quizzes" not in names and "quiz.py" not in names
