"""The plan layer's fixtures: one real dev plan per test process, and replans that share its costly steps
(tests/support/plan_steps.py says why that proves the same)."""

from __future__ import annotations

import contextlib
import io
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
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(io.StringIO()) as printed:
        share(patch)
        code = offline.plan.main(["--stack", "dev", "--out", str(out)])
    (out.parent / SUMMARY_FILE).write_text(printed.getvalue())
    return code, out


SUMMARY_FILE = "dev-summary.txt"
"""Beside the dev plan's folder (not in it, so the plan's own files are as the run left them): what it printed."""


@pytest.fixture(scope="session")
def dev_plan_summary(dev_plan: tuple[int, Path]) -> str:
    """The text summary the dev plan printed."""
    return (dev_plan[1].parent / SUMMARY_FILE).read_text()
