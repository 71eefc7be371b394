"""The pack under malformed input, unknown values and large stacks, spoken to over pulumirpc.Analyzer."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offline.analyzer import PolicyPackProcess
from policies.rules.catalog import PREVIEW_DEFERS
from tests.support.pack_requests import UNKNOWN, Res, analyze, analyze_stack, of_policy, prod_pack_fixture
from tests.support.pack_resources import CLUSTER_WITH_POOLS as CLUSTER_PROPS
from tests.support.pack_resources import DNS_RULE, RELEASE_PROPS
from tests.support.tokens import AGENT_POOL, CCNP, CNP, NAMESPACE, RELEASE
from tests.support.tokens import MANAGED_CLUSTER as CLUSTER

# Starts the policy pack as the engine does: out of `make test-fast`.
pytestmark = pytest.mark.slow

pack = prod_pack_fixture
POLICY = {"metadata": {"name": "p", "namespace": "app"}, "spec": {"endpointSelector": {}, "ingress": [{}], "egress": [DNS_RULE]}}
BASELINES: dict[str, dict[str, Any]] = {
    CLUSTER: CLUSTER_PROPS,
    AGENT_POOL: {"name": "user", "osType": "Linux"},
    RELEASE: RELEASE_PROPS,
    CNP: POLICY,
    CCNP: {**POLICY, "specs": [POLICY["spec"]]},
    NAMESPACE: {"metadata": {"name": "app", "labels": {"team": "a"}}},
}
# JSON as a Struct carries it; keys and strings never hit the engine's reserved signature key or unknown sentinels,
# which only the engine's own marshaller writes.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _paths(item, (*path, index))


def _replaced(base: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    if not path:
        return value if isinstance(value, dict) else {"spec": value}
    result = copy.deepcopy(base)
    node: Any = result
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return result


@st.composite
def malformed_resources(draw: st.DrawFn) -> Res:
    """A resource of a type the pack judges: its valid baseline with one value anywhere replaced by arbitrary JSON,
    or arbitrary JSON under the top-level keys its rules read."""
    type_ = draw(st.sampled_from(sorted(BASELINES)))
    base = BASELINES[type_]
    if draw(st.booleans()):
        props = _replaced(base, draw(st.sampled_from(list(_paths(base)))), draw(json_values))
    else:
        props = draw(st.dictionaries(st.sampled_from(sorted(base)), json_values, max_size=len(base)))
    return Res(type_, f"r{draw(st.integers(0, 5))}", props, protect=draw(st.booleans()))


def _well_formed(diagnostics: list) -> None:
    for d in diagnostics:
        assert d.policy
        assert d.message
        if "cannot verify" in d.message:
            assert d.level == "mandatory", d


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(resource=malformed_resources())
def test_generated_malformed_resources_never_crash_analyze(pack: PolicyPackProcess, resource: Res) -> None:
    """A crash fails the gRPC call, and the engine then reports an error instead of every policy's result.

    Source: pulumi_policy/policy.py (_PolicyAnalyzerServicer.Analyze catches only UnknownValueError and
    _NotApplicableError; anything else escapes the call); pulumi/pulumi pkg/resource/deploy/step_generator.go
    ("failed to run policy").
    """
    _well_formed(analyze(pack, resource))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(resources=st.lists(malformed_resources(), min_size=1, max_size=6))
def test_generated_malformed_stacks_never_crash_analyze_stack(pack: PolicyPackProcess, resources: list[Res]) -> None:
    """Source: pulumi_policy/policy.py (_PolicyAnalyzerServicer.AnalyzeStack, same exception handling as Analyze)."""
    unique = list({r.urn: r for r in resources}.values())
    _well_formed(analyze_stack(pack, unique))


@pytest.mark.parametrize(
    ("res", "policy", "where"),
    [
        (Res(CNP, "p", {"metadata": {"namespace": "app"}, "spec": {"egress": "world"}}), "no-open-egress", "spec.egress is a string"),
        (Res(CCNP, "p", {"metadata": {}, "specs": {"egress": []}}), "no-empty-rule-lists", "specs is an object"),
        (
            Res(CNP, "p", {"metadata": {}, "spec": {"egress": [{"toCIDRSet": [{"cidrGroupRef": "g"}]}]}}),
            "no-open-egress",
            "toCIDRSet[0].cidr",
        ),
        (Res(RELEASE, "r", {**RELEASE_PROPS, "values": "x"}), "hubble-tls-on", "values is a string"),
        (
            Res(CLUSTER, "c", {**CLUSTER_PROPS, "apiServerAccessProfile": {"authorizedIPRanges": "0.0.0.0/0"}}),
            "api-server-restricted",
            "a list",
        ),
        (Res(CLUSTER, "c", {**CLUSTER_PROPS, "networkProfile": ["none"]}), "cilium-network-mode", "networkProfile is a list"),
    ],
    ids=["egress-string", "specs-object", "cidr-group", "values-string", "ranges-string", "profile-list"],
)
def test_a_property_of_the_wrong_type_is_a_mandatory_cannot_verify(pack: PolicyPackProcess, res: Res, policy: str, where: str) -> None:
    """Source: pulumi_policy/policy.py (an exception in validate escapes Analyze): the pack turns it into a finding."""
    (finding,) = of_policy(analyze(pack, res), policy)
    assert finding.level == "mandatory"
    assert "cannot verify" in finding.message
    assert where in finding.message


RELEASE_DEFERS = sorted(name for name in PREVIEW_DEFERS if name != "pod-cidr-matches-cilium")


def test_preview_with_unknown_values_is_advisory_and_the_update_run_enforces(pack: PolicyPackProcess) -> None:
    """Preview: values unknown, so the values rules cannot run and say so as advisory. Update: the engine analyzes the
    resource again with its inputs known, before creating it, and a violation is mandatory and stops the update.

    Sources: pulumi_policy/proxy.py (reading an unknown raises UnknownValueError) and policy.py (Analyze reports it as
    ADVISORY "can't run policy ... during preview"); pulumi/pulumi pkg/resource/deploy/step_generator.go (analysis on
    every registration; a Mandatory diagnostic marks the resource invalid when not a preview).
    """
    preview = analyze(pack, Res(RELEASE, "cilium", {**RELEASE_PROPS, "version": "~1.20", "values": UNKNOWN}))
    for name in RELEASE_DEFERS:
        (finding,) = of_policy(preview, name)
        assert (finding.level, "during preview" in finding.message) == ("advisory", True), finding
    # What a preview can decide, it decides: the version is known, so its rule stays mandatory.
    assert [d.level for d in of_policy(preview, "cilium-version-pinned")] == ["mandatory"]

    dangerous = {
        "hubble": {"enabled": False, "tls": {"enabled": False, "auto": {"method": "helm"}}},
        "policyEnforcementMode": "never",
        "extraConfig": {"x": "y"},
        "routingMode": "native",
        "enableNonDefaultDenyPolicies": False,
    }
    update = analyze(pack, Res(RELEASE, "cilium", {**RELEASE_PROPS, "values": dangerous}))
    assert {d.policy for d in update if d.level == "mandatory"} >= set(RELEASE_DEFERS)
    assert not any("during preview" in d.message for d in update)


def test_stack_rule_on_values_defers_at_preview_and_enforces_after(pack: PolicyPackProcess) -> None:
    """Source: pulumi/pulumi pkg/resource/deploy/step_generator.go (AnalyzeResources: AnalyzeStack on the resources' outputs)."""
    cluster = Res(CLUSTER, "aks", CLUSTER_PROPS, protect=True)
    unknown = Res(RELEASE, "cilium", {**RELEASE_PROPS, "values": {**RELEASE_PROPS["values"], "ipam": UNKNOWN}}, dependencies=(cluster.urn,))
    (finding,) = of_policy(analyze_stack(pack, [cluster, unknown]), "pod-cidr-matches-cilium")
    assert finding.level == "advisory"
    known = Res(RELEASE, "cilium", RELEASE_PROPS, dependencies=(cluster.urn,))
    assert [d.level for d in of_policy(analyze_stack(pack, [cluster, known]), "pod-cidr-matches-cilium")] == ["mandatory"]


def test_responses_larger_than_grpc_default_reach_the_offline_client(pack: PolicyPackProcess) -> None:
    """gRPC clients refuse messages over 4 MB by default (grpc.max_receive_message_length); the pack answers a large
    stack with more. Source: pulumi_policy/policy.py (_GRPC_CHANNEL_OPTIONS raise the server's own receive limit)."""
    long_names = [Res(NAMESPACE, f"ns{i}", {"metadata": {"name": f"{i}-" + "n" * 100_000}}) for i in range(25)]
    diagnostics = of_policy(analyze_stack(pack, long_names), "namespaces-default-deny")
    # One finding per namespace and direction: none has a default deny ingress or egress.
    assert len(diagnostics) == 2 * len(long_names)
    assert sum(len(d.message) for d in diagnostics) > 4 * 1024 * 1024
