"""The policy pack started as the engine starts it, spoken to over pulumirpc.Analyzer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

from aks_cilium.testing import ProgramRun
from aks_cilium.testing.wire import UNKNOWN_VALUE
from offline.analyzer import PACK_DIR, PolicyPackConfigError, PolicyPackProcess, analyze_request, analyze_stack_request, policy_config
from policies.config_check import ADVISORY_POLICIES, PACK_DEFAULT_LEVEL
from tests.support.stacks import RunStack

# Starts the policy pack as the engine does: out of `make test-fast`.
pytestmark = pytest.mark.slow

EXPECTED_POLICIES = {
    "cilium-network-mode", "pod-cidr-safe", "acns-needs-cilium-dataplane", "entra-id-rbac", "api-server-restricted",
    "workload-identity", "upgrade-channels", "linux-only-pools", "cilium-version-pinned", "hubble-relay-on",
    "cilium-byocni-values", "hubble-tls-not-helm", "fqdn-needs-dns-rule", "no-empty-rule-lists", "no-open-egress",
    "namespaces-default-deny", "policies-after-cilium", "pod-cidr-matches-cilium", "l7-needs-acns",
    "stateful-resources-protected", "hubble-tls-on", "cilium-policy-enforced", "cilium-values-safe", "byocni-has-cilium",
    "cilium-chart-source", "cilium-values-vocabulary", "cilium-component-values", "cilium-values-inline",
    "cilium-config-from-release", "judged-kinds-readable", "egress-coverage-per-endpoint", "stack-tier", "no-open-ingress",
    "cluster-mesh-members", "kubernetes-support-ending", "local-dns-off-with-kube-dns-rules",
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
def test_stacks_violate_no_mandatory_policy_of_their_environment(run_stack: RunStack, stack: str) -> None:
    """The pack started as the engine starts it for the stack: with the stack's config, its tier included."""
    run = run_stack(stack)
    with PolicyPackProcess(stack_config={"aks-cilium:tier": stack}) as pack:
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
    pack.configure(PACK_DIR / "config" / "prod.json")
    policy = run.one("kubernetes:cilium.io/v2:CiliumNetworkPolicy", "policies-client-tenant-allow")
    detached = type(policy)(**{**policy.__dict__, "dependencies": ()})
    registrations = [detached if r is policy else r for r in run.registrations]
    diagnostics = pack.analyze_stack([r for r in registrations if r.custom])
    (finding,) = [d for d in diagnostics if d.policy == "policies-after-cilium"]
    assert finding.level == "mandatory"
    assert "client/tenant-allow" in finding.message


def test_unknown_values_are_reported_not_passed(pack: PolicyPackProcess, run_stack: RunStack) -> None:
    """`04da6b54-80e4-46f7-96ec-b56ff0331ba9` is the sentinel for a value not known during preview (pulumi/pulumi
    sdk/python/lib/pulumi/runtime/rpc.py `UNKNOWN`; pulumi/pulumi-policy sdk/python/lib/pulumi_policy/proxy.py
    `UNKNOWN_STRING_VALUE`). pulumi-policy's own answer to an unknown is an advisory "can't run policy ... during
    preview" diagnostic (policy.py, `except UnknownValueError`); the test checks that the pack's rules reach that path
    rather than judging the sentinel string as a value. That the engine analyzes the resource again with known inputs
    before creating it is the pack's premise (policies/rules/catalog.py), not read in an upstream source."""
    run = run_stack("dev")
    pack.configure(PACK_DIR / "config" / "prod.json")
    cluster = run.one("azure-native:containerservice:ManagedCluster")
    unknown = UNKNOWN_VALUE
    previewing = type(cluster)(**{**cluster.__dict__, "wire_inputs": {**cluster.wire_inputs, "disableLocalAccounts": unknown}})
    diagnostics = pack.analyze(previewing)
    (finding,) = [d for d in diagnostics if d.policy == "entra-id-rbac"]
    assert "during preview" in finding.message
    assert finding.level == "advisory"


def test_policy_config_is_reconciled_as_the_cli_reconciles_it(pack: PolicyPackProcess, tmp_path: Path) -> None:
    """`pulumi/pulumi` `pkg/resource/analyzer/config.go` `ReconcilePolicyPackConfig`: each policy starts at its own level
    with its config schema's defaults; `all` sets only the level; a policy's own entry merges its properties over the
    defaults. So the pack receives `resourceTypes` even when the file names only a level."""
    config_file = tmp_path / "dev.json"
    config_file.write_text(
        json.dumps({"all": "advisory", "no-open-egress": {"exemptNamespaces": ["team-a"]}, "stack-tier": {"tier": "dev"}})
    )
    configs = policy_config(config_file, pack.info().policies, "dev")
    assert {config.enforcementLevel for config in configs.values()} == {analyzer_pb2.ADVISORY}
    assert json_format.MessageToDict(configs["no-open-egress"].properties) == {"exemptNamespaces": ["team-a"]}
    assert json_format.MessageToDict(configs["stateful-resources-protected"].properties) == {
        "resourceTypes": ["azure-native:containerservice:ManagedCluster"]
    }
    assert json_format.MessageToDict(configs["entra-id-rbac"].properties) == {}


def test_properties_the_policy_schema_refuses_stop_the_run(tmp_path: Path) -> None:
    """`validatePolicyPackConfig`: the reconciled properties are validated against each policy's own config schema,
    and the CLI stops with the list of errors."""
    config_file = tmp_path / "dev.json"
    # The advisory named: `all` would raise it to mandatory, which the config check refuses.
    config_file.write_text(json.dumps({"all": "mandatory", "kubernetes-support-ending": "advisory"}))
    schema = analyzer_pb2.PolicyConfigSchema(required=["limit"])
    schema.properties.update({"limit": {"type": "integer"}})
    policy = analyzer_pb2.PolicyInfo(name="needs-limit", enforcementLevel=analyzer_pb2.ADVISORY, configSchema=schema)
    with pytest.raises(PolicyPackConfigError, match="needs-limit: 'limit' is a required property"):
        policy_config(config_file, [policy])


def test_requests_cover_what_the_engine_sends(run_stack: RunStack) -> None:
    """`pulumi/pulumi` `pkg/resource/deploy/step_generator.go`: `generateSteps` analyzes every registered resource,
    components included, with its (checked) inputs; `AnalyzeResources` sends AnalyzeStack every resource with its
    outputs ("AnalyzeStack is called on the final outputs of each resource")."""
    run = run_stack("dev")
    stack_request = analyze_stack_request(run.registrations)
    types = {resource.type for resource in stack_request.resources}
    assert "aks-cilium:index:AksCluster" in types, "components reach AnalyzeStack too"
    (cluster,) = [r for r in stack_request.resources if r.type == "azure-native:containerservice:ManagedCluster"]
    properties = json_format.MessageToDict(cluster.properties)
    assert "fqdn" in properties, "an output only Azure computes: the stack is analyzed on outputs"
    registration = run.one("azure-native:containerservice:ManagedCluster")
    assert "fqdn" not in json_format.MessageToDict(analyze_request(registration).properties), "Analyze gets inputs"


def test_every_policy_starts_at_the_level_the_config_check_assumes(pack: PolicyPackProcess) -> None:
    """`createConfigWithDefaults` (`pulumi/pulumi` `pkg/resource/analyzer/config.go`) starts each policy at the level its
    `GetAnalyzerInfo` entry reports, before `all` or its own entry: policies/config_check.py's `effective_level` takes
    that to be the pack's level for every policy but ADVISORY_POLICIES, which start advisory."""
    levels = {p.name: analyzer_pb2.EnforcementLevel.Name(p.enforcementLevel).lower() for p in pack.info().policies}
    assert {name for name, level in levels.items() if level != PACK_DEFAULT_LEVEL} == set(ADVISORY_POLICIES)
    assert {levels[name] for name in ADVISORY_POLICIES} == {"advisory"}
    assert not pack.info().initialConfig, "an initial config would apply before the file's (ReconcilePolicyPackConfig)"
