# Two commands matter: `make demo` and `make test`. Both create the virtualenv they need.
PYTHON ?= python3
AIRFLOW_VERSION ?= 3.3.2
VENV ?= .venv
ifneq ($(AIRFLOW_VERSION),3.3.2)
VENV := .venv-airflow-$(AIRFLOW_VERSION)
endif
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(AIRFLOW_VERSION)
PYTEST_ARGS ?=
# `make demo DEMO_VENDOR=fonedynamics` runs the demo against the Fone Dynamics side of the sandbox.
DEMO_VENDOR ?= sinch

# `make bench` measures in its own virtualenv, with the official Sinch SDK that the provider never needs.
BENCH_VENV ?= .venv-bench
BENCH_BIN := $(BENCH_VENV)/bin
BENCH_STAMP := $(BENCH_VENV)/.installed-$(AIRFLOW_VERSION)
BENCH_ARGS ?=

.PHONY: demo test lint typecheck pytest venv clean bench

venv: $(STAMP)

# uv resolves and installs Airflow's ~200 dependencies in seconds instead of minutes; it is installed
# into the virtualenv itself from PyPI, so a machine with only python3 is enough.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install --quiet --python $(BIN)/python \
		"apache-airflow==$(AIRFLOW_VERSION)" -e ".[test,lint,sandbox]"
	touch $(STAMP)

$(BENCH_STAMP): pyproject.toml
	test -x $(BENCH_BIN)/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_BIN)/python -m pip install --quiet --disable-pip-version-check uv
	VIRTUAL_ENV=$(BENCH_VENV) $(BENCH_BIN)/uv pip install --quiet --python $(BENCH_BIN)/python \
		"apache-airflow==$(AIRFLOW_VERSION)" -e ".[sandbox,bench]"
	touch $(BENCH_STAMP)

# Every benchmark of bench/, side by side, into bench/RESULTS.md (several minutes; not part of `make test`).
bench: $(BENCH_STAMP)
	$(BENCH_BIN)/python bench/run.py $(BENCH_ARGS)

# The example campaign DAG against a local sandbox, in a temporary AIRFLOW_HOME (see demo/run_demo.py).
demo: venv
	$(BIN)/python demo/run_demo.py --vendor $(DEMO_VENDOR)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

pytest: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf .venv .venv-airflow-* $(BENCH_VENV) .pytest_cache .mypy_cache .ruff_cache
