"""Ways around the pack, class by class, probed over the analyzer protocol under prod's levels: each evasion is a
mandatory violation, and its compliant counterpart passes."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from aks_cilium.testing.wire import ASSET_SIG, SIG_KEY
from offline.analyzer import LEVELS, PolicyPackProcess
from offline.stack_config import PROJECT_DIR, load_stack_config
from tests.support.pack_requests import Res, analyze, analyze_stack, of_policy, prod_pack_fixture
from tests.support.pack_resources import CLUSTER_WITH_POOLS as CLUSTER_PROPS
from tests.support.pack_resources import DNS_RULE, RELEASE_PROPS
from tests.support.tokens import AGENT_POOL, CCNP, CNP, MANAGED_CLUSTER, NAMESPACE, RELEASE

pack = prod_pack_fixture
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
V4_CHART = "kubernetes:helm.sh/v4:Chart"


def assert_mandatory(diagnostics: list, policy: str, *words: str) -> None:
    found = of_policy(diagnostics, policy)
    assert found, f"{policy} did not fire: {[(d.policy, d.message[-120:]) for d in diagnostics]}"
    assert {d.level for d in found} == {"mandatory"}
    assert all(any(w in d.message for d in found) for w in words), found


def mandatory(diagnostics: list) -> list:
    return [(d.policy, d.message.splitlines()[-1]) for d in diagnostics if d.level == "mandatory"]


def release(**values: Any) -> dict[str, Any]:
    props = copy.deepcopy(RELEASE_PROPS)
    props["values"].update(values)
    return props


def policy(namespace: str, egress: list[dict[str, Any]], selector: dict[str, Any] | None = None, name: str = "p") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace}, "spec": {"endpointSelector": selector or {}, "egress": egress}}


# --- resources the pack did not recognise ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["azure-native:containerservice/v20250901:ManagedCluster", "azure-native:containerservice/v20260502preview:ManagedCluster"],
)
def test_versioned_cluster_tokens_are_judged_as_the_cluster(pack: PolicyPackProcess, token: str) -> None:
    """pulumi-azure-native `sdk/python/pulumi_azure_native/containerservice/managed_cluster.py`: every API version's
    module (`azure-native:containerservice/v<date>[preview]:ManagedCluster`) is an alias of the same Azure resource."""
    open_api = {
        **CLUSTER_PROPS,
        "apiServerAccessProfile": {"authorizedIPRanges": ["0.0.0.0/1", "128.0.0.0/1"]},
        "disableLocalAccounts": False,
    }
    found = analyze(pack, Res(token, "aks", open_api, protect=False))
    assert_mandatory(found, "api-server-restricted")
    assert_mandatory(found, "entra-id-rbac", "disableLocalAccounts")
    assert_mandatory(found, "stateful-resources-protected")
    assert analyze(pack, Res(token, "aks", CLUSTER_PROPS, protect=True)) == []


def test_versioned_agent_pool_tokens_are_judged_as_pools(pack: PolicyPackProcess) -> None:
    """pulumi-azure-native `containerservice/agent_pool.py`, its aliases `azure-native:containerservice/v<date>:AgentPool`."""
    token = "azure-native:containerservice/v20250901:AgentPool"
    assert_mandatory(analyze(pack, Res(token, "win", {"name": "win", "osType": "Windows"}, protect=True)), "linux-only-pools")
    assert analyze(pack, Res(token, "user", {"name": "user", "osType": "Linux"}, protect=True)) == []


DEFAULT_DENY_OFF = {"enableDefaultDeny": {"egress": False}}
CILIUM_CONFIG = {"name": "cilium-config", "namespace": "kube-system"}


@pytest.mark.parametrize(
    ("token", "props"),
    [
        ("kubernetes:cilium.io/v2:CiliumNetworkPolicyPatch", policy("app", [{"toEntities": ["world"]}])),
        ("kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicyPatch", {"metadata": {"name": "c"}, "spec": DEFAULT_DENY_OFF}),
        ("kubernetes:core/v1:NamespacePatch", {"metadata": {"name": "payments", "labels": {"team": "other"}}}),
        ("kubernetes:core/v1:ConfigMapPatch", {"metadata": CILIUM_CONFIG, "data": {"policy-enforcement-mode": "never"}}),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicyPatch", {"metadata": {"name": "n", "namespace": "app"}, "spec": {}}),
        ("kubernetes:core/v1:NamespaceList", {"items": []}),
        ("kubernetes:helm.sh/v3:Chart", {}),
        ("kubernetes:helm.sh/v2:Chart", {}),
    ],
    ids=["cnp-patch", "ccnp-patch", "namespace-patch", "cilium-config-patch", "netpol-patch", "namespace-list", "helm-v3-chart",
         "helm-v2-chart"],
)  # fmt: skip
def test_forms_the_pack_cannot_read_are_cannot_verify(pack: PolicyPackProcess, token: str, props: dict[str, Any]) -> None:
    """Server-side patches are `<Kind>Patch` (pulumi-kubernetes `core/v1/NamespacePatch.py`,
    `apiextensions/CustomResourcePatch.py`), list resources `<Kind>List`; the Helm v3 Chart component registers with no
    properties (`helm/v3/helm.py`, `__props__ = dict()`). None of them shows the pack the object it changes."""
    assert_mandatory(analyze(pack, Res(token, "x", props)), "judged-kinds-readable", "cannot verify")


def test_a_patch_is_also_judged_for_what_it_sets(pack: PolicyPackProcess) -> None:
    found = analyze(pack, Res("kubernetes:cilium.io/v2:CiliumNetworkPolicyPatch", "x", policy("app", [{"toEntities": ["world"]}])))
    assert_mandatory(found, "no-open-egress", "world")


def test_cilium_config_is_written_only_by_the_release(pack: PolicyPackProcess) -> None:
    """Cilium's agent reads kube-system/cilium-config, which the chart renders from its values (../shared/cilium/1.20.0,
    templates/cilium-configmap.yaml in the chart archive)."""
    forged = {"metadata": {"name": "cilium-config", "namespace": "kube-system"}, "data": {"enable-policy": "never"}}
    assert_mandatory(analyze(pack, Res(CONFIG_MAP, "cfg", forged)), "cilium-config-from-release")
    other = {"metadata": {"name": "app-settings", "namespace": "app"}, "data": {"a": "b"}}
    assert analyze(pack, Res(CONFIG_MAP, "other", other)) == []
    rendered = Res(CONFIG_MAP, "kube-system/cilium-config", forged, urn=f"urn:pulumi:prod::aks-cilium::{V4_CHART}${CONFIG_MAP}::cfg")
    assert of_policy(analyze(pack, rendered), "cilium-config-from-release") == []


@pytest.mark.parametrize(
    "spec",
    [
        {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]},
        {"podSelector": {}, "egress": [{"ports": [{"port": 443}]}]},
        {"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}]}]},
        {"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/1"}}, {"ipBlock": {"cidr": "128.0.0.0/1"}}]}]},
    ],
    ids=["allow-all", "ports-only", "world-block", "split-halves"],
)
def test_native_network_policies_are_judged_for_open_egress(pack: PolicyPackProcess, spec: dict[str, Any]) -> None:
    """Cilium enforces Kubernetes NetworkPolicy too, and an allow in either admits traffic; an egress rule with no
    `to` matches all destinations (kubernetes/api `networking/v1/types.go`, NetworkPolicyEgressRule.To)."""
    found = analyze(pack, Res(NETWORK_POLICY, "np", {"metadata": {"name": "np", "namespace": "payments"}, "spec": spec}))
    assert_mandatory(found, "no-open-egress")


@pytest.mark.parametrize(
    "spec",
    [
        {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        {"podSelector": {}, "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"team": "a"}}}]}]},
        {"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "20.50.1.0/24"}}]}]},
    ],
    ids=["default-deny", "in-cluster", "one-range"],
)
def test_compliant_native_network_policies_pass(pack: PolicyPackProcess, spec: dict[str, Any]) -> None:
    assert analyze(pack, Res(NETWORK_POLICY, "np", {"metadata": {"name": "np", "namespace": "payments"}, "spec": spec})) == []


def test_cilium_through_the_helm_v4_chart_is_judged_as_the_release(pack: PolicyPackProcess) -> None:
    """pulumi-kubernetes `helm/v4/Chart.py`: `kubernetes:helm.sh/v4:Chart` takes chart, version, repositoryOpts, values
    and valueYamlFiles like the v3 Release."""
    never = release(policyEnforcementMode="never")
    assert_mandatory(analyze(pack, Res(V4_CHART, "cilium", never)), "cilium-policy-enforced")
    assert analyze(pack, Res(V4_CHART, "cilium", RELEASE_PROPS)) == []


@pytest.mark.parametrize(
    ("chart", "repo"),
    [
        ("https://charts.example.net/cilium-1.20.0.tgz?sig=abc", ""),
        ("https://helm.cilium.io/cilium-1.20.0.tgz?mirror=1", ""),
        ("https://helm.cilium.io/cilium-1.20.0.tgz#frag", ""),
        ("oci://ghcr.io/someone/charts/cilium", ""),
        ("oci://quay.io/cilium/charts/cilium@sha256:" + "0" * 64, ""),
        ("oci://quay.io/cilium/charts/cilium:1.19.0", ""),
        ("cilium/cilium", ""),
        ("./charts/cilium", ""),
        ("cilium", "https://charts.example.net"),
        ("cilium", "oci://ghcr.io/someone/charts"),
        ("my-cni", "https://charts.example.net"),
        ("https://charts.example.net/cilium-1.20.0.tgz%3Fsig%3Dabc", ""),
    ],
    ids=["foreign-url-query", "own-url-query", "fragment", "foreign-oci", "oci-digest", "oci-other-tag", "repo-alias", "local-path",
         "foreign-repo", "foreign-oci-repo", "renamed-chart", "encoded-query"],
)  # fmt: skip
def test_a_cilium_chart_from_anywhere_but_ciliums_repository_is_refused(pack: PolicyPackProcess, chart: str, repo: str) -> None:
    """Cilium publishes its chart at https://helm.cilium.io (cilium/cilium Documentation/installation/k8s-install-helm.rst)
    and at oci://quay.io/cilium/charts/cilium (Documentation/installation/k8s-install-helm-oci.rst); the product pins
    the repository and the archive's SHA-256 (offline/cilium_sums). Chart reference forms: helm/helm
    `cmd/helm/install.go`, the install help."""
    props = {**release(policyEnforcementMode="never"), "chart": chart, "repositoryOpts": {"repo": repo} if repo else {}}
    if chart == "my-cni":
        props["name"] = "cilium"
    found = analyze(pack, Res(RELEASE, "cni", props))
    assert_mandatory(found, "cilium-chart-source")
    assert_mandatory(found, "cilium-policy-enforced")  # still recognised as Cilium, so its values are judged


@pytest.mark.parametrize(
    ("chart", "repo"),
    [("cilium", "https://helm.cilium.io"), ("cilium", "https://helm.cilium.io/"), ("https://helm.cilium.io/cilium-1.20.0.tgz", ""),
     ("oci://quay.io/cilium/charts/cilium", ""), ("oci://quay.io/cilium/charts/cilium:1.20.0", "")],
)  # fmt: skip
def test_ciliums_own_sources_pass(pack: PolicyPackProcess, chart: str, repo: str) -> None:
    props = {**RELEASE_PROPS, "chart": chart, "repositoryOpts": {"repo": repo} if repo else {}}
    assert analyze(pack, Res(RELEASE, "cilium", props)) == []


def test_a_version_without_a_pinned_digest_is_refused(pack: PolicyPackProcess) -> None:
    assert_mandatory(analyze(pack, Res(RELEASE, "cilium", {**RELEASE_PROPS, "version": "1.20.9"})), "cilium-chart-source", "digest")


@pytest.mark.parametrize(
    "files",
    [
        ["values-extra.yaml"],
        [{SIG_KEY: ASSET_SIG, "text": "policyEnforcementMode: never"}],
    ],
)
def test_value_yaml_files_cannot_be_verified(pack: PolicyPackProcess, files: list[Any]) -> None:
    """pulumi-kubernetes `helm/v3/Release.py`, `value_yaml_files`: files Helm merges into the values."""
    assert_mandatory(analyze(pack, Res(RELEASE, "cilium", {**RELEASE_PROPS, "valueYamlFiles": files})), "cilium-values-inline")


# --- values ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        {"policyAuditMode": True},
        {"extraEnv": [{"name": "CILIUM_ENABLE_POLICY", "value": "never"}]},
        {"operator": {"extraEnv": [{"name": "X", "value": "y"}]}},
        {"cni": {"exclusive": False}},
        {"hubble": {"relay": {"enabled": True, "listenAddress": ":4245"}, "tls": {"auto": {"method": "cronJob"}}}},
        {"bpf": {"monitorAggregation": "none"}},
        {"k8sServiceHost": "api.attacker.example", "k8sServicePort": 443},
    ],
    ids=["audit-mode", "agent-env", "operator-env", "cni-exclusive", "relay-listen", "bpf", "api-server-address"],
)
def test_values_outside_the_librarys_vocabulary_are_refused(pack: PolicyPackProcess, values: dict[str, Any]) -> None:
    """The library refuses every extra value outside EXTRA_VALUES_ALLOWED (aks_cilium/cilium/rules.py); the pack applies
    the same vocabulary from policies/rules/library_facts.py, generated from it."""
    assert_mandatory(analyze(pack, Res(RELEASE, "cilium", release(**values))), "cilium-values-vocabulary")


def test_the_allowed_extra_values_and_the_components_own_pass(pack: PolicyPackProcess) -> None:
    assert analyze(pack, Res(RELEASE, "cilium", release(kubeProxyReplacement="false"))) == []
    values = {
        "debug": {"enabled": True},
        "resources": {"requests": {"cpu": "100m"}},
        "hubble": {"relay": {"enabled": True, "replicas": 2}, "tls": {"auto": {"enabled": True, "method": "cronJob"}}},
        "enableNonDefaultDenyPolicies": True,
        "k8sClientRateLimit": {"qps": 20},
        "cluster": {"name": "aks-cilium-prod", "id": 7},
    }
    assert analyze(pack, Res(RELEASE, "cilium", release(**values))) == []


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"enableNonDefaultDenyPolicies": False}, ["enableNonDefaultDenyPolicies"]),
        ({"kubeProxyReplacement": True}, ["kubeProxyReplacement", "kube-proxy running"]),
        ({"kubeProxyReplacement": "true"}, ["kubeProxyReplacement", "kube-proxy running"]),
        ({"kubeProxyReplacement": "partial"}, ["kubeProxyReplacement", "keep it"]),
        ({"operator": {"replicas": 0}}, ["operator.replicas"]),
        ({"hubble": {"relay": {"enabled": True}, "tls": {"auto": {"enabled": False, "method": "cronJob"}}}}, ["hubble.tls.auto.enabled"]),
    ],
    ids=[
        "non-default-deny-off",
        "kpr-on",
        "kpr-on-as-string",
        "kpr-partial",
        "no-operator",
        "tls-auto-off",
    ],
)
def test_values_the_component_sets_itself_are_checked(pack: PolicyPackProcess, values: dict[str, Any], words: list[str]) -> None:
    """aks_cilium/cilium/values.py sets enableNonDefaultDenyPolicies true, hubble.tls.auto on and kubeProxyReplacement
    false (Cilium 1.20 values.yaml: "false" by default): AKS keeps kube-proxy running on bring-your-own-CNI unless the
    preview kubeProxyConfig API turns it off (MicrosoftDocs/azure-aks-docs articles/aks/configure-kube-proxy.md)."""
    assert_mandatory(analyze(pack, Res(RELEASE, "cilium", release(**values))), "cilium-component-values", *words)


@pytest.mark.parametrize("replicas", [0, 0.0, -1])
def test_a_relay_with_no_replica_is_hubble_off(pack: PolicyPackProcess, replicas: float) -> None:
    """The chart renders the relay Deployment with `replicas: {{ .Values.hubble.relay.replicas }}` (values.yaml: 1);
    `hubble.relay.replicas` is an allowed extra value, so 0 would switch the relay off through the allowlist."""
    values = {"hubble": {"relay": {"enabled": True, "replicas": replicas}, "tls": {"auto": {"method": "cronJob"}}}}
    assert_mandatory(analyze(pack, Res(RELEASE, "cilium", release(**values))), "hubble-relay-on", "replica")


# --- open egress in other forms -------------------------------------------------------------------------------------

FQDN_DNS = copy.deepcopy(DNS_RULE)


@pytest.mark.parametrize(
    "pattern",
    ["*", "**.", "*.*", "*.com", "**.com", "*.*.com", "exa*.com", "**.*", "*.", "*.COM.", "example.*",
     "*.co.uk", "**.co.uk", "*.*.co.uk", "*.github.io", "**.github.io", "*.blob.core.windows.net"],
)  # fmt: skip
@pytest.mark.parametrize("kind", [CNP, CCNP])
def test_wildcard_fqdn_patterns_are_open_egress(pack: PolicyPackProcess, pattern: str, kind: str) -> None:
    """In a toFQDNs matchPattern `*` matches within a label and `**.` several labels (cilium/cilium
    Documentation/security/policy/language.rst, DNS based). A pattern whose labels after the last wildcard are not one
    registrable domain of the Public Suffix List (publicsuffixlist 1.1.2.20261023, the list it ships, private section
    included: `github.io`, `blob.core.windows.net`) admits names that different owners register."""
    egress = [FQDN_DNS, {"toFQDNs": [{"matchPattern": pattern}], "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]}]
    assert_mandatory(analyze(pack, Res(kind, "fqdn", policy("app", egress))), "no-open-egress", "matchPattern")


@pytest.mark.parametrize(
    "selector",
    [{"matchPattern": "*.example.com"}, {"matchPattern": "**.example.com"}, {"matchName": "api.stripe.com"},
     {"matchPattern": "*.stripe.com"}, {"matchPattern": "*.example.co.uk"}, {"matchPattern": "**.someone.github.io"},
     {"matchPattern": "api-*.example.com"}, {"matchPattern": "*.hcp.westeurope.azmk8s.io"}, {"matchName": "co.uk"}],
)  # fmt: skip
def test_named_domains_pass(pack: PolicyPackProcess, selector: dict[str, str]) -> None:
    egress = [FQDN_DNS, {"toFQDNs": [selector], "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]}]
    assert of_policy(analyze(pack, Res(CNP, "fqdn", policy("app", egress))), "no-open-egress") == []


# --- open ingress, the mirror of open egress ------------------------------------------------------------------------

EVERY_NAMESPACE = {"matchExpressions": [{"key": "k8s:io.kubernetes.pod.namespace", "operator": "Exists"}]}
HTTPS_IN = [{"ports": [{"port": "443", "protocol": "TCP"}]}]


def ingress_policy(namespace: str, ingress: list[dict[str, Any]]) -> dict[str, Any]:
    return {"metadata": {"name": "in", "namespace": namespace}, "spec": {"endpointSelector": {}, "ingress": ingress}}


@pytest.mark.parametrize(
    "rule",
    [{"fromEntities": ["world"]}, {"fromEntities": ["all"]}, {"fromEntities": ["cluster"]}, {"fromCIDR": ["0.0.0.0/0"]},
     {"fromCIDRSet": [{"cidr": "0.0.0.0/1"}, {"cidr": "128.0.0.0/1"}]}, {"fromCIDR": ["::/0"]},
     {"fromEntities": ["world"], "toPorts": [{"ports": [{"port": "0", "protocol": "ANY"}]}]},
     {"fromEntities": ["world"], "toPorts": [{"ports": [{"port": "443"}]}, {"ports": [{"port": "0"}]}]},
     {"fromEndpoints": [EVERY_NAMESPACE]}, {"toPorts": [{"ports": [{"port": "0"}]}]},
     {"fromEntities": ["world"], "toPorts": [{"ports": [{"port": "1", "endPort": 65535, "protocol": "TCP"}]}]}],
    ids=["world", "all", "cluster", "v4-world", "split-halves", "v6-world", "port-zero", "one-of-two-port-zero",
         "namespace-exists", "no-peers-port-zero", "full-range"],
)  # fmt: skip
@pytest.mark.parametrize("kind", [CNP, CCNP])
def test_open_ingress_is_refused(pack: PolicyPackProcess, rule: dict[str, Any], kind: str) -> None:
    """An ingress rule without toPorts admits every port, and port 0 is the datapath's port wildcard; entities `world`
    and `all` include the internet and `cluster` every endpoint of the cluster (../shared/cilium/1.20.0/
    ciliumnetworkpolicies.yaml, fromEntities); a `k8s:io.kubernetes.pod.namespace` requirement `Exists` selects the
    pods of every namespace, where a selector without it means the policy's own (cilium/cilium
    Documentation/security/policy/kubernetes.rst, Namespaces)."""
    assert_mandatory(analyze(pack, Res(kind, "in", ingress_policy("app", [rule]))), "no-open-ingress", "every")


def test_a_clusterwide_empty_selector_is_every_namespace(pack: PolicyPackProcess) -> None:
    """In a CiliumClusterwideNetworkPolicy `fromEndpoints: [{}]` is every endpoint of the cluster (cilium/cilium
    Documentation/security/policy/kubernetes.rst, Clusterwide Policies); in a namespaced one, its own namespace."""
    rule: list[dict[str, Any]] = [{"fromEndpoints": [{}]}]
    assert_mandatory(analyze(pack, Res(CCNP, "in", ingress_policy("app", rule))), "no-open-ingress", "every namespace")
    assert of_policy(analyze(pack, Res(CNP, "in", ingress_policy("app", rule))), "no-open-ingress") == []


@pytest.mark.parametrize(
    "rule",
    [{"fromEntities": ["world"], "toPorts": HTTPS_IN}, {"fromCIDR": ["0.0.0.0/0"], "toPorts": HTTPS_IN}, {},
     {"fromEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "frontend"}}]},
     {"fromEndpoints": [EVERY_NAMESPACE], "toPorts": HTTPS_IN}, {"fromCIDR": ["20.50.1.0/24"]},
     {"fromEntities": ["world"], "icmps": [{"fields": [{"type": 8}]}]}, {"fromEntities": ["ingress", "kube-apiserver"]},
     {"toPorts": HTTPS_IN}, {"fromEntities": ["world"], "toPorts": [{"ports": [{"port": "8000", "endPort": 8100}]}]}],
    ids=["load-balancer-port", "world-cidr-one-port", "default-deny", "one-namespace", "every-namespace-one-port",
         "one-range", "ping", "cilium-ingress", "every-source-one-port", "port-range"],
)  # fmt: skip
def test_chosen_ingress_passes(pack: PolicyPackProcess, rule: dict[str, Any]) -> None:
    """The tenant model admits a LoadBalancer's traffic as `world` on the ports it names; that stays allowed."""
    for kind in (CNP, CCNP):
        assert of_policy(analyze(pack, Res(kind, "in", ingress_policy("app", [rule]))), "no-open-ingress") == []


@pytest.mark.parametrize(
    "spec",
    [{"podSelector": {}, "ingress": [{}]}, {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]},
     {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}, "podSelector": {}}], "ports": [{"protocol": "TCP"}]}]},
     {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}]}]},
     {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"ports": [{"port": 443}, {"protocol": "UDP"}]}]},
     {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}], "ports": [{"port": 1, "endPort": 65535}]}]}],
    ids=["allow-all", "every-namespace", "every-namespace-every-tcp-port", "world-block", "every-udp-port", "full-range"],
)  # fmt: skip
def test_native_network_policies_are_judged_for_open_ingress(pack: PolicyPackProcess, spec: dict[str, Any]) -> None:
    """kubernetes/api `networking/v1/types.go`: NetworkPolicyIngressRule.From empty or missing matches all sources and
    Ports all ports; NetworkPolicyPort without `port` matches every port of its protocol; an empty namespaceSelector
    selects all namespaces (NetworkPolicyPeer)."""
    found = analyze(pack, Res(NETWORK_POLICY, "np", {"metadata": {"name": "np", "namespace": "payments"}, "spec": spec}))
    assert_mandatory(found, "no-open-ingress")


@pytest.mark.parametrize(
    "spec",
    [{"podSelector": {}, "policyTypes": ["Ingress"]},
     {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 443}]}]},
     {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "a"}}}]}]},
     {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}],
    ids=["default-deny", "world-one-port", "one-team", "own-namespace"],
)  # fmt: skip
def test_compliant_native_ingress_passes(pack: PolicyPackProcess, spec: dict[str, Any]) -> None:
    found = analyze(pack, Res(NETWORK_POLICY, "np", {"metadata": {"name": "np", "namespace": "payments"}, "spec": spec}))
    assert of_policy(found, "no-open-ingress") == []


# Three /9s of public space: each under the /8 threshold, together more than a /8.
NINTHS = ["11.0.0.0/9", "11.128.0.0/9", "12.0.0.0/9"]


def split(kind: str, selectors: list[dict[str, Any]], namespace: str = "app") -> list[Res]:
    return [
        Res(kind, f"part-{i}", policy(namespace, [{"toCIDR": [cidr]}], selector, name=f"part-{i}"))
        for i, (cidr, selector) in enumerate(zip(NINTHS, selectors, strict=True))
    ]


@pytest.mark.parametrize(
    "selectors",
    [[{}, {}, {}], [{"matchLabels": {"app": "web"}}] * 3, [{}, {"matchLabels": {"app": "web"}}, {"matchLabels": {"k8s:tier": "front"}}],
     [{"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]}, {"matchLabels": {"any:app": "web"}}, {}]],
    ids=["all-pods", "same-app", "overlapping-labels", "expressions"],
)  # fmt: skip
def test_internet_split_across_policies_is_judged_per_endpoint(pack: PolicyPackProcess, selectors: list[dict[str, Any]]) -> None:
    """Rules of every policy selecting an endpoint add up (cilium/cilium Documentation/security/policy/intro.rst)."""
    parts = split(CNP, selectors)
    assert all(of_policy(analyze(pack, part), "no-open-egress") == [] for part in parts)
    assert_mandatory(analyze_stack(pack, parts), "egress-coverage-per-endpoint", "together")


def test_split_across_a_clusterwide_and_a_namespaced_policy_and_a_network_policy(pack: PolicyPackProcess) -> None:
    ccnp = Res(CCNP, "cw", {"metadata": {"name": "cw"}, "spec": {"endpointSelector": {}, "egress": [{"toCIDR": [NINTHS[0]]}]}})
    cnp = Res(CNP, "ns", policy("app", [{"toCIDR": [NINTHS[1]]}]))
    native = {
        "metadata": {"name": "np", "namespace": "app"},
        "spec": {"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": NINTHS[2]}}]}]},
    }
    assert_mandatory(analyze_stack(pack, [ccnp, cnp, Res(NETWORK_POLICY, "np", native)]), "egress-coverage-per-endpoint")


@pytest.mark.parametrize(
    ("selectors", "namespaces"),
    [([{"matchLabels": {"app": "a"}}, {"matchLabels": {"app": "b"}}, {"matchLabels": {"app": "c"}}], ["app"] * 3),
     ([{}, {}, {}], ["a", "b", "c"]),
     ([{"matchLabels": {"app": "a"}}, {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["a"]}]},
       {"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}], ["app"] * 3)],
    ids=["disjoint-apps", "other-namespaces", "exclusive-expressions"],
)  # fmt: skip
def test_ranges_of_endpoints_that_never_meet_pass(pack: PolicyPackProcess, selectors: list[dict[str, Any]], namespaces: list[str]) -> None:
    parts = [
        Res(CNP, f"p{i}", policy(ns, [{"toCIDR": [cidr]}], sel, name=f"p{i}"))
        for i, (cidr, sel, ns) in enumerate(zip(NINTHS, selectors, namespaces, strict=True))
    ]
    assert of_policy(analyze_stack(pack, parts), "egress-coverage-per-endpoint") == []


# --- exemptions and tiers -------------------------------------------------------------------------------------------


def configure(pack: PolicyPackProcess, properties: dict[str, dict[str, Any]]) -> None:
    """A Configure request as an engine would send it for a policy config the file check never saw."""
    configs = {}
    for info in pack.info().policies:
        struct = struct_pb2.Struct()
        struct.update(properties.get(info.name, {}))
        configs[info.name] = analyzer_pb2.PolicyConfig(enforcementLevel=LEVELS["mandatory"], properties=struct)
    pack.stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=configs))


@pytest.fixture(scope="module")
def dev_pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(stack_config={"aks-cilium:tier": "dev"}) as process:
        configure(process, {"no-open-egress": {"exemptNamespaces": ["sandbox"]}, "stack-tier": {"tier": "dev"}})
        yield process


WORLD = [{"toEntities": ["world"]}]


def test_a_clusterwide_policy_is_not_exempted_by_its_metadata(dev_pack: PolicyPackProcess) -> None:
    """A CiliumClusterwideNetworkPolicy is not namespaced (../shared/cilium/1.20.0/ciliumclusterwidenetworkpolicies.yaml,
    `scope: Cluster`): a namespace in its metadata selects nothing and exempts nothing."""
    ccnp = {"metadata": {"name": "cw", "namespace": "sandbox"}, "spec": {"endpointSelector": {}, "egress": WORLD}}
    assert_mandatory(analyze(dev_pack, Res(CCNP, "cw", ccnp)), "no-open-egress", "world")
    assert of_policy(analyze(dev_pack, Res(CNP, "ok", policy("sandbox", WORLD))), "no-open-egress") == []


def test_a_prod_tier_stack_honours_no_exemption(pack: PolicyPackProcess) -> None:
    configure(pack, {"no-open-egress": {"exemptNamespaces": ["sandbox"]}})
    try:
        found = analyze(pack, Res(CNP, "p", policy("sandbox", WORLD)))
        assert_mandatory(found, "no-open-egress", "world", "allows no exemptions")
    finally:
        pack.configure(pack.pack_dir / "config" / "prod.json")


def test_a_prod_tier_stack_with_a_dev_policy_config_is_refused(pack: PolicyPackProcess) -> None:
    """The pack reads the stack's tier from PULUMI_CONFIG, as the engine passes the stack's config
    (pulumi/pulumi pkg/resource/plugin/analyzer_plugin.go, constructEnv): a dev config declares tier dev."""
    configure(pack, {"stack-tier": {"tier": "dev"}})
    try:
        assert_mandatory(analyze_stack(pack, [Res(NAMESPACE, "ns", {"metadata": {"name": "x"}})]), "stack-tier", "tier prod")
    finally:
        pack.configure(pack.pack_dir / "config" / "prod.json")


def test_a_new_stack_reaches_the_pack_with_pulumi_yamls_tier(tmp_path: Path) -> None:
    """pulumi/pulumi `pkg/cmd/pulumi/operations/preview.go` (and up.go) apply the project's config defaults to the
    stack's config (`pkg/workspace/config.go` `mergeConfig`: a key the stack does not set takes its `default`);
    `pkg/engine/update.go` decrypts that config into PolicyAnalyzerOptions.Config, and
    `pkg/resource/plugin/analyzer_plugin.go` `constructConfig` writes it to PULUMI_CONFIG. offline/stack_config.py
    merges the same way, so a stack file without a tier reaches the pack with Pulumi.yaml's default, prod's levels."""
    shutil.copy(PROJECT_DIR / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.new.yaml").write_text("config:\n  aks-cilium:location: westeurope\n")
    values = load_stack_config("new", tmp_path, environ={}).values
    assert values["aks-cilium:tier"] == "prod"
    with PolicyPackProcess(stack_config=values) as process:
        configure(process, {"no-open-egress": {"exemptNamespaces": ["sandbox"]}, "stack-tier": {"tier": "dev"}})
        assert_mandatory(analyze(process, Res(CNP, "p", policy("sandbox", WORLD))), "no-open-egress", "allows no exemptions")
        assert_mandatory(analyze_stack(process, []), "stack-tier", "tier prod")


def test_a_stack_without_a_tier_is_held_to_prod() -> None:
    with PolicyPackProcess(stack_config={"aks-cilium:location": "westeurope"}) as process:
        configure(process, {"no-open-egress": {"exemptNamespaces": ["sandbox"]}, "stack-tier": {"tier": "dev"}})
        found = analyze(process, Res(CNP, "p", policy("sandbox", WORLD)))
        assert_mandatory(found, "no-open-egress", "allows no exemptions")
        assert [name for name, _ in mandatory(analyze_stack(process, []))] == ["stack-tier"]


# --- AKS LocalDNS -----------------------------------------------------------------------------------------------------

FQDN_EGRESS: list[dict[str, Any]] = [copy.deepcopy(DNS_RULE), {"toFQDNs": [{"matchName": "api.stripe.com"}]}]
LOCAL_DNS_POLICY = "local-dns-off-with-kube-dns-rules"


@pytest.mark.parametrize(
    ("token", "pool"),
    [
        (MANAGED_CLUSTER, {"name": "system", "osType": "Linux", "localDNSProfile": {"mode": "Required"}}),
        ("azure-native:containerservice/v20260502preview:ManagedCluster", {"name": "system", "osType": "Linux", "localDNSProfile": {}}),
    ],
    ids=["required", "preview-token-profile-without-mode"],
)
def test_local_dns_beside_kube_dns_rules_is_refused(pack: PolicyPackProcess, token: str, pool: dict[str, Any]) -> None:
    """LocalDNS answers pods at 169.254.10.10/11 (MicrosoftDocs/azure-aks-docs articles/aks/localdns-custom.md), where
    no kube-dns rule and so no FQDN allowlist applies; a cluster under any token of its kind is judged."""
    cluster = Res(token, "aks", {**CLUSTER_PROPS, "agentPoolProfiles": [pool]})
    diagnostics = analyze_stack(pack, [cluster, Res(CNP, "fqdn", policy("payments", FQDN_EGRESS))])
    assert_mandatory(diagnostics, LOCAL_DNS_POLICY, "169.254.10.10/11", "payments/p", "Disabled")


def test_local_dns_off_or_on_a_pool_of_a_stack_without_kube_dns_rules_passes(pack: PolicyPackProcess) -> None:
    disabled = {**CLUSTER_PROPS, "agentPoolProfiles": [{"name": "system", "osType": "Linux", "localDNSProfile": {"mode": "Disabled"}}]}
    fqdn = Res(CNP, "f", policy("payments", FQDN_EGRESS))
    assert of_policy(analyze_stack(pack, [Res(MANAGED_CLUSTER, "aks", disabled), fqdn]), LOCAL_DNS_POLICY) == []
    pool = Res(AGENT_POOL, "user", {"osType": "Linux", "localDNSProfile": {"mode": "Required"}})
    api_only = Res(CNP, "api", policy("payments", [{"toEntities": ["kube-apiserver"]}]))
    assert of_policy(analyze_stack(pack, [Res(MANAGED_CLUSTER, "aks", CLUSTER_PROPS), pool, api_only]), LOCAL_DNS_POLICY) == []


def test_a_malformed_local_dns_profile_is_cannot_verify(pack: PolicyPackProcess) -> None:
    cluster = Res(MANAGED_CLUSTER, "aks", {**CLUSTER_PROPS, "agentPoolProfiles": [{"name": "system", "localDNSProfile": {"mode": 1}}]})
    diagnostics = analyze_stack(pack, [cluster, Res(CNP, "f", policy("payments", FQDN_EGRESS))])
    assert_mandatory(diagnostics, LOCAL_DNS_POLICY, "cannot verify", "localDNSProfile.mode")
