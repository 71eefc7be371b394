"""CiliumNetworkPolicies: the scenario exactly, Cilium's own CRD schema, ordering, and the core objects."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from typing import Any

import kubernetes_validate
import pulumi
import pulumi_kubernetes as k8s
import pytest

from aks_cilium.cilium.rules import kube_proxy_replacement_problem
from aks_cilium.network_policy.args import PeerContext, namespace_entry_problems
from aks_cilium.network_policy.component import NetworkPolicySet, NetworkPolicySetArgs
from aks_cilium.network_policy.reserved import PROBE_NAMESPACE
from aks_cilium.testing import ProgramRun, run_callable
from offline.engine import run_program
from offline.stack_config import PROJECT_DIR, load_stack_config
from program import probes
from stack_settings import ConfigError, load_settings, project_config
from tests.support.artifacts import CRD_PATH, requires_artifacts
from tests.support.crd import cnp_errors
from tests.support.policies import dns_rule_of
from tests.support.stacks import RunStack, declared_namespaces, example_keys, stack_config, with_overrides
from tests.support.tokens import CCNP, CNP, RELEASE

CCNP_CRD_PATH = CRD_PATH.parent / "ciliumclusterwidenetworkpolicies.yaml"
MANAGED = {"k8s:io.cilium.k8s.namespace.labels.aks-cilium.io/baseline": "default-deny"}
KUBE_DNS = {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns"}}
DNS_PORT = {"ports": [{"port": "53", "protocol": "ANY"}]}
VARIANTS: list[tuple[str, dict[str, str]]] = [
    ("dev", {}),
    ("prod", {}),
    ("prod", {"advancedNetworkingSecurity": "false", "namespaces": json.dumps({"payments": {}, "frontend": {}}), "expectations": "[]"}),
    (
        "dev",
        {
            "namespaces": json.dumps(
                {
                    "client": {"egress": [{"fqdn": "*.pages.example.org", "ports": [443]}]},
                    "demo": {
                        "ingress": [{"outside": "loadBalancer", "ports": [8080]}],
                        "egress": [{"fqdn": "api.example.com", "ports": [443]}],
                    },
                }
            ),
            "expectations": "[]",  # dev's name the namespaces this map drops
        },
    ),
]
TENANT = "tenant-allow"
NAMESPACE_KEY = "k8s:io.kubernetes.pod.namespace"


@pytest.fixture(scope="module")
def run_variant() -> Callable[..., ProgramRun]:
    """A stack with overrides that several tests here read, run once per module (no test changes a run); the stacks as
    committed come from run_stack, which shares them across the suite."""
    runs: dict[tuple[str, tuple[tuple[str, str], ...]], ProgramRun] = {}

    def run(stack: str, **overrides: str) -> ProgramRun:
        key = (stack, tuple(sorted(overrides.items())))
        if key not in runs:
            runs[key] = run_program(with_overrides(stack_config(stack), overrides))
        return runs[key]

    return run


def _variant(run_stack: RunStack, run_variant: Callable[..., ProgramRun], stack: str, overrides: dict[str, str]) -> ProgramRun:
    return run_variant(stack, **overrides) if overrides else run_stack(stack)


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
    outsider = run.one("kubernetes:core/v1:Namespace", "connectivity-outsider").inputs["metadata"]
    assert outsider["name"] == "aks-cilium-probe"
    outsider = outsider["labels"]
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
    assert labels == {"payments": "proxy", "frontend": "kube-dns", "billing-agent": "kube-dns"}


def _ns(namespace: str) -> dict[str, Any]:
    return {"matchLabels": {"k8s:io.kubernetes.pod.namespace": namespace}}


def _on(*ports: int) -> list[dict[str, Any]]:
    return [{"ports": [{"port": str(port), "protocol": "TCP"} for port in ports]}]


def test_scenario_client_reaches_the_demo_apps_port_and_each_namespace_itself(run_stack: RunStack) -> None:
    """demo admits client on the app's port, and client's egress follows; both admit their own pods (a CNP selector
    with the namespace label, cilium/cilium Documentation/security/policy/kubernetes.rst, "Namespaces"). demo also
    admits clients of a LoadBalancer on that port, as `world` (Documentation/security/policy/language.rst, "Entities
    Based"), so dev's plan shows the outside construct; and batch, whose own pods do not reach each other."""
    run = run_stack("dev")
    assert spec(run, "demo", TENANT)["ingress"] == [
        {"fromEndpoints": [_ns("demo")]},
        {"fromEndpoints": [_ns("client")], "toPorts": _on(8080)},
        {"fromEntities": ["world"], "toPorts": _on(8080)},
        {"fromEndpoints": [_ns("batch")], "toPorts": _on(8080)},
    ]
    assert spec(run, "demo", TENANT)["egress"] == [{"toEndpoints": [_ns("demo")]}]
    client_egress = spec(run, "client", TENANT)["egress"]
    assert client_egress[0] == {"toEndpoints": [_ns("client")]}
    assert {"toEndpoints": [_ns("demo")], "toPorts": _on(8080)} in client_egress
    assert spec(run, "client", TENANT)["ingress"] == [{"fromEndpoints": [_ns("client")]}]


def test_ingress_from_a_managed_namespace_opens_the_senders_egress_and_external_ones_only_the_receiver(run_stack: RunStack) -> None:
    run = run_stack(
        "dev",
        namespaces=json.dumps(
            {
                "demo": {"ingress": [{"namespace": "client", "ports": [8080]}, {"namespace": "web"}]},
                "web": {"ingress": [{"namespace": "client", "ports": ["9090/UDP"]}], "intraNamespace": False},
                "client": {"ingress": [{"namespace": "ingress-nginx", "ports": [8443]}]},
            }
        ),
        externalNamespaces='["ingress-nginx"]',
        expectations="[]",
    )
    assert spec(run, "demo", TENANT)["ingress"][1:] == [
        {"fromEndpoints": [_ns("client")], "toPorts": _on(8080)},
        {"fromEndpoints": [_ns("web")]},
    ]
    assert spec(run, "web", TENANT)["ingress"] == [
        {"fromEndpoints": [_ns("client")], "toPorts": [{"ports": [{"port": "9090", "protocol": "UDP"}]}]}
    ]
    assert spec(run, "web", TENANT)["egress"] == [{"toEndpoints": [_ns("demo")]}]
    assert spec(run, "client", TENANT)["egress"][1:] == [
        {"toEndpoints": [_ns("demo")], "toPorts": _on(8080)},
        {"toEndpoints": [_ns("web")], "toPorts": [{"ports": [{"port": "9090", "protocol": "UDP"}]}]},
    ]
    assert spec(run, "client", TENANT)["ingress"][1] == {"fromEndpoints": [_ns("ingress-nginx")], "toPorts": _on(8443)}
    # ingress-nginx is not managed here: its egress is its owner's business, and the stack says it exists.
    assert not any("ingress-nginx" in r.name for r in run.of_type(CNP))
    assert run.outputs["externalNamespaces"] == ["ingress-nginx"]


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


def test_scenario_fqdns_on_their_ports_follow_their_dns_rule(run_stack: RunStack) -> None:
    """`toFQDNs` allows only the IPs that Cilium learnt from DNS responses it proxied, and only DNS traffic matched by an
    L7 `dns` rule goes through that proxy (cilium/cilium Documentation/security/policy/language.rst, "DNS based" and
    "DNS Policy and IP Discovery"): the DNS rule comes first, the names share a rule by their ports."""
    egress = spec(run_stack("dev"), "client", TENANT)["egress"]
    dns_at = next(i for i, rule in enumerate(egress) if rule.get("toEndpoints") == [KUBE_DNS])
    assert egress[dns_at]["toPorts"][0]["ports"] == DNS_PORT["ports"]
    assert {"matchName": "google.com"} in egress[dns_at]["toPorts"][0]["rules"]["dns"]
    assert egress[dns_at + 1 :] == [{"toFQDNs": [{"matchName": "google.com"}, {"matchName": "www.google.com"}], "toPorts": _on(443)}]


def test_api_server_and_cidr_constructs_render_as_cilium_reads_them(run_stack: RunStack) -> None:
    """Entity `kube-apiserver`, and `toCIDRSet` with `except` (cilium/cilium Documentation/security/policy/language.rst,
    "Entities Based" and "IP/CIDR based"; ../shared/cilium/1.20.0 CRD)."""
    egress = spec(run_stack("dev"), "client", TENANT)["egress"]
    assert {"toEntities": ["kube-apiserver"], "toPorts": _on(443)} in egress
    assert {"toCIDRSet": [{"cidr": "1.1.1.0/24", "except": ["1.1.1.128/25"]}], "toPorts": _on(443)} in egress


@requires_artifacts
def test_cilium_ingress_is_refused_because_the_chart_enables_it_only_with_kube_proxy_replacement() -> None:
    """Cilium's Ingress and Gateway API need NodePort (cilium/cilium Documentation/network/servicemesh/ingress.rst,
    "Prerequisites": `nodePort.enabled` or kubeProxyReplacement). Cilium 1.20's chart has no `nodePort.enabled` left in
    its schema and renders no enable-node-port, so kubeProxyReplacement is the only way, and the Cilium component
    refuses it on AKS, where kube-proxy stays (MicrosoftDocs/azure-aks-docs articles/aks/configure-kube-proxy.md:
    turning it off is a preview API). If the chart grows the key back, this test fails and the refusal needs review."""
    schema = json.loads((CRD_PATH.parent / "values.schema.json").read_text())
    assert "enabled" not in schema["properties"]["nodePort"]["properties"]
    assert kube_proxy_replacement_problem(True)
    problems = dict(
        namespace_entry_problems(
            {"name": "web", "ingress": [{"outside": "ciliumIngress", "ports": [{"port": 8080}]}]},
            PeerContext(managed=frozenset({"web"}), external=frozenset(), byocni=True, l7=True),
        )
    )
    assert "outside: loadBalancer" in problems["ingress[0].outside"]
    assert "externalNamespaces" in problems["ingress[0].outside"]


def test_cilium_ingress_is_refused_in_azure_cilium_because_aks_manages_its_cilium() -> None:
    """Azure CNI powered by Cilium: AKS manages the Cilium configuration and supports changing only its label
    exclusions; its table of supported Cilium features has no Ingress or Gateway API (MicrosoftDocs/azure-aks-docs
    articles/aks/azure-cni-powered-by-cilium.md, "Can I customize Cilium configuration?"). kube-proxy is not the
    reason there, so the refusal must not say it is."""
    problems = dict(
        namespace_entry_problems(
            {"name": "web", "ingress": [{"outside": "ciliumIngress", "ports": [{"port": 8080}]}]},
            PeerContext(managed=frozenset({"web"}), external=frozenset(), byocni=False, l7=False),
        )
    )
    reason = problems["ingress[0].outside"]
    assert "AKS manages" in reason
    assert "kube-proxy" not in reason
    assert "outside: loadBalancer" in reason


METADATA_CONTEXT = PeerContext(managed=frozenset({"web"}), external=frozenset(), byocni=True, l7=True)


@pytest.mark.parametrize(
    ("cidr", "excepts", "refused"),
    [
        ("169.254.169.254/32", [], True),
        ("169.254.0.0/16", [], True),
        ("168.63.0.0/16", [], True),
        ("0.0.0.0/0", ["169.254.169.254/32"], True),  # WireServer still inside
        ("0.0.0.0/0", ["169.254.0.0/16", "168.63.129.16/32"], False),
        ("203.0.113.0/24", [], False),
        ("2001:db8::/32", [], False),
    ],
)
def test_a_cidr_allowance_reaches_imds_and_wireserver_only_through_the_opt_in(cidr: str, excepts: list[str], refused: bool) -> None:
    """IMDS (169.254.169.254) and WireServer (168.63.129.16, MicrosoftDocs/azure-docs
    articles/virtual-network/what-is-ip-address-168-63-129-16.md) are reached by `metadata_endpoints` alone: a CIDR
    allowance around either would open them on every port in azure-cilium. A CIDR whose `except` carves both out is
    fine (toCIDRSet except, cilium/cilium Documentation/security/policy/language.rst, "IP/CIDR based")."""
    allow: dict[str, Any] = {"cidr": cidr, "ports": [{"port": 443}]}
    if excepts:
        allow["except_cidrs"] = excepts
    problems = dict(namespace_entry_problems({"name": "web", "egress": [allow]}, METADATA_CONTEXT))
    assert ("egress[0].cidr" in problems) == refused
    if refused:
        assert "`metadata_endpoints: true`" in problems["egress[0].cidr"]


def test_an_empty_ports_list_is_refused_since_cilium_reads_no_to_ports_as_every_port() -> None:
    """A rule without toPorts allows every port (cilium/cilium Documentation/security/policy/language.rst, "Layer 4
    Examples"): `ports: []` would mean the opposite of what it says. Leaving `ports` out is the way to every port, except
    from outside the cluster, where ports are required."""
    problems = dict(
        namespace_entry_problems(
            {"name": "web", "ingress": [{"namespace": "web", "ports": []}, {"outside": "loadBalancer", "ports": []}]},
            METADATA_CONTEXT,
        )
    )
    assert problems == {
        "ingress[0].ports": "must name at least one port (leave ports out to allow every port)",
        "ingress[1].ports": "must name at least one port",
    }


def test_metadata_opt_in_reaches_imds_and_wireserver_past_default_deny(run_stack: RunStack) -> None:
    """The opt-in allows IMDS (169.254.169.254, HTTP) and WireServer (168.63.129.16, 80 and 32526; MicrosoftDocs/azure-docs
    articles/virtual-network/what-is-ip-address-168-63-129-16.md) past default deny, and in byocni lifts the
    cluster-wide block, whose deny-only rules keep every other default (enableDefaultDeny false, honoured with
    enable-non-default-deny-policies, which the release sets: Cilium's Sanitize otherwise sets both to true,
    cilium/cilium pkg/policy/api/rule_validation.go). AKS's managed Cilium documents no such flag: no block there."""
    run = run_stack("prod")
    egress = spec(run, "billing-agent", TENANT)["egress"]
    assert {"toCIDR": ["169.254.169.254/32"], "toPorts": _on(80)} in egress
    assert {"toCIDR": ["168.63.129.16/32"], "toPorts": _on(80, 32526)} in egress
    assert not [p for p in run.of_type(CCNP) if "metadata" in p.name]
    run = run_stack("dev")
    opted_in = {name for name, entry in declared_namespaces("dev").items() if entry.get("metadataEndpoints")}
    assert opted_in, "dev shows the opt-in in byocni"
    for namespace in run.of_type("kubernetes:core/v1:Namespace"):
        labels = namespace.inputs["metadata"]["labels"]
        allowed = labels.get("aks-cilium.io/metadata-endpoints") == "allowed"
        assert allowed is (namespace.inputs["metadata"]["name"] in opted_in), namespace.name
    block = clusterwide(run, "aks-cilium-block-metadata-endpoints")
    assert block["enableDefaultDeny"] == {"ingress": False, "egress": False}
    exempt = block["endpointSelector"]["matchExpressions"][0]
    assert exempt["operator"] == "NotIn"
    assert {"kube-system", "app-routing-system", "gatekeeper-system"} <= set(exempt["values"])


BROAD_ENTITIES = {"host", "remote-node", "world", "all", "cluster"}


@pytest.mark.parametrize(("stack", "overrides"), VARIANTS)
def test_no_policy_admits_broad_entities_on_every_port(
    run_stack: RunStack, run_variant: Callable[..., ProgramRun], stack: str, overrides: dict[str, str]
) -> None:
    """`host` is redundant for kubelet probes (allow-localhost), and `remote-node` on every port lets every node,
    hostNetwork pod and SNATed NodePort flow past default deny (UPSTREAM.md, Cilium 1.20 "Entities")."""
    run = _variant(run_stack, run_variant, stack, overrides)
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
    konnectivity = {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:app": "konnectivity-agent"}}
    serving = {name: entry["webhookPorts"] for name, entry in declared_namespaces("dev").items() if "webhookPorts" in entry}
    assert serving, "dev shows the webhook construct"
    admitted = {}
    for policy in run_stack("dev").of_type(CNP):
        for rule in policy.inputs["spec"].get("ingress", []):
            if konnectivity in rule.get("fromEndpoints", []):
                admitted[policy.inputs["metadata"]["namespace"]] = rule
    assert admitted == {name: {"fromEndpoints": [konnectivity], "toPorts": _on(*ports)} for name, ports in serving.items()}


def test_azure_cilium_uses_explicit_dns_patterns_anchored_to_azures_suffix(run_stack: RunStack) -> None:
    """Microsoft's musl workaround lists `<name>.*.*` up to five labels of suffix; no bare `*` on ACNS
    (MicrosoftDocs/azure-aks-docs articles/aks/container-network-security-fqdn-filtering-concepts.md). The five labels
    are Azure's VNet suffix, so its fixed part is spelled out."""
    dns = dns_rule_of(spec(run_stack("prod"), "payments", TENANT)) or []
    assert {"matchPattern": "*"} not in dns
    assert {"matchName": "api.stripe.com"} in dns
    assert {"matchName": "api.stripe.com.payments.svc.cluster.local"} in dns
    assert {"matchPattern": "api.stripe.com.*.*.internal.cloudapp.net"} in dns
    assert {"matchPattern": "api.stripe.com.*.*.*.*.*"} not in dns
    assert {"matchPattern": "*.*.svc.cluster.local"} in dns


def test_azure_cilium_without_acns_security_has_no_l7(run_stack: RunStack, run_variant: Callable[..., ProgramRun]) -> None:
    """FQDN filtering and L7 policies need ACNS security on Azure CNI powered by Cilium (UPSTREAM.md, AKS "ACNS":
    MicrosoftDocs/azure-aks-docs articles/aks/container-network-security-fqdn-filtering-concepts.md)."""
    stack, overrides = VARIANTS[2]
    assert overrides["advancedNetworkingSecurity"] == "false"
    run = run_variant(stack, **overrides)
    policies = run.of_type(CNP) + run.of_type(CCNP)
    assert any(policy.inputs["spec"].get("egress") for policy in policies)
    for policy in policies:
        for rule in policy.inputs["spec"].get("egress", []):
            assert all("rules" not in port for port in rule.get("toPorts", [])), policy.name
    with pytest.raises(ConfigError) as caught:
        run_stack("prod", advancedNetworkingSecurity="false")
    assert caught.value.keys == {"namespaces"}
    assert "payments.egress[0].fqdn" in str(caught.value)


def test_every_policy_waits_for_cilium(run_stack: RunStack) -> None:
    """The CiliumNetworkPolicy CRDs are not in the chart (../shared/cilium/1.20.0/cilium-1.20.0.tgz lists no CRD file):
    Cilium's own code creates them when it starts (cilium/cilium pkg/k8s/apis/cilium.io/client/cell.go,
    `RegisterCRDsCell`, "a cell that creates all the Cilium CRDs"; values.yaml `crdWaitTimeout`: Cilium exits if the
    CRDs are not there), so a policy sent before the release would meet an API server that does not know its kind."""
    run = run_stack("dev")
    release = run.one(RELEASE)
    policies = run.of_type(CNP) + run.of_type(CCNP)
    # The policy set's (cluster-wide four, one per declared namespace), the connectivity check's outsider egress and
    # Hubble Relay's clients.
    names = {policy.name for policy in policies}
    assert {f"policies-{namespace}-{TENANT}" for namespace in declared_namespaces("dev")} <= names
    assert len(policies) == 4 + len(declared_namespaces("dev")) + 2
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


def _scripts(run: ProgramRun) -> dict[str, str]:
    return {
        job.inputs["metadata"]["namespace"]: job.inputs["spec"]["template"]["spec"]["containers"][0]["command"][2]
        for job in run.of_type("kubernetes:batch/v1:Job")
    }


def _listener(namespace: str, port: int) -> str:
    return f"http://connectivity-listener.{namespace}.svc.cluster.local:{port}"


def test_connectivity_check_probes_each_kind_of_declared_flow_from_its_namespace(run_stack: RunStack) -> None:
    """One Job per managed namespace, in that namespace (its pod gets the namespace's policies), probing what it declares:
    FQDNs on their ports, the API server, an address in its CIDR, the check's listeners from the namespaces their
    ingress admits and from their own; a denied sample that resolves; the expectations that start there; and from the
    probe namespace each listener, whose allowed probe from another namespace is the positive control."""
    run = run_stack("dev")
    scripts = _scripts(run)
    assert set(scripts) == {*declared_namespaces("dev"), PROBE_NAMESPACE}
    client, demo, batch, outsider = scripts["client"], scripts["demo"], scripts["batch"], scripts["aks-cilium-probe"]
    assert "probe 'client -> google.com:443' allowed https://google.com" in client
    assert "probe 'client -> kube-apiserver:443' allowed https://kubernetes.default.svc:443" in client
    assert f"probe 'client -> demo:8080' allowed {_listener('demo', 8080)}" in client
    assert f"probe 'batch -> demo:8080' allowed {_listener('demo', 8080)}" in batch
    assert "probe 'client -> google.com:80 (port not allowed)' denied http://google.com" in client
    assert "probe 'client -> 1.1.1.1:443 allow' allowed https://1.1.1.1" in client
    assert "probe 'client -> 1.0.0.1:443 deny' denied https://1.0.0.1" in client
    # An expectation into a managed namespace is probed on the listener, which serves the port it names.
    assert f"probe 'client -> demo-operator:9443 deny' denied {_listener('demo-operator', 9443)}" in client
    assert f"probe 'demo -> demo:8080 (within the namespace)' allowed {_listener('demo', 8080)}" in demo
    assert f"probe 'batch -> batch:8080 (within the namespace turned off)' denied {_listener('batch', 8080)}" in batch
    assert "probe 'demo -> github.com:443 (not allowed)' denied https://github.com" in demo
    assert "probe 'probe namespace -> kube-apiserver:443 (positive control)' allowed https://kubernetes.default.svc:443" in outsider
    assert f"probe 'probe namespace -> demo:8080 (not allowed)' denied {_listener('demo', 8080)}" in outsider
    jobs = run.of_type("kubernetes:batch/v1:Job")
    policy_set = [policy for policy in run.of_type(CNP) + run.of_type(CCNP) if policy.name.startswith("policies-")]
    assert policy_set
    listeners = [
        r for r in run.of_type("kubernetes:apps/v1:Deployment") + run.of_type("kubernetes:core/v1:Service") if "-listener" in r.name
    ]
    assert {r.inputs["metadata"]["namespace"] for r in listeners} == set(declared_namespaces("dev"))
    for job in jobs:
        assert "pulumi.com/skipAwait" not in job.inputs["metadata"].get("annotations", {})
        for policy in policy_set:
            assert policy.urn in job.dependencies
        # A probe of a listener that is not ready yet would fail for the wrong cause: every Job waits for them.
        for listener in listeners:
            assert listener.urn in job.dependencies, (job.name, listener.name)


def test_the_checks_listeners_serve_the_declared_ingress_ports_under_the_namespaces_policies(run_stack: RunStack) -> None:
    """A listener per managed namespace, a child of the check, on the namespace's declared TCP ingress ports and the
    ports its expectations name (8080 where none is), one json-mock container per port behind a ClusterIP Service
    whose ports are the pods'. Its label changes no policy's selection: each tenant policy selects every pod of its
    namespace (an empty endpointSelector: "An empty EndpointSelector will select all endpoints in the namespace",
    cilium/cilium Documentation/security/policy/language.rst) and the clusterwide ones select by namespace labels only."""
    run = run_stack("dev")
    check = run.one("aks-cilium:index:ConnectivityCheck")
    deployments = {
        r.inputs["metadata"]["namespace"]: r for r in run.of_type("kubernetes:apps/v1:Deployment") if r.name.endswith("-listener")
    }
    services = {
        r.inputs["metadata"]["namespace"]: r for r in run.of_type("kubernetes:core/v1:Service") if r.name.endswith("-listener-service")
    }
    assert set(deployments) == set(services) == set(declared_namespaces("dev"))
    ports = {
        ns: [c["ports"][0]["containerPort"] for c in d.inputs["spec"]["template"]["spec"]["containers"]] for ns, d in deployments.items()
    }
    assert ports == {"demo": [8080], "client": [8080], "batch": [8080], "demo-operator": [8080, 9443]}
    for namespace, deployment in deployments.items():
        assert deployment.name == f"connectivity-{namespace}-listener"
        assert deployment.parent == check.urn
        pod = deployment.inputs["spec"]["template"]
        for container in pod["spec"]["containers"]:
            port = container["ports"][0]
            assert {"name": "PORT", "value": str(int(port["containerPort"]))} in container["env"]
            assert container["readinessProbe"]["httpGet"]["port"] == port["name"]
        service = services[namespace]
        assert service.inputs["metadata"]["name"] == "connectivity-listener"
        assert service.inputs["spec"]["selector"] == pod["metadata"]["labels"] == deployment.inputs["spec"]["selector"]["matchLabels"]
        assert [(p["port"], p["targetPort"]) for p in service.inputs["spec"]["ports"]] == [
            (c["ports"][0]["containerPort"], c["ports"][0]["name"]) for c in pod["spec"]["containers"]
        ]
    for policy in run.of_type(CNP):
        if policy.inputs["metadata"]["namespace"] in deployments:
            assert policy.inputs["spec"]["endpointSelector"] == {}, policy.name
    for policy in run.of_type(CCNP):
        selector = policy.inputs["spec"]["endpointSelector"]
        if selector.get("matchLabels", {}).get(NAMESPACE_KEY) == "kube-system":
            continue  # kube-dns's own, in a namespace no listener runs in
        keys = [*selector.get("matchLabels", {}), *(e["key"] for e in selector.get("matchExpressions", []))]
        assert keys, policy.name
        assert all(key == NAMESPACE_KEY or key.startswith("k8s:io.cilium.k8s.namespace.labels.") for key in keys), policy.name


def _plan_kinds(run: ProgramRun, managed: set[str]) -> set[str]:
    """The kinds of flow dev's plan holds, read off the rendered policies and the check's Jobs (not off probes.py)."""
    konnectivity = {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:app": "konnectivity-agent"}}
    kinds: set[str] = set()

    def peers(rule: dict[str, Any], key: str) -> set[str]:
        return {s.get("matchLabels", {}).get("k8s:io.kubernetes.pod.namespace", "") for s in rule.get(key, [])} - {"kube-system"}

    for namespace in managed:
        found = [p for p in run.of_type(CNP) if p.name == f"policies-{namespace}-{TENANT}"]
        policy = found[0].inputs["spec"] if found else {}
        kinds.add(probes.WITHIN if {"fromEndpoints": [_ns(namespace)]} in policy.get("ingress", []) else probes.WITHIN_OFF)
        for rule in policy.get("ingress", []):
            sources = peers(rule, "fromEndpoints") - {namespace}
            kinds |= {probes.FROM_MANAGED} if sources & managed else set()
            kinds |= {probes.FROM_EXTERNAL} if sources - managed else set()
            kinds |= {probes.FROM_OUTSIDE} if "world" in rule.get("fromEntities", []) else set()
            kinds |= {probes.WEBHOOK} if konnectivity in rule.get("fromEndpoints", []) else set()
        for rule in policy.get("egress", []):
            targets = peers(rule, "toEndpoints") - {namespace}
            kinds |= {probes.TO_MANAGED} if targets & managed else set()
            kinds |= {probes.TO_EXTERNAL} if targets - managed else set()
            kinds |= {probes.TO_API_SERVER} if "kube-apiserver" in rule.get("toEntities", []) else set()
            kinds |= {probes.TO_CIDR} if rule.get("toCIDRSet") else set()
            kinds |= {probes.TO_FQDN} if rule.get("toFQDNs") and rule.get("toPorts") else set()
            kinds |= {probes.TO_METADATA} if "169.254.169.254/32" in rule.get("toCIDR", []) else set()
    if any(" denied " in script for script in _scripts(run).values()):
        kinds.add(probes.DENIED)
    return kinds


def test_dev_covers_each_kind_of_flow_in_its_plan_and_probes_each_one_a_pod_can(run_stack: RunStack) -> None:
    """#21: the check's probe list is derived from the declared flows, and dev covers each kind of flow at least once.
    Each kind is in dev's plan; each is probed by dev's check, or is one that no pod the check creates can send
    (probes.UNPROBED_KINDS, explained in docs/network-policy.md, "Connectivity check"); the probes named are the Jobs'."""
    run = run_stack("dev")
    assert _plan_kinds(run, set(declared_namespaces("dev"))) == set(probes.FLOW_KINDS)
    config = stack_config("dev")
    probed = probes.probe_kinds(load_settings(project_config(config.values), "dev", example_keys=example_keys(config)))
    assert set(probed) == set(probes.FLOW_KINDS) - set(probes.UNPROBED_KINDS)
    scripts = "\n".join(_scripts(run).values())
    for kind, names in probed.items():
        for name in names:
            assert f"probe {shlex.quote(name)} " in scripts, (kind, name)
    docs = (PROJECT_DIR / "docs" / "network-policy.md").read_text().split("## Connectivity check")[1].split("\n## ")[0]
    rows = {line.split(" | ")[0].removeprefix("| "): line for line in docs.splitlines() if line.startswith("| ")}
    for kind in probes.FLOW_KINDS:
        assert kind in rows, kind
    for kind, why in probes.UNPROBED_KINDS.items():
        assert f"not probed: {why}" in rows[kind], kind


def test_listener_ports_follow_the_declared_ingress_and_the_expectations() -> None:
    """Pure (settings to args, no stack run): an allowance on every port is probed on the listener's first port, a UDP
    port is not served (curl cannot judge it), a port an expectation from a managed namespace names is served and
    probed with the expectation's verdict, and a namespace that declares nothing gets 8080 for its own probe."""
    namespaces = {
        "api": {"ingress": [{"namespace": "web"}, {"namespace": "jobs", "ports": ["5353/UDP"]}]},
        "db": {"ingress": [{"namespace": "api", "ports": [5432]}]},
        "web": {},
        "jobs": {"intraNamespace": False},
    }
    overrides = {
        "namespaces": json.dumps(namespaces),
        "expectations": json.dumps(["web -> db:5432 deny", "web -> db:6379 deny"]),
        "demo": "false",
    }
    config = with_overrides(stack_config("dev"), overrides)
    args = probes.connectivity_args(load_settings(project_config(config.values), "dev", example_keys=example_keys(config)), "fp")
    assert args is not None
    assert {listener["namespace"]: listener["ports"] for listener in args.get("listeners", [])} == {
        "api": [8080], "db": [5432, 6379], "web": [8080], "jobs": [8080]
    }  # fmt: skip
    by_source = {source["namespace"]: {p["name"]: (p["allowed"], p["url"]) for p in source["probes"]} for source in args["sources"]}
    assert by_source["web"]["web -> api:8080"] == (True, _listener("api", 8080))
    assert by_source["api"]["api -> db:5432"] == (True, _listener("db", 5432))
    assert by_source["web"]["web -> db:5432 deny"] == (False, _listener("db", 5432))
    assert by_source["web"]["web -> db:6379 deny"] == (False, _listener("db", 6379))
    assert by_source["jobs"]["jobs -> jobs:8080 (within the namespace turned off)"] == (False, _listener("jobs", 8080))
    assert not any(":5353" in url for probes_of in by_source.values() for _, url in probes_of.values())
    # The probe namespace tries each listener that a managed namespace reaches; jobs' has no such control.
    assert args.get("outsider_egress_to") == ["api", "db", "web"]


def test_any_stack_can_run_the_check_without_the_demo(run_stack: RunStack) -> None:
    """prod turns it on with one key: its namespaces probe their FQDNs, the API server, IMDS where opted in, a denied
    sample, and the check's listeners: payments' declared ingress from frontend, and the same listener denied from the
    probe namespace, whose Namespace is protected as prod's pack requires of every Namespace."""
    run = run_stack("prod", connectivityCheck="true")
    scripts = _scripts(run)
    assert set(scripts) == {*declared_namespaces("prod"), PROBE_NAMESPACE}
    # prod protects its namespaces, and the pack holds every Namespace there to it: the probe namespace too.
    assert run.one("kubernetes:core/v1:Namespace", "connectivity-outsider").protect is True
    assert f"probe 'frontend -> payments:8443' allowed {_listener('payments', 8443)}" in scripts["frontend"]
    assert f"probe 'payments -> frontend:8080 deny' denied {_listener('frontend', 8080)}" in scripts["payments"]
    assert f"probe 'probe namespace -> payments:8443 (not allowed)' denied {_listener('payments', 8443)}" in scripts[PROBE_NAMESPACE]
    assert "probe 'payments -> api.stripe.com:443' allowed https://api.stripe.com" in scripts["payments"]
    assert "probe 'payments -> kube-apiserver:443' allowed https://kubernetes.default.svc:443" in scripts["payments"]
    assert "probe 'payments -> api.stripe.com:80 (port not allowed)' denied http://api.stripe.com" in scripts["payments"]
    assert "probe 'frontend -> github.com:443 (not allowed)' denied https://github.com" in scripts["frontend"]
    # Declared by metadataEndpoints, so prod's expectation of the same URL adds no second probe.
    assert scripts["billing-agent"].count("http://169.254.169.254") == 1
    assert "probe 'billing-agent -> 169.254.169.254:80 (metadata endpoints)' allowed http://169.254.169.254" in scripts["billing-agent"]


def test_connectivity_check_reruns_when_the_policies_or_cilium_change(run_stack: RunStack) -> None:
    """A changed metadata.name replaces the Job, so the check runs again against the new policies or the new Cilium."""

    def name(**overrides: str) -> str:
        job: str = run_stack("dev", **overrides).one("kubernetes:batch/v1:Job", "connectivity-demo").inputs["metadata"]["name"]
        return job

    first = name()
    assert first == name()
    assert first.startswith("connectivity-check-")
    fewer = json.dumps({"demo": {"ingress": [{"namespace": "client", "ports": [8080]}]}, "client": {}})
    assert name(expectations="[]") != name(expectations="[]", namespaces=fewer)  # dev's expectations name what it drops
    assert first != name(ciliumExtraValues='{"debug": {"enabled": true}}')


def test_connectivity_check_is_optional(run_stack: RunStack) -> None:
    assert run_stack("dev", connectivityCheck="false").of_type("kubernetes:batch/v1:Job") == []


def test_native_network_policy_default_deny_for_migrating_teams(run_variant: Callable[..., ProgramRun]) -> None:
    """kubernetes/website content/en/docs/concepts/services-networking/network-policies.md, "Default deny all ingress
    and all egress traffic", and its example content/en/examples/service/networking/network-policy-default-deny-all.yaml:
    `podSelector: {}` with `policyTypes: [Ingress, Egress]`."""
    run = run_variant("dev", nativeNetworkPolicyDefaultDeny="true")
    natives = run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    assert {n.inputs["metadata"]["namespace"] for n in natives} == set(declared_namespaces("dev"))
    assert natives[0].inputs["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


@requires_artifacts
@pytest.mark.parametrize(("stack", "overrides"), VARIANTS)
def test_every_generated_policy_matches_ciliums_crd(
    run_stack: RunStack, run_variant: Callable[..., ProgramRun], stack: str, overrides: dict[str, str]
) -> None:
    run = _variant(run_stack, run_variant, stack, overrides)
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


def test_core_objects_match_the_kubernetes_api_schema(run_variant: Callable[..., ProgramRun]) -> None:
    run = run_variant("dev", nativeNetworkPolicyDefaultDeny="true")
    objects = [r for r in run.registrations if r.type in CORE_KINDS]
    # Every kind present, and the native default deny once per managed namespace (dev's stack file lists them).
    assert {r.type for r in objects} == set(CORE_KINDS)
    managed = load_stack_config("dev").values["aks-cilium:namespaces"]
    assert len(run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")) == len(json.loads(managed))
    for registration in objects:
        kubernetes_validate.validate(registration.inputs, "1.33", strict=True)
