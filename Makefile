# Loss Landscapes — one-command setup. Every target creates .venv when missing and installs only when
# the requirements change (stamp files), so re-running is fast.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8888
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
STAMP     := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: lab test unit unit-claims unit-rest browser notebooks notebooks-one-thread notebooks-two-threads notebooks-perturbed floors lint demo grade bench sync exercises new-chapter clean help

help:
	@echo "make lab        open the course in JupyterLab (PORT=$(PORT))"
	@echo "make test       run the whole test suite"
	@echo "make floors     run the unit tests and one chapter at the lowest declared versions"
	@echo "make demo       serve the explorers as Voila dashboards"
	@echo "make grade SUBMISSIONS='a.ipynb b.ipynb'   batch-grade student notebooks"
	@echo "make bench      run the benchmarks (QUICK=1 for a smoke run; PEERS=1 against PyTorch, JAX, loss-landscapes, PyHessian)"
	@echo "make sync       sync every jupytext pair;  make exercises   regenerate exercises/"
	@echo "make new-chapter N=08 SLUG=my_topic [TITLE='My topic']   scaffold a chapter (see CONTRIBUTING.md)"

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
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb --config=tools/lab/jupyter_lab_config.py --port $(PORT) $(ROOT_FLAG)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

unit: $(DEV_STAMP)
	$(BIN)/python -m pytest tests

# Every notebook runs twice, each time rounding differently, and must pass every time: one BLAS thread; and every
# random draw and data set jittered by a relative 1e-12 (course_utils.randomness), which stands for another CPU's
# rounding. OPENBLAS_CORETYPE is never set: some machines set it on purpose. A pass with two BLAS threads
# (notebooks-two-threads) is not part of `make test`: on the 2-core CI machine every chapter notebook printed
# bit-identical outputs with one and two threads (measured 2026-12-06; OpenBLAS does not thread matrices this
# small), so it re-ran the first pass for 6 minutes of CPU. Run it on a machine with more cores or another BLAS.
# The solutions run with COURSE_CHECK_REQUIRE_PASS=1: every check(...) in them must say "passed".
NBVAL := $(BIN)/python -m pytest -p no:cacheprovider --nbval-lax -W error::SyntaxWarning
NOTEBOOK_DIRS := notebooks exercises demos

notebooks: notebooks-one-thread notebooks-perturbed

notebooks-one-thread: $(DEV_STAMP)
	OPENBLAS_NUM_THREADS=1 $(NBVAL) $(NOTEBOOK_DIRS)
	OPENBLAS_NUM_THREADS=1 COURSE_CHECK_REQUIRE_PASS=1 $(NBVAL) solutions

notebooks-two-threads: $(DEV_STAMP)
	OPENBLAS_NUM_THREADS=2 $(NBVAL) $(NOTEBOOK_DIRS)
	OPENBLAS_NUM_THREADS=2 COURSE_CHECK_REQUIRE_PASS=1 $(NBVAL) solutions

notebooks-perturbed: $(DEV_STAMP)
	OPENBLAS_NUM_THREADS=1 COURSE_PERTURB=1e-12 $(NBVAL) $(NOTEBOOK_DIRS)
	OPENBLAS_NUM_THREADS=1 COURSE_PERTURB=1e-12 COURSE_CHECK_REQUIRE_PASS=1 $(NBVAL) solutions

# The floors run: the lowest versions that requirements.txt, requirements-dev.txt and pyproject.toml allow, in an
# environment of their own (.venv-floors), so that every floor we declare is one we have run. uv resolves each
# direct dependency to its lowest allowed version (--resolution lowest-direct); what those pull in is the newest
# that fits, as a fresh install would get. The resolution is written to .venv-floors/floors.txt and synced
# exactly (a floor raised or lowered later re-resolves it). Then ruff, mypy, the unit tests (not the browser or slow
# ones) and one chapter run there; the chapter is run in that environment's own kernel (--nbval-current-env).
FLOORS         := .venv-floors
FLOORS_BIN     := $(FLOORS)/bin
FLOORS_STAMP   := $(FLOORS)/.installed
FLOORS_CHAPTER := notebooks/03_critical_points.ipynb
# the floors' kernels find only their own kernel spec, and ipykernel's debugger keeps its start-up note to itself
FLOORS_ENV     := JUPYTER_PATH=$(CURDIR)/$(FLOORS)/share/jupyter PYDEVD_DISABLE_FILE_VALIDATION=1 \
                  HYPOTHESIS_STORAGE_DIRECTORY=$(CURDIR)/$(FLOORS)/.hypothesis

$(FLOORS_BIN)/python: | $(DEV_STAMP)
	$(BIN)/uv venv --quiet --python $(PYTHON) $(FLOORS)

$(FLOORS_STAMP): requirements.txt requirements-dev.txt pyproject.toml | $(FLOORS_BIN)/python
	$(BIN)/uv pip compile --quiet --python $(FLOORS_BIN)/python --resolution lowest-direct --no-header \
		pyproject.toml requirements.txt requirements-dev.txt -o $(FLOORS)/floors.txt
	$(BIN)/uv pip sync --quiet --python $(FLOORS_BIN)/python $(FLOORS)/floors.txt
	$(BIN)/uv pip install --quiet --python $(FLOORS_BIN)/python --no-deps -e .
	@touch $@

floors: $(FLOORS_STAMP)
	@echo "floors: Python $$($(FLOORS_BIN)/python -c 'import platform; print(platform.python_version())');" \
		"$$(grep -E '^(numpy|scipy|matplotlib|autograd|ipywidgets|ipympl|pytest|hypothesis|nbval)==' $(FLOORS)/floors.txt | tr '\n' ' ')"
	$(FLOORS_BIN)/ruff check --extend-exclude $(FLOORS) .
	$(FLOORS_BIN)/mypy
	$(FLOORS_ENV) $(FLOORS_BIN)/python -m pytest -p no:cacheprovider -q -m "not browser and not slow" --durations=15 tests
	$(FLOORS_ENV) OPENBLAS_NUM_THREADS=1 $(FLOORS_BIN)/python -m pytest -p no:cacheprovider --nbval-lax \
		--nbval-current-env -W error::SyntaxWarning $(FLOORS_CHAPTER)

# The layers of course_utils are enforced by import-linter (.importlinter); mypy checks the typed core (its file
# list is in pyproject.toml); the floors run proves the lowest declared versions (see above).
test: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m course_utils.grading assign --check
	@echo "== five stages, two at a time (this machine's two cores); each stage's output appears when it ends"
	$(MAKE) --no-print-directory -j2 --output-sync=target $(TEST_STAGES)
	@echo "== the browser tests, alone: their latency budgets are measured at low load"
	$(MAKE) --no-print-directory browser
	$(MAKE) --no-print-directory bench QUICK=1

# The stages of `make test` that share the two cores, longest first (make starts them in this order).
# unit-claims runs every chapter once per seed (tests/chapter_runs.py): the seed test and the reproducibility
# test share those runs, so they are one stage.
TEST_STAGES := unit-rest unit-claims floors notebooks-one-thread notebooks-perturbed
CLAIM_TESTS := tests/test_claims_seeds.py tests/test_reproducibility.py

unit-claims: $(DEV_STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -m "not browser" $(CLAIM_TESTS)

unit-rest: $(DEV_STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -m "not browser" --durations=25 $(addprefix --ignore=,$(CLAIM_TESTS)) tests

browser: $(DEV_STAMP)
	$(BIN)/python -m pytest -m browser --durations=10 tests

demo: $(DEV_STAMP)
	$(BIN)/python -m course_utils.demo --port $(PORT)

grade: $(STAMP)
	$(BIN)/python -m course_utils.grading grade $(SUBMISSIONS) --csv grades.csv --feedback feedback

# PEERS=1: course_utils against the tools users would otherwise pick (benchmarks/peers.py, writes
# benchmarks/PEERS.md), in an environment of its own (.venv-peers) so that the course never needs torch or JAX.
# Not part of `make test`. torch is pinned to the CPU build in benchmarks/peers-requirements.txt.
PEERS_VENV  := .venv-peers
PEERS_STAMP := $(PEERS_VENV)/.installed

$(PEERS_VENV)/bin/python:
	$(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install --quiet --upgrade pip

$(PEERS_STAMP): benchmarks/peers-requirements.txt requirements.txt pyproject.toml | $(PEERS_VENV)/bin/python
	$(PEERS_VENV)/bin/python -m pip install --quiet -r requirements.txt -r benchmarks/peers-requirements.txt -e .
	@touch $@

bench: $(if $(PEERS),$(PEERS_STAMP),$(DEV_STAMP))
	$(if $(PEERS),$(PEERS_VENV)/bin/python benchmarks/peers.py,$(BIN)/python benchmarks/run.py) $(if $(QUICK),--quick,)

sync: $(STAMP)
	$(BIN)/jupytext --sync notebooks/*.ipynb solutions/*.ipynb demos/*.ipynb

exercises: $(STAMP)
	$(BIN)/python -m course_utils.grading assign

# Writes the chapter's notebook, solutions, exercises, checks module and demo, and its README row; refuses a
# taken or malformed N or SLUG and never overwrites a file (tools/new_chapter.py). The values are passed in
# single quotes, with any single quote inside escaped, so a TITLE may contain spaces and punctuation.
shell_quote = '$(subst ','\'',$(1))'
new-chapter: $(STAMP)
	$(BIN)/python tools/new_chapter.py N=$(call shell_quote,$(N)) SLUG=$(call shell_quote,$(SLUG)) \
		TITLE=$(call shell_quote,$(TITLE))

clean:
	rm -rf $(VENV) $(FLOORS) $(PEERS_VENV) artifacts .pytest_cache .ruff_cache .hypothesis
