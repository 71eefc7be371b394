"""On a clone without Cilium's artifacts (no `../shared`, no cache, no network) the tests that need them skip, saying
why; with CI=true the same tests fail. Both are run for real: a copy of the repository in a folder with nothing beside
it, and pytest in a fresh process.

The selection is one marked test per kind of need: a dev plan's exit code (0 only with the chart rendered), the chart's
rendered objects, and a component test that reads Cilium's CRD. Each reaches the artifacts its own way (the plan's
resolver through a module fixture, the CRD path at import), and all three carry the one `requires_artifacts` marker,
so these three prove the skip with its reason and the failure under CI=true for every marked test. Unmarked tests of
those modules are not run here: they plan whole stacks (about ten seconds), and none of them reaches the artifacts'
resolution or the marker."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# One marked test per kind of need (see the module docstring).
SELECTION = (
    "tests/plan/test_offline_plan.py::test_dev_plan_is_clean_and_complete",  # the exit code of a dev plan
    "tests/plan/test_offline_plan.py::test_dev_plan_renders_the_chart",  # the chart's rendered objects
    "tests/components/test_network_policies.py::test_closed_schema_catches_a_field_the_api_server_would_prune",  # a CRD
)
REASON = "cannot get Cilium 1.20.0's chart and CRDs"


@pytest.fixture(scope="module")
def bare_clone(project_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's files (tracked and new, as `git ls-files` lists them) in a folder whose parent has no `shared/`."""
    listed = subprocess.run(
        ["git", "-C", str(project_dir), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True, check=True,
    )  # fmt: skip
    clone = tmp_path_factory.mktemp("bare") / "aks-cilium"
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = project_dir / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    assert not (clone.parent.parent / "shared").exists()
    return clone


def _pytest(clone: Path, cache: Path, *, ci: bool, selection: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """pytest in the clone with no way to the artifacts: no `$CILIUM_ARTIFACTS_DIR`, an empty user cache, and every
    download sent to a proxy that refuses connections. urllib takes the proxy from `https_proxy` and skips the hosts in
    `no_proxy` (CPython `Lib/urllib/request.py`, `getproxies_environment`, `proxy_bypass_environment`); gRPC reads the
    same variables, `no_proxy` when `no_grpc_proxy` is unset (grpc/grpc `src/core/handshaker/http_connect/
    http_proxy_mapper.cc`), so the policy pack's local analyzer stays direct."""
    dropped = {"cilium_artifacts_dir", "ci", "no_proxy", "no_grpc_proxy", "https_proxy"}
    env = {key: value for key, value in os.environ.items() if key.lower() not in dropped}
    env |= {"XDG_CACHE_HOME": str(cache), "https_proxy": "http://127.0.0.1:9", "no_proxy": "127.0.0.1,localhost"}
    env |= {"CI": "true"} if ci else {}
    # Without Hypothesis's plugin: no selected test uses it, and pytest would rewrite the asserts of its 75 modules
    # (every module of a plugin's distribution, `_pytest/config/__init__.py` `_mark_plugins_for_rewrite`), about a
    # CPU-second per run where bytecode is not cached (PYTHONDONTWRITEBYTECODE).
    plugins = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest"]
    command = [sys.executable, "-m", "pytest", "-q", *plugins, "-rs", "-o", "addopts=", *SELECTION, *selection]
    return subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True, timeout=240, check=False)


def _counts(output: str) -> dict[str, int]:
    return {word: int(number) for number, word in re.findall(r"(\d+) (passed|failed|skipped|error)", output.splitlines()[-1])}


def test_without_artifacts_they_skip_with_the_reason(bare_clone: Path, tmp_path: Path) -> None:
    done = _pytest(bare_clone, tmp_path / "cache", ci=False)
    counts = _counts(done.stdout)
    assert done.returncode == 0, done.stdout[-3000:]
    assert counts == {"skipped": len(SELECTION)}, counts
    skipped = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skipped
    assert all(REASON in line for line in skipped), skipped


def test_under_ci_the_same_tests_fail(bare_clone: Path, tmp_path: Path) -> None:
    done = _pytest(bare_clone, tmp_path / "cache", ci=True, selection=("-m", "artifacts"))
    counts = _counts(done.stdout)
    assert done.returncode == 1, done.stdout[-3000:]
    assert counts == {"failed": len(SELECTION)}, counts
    assert "CI=true and Cilium's artifacts cannot be had" in done.stdout
