"""The policy pack started as the engine starts it, spoken to over pulumirpc.Analyzer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aks_cilium.testing import ProgramRun
from offline.analyzer import PACK_DIR, PolicyPackProcess
from tests.conftest import RunStack

EXPECTED_POLICIES = {
    "cilium-network-mode", "pod-cidr-safe", "acns-needs-cilium-dataplane", "entra-id-rbac", "api-server-restricted",
    "workload-identity", "upgrade-channels", "linux-only-pools", "cilium-version-pinned", "hubble-relay-on",
    "cilium-byocni-values", "hubble-tls-not-helm", "fqdn-needs-dns-rule", "no-empty-rule-lists", "no-open-egress",
    "namespaces-default-deny", "policies-after-cilium", "pod-cidr-matches-cilium", "l7-needs-acns",
    "stateful-resources-protected", "hubble-tls-on", "cilium-policy-enforced", "cilium-values-safe", "byocni-has-cilium",
}  # fmt: skip


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess() as process:
        yield process


def test_analyzer_info_lists_every_policy(pack: PolicyPackProcess) -> None:
    info = pack.info()
    assert info.name == "aks-cilium"
    assert {p.name for p in info.policies} == EXPECTED_POLICIES
    assert all(len(p.description) > 20 for p in info.policies)
    schema = {p.name: p.configSchema for p in info.policies}["no-open-egress"]
    assert "exemptNamespaces" in schema.properties


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stacks_violate_no_mandatory_policy_of_their_environment(run_stack: RunStack, pack: PolicyPackProcess, stack: str) -> None:
    run = run_stack(stack)
    pack.configure(PACK_DIR / "config" / f"{stack}.json")
    diagnostics = pack.analyze_all(run.registrations)
    assert [d for d in diagnostics if d.level == "mandatory"] == []
    if stack == "dev":
        assert {d.policy for d in diagnostics} == {"api-server-restricted"}
        assert all(d.level == "advisory" for d in diagnostics)


def violating(run: ProgramRun, type_: str, name: str, change: dict) -> list:
    registration = run.one(type_, name)
    return [
        r if r is not registration else type(r)(**{**r.__dict__, "wire_inputs": {**r.wire_inputs, **change}}) for r in run.registrations
    ]


def test_violations_come_back_with_name_level_and_message(run_stack: RunStack, pack: PolicyPackProcess) -> None:
    run = run_stack("dev")
    pack.configure(PACK_DIR / "config" / "prod.json")
    cluster = run.one("azure-native:containerservice:ManagedCluster")
    broken = type(cluster)(**{**cluster.__dict__, "wire_inputs": {**cluster.wire_inputs, "disableLocalAccounts": False}})
    diagnostics = pack.analyze(broken)
    by_policy = {d.policy: d for d in diagnostics}
    assert by_policy["entra-id-rbac"].level == "mandatory"
    assert "disableLocalAccounts" in by_policy["entra-id-rbac"].message
    assert by_policy["api-server-restricted"].level == "mandatory"


def test_stack_policy_finds_a_policy_applied_before_cilium(run_stack: RunStack, pack: PolicyPackProcess) -> None:
    run = run_stack("dev")
    pack.configure(PACK_DIR / "config" / "dev.json")
    policy = run.one("kubernetes:cilium.io/v2:CiliumNetworkPolicy", "policies-client-allow-fqdns")
    detached = type(policy)(**{**policy.__dict__, "dependencies": ()})
    registrations = [detached if r is policy else r for r in run.registrations]
    diagnostics = pack.analyze_stack([r for r in registrations if r.custom])
    (finding,) = [d for d in diagnostics if d.policy == "policies-after-cilium"]
    assert finding.level == "mandatory"
    assert "client/allow-fqdns" in finding.message


def test_unknown_values_are_reported_not_passed(pack: PolicyPackProcess, run_stack: RunStack) -> None:
    run = run_stack("dev")
    pack.configure(PACK_DIR / "config" / "prod.json")
    cluster = run.one("azure-native:containerservice:ManagedCluster")
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    previewing = type(cluster)(**{**cluster.__dict__, "wire_inputs": {**cluster.wire_inputs, "disableLocalAccounts": unknown}})
    diagnostics = pack.analyze(previewing)
    (finding,) = [d for d in diagnostics if d.policy == "entra-id-rbac"]
    assert "during preview" in finding.message
    assert finding.level == "advisory"
