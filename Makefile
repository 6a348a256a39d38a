# Loss Landscapes — one-command setup. Every target creates .venv when missing and installs only when
# the requirements change (stamp files), so re-running is fast.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8888
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
STAMP     := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: lab test unit notebooks lint demo grade bench sync exercises clean help

help:
	@echo "make lab        open the course in JupyterLab (PORT=$(PORT))"
	@echo "make test       run the whole test suite"
	@echo "make demo       serve the explorers as Voila dashboards"
	@echo "make grade SUBMISSIONS='a.ipynb b.ipynb'   batch-grade student notebooks"
	@echo "make bench      run the benchmarks (QUICK=1 for a smoke run)"
	@echo "make sync       sync every jupytext pair;  make exercises   regenerate exercises/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	@touch $@

$(DEV_STAMP): requirements-dev.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb --port $(PORT) $(ROOT_FLAG)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

unit: $(DEV_STAMP)
	$(BIN)/python -m pytest tests

# Every notebook runs three times, each time rounding differently, and must pass every time: one BLAS
# thread; two BLAS threads (another summation order); and every random draw and data set jittered by a
# relative 1e-12 (course_utils.randomness). OPENBLAS_CORETYPE is never set: some machines set it on purpose.
NBVAL := $(BIN)/python -m pytest -p no:cacheprovider --nbval-lax -W error::SyntaxWarning
NOTEBOOK_DIRS := notebooks solutions exercises demos

notebooks: $(DEV_STAMP)
	OPENBLAS_NUM_THREADS=1 $(NBVAL) $(NOTEBOOK_DIRS)
	OPENBLAS_NUM_THREADS=2 $(NBVAL) $(NOTEBOOK_DIRS)
	OPENBLAS_NUM_THREADS=1 COURSE_PERTURB=1e-12 $(NBVAL) $(NOTEBOOK_DIRS)

test: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m course_utils.grading assign --check
	$(BIN)/python -m pytest tests
	$(MAKE) --no-print-directory notebooks
	$(MAKE) --no-print-directory bench QUICK=1

demo: $(DEV_STAMP)
	$(BIN)/python -m course_utils.demo --port $(PORT)

grade: $(STAMP)
	$(BIN)/python -m course_utils.grading grade $(SUBMISSIONS) --csv grades.csv --feedback feedback

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/run.py $(if $(QUICK),--quick,)

sync: $(STAMP)
	$(BIN)/jupytext --sync notebooks/*.ipynb solutions/*.ipynb demos/*.ipynb

exercises: $(STAMP)
	$(BIN)/python -m course_utils.grading assign

clean:
	rm -rf $(VENV) artifacts .pytest_cache .ruff_cache .hypothesis
