# Thin wrappers around course.py, which needs nothing but Python 3.11.
PYTHON ?= python3

.PHONY: setup lab test test-quick oracle bench
setup:
	$(PYTHON) course.py setup
lab:
	$(PYTHON) course.py lab
test:
	$(PYTHON) course.py test
test-quick:
	$(PYTHON) course.py test --quick
oracle:
	$(PYTHON) course.py oracle
bench:
	$(PYTHON) course.py bench
