"""On a clone without Cilium's artifacts (no `../shared`, no cache, no network) the tests that need them skip, saying
why; with CI=true the same tests fail. Both are run for real: a copy of the repository in a folder with nothing beside
it, and pytest in a fresh process."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The plan tests that check a dev plan's exit code depend on the chart (seven of them failed here before they were
# marked); a components test that reads Cilium's CRD stands for the other layers.
SELECTION = (
    "tests/plan/test_offline_plan.py",
    "tests/plan/test_reachability_stacks.py",
    "tests/components/test_network_policies.py::test_closed_schema_catches_a_field_the_api_server_would_prune",
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
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "-o", "addopts=", *SELECTION, *selection]
    return subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True, timeout=240, check=False)


def _counts(output: str) -> dict[str, int]:
    return {word: int(number) for number, word in re.findall(r"(\d+) (passed|failed|skipped|error)", output.splitlines()[-1])}


def test_without_artifacts_they_skip_with_the_reason(bare_clone: Path, tmp_path: Path) -> None:
    done = _pytest(bare_clone, tmp_path / "cache", ci=False)
    counts = _counts(done.stdout)
    assert done.returncode == 0, done.stdout[-3000:]
    assert counts.get("skipped", 0) >= 7, counts
    assert not counts.get("failed"), counts
    skipped = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skipped
    assert all(REASON in line for line in skipped), skipped


def test_under_ci_the_same_tests_fail(bare_clone: Path, tmp_path: Path) -> None:
    done = _pytest(bare_clone, tmp_path / "cache", ci=True, selection=("-m", "artifacts"))
    counts = _counts(done.stdout)
    assert done.returncode == 1, done.stdout[-3000:]
    assert counts.get("failed", 0) >= 7, counts
    assert not counts.get("skipped"), counts
    assert "CI=true and Cilium's artifacts cannot be had" in done.stdout
