"""Each known way around the pack, probed over the analyzer protocol under prod's config: violating and compliant."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from offline.analyzer import PolicyPackProcess
from tests.support.pack_requests import Res, analyze, analyze_stack, of_policy, prod_pack_fixture
from tests.support.pack_resources import CLUSTER_WITH_POOLS as CLUSTER_PROPS
from tests.support.pack_resources import DNS_RULE, RELEASE_PROPS
from tests.support.tokens import AGENT_POOL, CCNP, CNP, K8S_PROVIDER, NAMESPACE, RELEASE
from tests.support.tokens import MANAGED_CLUSTER as CLUSTER

pack = prod_pack_fixture


def with_values(**values: Any) -> dict[str, Any]:
    props = copy.deepcopy(RELEASE_PROPS)
    props["values"].update(values)
    return props


def assert_mandatory(diagnostics: list, policy: str, *words: str) -> None:
    found = of_policy(diagnostics, policy)
    assert found, f"{policy} did not fire: {diagnostics}"
    assert {d.level for d in found} == {"mandatory"}
    assert all(any(w in d.message for d in found) for w in words), found


def test_authorized_ranges_are_judged_by_the_addresses_they_cover(pack: PolicyPackProcess) -> None:
    """Two halves of the address space are the internet although neither is written /0.

    Source: AKS `articles/aks/api-server-authorized-ip-ranges.md` (MicrosoftDocs/azure-aks-docs): authorized ranges
    are the only gate of a public API server; IANA special-purpose registries for the non-internet blocks.
    """
    halves = {**CLUSTER_PROPS, "apiServerAccessProfile": {"authorizedIPRanges": ["0.0.0.0/1", "128.0.0.0/1"]}}
    assert_mandatory(analyze(pack, Res(CLUSTER, "halves", halves, protect=True)), "api-server-restricted", "the internet")
    quarters = {**CLUSTER_PROPS, "apiServerAccessProfile": {"authorizedIPRanges": ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2"]}}
    assert_mandatory(analyze(pack, Res(CLUSTER, "quarters", quarters, protect=True)), "api-server-restricted")
    own = {**CLUSTER_PROPS, "apiServerAccessProfile": {"authorizedIPRanges": ["20.50.0.0/16", "198.51.100.7"]}}
    assert analyze(pack, Res(CLUSTER, "own", own, protect=True)) == []


@pytest.mark.parametrize("kind", [CNP, CCNP])
@pytest.mark.parametrize(
    "egress",
    [
        [{"toEntities": ["world"]}],
        [{"toEntities": ["all"]}],
        [{"toCIDR": ["0.0.0.0/1"]}, {"toCIDRSet": [{"cidr": "128.0.0.0/1", "except": ["10.0.0.0/8"]}]}],
        [{"toCIDR": ["::/1", "8000::/1"]}],
        [{"toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]}],
        [{"toEndpoints": [], "icmps": [{"fields": [{"type": 8, "family": "IPv4"}]}]}],
    ],
    ids=["world", "all", "split-v4", "split-v6", "ports-only", "icmp-only"],
)
@pytest.mark.parametrize("under", ["spec", "specs"])
def test_world_egress_is_found_in_spec_and_specs_of_both_kinds(pack: PolicyPackProcess, kind: str, egress: list, under: str) -> None:
    """A policy's rules are `spec` plus every item of `specs`; a clusterwide policy has the same rule syntax.

    Sources: ../shared/cilium/1.20.0/ciliumnetworkpolicies.yaml and ciliumclusterwidenetworkpolicies.yaml (both
    declare `spec` and `specs`, "a list of desired Cilium specific rule specification"); cilium/cilium
    Documentation/security/policy/kubernetes.rst ("Clusterwide Policies": same specification, not namespaced);
    `world` and `all` in the CRD's toEntities enum are the entities that include the internet; a rule with ports and
    no peer reaches "any layer 3 destination" (cilium/cilium Documentation/security/policy/language.rst, Example (L4)).
    """
    narrow_rule: dict[str, Any] = {"endpointSelector": {}, "egress": [{"toCIDR": ["20.50.1.0/24"]}]}
    open_rule: dict[str, Any] = {"endpointSelector": {}, "egress": egress}
    # Under `specs`, the open rule hides behind a narrow one.
    rules: Any = open_rule if under == "spec" else [narrow_rule, open_rule]
    assert_mandatory(analyze(pack, Res(kind, "open", {"metadata": {"name": "open", "namespace": "app"}, under: rules})), "no-open-egress")
    narrow: Any = narrow_rule if under == "spec" else [narrow_rule]
    assert analyze(pack, Res(kind, "narrow", {"metadata": {"name": "narrow", "namespace": "app"}, under: narrow})) == []


def test_clusterwide_policies_get_the_namespaced_checks(pack: PolicyPackProcess) -> None:
    """Source: cilium/cilium Documentation/security/policy/kubernetes.rst: a CiliumClusterwideNetworkPolicy's
    specification "is same as that of CiliumNetworkPolicy except that it is not namespaced"."""
    empty = {"metadata": {"name": "empty"}, "spec": {"endpointSelector": {}, "ingress": []}}
    assert_mandatory(analyze(pack, Res(CCNP, "empty", empty)), "no-empty-rule-lists", "denies nothing")
    lone_fqdn: dict[str, Any] = {
        "metadata": {"name": "fqdn"},
        "spec": {"endpointSelector": {}, "egress": [{"toFQDNs": [{"matchName": "example.com"}]}]},
    }
    assert_mandatory(analyze(pack, Res(CCNP, "fqdn", lone_fqdn)), "fqdn-needs-dns-rule")
    paired = {"metadata": {"name": "fqdn"}, "spec": {"endpointSelector": {}, "egress": [DNS_RULE, *lone_fqdn["spec"]["egress"]]}}
    assert analyze(pack, Res(CCNP, "fqdn", paired)) == []


# The shared baseline's metadata block: deny WireServer and IMDS, without putting anything into default deny.
SUBTRACT_ONLY = {
    "metadata": {"name": "block-azure-metadata"},
    "spec": {
        "endpointSelector": {"matchLabels": {"k8s:io.cilium.k8s.namespace.labels.aks-cilium/managed": "true"}},
        "enableDefaultDeny": {"ingress": False, "egress": False},
        "egressDeny": [{"toCIDR": ["168.63.129.16/32", "169.254.169.254/32"]}],
    },
}


def test_a_subtract_only_clusterwide_deny_stays_compliant(pack: PolicyPackProcess) -> None:
    """`enableDefaultDeny: false` on a policy that only denies leaves the endpoints' default-deny mode to others.

    Source: ../shared/cilium/1.20.0/ciliumclusterwidenetworkpolicies.yaml, `enableDefaultDeny`: "If multiple policies
    apply to an endpoint, that endpoint's default deny will be enabled if any policy requests it."
    """
    assert analyze(pack, Res(CCNP, "block-azure-metadata", SUBTRACT_ONLY)) == []


def namespace(name: str, labels: dict[str, str] | None = None) -> Res:
    return Res(NAMESPACE, f"ns-{name}", {"metadata": {"name": name, "labels": labels or {}}})


def deny(name: str, spec_extra: dict[str, Any], kind: str = CNP, namespace_name: str | None = "app") -> Res:
    metadata = {"name": name, **({"namespace": namespace_name} if kind == CNP else {})}
    spec = {"endpointSelector": {}, "ingress": [{}], "egress": [{}], **spec_extra}
    return Res(kind, name, {"metadata": metadata, "spec": spec})


def test_default_deny_switched_off_is_no_default_deny(pack: PolicyPackProcess) -> None:
    """A namespace's default-deny policy with `enableDefaultDeny: false` denies nothing by default.

    Source: ../shared/cilium/1.20.0/ciliumnetworkpolicies.yaml, `enableDefaultDeny`: whether the policy puts the
    subject endpoints in default-deny mode; "useful for creating broad-based network policies that will not cause
    endpoints to enter default-deny mode".
    """
    off = deny("default-deny", {"enableDefaultDeny": {"ingress": False, "egress": True}})
    diagnostics = analyze_stack(pack, [namespace("app"), off])
    assert_mandatory(diagnostics, "namespaces-default-deny", "no default deny ingress", "enableDefaultDeny.ingress false")
    assert not any("egress" in d.message for d in of_policy(diagnostics, "namespaces-default-deny"))
    on = deny("default-deny", {"enableDefaultDeny": {"ingress": True, "egress": True}})
    assert of_policy(analyze_stack(pack, [namespace("app"), on]), "namespaces-default-deny") == []
    # A namespaced policy that names no namespace is not a clusterwide one.
    nowhere = Res(CNP, "nowhere", {"metadata": {"name": "nowhere"}, "spec": {"endpointSelector": {}, "ingress": [{}], "egress": [{}]}})
    assert len(of_policy(analyze_stack(pack, [namespace("app"), nowhere]), "namespaces-default-deny")) == 2


def test_clusterwide_default_deny_by_namespace_label_counts(pack: PolicyPackProcess) -> None:
    """A clusterwide policy that selects namespaces by their labels gives them default deny; the subtract-only block does not.

    Sources: cilium/cilium Documentation/security/policy/kubernetes.rst (namespace labels as
    `io.cilium.k8s.namespace.labels.<label>` in clusterwide policies); kubernetes/website
    content/en/docs/reference/labels-annotations-taints/_index.md (the API server sets `kubernetes.io/metadata.name`
    on every namespace).
    """
    managed = {"matchLabels": {"k8s:io.cilium.k8s.namespace.labels.aks-cilium/managed": "true"}}
    baseline = deny("baseline-default-deny", {"endpointSelector": managed}, kind=CCNP)
    labelled, other = namespace("app", {"aks-cilium/managed": "true"}), namespace("other")
    block = Res(CCNP, "block-azure-metadata", SUBTRACT_ONLY)
    diagnostics = of_policy(analyze_stack(pack, [labelled, other, baseline, block]), "namespaces-default-deny")
    assert {d.message.splitlines()[-1].split()[1] for d in diagnostics} == {"other"}
    assert of_policy(analyze_stack(pack, [labelled, block]), "namespaces-default-deny") != []
    by_name = {
        "matchExpressions": [
            {"key": "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name", "operator": "In", "values": ["other"]}
        ]
    }
    named = deny("named-default-deny", {"endpointSelector": by_name}, kind=CCNP)
    assert of_policy(analyze_stack(pack, [other, named]), "namespaces-default-deny") == []
    # A selector that also asks for pod labels covers only some of the namespace's pods.
    some_pods = {"matchLabels": {**managed["matchLabels"], "app": "web"}}
    partial_deny = deny("partial", {"endpointSelector": some_pods}, kind=CCNP)
    assert len(of_policy(analyze_stack(pack, [labelled, partial_deny]), "namespaces-default-deny")) == 2


@pytest.mark.parametrize(
    "chart",
    ["cilium", "cilium/cilium", "https://helm.cilium.io/cilium-1.20.0.tgz", "oci://quay.io/cilium/charts/cilium", "./charts/Cilium/"],
)
def test_release_values_are_checked_whatever_the_chart_is_called(pack: PolicyPackProcess, chart: str) -> None:
    """Helm names a chart as `repo/chart`, an archive URL, an OCI reference or a path; each is still Cilium's chart.

    Source: ../shared/cilium/1.20.0/values.yaml, `policyEnforcementMode` ("default, always and never").
    """
    never = {**with_values(policyEnforcementMode="never"), "chart": chart}
    assert_mandatory(analyze(pack, Res(RELEASE, "cni", never)), "cilium-policy-enforced", "never")
    # Only the source can be wrong (cilium-chart-source judges it; tests/policies/test_pack_evasion.py).
    found = analyze(pack, Res(RELEASE, "cni", {**RELEASE_PROPS, "chart": chart}))
    assert [d for d in found if d.policy != "cilium-chart-source"] == []


@pytest.mark.parametrize(
    "version",
    [None, "", "1.20", "~1.20.0", "\u0661.\u0662\u0660.\u0660", "1.2\uff10.0"],
    ids=["missing", "empty", "minor", "range", "arabic-indic", "fullwidth"],
)
def test_version_must_be_exact_ascii(pack: PolicyPackProcess, version: str | None) -> None:
    """A missing or ranged version installs the newest chart: Cilium would move on its own.

    Sources: pulumi/pulumi-kubernetes sdk/python/pulumi_kubernetes/helm/v3/Release.py (`version`: "Specify the exact
    chart version to install. If this is not specified, the latest version is installed."); Masterminds/semver
    version.go (SemVerRegex, `[0-9]+`: ASCII digits only), the version parser Helm uses.
    """
    props = {key: value for key, value in RELEASE_PROPS.items() if key != "version"}
    if version is not None:
        props["version"] = version
    assert_mandatory(analyze(pack, Res(RELEASE, "cilium", props)), "cilium-version-pinned")
    assert of_policy(analyze(pack, Res(RELEASE, "cilium", RELEASE_PROPS)), "cilium-version-pinned") == []


@pytest.mark.parametrize(
    ("values", "policy", "words"),
    [
        ({"hubble": {**RELEASE_PROPS["values"]["hubble"], "tls": {"enabled": False, "auto": {"method": "cronJob"}}}}, "hubble-tls-on", ()),
        ({"policyEnforcementMode": "never"}, "cilium-policy-enforced", ()),
        ({"image": {"repository": "example.com/cilium", "useDigest": False}}, "cilium-values-safe", ("image",)),
        ({"operator": {"image": {"override": "example.com/operator:1"}}}, "cilium-values-safe", ("operator.image",)),
        ({"extraConfig": {"enable-policy": "never"}}, "cilium-values-safe", ("extraConfig",)),
        ({"extraArgs": ["--enable-policy=never"]}, "cilium-values-safe", ("extraArgs",)),
        (
            {"hubble": {**RELEASE_PROPS["values"]["hubble"], "relay": {"enabled": True, "extraArgs": ["--x"]}}},
            "cilium-values-safe", ("hubble.relay.extraArgs",),
        ),
        ({"autoDirectNodeRoutes": True}, "cilium-values-safe", ("native-routing",)),
        (
            {"ipam": {"mode": "cluster-pool", "operator": {"clusterPoolIPv4PodCIDRList": ["10.0.0.0/8"], "externalRanges": True}}},
            "cilium-values-safe", ("ipam.operator",),
        ),
        ({"encryption": {"enabled": True, "type": "ipsec"}}, "cilium-values-safe", ("wireguard",)),
        (
            {"encryption": {"enabled": True, "type": "wireguard", "strictMode": {"egress": {"enabled": True, "cidr": "10.0.0.0/8"}}}},
            "cilium-values-safe", ("strictMode",),
        ),
    ],
    ids=[
        "hubble-tls-off", "enforcement-never", "image", "operator-image", "extra-config", "extra-args", "relay-extra-args", "routing",
        "ipam", "ipsec", "encryption-extra",
    ],
)  # fmt: skip
def test_dangerous_values_on_any_cilium_release(
    pack: PolicyPackProcess, values: dict[str, Any], policy: str, words: tuple[str, ...]
) -> None:
    """Values that switch Cilium's guarantees off or change what runs.

    Source: ../shared/cilium/1.20.0/values.yaml: `hubble.tls.enabled` ("Setting this value to false is highly
    discouraged"), `policyEnforcementMode`, `image`, `extraConfig` ("included in the cilium-config configmap"),
    `extraArgs`, `autoDirectNodeRoutes`, `ipam`, `encryption.type` ("ipsec, wireguard or ztunnel"),
    `encryption.strictMode.egress` (its CIDR decides what must be encrypted).
    """
    assert_mandatory(analyze(pack, Res(RELEASE, "cilium", {**with_values(**values), "chart": "cilium/cilium"})), policy, *words)


def test_wireguard_and_the_programs_own_values_are_allowed(pack: PolicyPackProcess) -> None:
    """Source: ../shared/cilium/1.20.0/values.yaml (`encryption.enabled`, `encryption.type: wireguard`,
    `encryption.strictMode.ingress.enabled`: "requires WireGuard encryption")."""
    props = with_values(
        encryption={"enabled": True, "type": "wireguard", "strictMode": {"ingress": {"enabled": True}}},
        tunnelProtocol="vxlan",
        ipam={"mode": "cluster-pool"},
    )
    assert analyze(pack, Res(RELEASE, "cilium", props)) == []


def test_byocni_cluster_needs_a_cilium_release(pack: PolicyPackProcess) -> None:
    """A BYOCNI cluster has no CNI until one is installed: nodes stay NotReady.

    Source: MicrosoftDocs/azure-aks-docs articles/aks/use-byo-cni.md; UPSTREAM.md "AKS BYOCNI". A release reaches its
    cluster through its Kubernetes provider, which the engine passes with each resource to AnalyzeStack
    (pulumi/pulumi pkg/resource/deploy/step_generator.go, AnalyzeResources).
    """
    cluster = Res(CLUSTER, "aks", CLUSTER_PROPS, protect=True)
    assert_mandatory(analyze_stack(pack, [cluster]), "byocni-has-cilium", cluster.urn)
    provider = Res(K8S_PROVIDER, "k8s", {}, dependencies=(cluster.urn,))
    other_provider = Res(K8S_PROVIDER, "elsewhere", {})
    release = Res(RELEASE, "cilium", {**RELEASE_PROPS, "chart": "cilium/cilium"}, provider=provider)
    assert of_policy(analyze_stack(pack, [cluster, provider, release]), "byocni-has-cilium") == []
    elsewhere = Res(RELEASE, "cilium", RELEASE_PROPS, provider=other_provider)
    assert_mandatory(analyze_stack(pack, [cluster, other_provider, elsewhere]), "byocni-has-cilium")
    azure = {**CLUSTER_PROPS, "networkProfile": {**CLUSTER_PROPS["networkProfile"], "networkPlugin": "azure"}}
    assert of_policy(analyze_stack(pack, [Res(CLUSTER, "aks", azure)]), "byocni-has-cilium") == []


def test_prod_cluster_must_stay_protected(pack: PolicyPackProcess) -> None:
    """An unprotect in the same update as a replacing change lets the replacement through, so prod refuses the unprotect.

    Source: UPSTREAM.md "Protect" (the engine refuses a replacement or deletion only while protect is true before and
    after); the engine passes `protect` in AnalyzerResourceOptions and fails the resource on a mandatory finding in
    an update (pulumi/pulumi pkg/resource/deploy/step_generator.go: `invalid = true` on Mandatory when not a preview).
    """
    assert_mandatory(analyze(pack, Res(CLUSTER, "aks", CLUSTER_PROPS, protect=False)), "stateful-resources-protected", "protect")
    assert of_policy(analyze(pack, Res(CLUSTER, "aks", CLUSTER_PROPS, protect=True)), "stateful-resources-protected") == []
    pool = {"name": "user", "osType": "Linux"}
    # prod also lists the user pool (and managed namespaces), which the prod program protects: deleting them loses workloads.
    assert_mandatory(analyze(pack, Res(AGENT_POOL, "user", pool, protect=False)), "stateful-resources-protected", "protect")
    assert of_policy(analyze(pack, Res(AGENT_POOL, "user", pool, protect=True)), "stateful-resources-protected") == []
    vnet = {"addressSpace": {"addressPrefixes": ["10.224.0.0/12"]}}
    unlisted = Res("azure-native:network:VirtualNetwork", "vnet", vnet, protect=False)
    assert of_policy(analyze(pack, unlisted), "stateful-resources-protected") == []
