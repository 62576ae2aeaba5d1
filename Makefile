# Two commands matter: `make demo` and `make test`. Both create the virtualenv they need.
# `make system-test` runs tests/system: a real deployment (PostgreSQL, Redis, Airflow's components) on loopback.
PYTHON ?= python3
AIRFLOW_VERSION ?= 3.3.2
VENV ?= .venv
ifneq ($(AIRFLOW_VERSION),3.3.2)
VENV := .venv-airflow-$(AIRFLOW_VERSION)
endif
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(AIRFLOW_VERSION)
SYSTEM_STAMP := $(VENV)/.installed-system-$(AIRFLOW_VERSION)
PYTEST_ARGS ?=
# `make system-test SYSTEM_ARGS='-k local'` picks scenarios.
SYSTEM_ARGS ?=
# `make demo DEMO_VENDOR=fonedynamics` runs the demo against the Fone Dynamics side of the sandbox.
DEMO_VENDOR ?= sinch

# `make bench` measures in its own virtualenv, with the official Sinch SDK that the provider never needs.
BENCH_VENV ?= .venv-bench
BENCH_BIN := $(BENCH_VENV)/bin
BENCH_STAMP := $(BENCH_VENV)/.installed-$(AIRFLOW_VERSION)
BENCH_ARGS ?=

.PHONY: demo demo-inbound test lint typecheck pytest venv clean docs docs-screenshots wheel-test system-deps system-test bench

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

# A handset texts STOP to our number; the asset-scheduled example DAG opts it out (see demo/run_demo_inbound.py).
demo-inbound: venv
	$(BIN)/python demo/run_demo_inbound.py --vendor $(DEMO_VENDOR)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

pytest: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# The documentation site (mkdocs.yml) into site/, every warning an error: broken links and anchors between
# pages, and docstrings that do not match their signatures, fail the build. The docs extra is installed
# into the same virtualenv on first use.
DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP)
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install --quiet --python $(BIN)/python -e ".[docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Re-take the connection-form screenshots in docs/img/ from the real UI (tests/ui, headless Chromium).
docs-screenshots: venv
	SMS_DOCS_SCREENSHOT_DIR=$(CURDIR)/docs/img $(BIN)/python -m pytest -p no:cacheprovider tests/ui -q

# The README's install path: build the wheel, install it into a clean virtualenv with Airflow, use it.
wheel-test: venv
	$(BIN)/python -m pytest tests/packaging -q

# Debian's postgresql and redis-server (as root, through apt-get), and Airflow's postgres and celery extras
# in the virtualenv (the `system` extra); none of them is a dependency of the provider.
system-deps: $(SYSTEM_STAMP)

$(SYSTEM_STAMP): $(STAMP)
	bash tests/system/install-services.sh
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install --quiet --python $(BIN)/python \
		"apache-airflow==$(AIRFLOW_VERSION)" -e ".[test,lint,sandbox,system]"
	touch $(SYSTEM_STAMP)

# SMS_SYSTEM_TESTS_REQUIRED turns "PostgreSQL is not installed" from a skip into a failure.
system-test: system-deps
	SMS_SYSTEM_TESTS_REQUIRED=1 $(BIN)/python -m pytest tests/system -m system -p no:cacheprovider $(SYSTEM_ARGS)

clean:
	rm -rf .venv .venv-airflow-* $(BENCH_VENV) .pytest_cache .mypy_cache .ruff_cache
