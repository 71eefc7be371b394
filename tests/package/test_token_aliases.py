"""Stacks deployed before the `aks-cilium:index:<Class>` tokens keep every resource: the aliases cover the whole tree.

The previous state is what the last release with the old tokens (`aks-cilium:<module>:<Class>`) really registered: its
program, checked out from git history, run under its own mock engine with its own stack files. The matching follows the
engine's step generator (see `aks_cilium.testing.aliases`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass, replace
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from aks_cilium.testing import ProgramRun
from aks_cilium.testing.aliases import create_urn, engine_urns, generate_urn, match_previous_state, urn_parts
from tests.support.stacks import RunStack

# The last commit whose components registered the module-based tokens.
OLD_TOKENS_COMMIT = "bd2bc63826be57e7c4bf0271793b0e88c422fcde"
STACKS = ("dev", "prod")
OLD_COMPONENT_TYPES = {
    "aks-cilium:network:Network",
    "aks-cilium:cluster:AksCluster",
    "aks-cilium:cilium:Cilium",
    "aks-cilium:policies:NetworkPolicySet",
    "aks-cilium:demo:DemoApp",
    "aks-cilium:demo:ConnectivityCheck",
}
# Both stacks in one process of the old release: its runner (offline/engine.py `run_callable` at that commit) resets
# the SDK's settings and installs a fresh recording monitor for each run, so the second stack's registrations are its own.
_RECORD_URNS = """
import json, sys
from offline.engine import run_program
from offline.stack_config import load_stack_config
runs = {stack: run_program(load_stack_config(stack)) for stack in sys.argv[1:]}
print(json.dumps({stack: [[r.urn, r.type, r.name, r.parent] for r in run.registrations] for stack, run in runs.items()}))
"""


def _checkout(project_dir: Path, commit: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(project_dir), "archive", "--format=tar", commit], capture_output=True, check=False)
    if archive.returncode != 0:
        pytest.fail(f"commit {commit} is not in this clone ({archive.stderr.decode().strip()}); clone with full history")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


@pytest.fixture(scope="module")
def old_tree(project_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _checkout(project_dir, OLD_TOKENS_COMMIT, tmp_path_factory.mktemp("old-release"))


@dataclass(frozen=True)
class OldRegistration:
    urn: str
    type: str
    name: str
    parent: str
    aliases: tuple[dict[str, Any], ...] = ()


@pytest.fixture(scope="module")
def old_urns(old_tree: Path) -> dict[str, list[str]]:
    """The engine URNs of everything the old release registers, by stack; read only by the tests."""
    env = {**os.environ, "PYTHONPATH": str(old_tree)}
    command = [sys.executable, "-c", _RECORD_URNS, *STACKS]
    result = subprocess.run(command, cwd=old_tree, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    recorded: dict[str, list[list[Any]]] = json.loads(result.stdout.splitlines()[-1])
    return {
        stack: list(engine_urns([OldRegistration(*row) for row in rows], "aks-cilium", stack).values()) for stack, rows in recorded.items()
    }


@pytest.mark.parametrize("stack", STACKS)
def test_every_resource_the_old_tokens_registered_is_taken_over(old_urns: dict[str, list[str]], run_stack: RunStack, stack: str) -> None:
    old = old_urns[stack]
    assert {urn_parts(urn)[0].split("$")[-1] for urn in old} & OLD_COMPONENT_TYPES, "the old release must use the old tokens"
    new: ProgramRun = run_stack(stack)
    matcher = match_previous_state(old, new.registrations, "aks-cilium", stack)
    # Old resources that the new program still declares (same leaf type and name) must be taken over, never replaced.
    declared_again = {(r.type, r.name) for r in new.registrations}
    kept = [urn for urn in old if (urn_parts(urn)[0].split("$")[-1], urn_parts(urn)[1]) in declared_again]
    assert kept, "nothing in common with the old release"
    taken_over = set(matcher.matched.values())
    lost = [urn for urn in kept if urn not in taken_over]
    assert not lost, f"{len(lost)} resources would be deleted and created anew, e.g. {lost[:3]}"
    # Every component and every child below it was reached: through the component's own alias, then inherited.
    aliased_children = [urn for urn, old_urn in matcher.aliased.items() if urn_parts(old_urn)[0].count("$") >= 1]
    assert aliased_children, "children must be matched through the aliases their parents lend them"


def test_without_aliases_the_same_change_would_replace_the_tree(old_urns: dict[str, list[str]], run_stack: RunStack) -> None:
    """The check can fail: drop the aliases from the registrations and the old tree is no longer taken over."""
    old = old_urns["dev"]
    new = run_stack("dev")
    stripped = [replace(r, aliases=()) for r in new.registrations]
    matcher = match_previous_state(old, stripped, "aks-cilium", "dev")
    assert not matcher.matched, "with new tokens and no aliases, no URN of the old tree can match"


def test_urns_are_built_as_the_engine_builds_them() -> None:
    """`pulumi/pulumi` `pkg/resource/deploy/deployment.go` `generateURN` (`urn.New`) drops a root-stack parent and
    uses the deployment's stack and project; `sdk/go/common/resource/alias.go` `CreateURN`, which collapses an alias,
    keeps the prefix of the parent URN up to its last `::`, so an alias's own stack and project count only without a
    parent."""
    stack_urn = "urn:pulumi:dev::aks-cilium::pulumi:pulumi:Stack::aks-cilium-dev"
    assert generate_urn("net", "aks-cilium:index:Network", stack_urn, "aks-cilium", "dev") == (
        "urn:pulumi:dev::aks-cilium::aks-cilium:index:Network::net"
    )
    parent = "urn:pulumi:dev::aks-cilium::aks-cilium:index:Network::net"
    assert generate_urn("net-vnet", "azure-native:network:VirtualNetwork", parent, "aks-cilium", "dev") == (
        "urn:pulumi:dev::aks-cilium::aks-cilium:index:Network$azure-native:network:VirtualNetwork::net-vnet"
    )
    assert create_urn("old", "t:m:T", parent, "other-project", "other-stack") == (
        "urn:pulumi:dev::aks-cilium::aks-cilium:index:Network$t:m:T::old"
    )
    assert create_urn("old", "t:m:T", "", "other-project", "other-stack") == "urn:pulumi:other-stack::other-project::t:m:T::old"


def test_the_mock_engine_gives_the_engines_urns(run_stack: RunStack) -> None:
    """The recording monitor names resources as `Deployment.generateURN` does (`pulumi/pulumi`
    `pkg/resource/deploy/deployment.go`): a child's qualified type is its parent's full qualified type, and the root
    stack adds nothing. Pulumi's own `MockMonitor.make_urn` (`sdk/python/lib/pulumi/runtime/mocks.py`) keeps only the
    parent's last type and includes the root stack's, so the pack and the plan would see URNs no deployment has."""
    run = run_stack("dev")
    by_urn = run.by_urn()
    for registration in run.registrations:
        parent = by_urn.get(registration.parent)
        qualified = f"{urn_parts(parent.urn)[0]}${registration.type}" if parent else registration.type
        assert registration.urn == f"urn:pulumi:dev::aks-cilium::{qualified}::{registration.name}"
    assert any("$" in urn_parts(r.urn)[0] for r in run.registrations), "children carry their parent's type"
    assert not any("pulumi:pulumi:Stack" in r.urn for r in run.registrations)
