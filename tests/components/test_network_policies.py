"""CiliumNetworkPolicies: the scenario exactly, Cilium's own CRD schema, ordering, and the core objects."""

from __future__ import annotations

import json
from typing import Any

import kubernetes_validate
import pulumi
import pulumi_kubernetes as k8s
import pytest

from aks_cilium.network_policy.component import NetworkPolicySet, NetworkPolicySetArgs
from aks_cilium.testing import ProgramRun, run_callable
from offline.stack_config import load_stack_config
from stack_settings import ConfigError
from tests.support.artifacts import CRD_PATH, requires_artifacts
from tests.support.crd import cnp_errors
from tests.support.stacks import RunStack
from tests.support.tokens import CCNP, CNP, RELEASE

CCNP_CRD_PATH = CRD_PATH.parent / "ciliumclusterwidenetworkpolicies.yaml"
MANAGED = {"k8s:io.cilium.k8s.namespace.labels.aks-cilium.io/baseline": "default-deny"}
KUBE_DNS = {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns"}}
DNS_PORT = {"ports": [{"port": "53", "protocol": "ANY"}]}
VARIANTS: list[tuple[str, dict[str, str]]] = [
    ("dev", {}),
    ("prod", {}),
    ("prod", {"advancedNetworkingSecurity": "false", "fqdnAllowlist": "[]"}),
    ("dev", {"fqdnAllowlist": '["client:*.github.io", "demo:api.example.com"]', "nativeNetworkPolicyDefaultDeny": "true"}),
]


def spec(run: ProgramRun, namespace: str, policy: str) -> dict[str, Any]:
    found: dict[str, Any] = run.one(CNP, f"policies-{namespace}-{policy}").inputs["spec"]
    return found


def clusterwide(run: ProgramRun, policy: str) -> dict[str, Any]:
    found: dict[str, Any] = run.one(CCNP, f"policies-{policy}").inputs["spec"]
    return found


def test_scenario_default_deny_both_ways_is_one_clusterwide_policy(run_stack: RunStack) -> None:
    """Namespace labels reach endpoints as `io.cilium.k8s.namespace.labels.<key>` (cilium/cilium
    Documentation/security/policy/kubernetes.rst, "Known Pitfalls"); CiliumClusterwideNetworkPolicy is supported
    by Azure CNI powered by Cilium (MicrosoftDocs/azure-aks-docs articles/aks/azure-cni-powered-by-cilium.md, FAQ)."""
    run = run_stack("dev")
    assert clusterwide(run, "aks-cilium-default-deny") == {
        "description": "Default deny: no ingress or egress unless another policy allows it",
        "endpointSelector": {"matchLabels": MANAGED},
        "ingress": [{}],
        "egress": [{}],
    }
    for name in ("demo", "client"):
        assert (
            run.one("kubernetes:core/v1:Namespace", f"policies-{name}").inputs["metadata"]["labels"]["aks-cilium.io/baseline"]
            == "default-deny"
        )
    outsider = run.one("kubernetes:core/v1:Namespace", "connectivity-outsider").inputs["metadata"]["labels"]
    assert outsider["aks-cilium.io/baseline"] == "default-deny"
    assert not any(r.inputs["metadata"]["name"] == "default-deny" for r in run.of_type(CNP))


def test_kube_dns_at_l4_for_namespaces_without_fqdns(run_stack: RunStack) -> None:
    """Only namespaces without FQDN egress: beside a similar L4 rule an L7 DNS rule has no effect, so the L4 allowance
    must not select the namespaces whose DNS rule restricts names (cilium/cilium
    Documentation/security/policy/layer7.rst)."""
    run = run_stack("prod")
    assert clusterwide(run, "aks-cilium-allow-kube-dns")["egress"] == [{"toEndpoints": [KUBE_DNS], "toPorts": [DNS_PORT]}]
    selector = clusterwide(run, "aks-cilium-allow-kube-dns")["endpointSelector"]["matchLabels"]
    assert selector == {**MANAGED, "k8s:io.cilium.k8s.namespace.labels.aks-cilium.io/dns": "kube-dns"}
    labels = {
        n.inputs["metadata"]["name"]: n.inputs["metadata"]["labels"]["aks-cilium.io/dns"]
        for n in run.of_type("kubernetes:core/v1:Namespace")
    }
    assert labels == {"payments": "proxy", "frontend": "kube-dns"}


def test_scenario_allow_from_client(run_stack: RunStack) -> None:
    run = run_stack("dev")
    assert spec(run, "demo", "allow-from-namespaces")["ingress"] == [
        {"fromEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "client"}}]}
    ]
    assert spec(run, "client", "allow-to-namespaces")["egress"] == [
        {"toEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "demo"}}]}
    ]


def _peers(key: str, *namespaces: str) -> list[dict[str, Any]]:
    return [{key: [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": namespace}} for namespace in namespaces]}]


def test_allow_from_pairs_open_ingress_on_targets_and_egress_on_managed_sources(run_stack: RunStack) -> None:
    run = run_stack(
        "dev",
        namespaces='["demo", "client", "web"]',
        namespaceAllowFrom='["demo:client", "demo:web", "web:client", "client:ingress-nginx"]',
    )
    assert spec(run, "demo", "allow-from-namespaces")["ingress"] == _peers("fromEndpoints", "client", "web")
    assert spec(run, "web", "allow-from-namespaces")["ingress"] == _peers("fromEndpoints", "client")
    assert spec(run, "client", "allow-from-namespaces")["ingress"] == _peers("fromEndpoints", "ingress-nginx")
    assert spec(run, "client", "allow-to-namespaces")["egress"] == _peers("toEndpoints", "demo", "web")
    assert spec(run, "web", "allow-to-namespaces")["egress"] == _peers("toEndpoints", "demo")
    # ingress-nginx is not managed here: its egress is its owner's business, and demo sends to nobody.
    names = {r.name for r in run.of_type(CNP)}
    assert "policies-demo-allow-to-namespaces" not in names
    assert not any("ingress-nginx" in name for name in names)


def test_namespace_names_carry_the_namespaces_as_dependencies() -> None:
    def program() -> None:
        policies = NetworkPolicySet(
            "set", NetworkPolicySetArgs(namespaces=[{"name": "payments"}, {"name": "frontend"}], network_mode="byocni")
        )
        pulumi.export("names", policies.namespace_names)
        k8s.core.v1.ConfigMap("consumer", data=policies.namespace_names.apply(lambda names: {"namespaces": ",".join(names)}))

    run = run_callable(program, load_stack_config("dev"))
    assert run.outputs["names"] == ["payments", "frontend"]
    consumer = run.one("kubernetes:core/v1:ConfigMap", "consumer")
    assert consumer.inputs["data"] == {"namespaces": "payments,frontend"}
    namespaces = run.of_type("kubernetes:core/v1:Namespace")
    assert len(namespaces) == 2
    assert {namespace.urn for namespace in namespaces} <= set(consumer.dependencies)


def test_scenario_fqdn_allowlist_carries_its_dns_rule(run_stack: RunStack) -> None:
    """`toFQDNs` allows only the IPs that Cilium learnt from DNS responses it proxied, and only DNS traffic matched by an
    L7 `dns` rule goes through that proxy (cilium/cilium Documentation/security/policy/language.rst, "DNS based" and
    "DNS Policy and IP Discovery"). The bare `*` pattern is allowed here because dev is BYOCNI; ACNS has none (UPSTREAM.md,
    AKS "ACNS")."""
    assert spec(run_stack("dev"), "client", "allow-fqdns")["egress"] == [
        {"toEndpoints": [KUBE_DNS], "toPorts": [{**DNS_PORT, "rules": {"dns": [{"matchPattern": "*"}]}}]},
        {
            "toFQDNs": [{"matchName": "google.com"}, {"matchName": "www.google.com"}],
            "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}, {"port": "80", "protocol": "TCP"}]}],
        },
    ]


BROAD_ENTITIES = {"host", "remote-node", "world", "all", "cluster"}


@pytest.mark.parametrize(("stack", "overrides"), VARIANTS)
def test_no_policy_admits_broad_entities_on_every_port(run_stack: RunStack, stack: str, overrides: dict[str, str]) -> None:
    """`host` is redundant for kubelet probes (allow-localhost), and `remote-node` on every port lets every node,
    hostNetwork pod and SNATed NodePort flow past default deny (UPSTREAM.md, Cilium 1.20 "Entities")."""
    run = run_stack(stack, **overrides)
    policies = run.of_type(CNP) + run.of_type(CCNP)
    assert policies
    for policy in policies:
        for rule in policy.inputs["spec"].get("ingress", []) + policy.inputs["spec"].get("egress", []):
            entities = set(rule.get("fromEntities", []) + rule.get("toEntities", []))
            assert not (entities & BROAD_ENTITIES and not rule.get("toPorts")), policy.name


def test_webhooks_are_opt_in_per_namespace_on_their_port(run_stack: RunStack) -> None:
    """AKS's API server calls webhooks through konnectivity-agent pods (kube-system, `app: konnectivity-agent`),
    arriving with pod addresses: tigera/operator pull request #5212. The rule names the pod's port as configured:
    Cilium applies L4 policy after service port mapping (cilium/cilium Documentation/security/policy/layer4.rst)."""
    assert not any(r.inputs["metadata"]["name"] == "allow-webhooks" for r in run_stack("dev").of_type(CNP))
    run = run_stack("dev", webhookPorts='["demo:9443"]')
    assert spec(run, "demo", "allow-webhooks")["ingress"] == [
        {
            "fromEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:app": "konnectivity-agent"}}],
            "toPorts": [{"ports": [{"port": "9443", "protocol": "TCP"}]}],
        }
    ]
    assert not any(
        r.inputs["metadata"].get("namespace") == "client" and r.inputs["metadata"]["name"] == "allow-webhooks" for r in run.of_type(CNP)
    )


def test_azure_cilium_uses_explicit_dns_patterns(run_stack: RunStack) -> None:
    """Microsoft's musl workaround: the name, then `<name>.*.*` up to five labels of suffix; no bare `*` on ACNS
    (MicrosoftDocs/azure-aks-docs articles/aks/container-network-security-fqdn-filtering-concepts.md)."""
    dns = spec(run_stack("prod"), "payments", "allow-fqdns")["egress"][0]["toPorts"][0]["rules"]["dns"]
    assert {"matchPattern": "*"} not in dns
    assert {"matchName": "api.stripe.com"} in dns
    assert {"matchName": "api.stripe.com.payments.svc.cluster.local"} in dns
    assert {"matchPattern": "api.stripe.com.*.*.*.*.*"} in dns
    assert {"matchPattern": "*.*.svc.cluster.local"} in dns


def test_azure_cilium_without_acns_security_has_no_l7(run_stack: RunStack) -> None:
    """FQDN filtering and L7 policies need ACNS security on Azure CNI powered by Cilium (UPSTREAM.md, AKS "ACNS":
    MicrosoftDocs/azure-aks-docs articles/aks/container-network-security-fqdn-filtering-concepts.md)."""
    run = run_stack("prod", advancedNetworkingSecurity="false", fqdnAllowlist="[]")
    policies = run.of_type(CNP) + run.of_type(CCNP)
    assert any(policy.inputs["spec"].get("egress") for policy in policies)
    for policy in policies:
        for rule in policy.inputs["spec"].get("egress", []):
            assert all("rules" not in port for port in rule.get("toPorts", [])), policy.name
    with pytest.raises(ConfigError) as caught:
        run_stack("prod", advancedNetworkingSecurity="false")
    assert caught.value.keys == {"fqdnAllowlist"}


def test_every_policy_waits_for_cilium(run_stack: RunStack) -> None:
    """The CiliumNetworkPolicy CRDs are not in the chart (../shared/cilium/1.20.0/cilium-1.20.0.tgz lists no CRD file):
    Cilium's own code creates them when it starts (cilium/cilium pkg/k8s/apis/cilium.io/client/cell.go,
    `RegisterCRDsCell`, "a cell that creates all the Cilium CRDs"; values.yaml `crdWaitTimeout`: Cilium exits if the
    CRDs are not there), so a policy sent before the release would meet an API server that does not know its kind."""
    run = run_stack("dev")
    release = run.one(RELEASE)
    policies = run.of_type(CNP) + run.of_type(CCNP)
    # The policy set's (cluster-wide four, client's two, demo's one), the connectivity check's outsider egress and
    # Hubble Relay's clients.
    assert len(policies) == 9
    for policy in policies:
        assert release.urn in policy.dependencies, policy.name


def test_azure_cilium_policies_wait_for_the_cluster(run_stack: RunStack) -> None:
    """With Azure CNI powered by Cilium there is no release: AKS runs Cilium as part of the cluster (MicrosoftDocs/azure-aks-docs
    articles/aks/azure-cni-powered-by-cilium.md: Cilium L3/L4 and clusterwide policies supported, its `cilium-config` in
    kube-system), so the CRDs exist only once the cluster does. That AKS has created the CRDs by the time the
    ManagedCluster reports success is inferred, not stated on the page."""
    run = run_stack("prod")
    cluster = run.one("azure-native:containerservice:ManagedCluster")
    policies = run.of_type(CNP) + run.of_type(CCNP)
    assert policies
    for policy in policies:
        assert cluster.urn in policy.dependencies, policy.name


def test_connectivity_check_probes_the_scenario(run_stack: RunStack) -> None:
    run = run_stack("dev")
    jobs = {job.name: job for job in run.of_type("kubernetes:batch/v1:Job")}
    job, outsider = jobs["connectivity-job"], jobs["connectivity-outsider-job"]
    script = job.inputs["spec"]["template"]["spec"]["containers"][0]["command"][2]
    assert "probe 'demo service' allowed http://demo-app.demo.svc.cluster.local" in script
    assert "probe google.com allowed https://google.com" in script
    assert "probe github.com denied https://github.com" in script
    outsider_script = outsider.inputs["spec"]["template"]["spec"]["containers"][0]["command"][2]
    assert "probe 'demo service from a namespace not allowed' denied http://demo-app.demo.svc.cluster.local" in outsider_script
    assert job.inputs["metadata"]["namespace"] == "client"
    assert outsider.inputs["metadata"]["namespace"] == "connectivity-outsider"
    assert "pulumi.com/skipAwait" not in job.inputs["metadata"].get("annotations", {})
    policy_set = [policy for policy in run.of_type(CNP) + run.of_type(CCNP) if policy.name.startswith("policies-")]
    assert policy_set
    for policy in policy_set:
        assert policy.urn in job.dependencies
        assert policy.urn in outsider.dependencies


def test_connectivity_check_reruns_when_the_policies_change(run_stack: RunStack) -> None:
    """A changed metadata.name replaces the Job, so the check runs again against the new policies."""
    first = run_stack("dev").one("kubernetes:batch/v1:Job", "connectivity-job").inputs["metadata"]["name"]
    same = run_stack("dev").one("kubernetes:batch/v1:Job", "connectivity-job").inputs["metadata"]["name"]
    changed = run_stack("dev", namespaceAllowFrom="[]").one("kubernetes:batch/v1:Job", "connectivity-job").inputs["metadata"]["name"]
    assert first == same
    assert first != changed
    assert first.startswith("connectivity-check-")


def test_connectivity_check_is_optional(run_stack: RunStack) -> None:
    assert run_stack("dev", connectivityCheck="false").of_type("kubernetes:batch/v1:Job") == []


def test_native_network_policy_default_deny_for_migrating_teams(run_stack: RunStack) -> None:
    """kubernetes/website content/en/docs/concepts/services-networking/network-policies.md, "Default deny all ingress
    and all egress traffic", and its example content/en/examples/service/networking/network-policy-default-deny-all.yaml:
    `podSelector: {}` with `policyTypes: [Ingress, Egress]`."""
    run = run_stack("dev", nativeNetworkPolicyDefaultDeny="true")
    natives = run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    assert {n.inputs["metadata"]["namespace"] for n in natives} == {"demo", "client"}
    assert natives[0].inputs["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


@requires_artifacts
@pytest.mark.parametrize(("stack", "overrides"), VARIANTS)
def test_every_generated_policy_matches_ciliums_crd(run_stack: RunStack, stack: str, overrides: dict[str, str]) -> None:
    run = run_stack(stack, **overrides)
    policies = run.of_type(CNP)
    assert policies
    for policy in policies:
        assert cnp_errors(CRD_PATH, policy.inputs) == [], policy.name
    clusterwide = run.of_type(CCNP)
    assert clusterwide
    for policy in clusterwide:
        assert cnp_errors(CCNP_CRD_PATH, policy.inputs) == [], policy.name


@requires_artifacts
def test_closed_schema_catches_a_field_the_api_server_would_prune() -> None:
    """The API server prunes a field it does not recognise before storing a custom resource (kubernetes/website
    content/en/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions.md, "Field pruning"), so a
    misspelt field vanishes silently. The CRD is Cilium's (../shared/cilium/1.20.0/ciliumnetworkpolicies.yaml), which
    knows `fromEndpoints` but not `fromEndpoint`."""
    policy = {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": "x"},
              "spec": {"endpointSelector": {}, "ingress": [{"fromEndpoint": [{}]}]}}  # fmt: skip
    assert any("fromEndpoint" in error for error in cnp_errors(CRD_PATH, policy))


CORE_KINDS = ("kubernetes:core/v1:Namespace", "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service",
              "kubernetes:batch/v1:Job", "kubernetes:networking.k8s.io/v1:NetworkPolicy")  # fmt: skip


def test_core_objects_match_the_kubernetes_api_schema(run_stack: RunStack) -> None:
    run = run_stack("dev", nativeNetworkPolicyDefaultDeny="true")
    objects = [r for r in run.registrations if r.type in CORE_KINDS]
    # Every kind present, and the native default deny once per managed namespace (dev's stack file lists them).
    assert {r.type for r in objects} == set(CORE_KINDS)
    managed = load_stack_config("dev").values["aks-cilium:namespaces"]
    assert len(run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")) == len(json.loads(managed))
    for registration in objects:
        kubernetes_validate.validate(registration.inputs, "1.33", strict=True)
