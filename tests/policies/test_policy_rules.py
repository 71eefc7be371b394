"""Every policy rule as a plain function: a compliant case and a violating one.

Where each case's rule comes from (MicrosoftDocs/azure-aks-docs articles/aks/ unless another repository is named):

- byocni: BYOCNI is network plugin `none`; kubenet has no Cilium. use-byo-cni.md; configure-kubenet.md (kubenet
  retirement callout).
- azure-cilium: azure + overlay + the cilium dataplane. azure-cni-powered-by-cilium.md (`--network-plugin-mode overlay`,
  `--network-dataplane cilium`).
- pod cidr overlap, reserved: pod and service ranges disjoint and off 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and
  192.0.2.0/24. use-byo-cni.md ("AKS clusters can't use ..."); concepts-network-cni-overview.md (reserved ranges).
- dns ip: `dnsServiceIP` inside the service CIDR. use-byo-cni.md ("The DNS service IP must be within the service CIDR
  range"; the page also forbids the range's first address, which the config layer checks, stack_settings/network_rules.py,
  and this pack rule does not).
- acns: Container Network Security needs Azure CNI powered by Cilium. advanced-container-networking-services-overview.md,
  "Container Network Security".
- local accounts, azure rbac: local-accounts.md; entra-id-authorization.md.
- open api, private api: authorized ranges, or a private cluster. api-server-authorized-ip-ranges.md (UPSTREAM.md, AKS
  "Authorized IP ranges").
- workload identity: the OIDC issuer with Workload ID. workload-identity-deploy-cluster.md.
- upgrade: a managed node OS channel. auto-upgrade-node-os-image.md (UPSTREAM.md, AKS "Auto-upgrade channels").
- version, relay: an exact chart version, Hubble Relay on. Product rules, no external source.
- byocni values: aksbyocni with tunnel routing. UPSTREAM.md, Cilium "AKS BYOCNI" (cilium/cilium
  Documentation/installation/k8s-install-helm.rst, the AKS tab).
- tls: Hubble TLS by cronJob, not helm. UPSTREAM.md, Cilium "Hubble TLS".
- fqdn dns, fqdn dns namespace: `toFQDNs` needs an L7 DNS rule to kube-dns. cilium/cilium
  Documentation/security/policy/language.rst, "DNS based" and "DNS Policy and IP Discovery".
- empty list: `[]` is not default deny, `[{}]` is. cilium/cilium pkg/policy/repository.go: a direction is enforced
  only when the rule has at least one ingress (or ingressDeny) entry, egress alike.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from policies.rules import addresses, aks, cilium_release, cnp, stack
from tests.support import tokens
from tests.support.pack_resources import CLUSTER_PROPS as CLUSTER
from tests.support.pack_resources import DNS_RULE
from tests.support.pack_resources import RELEASE_PROPS as RELEASE

AZURE = {
    **CLUSTER["networkProfile"],
    "networkPlugin": "azure",
    "networkPluginMode": "overlay",
    "networkDataplane": "cilium",
    "networkPolicy": "cilium",
}
FQDN_POLICY: dict[str, Any] = {
    "metadata": {"namespace": "client", "name": "fqdn"},
    "spec": {"endpointSelector": {}, "egress": [DNS_RULE, {"toFQDNs": [{"matchName": "google.com"}]}]},
}


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    result = copy.deepcopy(base)
    *parents, last = path.split(".")
    node = result
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[last] = value
    return result


CASES: list[tuple[str, Callable[[Any], list[str]], dict[str, Any], dict[str, Any]]] = [
    ("byocni", aks.cilium_network_mode, CLUSTER, changed(CLUSTER, "networkProfile.networkPlugin", "kubenet")),
    (
        "azure-cilium",
        aks.cilium_network_mode,
        changed(CLUSTER, "networkProfile", AZURE),
        changed(CLUSTER, "networkProfile", {**AZURE, "networkDataplane": "azure"}),
    ),
    ("pod cidr overlap", aks.pod_cidr_safe, CLUSTER, changed(CLUSTER, "networkProfile.podCidr", "10.0.0.0/16")),
    ("reserved", aks.pod_cidr_safe, CLUSTER, changed(CLUSTER, "networkProfile.podCidr", "172.30.0.0/16")),
    ("dns ip", aks.pod_cidr_safe, CLUSTER, changed(CLUSTER, "networkProfile.dnsServiceIP", "10.1.0.10")),
    (
        "acns",
        aks.acns_needs_cilium_dataplane,
        changed(CLUSTER, "networkProfile", {**AZURE, "advancedNetworking": {"enabled": True}}),
        changed(CLUSTER, "networkProfile", {**AZURE, "networkDataplane": "azure", "advancedNetworking": {"enabled": True}}),
    ),
    ("local accounts", aks.entra_id_with_azure_rbac, CLUSTER, changed(CLUSTER, "disableLocalAccounts", False)),
    ("azure rbac", aks.entra_id_with_azure_rbac, CLUSTER, changed(CLUSTER, "aadProfile.enableAzureRBAC", False)),
    ("open api", aks.api_server_restricted, CLUSTER, changed(CLUSTER, "apiServerAccessProfile.authorizedIPRanges", [])),
    (
        "private api",
        aks.api_server_restricted,
        changed(CLUSTER, "apiServerAccessProfile", {"enablePrivateCluster": True}),
        changed(CLUSTER, "apiServerAccessProfile.authorizedIPRanges", ["0.0.0.0/0"]),
    ),
    ("workload identity", aks.workload_identity, CLUSTER, changed(CLUSTER, "oidcIssuerProfile.enabled", False)),
    ("upgrade", aks.upgrade_channels, CLUSTER, changed(CLUSTER, "autoUpgradeProfile.nodeOSUpgradeChannel", "Unmanaged")),
    ("version", cilium_release.version_pinned, RELEASE, changed(RELEASE, "version", "~1.20")),
    ("relay", cilium_release.hubble_relay_on, RELEASE, changed(RELEASE, "values.hubble.relay.enabled", False)),
    ("byocni values", cilium_release.byocni_values, RELEASE, changed(RELEASE, "values.routingMode", "native")),
    ("tls", cilium_release.hubble_tls_not_helm, RELEASE, changed(RELEASE, "values.hubble.tls.auto.method", "helm")),
    ("fqdn dns", cnp.fqdn_needs_dns_rule, FQDN_POLICY, changed(FQDN_POLICY, "spec.egress", [{"toFQDNs": [{"matchName": "google.com"}]}])),
    (
        "fqdn dns namespace",
        cnp.fqdn_needs_dns_rule,
        FQDN_POLICY,
        changed(FQDN_POLICY, "spec.egress.0.toEndpoints", [{"matchLabels": {"k8s:k8s-app": "kube-dns"}}]),
    ),
    ("empty list", cnp.no_empty_rule_lists, FQDN_POLICY, changed(FQDN_POLICY, "spec.ingress", [])),
]


@pytest.mark.parametrize(("check", "good", "bad"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_passes_compliant_and_flags_violating(check: Callable[[Any], list[str]], good: dict[str, Any], bad: dict[str, Any]) -> None:
    """Each case's source is in the module docstring's table."""
    assert check(good) == []
    problems = check(bad)
    assert problems
    assert all(";" in p or "fix" in p.lower() or "set" in p for p in problems), problems


def test_linux_only_pools() -> None:
    """Azure CNI powered by Cilium is "available only for Linux and not for Windows" (MicrosoftDocs/azure-aks-docs
    articles/aks/azure-cni-powered-by-cilium.md, "Limitations")."""
    assert aks.linux_only_pools([{"name": "system", "osType": "Linux"}]) == []
    assert aks.linux_only_pools([{"name": "win", "osType": "Windows"}]) == [
        "pool win runs Windows; Cilium on AKS supports Linux pools only"
    ]


def test_no_open_egress_with_exemption() -> None:
    """`world` "is identical to allowing to CIDR 0/0" (cilium/cilium Documentation/security/policy/language.rst,
    "Entities Based"), so both rules open egress to the internet."""
    world = changed(FQDN_POLICY, "spec.egress", [{"toEntities": ["world"]}, {"toCIDR": ["0.0.0.0/0"]}])
    assert len(cnp.no_open_egress(world, [])) == 2
    assert cnp.no_open_egress(world, ["client"]) == []
    assert cnp.no_open_egress(FQDN_POLICY, []) == []


def resource(type_: str, urn: str, props: dict[str, Any], deps: tuple[str, ...] = ()) -> stack.StackResource:
    return stack.StackResource(type_, urn, props, deps)


DENY = {"metadata": {"namespace": "app", "name": "default-deny"}, "spec": {"endpointSelector": {}, "ingress": [{}], "egress": [{}]}}
NS = resource(tokens.NAMESPACE, "ns", {"metadata": {"name": "app"}})


def test_namespaces_default_deny() -> None:
    """A rule that selects an endpoint and has an egress section puts it in default deny for egress; `egress: []` has no
    rule, so it does not (cilium/cilium Documentation/security/policy/language.rst, "Ingress/Egress Default Deny";
    pkg/policy/repository.go: a direction is enforced only when `len(r.Egress) > 0 || len(r.EgressDeny) > 0`)."""
    assert stack.namespaces_default_deny([NS, resource(tokens.CNP, "p", DENY)]) == []
    half = changed(DENY, "spec.egress", [])
    assert stack.namespaces_default_deny([NS, resource(tokens.CNP, "p", half)]) == [
        "namespace app has no default deny egress; add a policy with endpointSelector {} and egress: [{}]"
    ]


def test_policies_after_cilium() -> None:
    """The chart ships no CRDs (../shared/cilium/1.20.0/cilium-1.20.0.tgz lists no CRD file); Cilium creates them when
    it starts (cilium/cilium pkg/k8s/apis/cilium.io/client/cell.go, `RegisterCRDsCell`), so a policy must depend on
    the release."""
    release = resource(tokens.RELEASE, "rel", RELEASE)
    assert stack.policies_after_cilium([release, resource(tokens.CNP, "p", DENY, ("rel",))]) == []
    assert len(stack.policies_after_cilium([release, resource(tokens.CNP, "p", DENY)])) == 1


def test_pod_cidr_matches_cilium() -> None:
    """With BYOCNI the AKS pod CIDR is what the control plane routes to pods, while the CNI assigns the addresses
    (MicrosoftDocs/azure-aks-docs articles/aks/use-byo-cni.md: "You must specify a Pod CIDR ... The AKS control plane
    uses this range for internal traffic routing to pods"), so Cilium's cluster-pool must hand out that same range."""
    good = changed(RELEASE, "values.ipam", {"operator": {"clusterPoolIPv4PodCIDRList": ["10.244.0.0/16"]}})
    cluster = resource(tokens.MANAGED_CLUSTER, "c", CLUSTER)
    assert stack.pod_cidr_matches_cilium([cluster, resource(tokens.RELEASE, "r", good)]) == []
    assert len(stack.pod_cidr_matches_cilium([cluster, resource(tokens.RELEASE, "r", RELEASE)])) == 1


def test_l7_needs_acns() -> None:
    """On Azure CNI powered by Cilium, FQDN and L7 policies need ACNS security (MicrosoftDocs/azure-aks-docs
    articles/aks/how-to-apply-fqdn-filtering-policies.md: "If ACNS security is disabled, FQDN and L7 policies ... will
    be blocked"; azure-cni-powered-by-cilium.md, feature table: both "Not supported" without ACNS; UPSTREAM.md, AKS
    "ACNS"). L7 rules other than DNS further need `--acns-advanced-networkpolicies L7`; "FQDN" enables FQDN filtering
    only (how-to-apply-l7-policies.md, "Enable Advanced Container Networking Services"; also
    use-advanced-container-networking-services.md). "L7 policy isn't supported by CiliumClusterwideNetworkPolicy", while
    FQDN filtering is (container-network-security-l7-policy-concepts.md, "Limitations and considerations";
    container-network-security-fqdn-filtering-concepts.md).
    """
    azure = resource(tokens.MANAGED_CLUSTER, "c", changed(CLUSTER, "networkProfile", AZURE))

    def acns(security: dict[str, Any]) -> stack.StackResource:
        profile = {**AZURE, "advancedNetworking": {"security": security}}
        return resource(tokens.MANAGED_CLUSTER, "c", changed(CLUSTER, "networkProfile", profile))

    policy = resource(tokens.CNP, "p", FQDN_POLICY)
    assert stack.l7_needs_acns([acns({"enabled": True}), policy]) == []
    assert stack.l7_needs_acns([acns({"enabled": True, "advancedNetworkPolicies": "FQDN"}), policy]) == []
    assert len(stack.l7_needs_acns([azure, policy])) == 1
    http_rule = {"toEndpoints": [{}], "toPorts": [{"ports": [{"port": "80", "protocol": "TCP"}], "rules": {"http": [{"method": "GET"}]}}]}
    http = resource(tokens.CNP, "h", changed(FQDN_POLICY, "spec.egress", [DNS_RULE, http_rule]))
    assert stack.l7_needs_acns([acns({"enabled": True, "advancedNetworkPolicies": "L7"}), http]) == []
    (problem,) = stack.l7_needs_acns([acns({"enabled": True, "advancedNetworkPolicies": "FQDN"}), http])
    assert "advancedNetworkPolicies to L7" in problem
    clusterwide = resource(tokens.CCNP, "w", {**http.props, "metadata": {"name": "w"}})
    (problem,) = stack.l7_needs_acns([acns({"enabled": True, "advancedNetworkPolicies": "L7"}), clusterwide])
    assert "clusterwide" in problem
    assert stack.l7_needs_acns([acns({"enabled": True, "advancedNetworkPolicies": "L7"}), resource(tokens.CCNP, "f", FQDN_POLICY)]) == []


@pytest.mark.parametrize(
    ("ranges", "world"),
    [
        (["0.0.0.0/0"], True),
        (["0.0.0.0/1", "128.0.0.0/1"], True),
        (["20.0.0.0/7"], True),
        (["20.0.0.0/8"], False),
        (["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "20.50.0.0/16"], False),
        (["::/0"], True),
        (["2001:db8::/32", "2a01:110::/32"], False),
    ],
)
def test_address_coverage_counts_internet_addresses_not_text(ranges: list[str], world: bool) -> None:
    """Private and documentation blocks are not the internet (IANA special-purpose registries, RFC 6890)."""
    assert addresses.coverage(ranges).is_world is world


@pytest.mark.parametrize(
    ("chart", "cilium"),
    [("cilium", True), ("cilium/cilium", True), ("https://helm.cilium.io/cilium-1.20.0.tgz", True),
     ("oci://quay.io/cilium/charts/cilium", True), ("tetragon", False), ("cilium/tetragon", False),
     ("https://helm.cilium.io/cilium-enterprise-1.0.0.tgz", False)],
)  # fmt: skip
def test_cilium_chart_recognised_in_every_form(chart: str, cilium: bool) -> None:
    """The chart is named `cilium` (../shared/cilium/1.20.0/Chart.yaml `name: cilium`); `tetragon` and `cilium-enterprise`
    are other charts. The forms are the ones Helm accepts for a chart: a repo/name reference, an absolute URL to a
    packaged chart, an OCI registry reference (helm/helm cmd/helm/install.go, the install help). That Cilium publishes
    its chart at these particular URL and OCI locations is not checked here."""
    assert cilium_release.is_cilium_release({"chart": chart}) is cilium


def _pools(*profiles: dict[str, Any] | None, sku: str = "Base") -> dict[str, Any]:
    pools = [{"name": f"pool{i}", **({"localDNSProfile": p} if p is not None else {})} for i, p in enumerate(profiles)]
    return {**CLUSTER, "sku": {"name": sku}, "agentPoolProfiles": pools}


@pytest.mark.parametrize(
    ("props", "on"),
    [
        (_pools(None, {"mode": "Disabled"}), []),
        (_pools({"mode": "Required"}), ["agentPoolProfiles[0].localDNSProfile.mode Required"]),
        (_pools(None, {"mode": "preferred"}), ["agentPoolProfiles[1].localDNSProfile.mode preferred"]),
        (_pools({"vnetDNSOverrides": {}}), ["agentPoolProfiles[0].localDNSProfile.mode Preferred"]),
        (_pools(None, sku="Automatic"), ["sku.name Automatic (AKS Automatic preconfigures LocalDNS)"]),
        (_pools({"mode": "Disabled"}, sku="Automatic"), []),
    ],
    ids=["off", "required", "preferred-any-case", "profile-without-mode", "automatic", "automatic-disabled"],
)
def test_where_local_dns_runs(props: dict[str, Any], on: list[str]) -> None:
    """`Required` installs LocalDNS, `Preferred` is to enable it by itself in a later Kubernetes version
    (MicrosoftDocs/azure-aks-docs articles/aks/localdns-custom.md, "Configure the mode"), a profile without a mode is
    Preferred (pulumi/pulumi-azure-native sdk/python containerservice/_inputs.py, LocalDNSProfileArgs), and AKS Automatic
    preconfigures it (articles/aks/dns-concepts.md)."""
    assert aks.local_dns_pools(props, is_cluster=True) == on


def test_local_dns_is_refused_beside_policies_that_send_dns_to_kube_dns() -> None:
    """With LocalDNS pods resolve through 169.254.10.10/11, and Cilium policies must allow those addresses
    (MicrosoftDocs/azure-aks-docs articles/aks/localdns-custom.md, "Update Cilium Network Policies to allow DNS
    resolution with LocalDNS"): a rule to kube-dns matches no lookup, and toFQDNs learns only from the DNS proxy on
    such a rule (cilium/cilium Documentation/security/policy/language.rst, "DNS Policy and IP Discovery")."""
    required = resource(tokens.MANAGED_CLUSTER, "urn:c", _pools({"mode": "Required"}))
    fqdn = resource(tokens.CNP, "urn:p", FQDN_POLICY)
    dns_only = resource(tokens.CNP, "urn:d", changed(FQDN_POLICY, "spec.egress", [DNS_RULE]))
    (problem,) = stack.local_dns_beside_kube_dns([required, fqdn, dns_only])
    assert problem.startswith("urn:c: agentPoolProfiles[0].localDNSProfile.mode Required turns on AKS LocalDNS")
    assert "client/fqdn, client/fqdn" in problem
    assert "set localDNSProfile.mode Disabled" in problem
    pool = resource(tokens.AGENT_POOL, "urn:pool", {"localDNSProfile": {"mode": "Preferred"}})
    assert len(stack.local_dns_beside_kube_dns([resource(tokens.MANAGED_CLUSTER, "urn:c", _pools(None)), pool, dns_only])) == 1
    unrelated = resource(tokens.CNP, "urn:u", changed(FQDN_POLICY, "spec.egress", [{"toEntities": ["kube-apiserver"]}]))
    assert stack.local_dns_beside_kube_dns([required, unrelated]) == []
    assert stack.local_dns_beside_kube_dns([resource(tokens.MANAGED_CLUSTER, "urn:c", _pools(None)), fqdn]) == []


@pytest.mark.parametrize(
    "props",
    [
        {**CLUSTER, "agentPoolProfiles": [{"localDNSProfile": "Required"}]},
        {**CLUSTER, "agentPoolProfiles": [{"localDNSProfile": {"mode": 1}}]},
        {**CLUSTER, "agentPoolProfiles": {"system": {}}},
        {**CLUSTER, "sku": "Automatic"},
    ],
)
def test_a_malformed_cluster_cannot_be_verified_and_the_rest_is_still_judged(props: dict[str, Any]) -> None:
    malformed = resource(tokens.MANAGED_CLUSTER, "urn:bad", props)
    pool = resource(tokens.AGENT_POOL, "urn:pool", {"localDNSProfile": {"mode": "Required"}})
    problems = stack.local_dns_beside_kube_dns([malformed, pool, resource(tokens.CNP, "urn:p", FQDN_POLICY)])
    assert [p.split(":", 2)[1] for p in problems] == ["bad", "pool"]
    assert "cannot verify" in problems[0]
