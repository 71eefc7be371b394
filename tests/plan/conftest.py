"""The plan layer's fixtures: one real dev plan per test process, and replans that share its costly steps
(tests/support/plan_steps.py says why that proves the same)."""

from __future__ import annotations

from pathlib import Path

import pytest

import offline.plan
from tests.support.plan_steps import share


@pytest.fixture
def shared_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """`offline.plan.main` with the program run, the pack's verdicts and the chart's rendering shared (tests/support/plan_steps.py)."""
    share(monkeypatch)


@pytest.fixture(scope="session")
def dev_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    """One real plan of dev and its exit code, for the tests that read it or copy it; it seeds `shared_steps`."""
    out = tmp_path_factory.mktemp("plan") / "dev"
    with pytest.MonkeyPatch.context() as patch:
        share(patch)
        code = offline.plan.main(["--stack", "dev", "--out", str(out)])
    return code, out
