# One entry point for people and CI. `make plan` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin
STACK ?= dev
STAMP := $(VENV)/.installed

# mypy's cache makes every run after the first incremental; CI points it outside the clone (.ci/run).
MYPY_CACHE_DIR ?= .mypy_cache

.PHONY: plan artifacts pack-facts test lint bench bench-smoke clean

$(STAMP): requirements.txt requirements-dev.txt policies/requirements.txt components/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## plan: the offline plan of $(STACK) (dev by default) into build/plan/$(STACK)/ (exit codes: README, "The offline plan")
plan: $(STAMP)
	$(BIN)/python -m offline.plan --stack $(STACK)

## artifacts: find or download Cilium's chart and CRDs, verified against offline/cilium_sums/ (README, "Cilium's artifacts")
artifacts: $(STAMP)
	$(BIN)/python -m offline.artifacts

## pack-facts: regenerate policies/rules/library_facts.py, the library's facts the policy pack applies (docs/policy-pack.md)
pack-facts: $(STAMP)
	$(BIN)/python -m offline.pack_facts

## bench: program and policy pack cost for 10, 100 and 1,000 namespaces (several minutes)
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

## bench-smoke: the smallest size once, as CI's check that the benchmark works
bench-smoke: $(STAMP)
	$(BIN)/python -m benchmarks.run --sizes 10 --repeats 1 --cold-start-repeats 1

## lint: ruff and mypy over everything we wrote
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --cache-dir $(MYPY_CACHE_DIR) __main__.py components/aks_cilium program stack_settings offline policies/rules policies/config_check.py policies/__main__.py tests benchmarks

## test: lint, then the whole test suite (what CI runs)
test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .hypothesis
