# nbgrader configuration of the course.
#
# The repository keeps one notebook per assignment: solutions/<name>.ipynb is the
# nbgrader source of assignment <name>, and notebooks/<name>.ipynb its student
# version. `python -m autograder generate` lays the sources out in nbgrader's
# source/<assignment>/ structure in a scratch course directory, runs nbgrader's
# generate_assignment there, and copies the release back to notebooks/.
c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "idnn"
# Markers of solution regions and hidden tests (nbgrader's defaults, spelled out).
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"
# Student versions carry no outputs.
c.ClearOutput.enabled = True
