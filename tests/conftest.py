"""Shared fixtures: the mock engine, stack configs, and the Cilium reference artifacts."""

from __future__ import annotations

from pathlib import Path

import pytest

from aks_cilium.testing import ProgramRun
from offline.engine import run_program
from offline.stack_config import PROJECT_DIR
from tests.support.stacks import RunStack, stack_config, with_overrides


@pytest.fixture
def run_stack() -> RunStack:
    """Run the real __main__.py for a stack, with optional config overrides (keys without prefix).

    A fixture, not module state: every call resets the runtime and installs fresh mocks.
    """

    def run(stack: str = "dev", secrets: tuple[str, ...] = (), **overrides: str) -> ProgramRun:
        # A stack's shipped examples (prod's) fill what its file leaves to the deployer, as the CI plan runs it.
        return run_program(with_overrides(stack_config(stack), overrides, secrets))

    return run


@pytest.fixture(scope="session")
def project_dir() -> Path:
    return PROJECT_DIR
