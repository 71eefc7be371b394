"""Shared fixtures: the mock engine, stack configs, and the Cilium reference artifacts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from aks_cilium.testing import ProgramRun
from offline.engine import run_program
from offline.stack_config import PROJECT_DIR, StackConfig, load_stack_config

RunStack = Callable[..., ProgramRun]


def with_overrides(config: StackConfig, overrides: Mapping[str, str], secrets: tuple[str, ...] = ()) -> StackConfig:
    """`config` with keys (without prefix) replaced; `secrets` marks keys as set with --secret."""
    values = {**config.values, **{f"{config.project}:{key}": value for key, value in overrides.items()}}
    secret_keys = (*config.secret_keys, *(f"{config.project}:{key}" for key in secrets))
    return StackConfig(config.project, config.stack, values, secret_keys)


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
