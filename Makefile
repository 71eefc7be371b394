# One entry point for people and CI. `make plan` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin
STACK ?= dev
STAMP := $(VENV)/.installed

# mypy's cache makes every run after the first incremental; CI points it outside the clone (.ci/run).
MYPY_CACHE_DIR ?= .mypy_cache
# Bytecode caches on: a machine that sets PYTHONDONTWRITEBYTECODE (some images do) makes every test process compile
# our modules and pytest rewrite every test's asserts again (measured in docs/development.md).
export PYTHONDONTWRITEBYTECODE :=
# pytest-xdist workers: one per core by default.
PYTEST_WORKERS ?= auto

.PHONY: plan artifacts pack-facts docs test pytest test-fast lint bench bench-reachability bench-smoke clean

$(STAMP): requirements.txt requirements-dev.txt policies/requirements.txt components/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## plan: the offline plan of $(STACK) (dev by default) into build/plan/$(STACK)/ (exit codes: README, "The offline plan");
##   DIFF=<earlier plan dir> also shows the flows and resources changed since it (docs/reachability.md);
##   EXAMPLES=<file> fills the values a stack file leaves to its deployer with marked examples (offline/examples/)
plan: $(STAMP)
	$(BIN)/python -m offline.plan --stack $(STACK) $(if $(DIFF),--diff $(DIFF)) $(if $(EXAMPLES),--examples $(EXAMPLES))

## artifacts: find or download Cilium's chart and CRDs, verified against offline/cilium_sums/ (README, "Cilium's artifacts")
artifacts: $(STAMP)
	$(BIN)/python -m offline.artifacts

## pack-facts: regenerate policies/rules/library_facts.py, the library's facts the policy pack applies (docs/policy-pack.md)
pack-facts: $(STAMP)
	$(BIN)/python -m offline.pack_facts

## bench: program and policy pack cost for 10, 100 and 1,000 namespaces (several minutes)
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

## bench-reachability: the reachability analyser's time at 100 and 1,000 namespaces against the flows it reports
bench-reachability: $(STAMP)
	$(BIN)/python -m benchmarks.reachability

## bench-smoke: the smallest size once, as CI's check that the benchmark works
bench-smoke: $(STAMP)
	$(BIN)/python -m benchmarks.run --sizes 10 --repeats 1 --cold-start-repeats 1

## docs: regenerate docs/reference/ from Pulumi.yaml, the policy pack's catalog and the version calendar
docs: $(STAMP)
	$(BIN)/python -m docgen

## lint: ruff and mypy over everything we wrote
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --cache-dir $(MYPY_CACHE_DIR)

## test: lint beside the whole test suite, on every core (what CI runs; timings in docs/development.md)
test: $(STAMP)
	$(MAKE) --no-print-directory -j2 --output-sync=target lint pytest

## pytest: the whole test suite alone, one worker per core; modules stay whole, so their shared fixtures run once
pytest: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope

## test-fast: the tests not marked slow (no stack runs, no processes), on every core: the edit-and-rerun loop
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q -n $(PYTEST_WORKERS) --dist loadscope

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .hypothesis
