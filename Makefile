# Two commands for a newcomer: `make run` and `make test`. Everything else is set up from here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

SALESFLOW_TEMPORAL_PORT ?= 7233
SALESFLOW_UI_PORT ?= 8233
SALESFLOW_SMTP_PORT ?= 1025
export SALESFLOW_TEMPORAL_PORT SALESFLOW_UI_PORT SALESFLOW_SMTP_PORT

.PHONY: venv run worker test pytest lint format bench clean histories simulate

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['dev']))" > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.txt
	touch $(STAMP)

run: venv
	$(PY) -m devstack

worker: venv
	$(PY) worker.py

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy .
	$(VENV)/bin/lint-imports

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# The checks beside the tests, not before them: a fresh clone's lint takes about 50 s (mypy's
# cold cache), which the cores absorb while the tests wait on their timeouts (measured on 2
# cores: both together 5 min 14 s, the tests alone 5 min 6 s). A failing check still fails it.
test: venv
	$(MAKE) --no-print-directory -j2 lint pytest

# Bytecode is written even where the shell says not to: the workflow sandbox imports the
# workflow modules afresh for every run, and without a .pyc each import compiles them again.
pytest: venv
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -q

# What a sale costs here (README: "What a sale costs"): a table, and .data/bench/latest.json
# (soak/bench.py; under 10 minutes on 2 cores). Smaller: make bench BENCH_ARGS="--sales 50"
BENCH_ARGS ?=
bench: venv
	$(PY) -m soak.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .data .mypy_cache .ruff_cache .pytest_cache

# Record each playbook's main paths afresh for the replay test (tests/histories/).
histories: venv
	$(PY) tests/histories/record.py
	SALESFLOW_RECORD_ACCOUNT=$(CURDIR)/tests/histories/account $(PY) -m pytest -q -n 0 \
		tests/workflows/support/test_account_years.py

# What months of a playbook would bring, in seconds: make simulate PLAYBOOK=enterprise LEADS=50
PLAYBOOK ?= default
LEADS ?= 20
simulate: venv
	$(PY) starter.py playbook simulate $(PLAYBOOK) --leads $(LEADS)

# Sales with random customers on real parts, a worker killed and SMTP down on the way (soak/):
# make soak SOAK_ARGS="--sales 50 --minutes 3"
.PHONY: soak
soak: venv
	$(PY) -m soak $(SOAK_ARGS)

# Mutation testing (mutmut) over the domain and the workflows against the fast tests; hours for
# the whole tree, so not part of `make test`. One module: make mutants MUTANTS='sales.quote.*'
MUTANTS ?=
.PHONY: mutants
mutants: venv
	$(PY) -m mutmut run --max-children 2 $(MUTANTS)
	$(PY) -m mutmut results
