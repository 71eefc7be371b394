"""Shared fixtures: the mock engine, stack configs, and the Cilium reference artifacts."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# The library, the harness and the SDKs they load are imported where a fixture or hook first needs them: pytest-xdist's
# controller loads this file too but runs and collects no test, and those imports cost it about 1.1 CPU-s.
if TYPE_CHECKING:
    from aks_cilium.testing import ProgramRun
    from tests.support.stacks import RunStack

# A stack as its files stand is run once per test process and environment: the suite asks for dev and prod as they
# are about fifty times, at about half a second each. Every caller gets its own deep copy, so no test sees what
# another changed.
_AS_COMMITTED: dict[tuple[str, frozenset[tuple[str, str]]], ProgramRun] = {}


@pytest.fixture
def run_stack(request: pytest.FixtureRequest) -> RunStack:
    """Run the real __main__.py for a stack, with optional config overrides (keys without prefix).

    A run with overrides or secrets, or in a test that monkeypatches anything, resets the runtime and installs fresh
    mocks; a run of the stack as committed is otherwise shared (a copy of one run). A test about the run itself (the
    collector, the runtime) calls `run_program`.
    """
    from offline.engine import run_program
    from tests.support.stacks import stack_config, with_overrides

    patched = "monkeypatch" in request.fixturenames

    def run(stack: str = "dev", secrets: tuple[str, ...] = (), **overrides: str) -> ProgramRun:
        # A stack's shipped examples (prod's) fill what its file leaves to the deployer, as the CI plan runs it.
        if overrides or secrets or patched:
            return run_program(with_overrides(stack_config(stack), overrides, secrets))
        # pytest names the running test in PYTEST_CURRENT_TEST; nothing the program reads.
        key = (stack, frozenset(item for item in os.environ.items() if item[0] != "PYTEST_CURRENT_TEST"))
        if key not in _AS_COMMITTED:
            _AS_COMMITTED[key] = run_program(stack_config(stack))
        return copy.deepcopy(_AS_COMMITTED[key])

    return run


@pytest.fixture(scope="session")
def project_dir() -> Path:
    from offline.stack_config import PROJECT_DIR

    return PROJECT_DIR


# Layers whose tests start processes or run whole programs; with any test that runs a stack, they are left out of
# `make test-fast`. A test elsewhere that starts a process says so itself with @pytest.mark.slow.
_SLOW_LAYERS = {"plan", "package"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    from offline.stack_config import PROJECT_DIR

    tests = PROJECT_DIR / "tests"
    for item in items:
        layer = item.path.relative_to(tests).parts[0] if item.path.is_relative_to(tests) else ""
        if layer in _SLOW_LAYERS or "run_stack" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
