# Acoustic Images: the two commands of the README are `make book` and `make test`.
# Everything runs inside .venv/ (created on first use from requirements.txt).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2
NB     ?=
# extra arguments of tools/check_lab.py: LAB_CHECK=--markdown also fails on MyST source left
# in the rendered markdown (every chapter fails it with JupyterLab's own renderer)
LAB_CHECK ?=

# One thread per process for BLAS and torch: notebooks give the same numbers on every machine,
# and two notebooks can run side by side on two cores.
export OMP_NUM_THREADS = 1
export OPENBLAS_NUM_THREADS = 1
export MKL_NUM_THREADS = 1
export ACOUSTICLIB_THREADS ?= 1
export PYDEVD_DISABLE_FILE_VALIDATION = 1
export PYTHONHASHSEED = 0

.PHONY: help venv book test lint unit nbval smoke html check-html chromium npm lab refresh release grade check-lab clean clean-cache

help:
	@echo "make book     execute every chapter from scratch and build the HTML book (_build/html); JOBS=1 on a small machine"
	@echo "make test     the whole suite: unit tests, nbval, papermill smoke runs, HTML build, browser check"
	@echo "make lab      open the book in JupyterLab"
	@echo "make refresh  re-execute notebooks and update their committed outputs (NB=book/xx.ipynb for one)"
	@echo "make release  student notebooks (_build/student) and otter autograders (_build/autograder)"
	@echo "make grade SUBMISSIONS=folder   grade submitted notebooks into _build/grades.csv (no Docker)"
	@echo "make lint     ruff check and ruff format --check over the package, tools, tests, benchmarks and chapters"
	@echo "make unit | nbval | smoke | html | check-html | check-lab   the parts of make test"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --quiet pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

chromium:
	@bash tools/install_chromium.sh

# the build fetches the ipywidgets manager from the npm registry once (_ext/local_widgets.py)
npm:
	@sh tools/install_npm.sh

# RECORD=cold|warm stores the build's time in benchmarks/results/make_book.json (what make book quotes first)
book: venv npm
	$(BIN)/python tools/notebooks.py book --jobs $(JOBS) $(if $(RECORD),--record $(RECORD))

test: venv chromium
	$(MAKE) lint
	$(MAKE) unit
	$(MAKE) nbval
	$(MAKE) smoke
	$(MAKE) html
	$(MAKE) check-html
	$(MAKE) check-lab
	@echo "make test: all checks passed"

# configuration in pyproject.toml ([tool.ruff]); `ruff format .` and `ruff check --fix .` repair most of it
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: venv
	$(BIN)/python -m pytest tests -n $(JOBS) -q

# cell timeout 1200 s: one cell of chapter 11 trains every generator and DualCamNet classifier it does not
# find in the cache (one classifier after chapters 08-10, all of them when it runs first); a hung cell still fails
# tools/nbval_memory.py samples each notebook's kernel and children and fails above 2 GB (the book's budget)
nbval: venv
	PYTHONPATH=tools $(BIN)/python -m pytest --nbval $$($(BIN)/python tools/notebooks.py list | grep ipynb) \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=1200 \
	  -p nbval_memory --nbval-max-rss-gb 2 --nbval-memory-json _build/nbval_memory.json \
	  -n $(JOBS) --dist loadscope -p no:randomly -q
	$(BIN)/python tests/nbval_coverage.py

# --figures: every figure's text size on the page, reported by tools/check_figures.py (not yet --strict)
smoke: venv
	$(BIN)/python tools/notebooks.py run --profile smoke --jobs $(JOBS) --timeout 180 --out _build/papermill/smoke \
	  --figures _build/figures
	$(BIN)/python tools/check_figures.py _build/figures

html: venv npm
	rm -rf _build/html
	$(BIN)/jupyter-book build . -W -n --keep-going

check-html: venv chromium
	$(BIN)/python tools/check_book.py _build/html --screenshots _build/screenshots

# chapter 04 in JupyterLab in headless Chromium (smoke profile, about a minute): run it, move
# the source explorer's x slider, check that its acoustic image changes; screenshots in
# _build/screenshots/lab_04_*.png
check-lab: venv chromium
	$(BIN)/python tools/check_lab.py --screenshots _build/screenshots $(LAB_CHECK)

lab: venv
	$(BIN)/jupyter lab book/

refresh: venv
	$(BIN)/python tools/notebooks.py refresh $(NB)

# NB=book/02_array_geometry.ipynb for one chapter; RUN_TESTS=1 lets otter run each chapter
# with its solutions and fail on any test that does not pass
release: venv
	rm -rf _build/student _build/autograder
	$(BIN)/python tools/classroom.py release $(NB) $(if $(RUN_TESTS),--run-tests)

# SUBMISSIONS=<folder> of <student>/<chapter>.ipynb; writes _build/grades.csv (JOBS at a time)
grade: venv
	@test -n "$(SUBMISSIONS)" || { echo "make grade SUBMISSIONS=<folder of submitted notebooks>"; exit 2; }
	$(BIN)/python tools/classroom.py grade $(SUBMISSIONS) --csv _build/grades.csv --jobs $(JOBS)

clean:
	rm -rf _build

clean-cache: venv
	$(BIN)/python -m acousticlib.cache clear
