"""Each rule of Cilium 1.20's verdict logic the analyser follows, on policies written by hand in Cilium's language.

Every test names where Cilium (or Azure, for ACNS) defines the rule it checks.
"""

from __future__ import annotations

from typing import Any

import pytest

from offline.reachability.dns import DnsMatcher
from offline.reachability.mode import Mode
from tests.support.reachability import (
    ACNS_FQDN,
    ACNS_L7,
    KUBE_DNS,
    MANAGED_WITHOUT_ACNS,
    allowed,
    ccnp,
    cnp,
    judge,
    namespace,
    ports,
)

NAMESPACES = [namespace("a", team="red"), namespace("b", team="blue"), namespace("c")]
TO_B = {"toEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "b"}}]}
FROM_A = {"fromEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "a"}}]}
DNS_ANY = {"toEndpoints": [{"matchLabels": KUBE_DNS}], "toPorts": [ports("53/ANY", dns=[{"matchPattern": "*"}])]}


def dns_to(*patterns: str) -> dict[str, Any]:
    return {"toEndpoints": [{"matchLabels": KUBE_DNS}], "toPorts": [ports("53/ANY", dns=[{"matchPattern": p} for p in patterns])]}


def test_an_endpoint_no_policy_selects_is_allowed_everything() -> None:
    """cilium/cilium Documentation/security/policy/intro.rst, "Endpoint default policy": all traffic is allowed until a
    policy selects the endpoint."""
    assert allowed(NAMESPACES, "a -> b:8080")
    assert allowed(NAMESPACES, "a -> 1.1.1.1:443")


def test_a_policy_with_ingress_rules_puts_only_ingress_in_default_deny() -> None:
    """intro.rst, "Endpoint default policy": the default-deny state is per direction, entered when a selecting rule has
    that section."""
    policies = [*NAMESPACES, cnp("b", "from-a", ingress=[FROM_A])]
    assert allowed(policies, "a -> b:8080")
    assert not allowed(policies, "c -> b:8080")
    assert allowed(policies, "b -> c:8080"), "egress of b is untouched"


def test_one_empty_rule_denies_everything_but_an_empty_list_denies_nothing() -> None:
    """language.rst, "Ingress/Egress Default Deny" (`ingress: [{}]`); the CRD (ciliumnetworkpolicies.yaml, `ingress`):
    "If omitted or empty, this rule does not apply at ingress"."""
    assert not allowed([*NAMESPACES, cnp("b", "deny", ingress=[{}])], "a -> b:8080")
    assert allowed([*NAMESPACES, cnp("b", "nothing", ingress=[], egress=[TO_B])], "a -> b:8080")


def test_default_deny_stays_off_only_when_every_selecting_policy_turns_it_off() -> None:
    """The CRD's `enableDefaultDeny` (ciliumnetworkpolicies.yaml, 1.20.0): "that endpoint's default deny will be enabled
    if any policy requests it"; cilium/cilium pkg/policy/api/rule_validation.go `Sanitize` fills it from the rules."""
    off = {"ingress": False, "egress": False}
    soft = cnp("b", "soft", ingress=[FROM_A], enableDefaultDeny=off)
    assert allowed([*NAMESPACES, soft], "c -> b:8080")
    assert not allowed([*NAMESPACES, soft, cnp("b", "hard", ingress=[FROM_A])], "c -> b:8080")


def test_a_deny_only_policy_still_turns_default_deny_on_unless_told_not_to() -> None:
    """CRD `enableDefaultDeny`: "if a policy only has Ingress or IngressDeny rules, then the default for ingress is
    true"; hence the baseline's deny-only policies set it false."""
    deny = {"toCIDR": ["169.254.169.254/32"]}
    assert not allowed([*NAMESPACES, cnp("a", "deny", egressDeny=[deny])], "a -> 1.1.1.1:443")
    quiet = cnp("a", "deny", egressDeny=[deny], enableDefaultDeny={"egress": False})
    assert allowed([*NAMESPACES, quiet], "a -> 1.1.1.1:443")
    assert not allowed([*NAMESPACES, quiet], "a -> 169.254.169.254:80")


def test_with_non_default_deny_policies_disabled_enable_default_deny_is_ignored() -> None:
    """pkg/policy/api/rule_validation.go `Sanitize`: without EnableNonDefaultDenyPolicies every rule gets
    enableDefaultDeny true (chart values.yaml `enableNonDefaultDenyPolicies`, default true)."""
    quiet = cnp("a", "deny", egressDeny=[{"toCIDR": ["169.254.169.254/32"]}], enableDefaultDeny={"egress": False})
    assert not allowed([*NAMESPACES, quiet], "a -> 1.1.1.1:443", Mode(non_default_deny=False))


def test_allows_are_a_union_across_policies_and_rules() -> None:
    """intro.rst, "Rule Basics": traffic matching the union of the rules is allowed."""
    policies = [
        *NAMESPACES,
        cnp("a", "web", egress=[{"toPorts": [ports("443/TCP")]}]),
        cnp("a", "dns", egress=[{"toPorts": [ports("53/UDP")]}]),
    ]
    assert allowed(policies, "a -> 1.1.1.1:443")
    assert allowed(policies, "a -> 1.1.1.1:53/UDP")
    assert not allowed(policies, "a -> 1.1.1.1:80")


def test_a_deny_wins_over_any_allow_and_is_named() -> None:
    """Documentation/security/policy/deny.rst: deny policies take precedence over allow policies, whatever their kind."""
    policies = [
        *NAMESPACES,
        ccnp("open", egress=[{"toEntities": ["all"]}]),
        cnp("a", "no-imds", egressDeny=[{"toCIDR": ["169.254.169.254/32"]}], enableDefaultDeny={"egress": False}),
    ]
    verdict = judge(policies, "a -> 169.254.169.254:80")
    assert not verdict.allowed
    assert verdict.reasons == ("CiliumNetworkPolicy a/no-imds egressDeny[0]",)
    assert allowed(policies, "a -> 1.1.1.1:443")


def test_pod_to_pod_needs_the_senders_egress_and_the_receivers_ingress() -> None:
    """language.rst, "Endpoints Based": "policy must be configured on both sides (sender and receiver)"."""
    egress_only = [*NAMESPACES, cnp("a", "to-b", egress=[TO_B]), cnp("b", "closed", ingress=[{}])]
    assert not allowed(egress_only, "a -> b:8080")
    assert allowed([*egress_only, cnp("b", "from-a", ingress=[FROM_A])], "a -> b:8080")


def test_an_empty_peer_selector_means_the_policys_namespace_or_every_pod_clusterwide() -> None:
    """cilium/cilium pkg/k8s/apis/cilium.io/utils/utils.go `getEndpointSelector`: without a namespace key, a
    CiliumNetworkPolicy adds its own namespace; a clusterwide policy requires the namespace label, so never world."""
    own = [*NAMESPACES, cnp("a", "own", egress=[{"toEndpoints": [{}]}])]
    assert not allowed(own, "a -> b:8080")
    pods = [*NAMESPACES, ccnp("pods", egress=[{"toEndpoints": [{}]}])]
    assert allowed(pods, "a -> b:8080")
    assert not allowed(pods, "a -> 1.1.1.1:443")


def test_a_cnp_applies_in_its_own_namespace_whatever_its_selector_names() -> None:
    """utils.go `ParseToCiliumRule` and Documentation/security/policy/kubernetes.rst: "The endpointSelector always
    applies to pods in the namespace associated with the CiliumNetworkPolicy"."""
    sneaky = cnp("a", "sneaky", endpointSelector={"matchLabels": {"k8s:io.kubernetes.pod.namespace": "b"}}, ingress=[{}])
    assert allowed([*NAMESPACES, sneaky], "c -> b:8080")
    assert not allowed([*NAMESPACES, sneaky], "c -> a:8080")


def test_namespace_labels_select_namespaces_only_in_clusterwide_policies() -> None:
    """kubernetes.rst, "Namespaces": io.cilium.k8s.namespace.labels in from/toEndpoints "is supported only for a
    CiliumClusterwideNetworkPolicy" (utils.go adds the policy's own namespace to a CNP's peer selector)."""
    red = {"fromEndpoints": [{"matchLabels": {"k8s:io.cilium.k8s.namespace.labels.team": "red"}}]}
    assert not allowed([*NAMESPACES, cnp("b", "red", ingress=[red])], "a -> b:8080")
    wide = ccnp("red", endpointSelector={"matchLabels": {"k8s:io.kubernetes.pod.namespace": "b"}}, ingress=[red])
    assert allowed([*NAMESPACES, wide], "a -> b:8080")
    assert not allowed([*NAMESPACES, wide], "c -> b:8080")


@pytest.mark.parametrize(
    ("entity", "reaches", "misses"),
    [
        ("world", ["1.1.1.1:443", "api.example.com:443", "entity:kube-apiserver:443"], ["b:443"]),
        ("cluster", ["b:443", "entity:kube-apiserver:443"], ["1.1.1.1:443", "api.example.com:443"]),
        ("kube-apiserver", ["entity:kube-apiserver:443"], ["1.1.1.1:443", "b:443"]),
        ("all", ["b:443", "1.1.1.1:443", "entity:kube-apiserver:443"], []),
        ("remote-node", ["entity:remote-node:10250"], ["b:443", "1.1.1.1:443"]),
    ],
)
def test_entities_select_what_cilium_maps_them_to(entity: str, reaches: list[str], misses: list[str]) -> None:
    """cilium/cilium pkg/policy/api/entity.go (`EntitySelectorMapping`, `InitEntities`: cluster is the local pods plus
    host, remote-node, init, ingress, health, unmanaged and kube-apiserver); pkg/ipcache/metadata.go
    `resolveIdentity`: an API server outside the cluster (AKS) has a CIDR identity, so world too."""
    policies = [*NAMESPACES, cnp("a", "to-entity", egress=[{"toEntities": [entity]}])]
    for flow in reaches:
        assert allowed(policies, f"a -> {flow}"), flow
    for flow in misses:
        assert not allowed(policies, f"a -> {flow}"), flow


def test_cidr_rules_never_select_pods_and_honour_their_exceptions() -> None:
    """language.rst, "IP/CIDR based": CIDR rules do not apply where both sides are managed by Cilium; `except` removes
    subnets from the block (CRD `toCIDRSet`)."""
    policies = [*NAMESPACES, cnp("a", "cidr", egress=[{"toCIDRSet": [{"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16"]}]}])]
    assert allowed(policies, "a -> 1.1.1.1:443")
    assert not allowed(policies, "a -> 169.254.169.254:80")
    assert not allowed(policies, "a -> b:443")


def test_to_fqdns_allows_a_name_only_when_the_endpoints_dns_passes_a_rule_matching_it() -> None:
    """language.rst, "DNS based": Cilium learns a name's addresses from the DNS responses its proxy sees, which takes
    an L7 DNS rule allowing the lookup; without it `toFQDNs` is valid and allows nothing."""
    to_name = {"toFQDNs": [{"matchName": "api.example.com"}], "toPorts": [ports("443/TCP")]}
    plain_dns = {"toEndpoints": [{"matchLabels": KUBE_DNS}], "toPorts": [ports("53/ANY")]}
    assert not allowed([*NAMESPACES, cnp("a", "fqdn", egress=[plain_dns, to_name])], "a -> api.example.com:443")
    assert not allowed([*NAMESPACES, cnp("a", "fqdn", egress=[dns_to("*.other.com"), to_name])], "a -> api.example.com:443")
    elsewhere = [*NAMESPACES, cnp("a", "fqdn", egress=[to_name, plain_dns]), cnp("b", "dns", egress=[DNS_ANY])]
    assert not allowed(elsewhere, "a -> api.example.com:443"), "the DNS rule must select the same endpoint"
    good = [*NAMESPACES, cnp("a", "fqdn", egress=[DNS_ANY, to_name])]
    assert allowed(good, "a -> api.example.com:443")
    assert not allowed(good, "a -> api.example.com:80")
    assert not allowed(good, "a -> other.example.com:443")
    blocked = cnp("a", "no-dns", egressDeny=[{"toEndpoints": [{"matchLabels": KUBE_DNS}]}], enableDefaultDeny={"egress": False})
    assert not allowed([*good, blocked], "a -> api.example.com:443"), "a denied lookup learns nothing"


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("*.cilium.io", "sub.cilium.io", True),
        ("*.cilium.io", "cilium.io", False),
        ("*.cilium.io", "sub.sub.cilium.io", False),
        ("part*ial.com", "part-extra-ial.com", True),
        ("**.cilium.io", "a.b.cilium.io", True),
        ("**.cilium.io", "cilium.io", False),
        ("*", "anything.example", True),
        ("API.Example.com", "api.example.com.", True),
    ],
)
def test_dns_patterns_match_as_cilium_matches_them(pattern: str, name: str, matches: bool) -> None:
    """cilium/cilium pkg/fqdn/matchpattern/matchpattern.go (`*` within one label, bare `*` everything, lower case,
    FQDN form) and language.rst "DNS based" examples; `**.` several labels (UPSTREAM.md, "DNS patterns")."""
    assert DnsMatcher(pattern, pattern="*" in pattern).matches(name) is matches


def test_ports_ranges_and_protocols() -> None:
    """language.rst, "Layer 4 Examples": a rule with only toPorts applies to any layer 3 peer; `endPort` makes a range;
    a protocol omitted or ANY matches every protocol; a port rule names one protocol otherwise. Port 0 is every port
    (tests/components/test_cnp_model.py)."""
    policies = [*NAMESPACES, cnp("a", "l4", egress=[{"toPorts": [ports("8000-8100/TCP", "53/UDP")]}])]
    assert allowed(policies, "a -> b:8050")
    assert allowed(policies, "a -> 1.1.1.1:8100")
    assert not allowed(policies, "a -> b:8101")
    assert allowed(policies, "a -> 1.1.1.1:53/UDP")
    assert not allowed(policies, "a -> 1.1.1.1:53/TCP")
    assert not allowed(policies, "a -> 1.1.1.1:53/ANY"), "ANY needs TCP as well as UDP"
    anything = [*NAMESPACES, cnp("a", "any", egress=[{"toPorts": [{"ports": [{"port": "0", "protocol": "ANY"}]}]}])]
    assert allowed(anything, "a -> 1.1.1.1:53/ANY")
    assert allowed(anything, "a -> 1.1.1.1:31337")
    nobody = [*NAMESPACES, cnp("a", "nobody", egress=[{"toEndpoints": [], "toPorts": [ports("443/TCP")]}])]
    assert not allowed(nobody, "a -> b:443"), "an empty peer list selects nobody (pkg/policy/utils/parserules.go)"
    named = [*NAMESPACES, cnp("a", "named", egress=[{"toPorts": [{"ports": [{"port": "http", "protocol": "TCP"}]}]}])]
    assert not allowed(named, "a -> b:80"), "a named port is never taken for a number"


def test_acns_refuses_the_bare_wildcard_dns_pattern() -> None:
    """MicrosoftDocs/azure-aks-docs articles/aks/container-network-security-fqdn-filtering-concepts.md, Limitations: a
    universal wildcard (*) in `rules.dns.matchPattern` is not supported."""
    to_name = {"toFQDNs": [{"matchName": "api.example.com"}], "toPorts": [ports("443/TCP")]}
    policies = [*NAMESPACES, cnp("a", "fqdn", egress=[DNS_ANY, to_name])]
    assert allowed(policies, "a -> api.example.com:443")
    assert not allowed(policies, "a -> api.example.com:443", ACNS_FQDN)
    explicit = [*NAMESPACES, cnp("a", "fqdn", egress=[dns_to("api.example.com"), to_name])]
    assert allowed(explicit, "a -> api.example.com:443", ACNS_FQDN)


def test_managed_cilium_blocks_fqdn_and_l7_rules_without_acns_security() -> None:
    """container-network-security-fqdn-filtering-concepts.md, Limitations: "If ACNS security is disabled, FQDN and L7
    policies (HTTP(s), Kafka and gRPC) will be blocked"; "Other L7 policies aren't supported" at the FQDN level."""
    to_name = {"toFQDNs": [{"matchName": "api.example.com"}], "toPorts": [ports("443/TCP")]}
    fqdn = [*NAMESPACES, cnp("a", "fqdn", egress=[dns_to("api.example.com"), to_name])]
    assert not allowed(fqdn, "a -> api.example.com:443", MANAGED_WITHOUT_ACNS)
    http = [*NAMESPACES, cnp("b", "http", ingress=[{**FROM_A, "toPorts": [ports("8080/TCP", http=[{"method": "GET"}])]}])]
    assert allowed(http, "a -> b:8080")
    assert not allowed(http, "a -> b:8080", ACNS_FQDN)
    assert allowed(http, "a -> b:8080", ACNS_L7)


def test_acns_does_not_support_l7_rules_in_clusterwide_policies() -> None:
    """MicrosoftDocs/azure-aks-docs container-network-security-l7-policy-concepts.md, "Limitations and considerations"
    (the GA revision; the preview revision of 2024-03 lacks the line): "L7 policy isn't supported by
    CiliumClusterwideNetworkPolicy (CCNP)". The pack's l7-needs-acns refuses such a policy; the analyser grants it
    nothing on ACNS, while bring-your-own-CNI Cilium honours it."""
    wide = ccnp(
        "http",
        endpointSelector={"matchLabels": {"k8s:io.kubernetes.pod.namespace": "b"}},
        ingress=[
            {
                "fromEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "a"}}],
                "toPorts": [ports("8080/TCP", http=[{"method": "GET"}])],
            }
        ],
    )
    policies = [*NAMESPACES, wide]
    assert allowed(policies, "a -> b:8080")
    assert not allowed(policies, "a -> b:8080", ACNS_L7)


def test_kubernetes_network_policy_types_and_namespace_selectors() -> None:
    """kubernetes/api networking/v1/types.go (NetworkPolicySpec): policyTypes lists the directions the policy denies by
    default (Ingress unless given); a peer's namespaceSelector picks namespaces by label; ports default to TCP."""
    deny_all = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny", "namespace": "b"},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}  # fmt: skip
    assert not allowed([*NAMESPACES, deny_all], "a -> b:8080")
    assert not allowed([*NAMESPACES, deny_all], "b -> 1.1.1.1:443")
    red = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "red", "namespace": "b"},
           "spec": {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "red"}}}],
                                                    "ports": [{"port": 8080}]}]}}  # fmt: skip
    assert allowed([*NAMESPACES, red], "a -> b:8080")
    assert not allowed([*NAMESPACES, red], "a -> b:8080/UDP")
    assert not allowed([*NAMESPACES, red], "c -> b:8080")
    assert allowed([*NAMESPACES, red], "b -> 1.1.1.1:443"), "no Egress type: egress untouched"


def test_constructs_the_analyser_does_not_evaluate_are_named_not_ignored() -> None:
    """The CRD's `toServices` and `toRequires` (ciliumnetworkpolicies.yaml) change what a rule selects; the analyser
    does not evaluate them, so the plan names each rule that carries one (docs/reachability.md)."""
    from offline.reachability import analyse_manifests

    services = {"toServices": [{"k8sService": {"serviceName": "db", "namespace": "b"}}], "toRequires": [{}]}
    analysis = analyse_manifests([*NAMESPACES, cnp("a", "svc", egress=[services])], materialise=False)
    assert analysis.notes == [
        "CiliumNetworkPolicy a/svc egress[0]: toRequires is not modelled",
        "CiliumNetworkPolicy a/svc egress[0]: toServices is not modelled",
    ]


def test_policy_enforcement_modes_always_and_never() -> None:
    """intro.rst, "Policy Enforcement Modes": `always` enforces on every endpoint even when no rule selects it,
    `never` disables enforcement even when rules do."""
    closed = [*NAMESPACES, cnp("b", "closed", ingress=[{}])]
    assert not allowed(NAMESPACES, "a -> b:8080", Mode(policy_enforcement="always"))
    assert allowed(closed, "a -> b:8080", Mode(policy_enforcement="never"))
