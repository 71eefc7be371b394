"""Shared fixtures: the mock engine, stack configs, and the Cilium reference artifacts."""

from __future__ import annotations

from pathlib import Path

import pytest

from aks_cilium.testing import ProgramRun
from offline.engine import run_program
from offline.stack_config import PROJECT_DIR, load_stack_config
from tests.support.stacks import RunStack, with_overrides


@pytest.fixture
def run_stack() -> RunStack:
    """Run the real __main__.py for a stack, with optional config overrides (keys without prefix).

    A fixture, not module state: every call resets the runtime and installs fresh mocks.
    """

    def run(stack: str = "dev", secrets: tuple[str, ...] = (), **overrides: str) -> ProgramRun:
        return run_program(with_overrides(load_stack_config(stack), overrides, secrets))

    return run


@pytest.fixture(scope="session")
def project_dir() -> Path:
    return PROJECT_DIR
