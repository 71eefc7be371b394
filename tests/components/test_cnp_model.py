"""The policy model: property-based, every valid input renders a CRD-valid policy, invalid input is refused."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aks_cilium.network_policy.builders import ModeCapabilities, webhooks_in
from aks_cilium.network_policy.model import (
    ENTITIES,
    PROTOCOLS,
    CidrRule,
    DnsMatch,
    EgressRule,
    Expression,
    HttpMatch,
    IngressRule,
    PolicyModelError,
    PolicySpec,
    Port,
    PortRule,
    Selector,
)
from tests.support.artifacts import CRD_PATH, requires_artifacts
from tests.support.crd import cnp_errors
from tests.support.policies import fqdn_policy

BOUNDED = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
label = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?\Z")
namespace = st.from_regex(r"\A[a-z]([a-z0-9-]{0,30}[a-z0-9])?\Z")
dns_label = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
dns_name = st.lists(dns_label, min_size=2, max_size=4).map(".".join)
dns_pattern = dns_name.map(lambda name: f"*.{name}")
selectors = st.one_of(
    st.just(Selector()),
    namespace.map(Selector.namespace),
    st.dictionaries(st.sampled_from(["app", "k8s:app", "app.kubernetes.io/name", "tier"]), label, min_size=1, max_size=3).map(Selector),
)
ports = st.builds(Port, st.integers(1, 65535), st.sampled_from(["TCP", "UDP", "SCTP", "ANY"]))
plain_port_rules = st.builds(PortRule, st.lists(ports, min_size=1, max_size=3).map(tuple))
http_rules = st.builds(
    PortRule,
    st.lists(st.builds(Port, st.integers(1, 65535), st.just("TCP")), min_size=1, max_size=2).map(tuple),
    st.just(()),
    st.lists(st.builds(HttpMatch, st.sampled_from(["GET", "POST", ""]), st.sampled_from(["/", "/api/.*", ""])), min_size=1, max_size=2).map(
        tuple
    ),
)
cidrs = st.sampled_from(["10.0.0.0/8", "192.168.1.0/24", "203.0.113.7/32"])
ingress_rules = st.builds(
    IngressRule,
    st.lists(selectors, min_size=1, max_size=2).map(tuple),
    st.lists(st.sampled_from(ENTITIES), max_size=2, unique=True).map(tuple),
    st.lists(cidrs, max_size=2, unique=True).map(tuple),
    st.lists(st.one_of(plain_port_rules, http_rules), max_size=2).map(tuple),
)
egress_peer_rules = st.builds(
    EgressRule,
    st.lists(selectors, min_size=1, max_size=2).map(tuple),
    st.lists(st.sampled_from(ENTITIES), max_size=2, unique=True).map(tuple),
    st.lists(cidrs, max_size=2, unique=True).map(tuple),
    st.just(()),
    st.lists(plain_port_rules, max_size=2).map(tuple),
    st.lists(st.sampled_from([CidrRule("10.50.0.0/16", ("10.50.1.0/24",)), CidrRule("198.51.100.0/24")]), max_size=2, unique=True).map(
        tuple
    ),
)
fqdn_rules = st.builds(
    EgressRule,
    to_fqdns=st.lists(st.one_of(dns_name, dns_pattern).map(DnsMatch), min_size=1, max_size=3).map(tuple),
    to_ports=st.lists(plain_port_rules, max_size=1).map(tuple),
)
specs = st.builds(
    PolicySpec,
    description=st.text(string.ascii_letters + " ", max_size=40),
    endpoint_selector=selectors,
    ingress=st.one_of(st.none(), st.lists(ingress_rules, min_size=1, max_size=3).map(tuple)),
    egress=st.lists(st.one_of(egress_peer_rules, fqdn_rules), min_size=1, max_size=3).map(tuple),
)


def as_object(spec: PolicySpec) -> dict:
    return {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": "p", "namespace": "n"}, "spec": spec.render()}


@pytest.mark.slow  # validates every generated policy against Cilium's CRD schema
@requires_artifacts
@BOUNDED
@given(specs)
def test_any_valid_model_renders_a_crd_valid_policy(spec: PolicySpec) -> None:
    assert cnp_errors(CRD_PATH, as_object(spec)) == []


@requires_artifacts
@BOUNDED
@given(st.lists(st.one_of(dns_name, dns_pattern), min_size=1, max_size=4, unique=True), st.booleans())
def test_fqdn_builder_output_is_crd_valid_and_carries_dns(names: list[str], byocni: bool) -> None:
    spec = fqdn_policy(ModeCapabilities(byocni=byocni, acns_security=True), "payments", tuple(names))
    rendered = spec.render()
    assert cnp_errors(CRD_PATH, as_object(spec)) == []
    dns_rule = rendered["egress"][0]
    assert dns_rule["toEndpoints"][0]["matchLabels"]["k8s:io.kubernetes.pod.namespace"] == "kube-system"
    assert dns_rule["toPorts"][0]["ports"] == [{"port": "53", "protocol": "ANY"}]
    # Both modes list the names and their expansions; the bare `*` is never there (issue #21: DNS exfiltration).
    admitted = [rule.get("matchName") or rule["matchPattern"] for rule in dns_rule["toPorts"][0]["rules"]["dns"]]
    assert "*" not in admitted
    assert set(names) <= set(admitted)


@BOUNDED
@given(st.text(min_size=1, max_size=8).filter(lambda p: p not in PROTOCOLS))
def test_unknown_protocols_are_refused(protocol: str) -> None:
    """The CRD's `toPorts.ports.protocol` enum (../shared/cilium/1.20.0/ciliumnetworkpolicies.yaml: "Accepted values: TCP,
    UDP, SCTP, VRRP, IGMP, GRE, IPIP, IPV6, ESP, AH, ANY"), case-sensitive."""
    with pytest.raises(PolicyModelError, match="protocol"):
        Port(80, protocol)


@BOUNDED
@given(st.one_of(st.integers(max_value=0), st.integers(min_value=65536)))
def test_ports_out_of_range_are_refused(port: int) -> None:
    """The CRD's `port` pattern admits 0-65535 and `endPort` is 0-65535 (../shared/cilium/1.20.0/ciliumnetworkpolicies.yaml);
    above 65535 is refused as the CRD does. Refusing 0 is this model's own, stricter rule: Cilium names `"0/ANY"` its
    any-port-any-protocol value (cilium/cilium pkg/policy/api/l4.go, `PortProtocolAny`), so 0 is a wildcard, not a
    port; no page read states that outright."""
    with pytest.raises(PolicyModelError, match="outside 1-65535"):
        Port(port)


@BOUNDED
@given(
    st.text(min_size=1, max_size=70).filter(
        lambda n: not n.isascii() or not n.replace("-", "").isalnum() or n != n.lower() or len(n) > 63 or n[0] == "-" or n[-1] == "-"
    )
)
def test_invalid_namespace_names_are_refused(name: str) -> None:
    """A namespace name is an RFC 1123 DNS label: at most 63 characters, lower-case alphanumerics or '-', alphanumeric at
    both ends (kubernetes/website content/en/docs/concepts/overview/working-with-objects/names.md, "DNS Label Names")."""
    with pytest.raises(PolicyModelError, match="namespace"):
        Selector.namespace(name)


INVALID_MODELS = {
    "lowercase protocol": lambda: Port(53, "udp"),
    "port zero": lambda: Port(0),
    "wildcard counts as pattern, bad chars refused": lambda: DnsMatch("exa mple.com"),
    "toFQDNs with toEndpoints": lambda: EgressRule(to_endpoints=(Selector(),), to_fqdns=(DnsMatch("a.example.com"),)),
    "empty ingress list meant as deny": lambda: PolicySpec("x", ingress=()),
    "empty egress rule": lambda: PolicySpec("x", egress=(EgressRule(),)),
    "rules and deny together": lambda: PolicySpec("x", ingress=(IngressRule(from_entities=("host",)),), deny_ingress=True),
    "no direction": lambda: PolicySpec("x"),
    "invalid label key": lambda: Selector({"bad key!": "x"}),
    "invalid label value": lambda: Selector({"app": "no spaces"}),
    "unknown entity": lambda: IngressRule(from_entities=("internet",)).render(),
    "bad cidr": lambda: EgressRule(to_cidrs=("10.0.0.1/8",)).render(),
    "dns and http together": lambda: PortRule((Port(53),), (DnsMatch("a.b"),), (HttpMatch("GET"),)),
    "http path not absolute": lambda: HttpMatch(path="api"),
    "in without values": lambda: Expression("k8s:app", "In"),
    "exists with values": lambda: Expression("k8s:app", "Exists", ("x",)),
    "unknown operator": lambda: Expression("k8s:app", "NotEquals", ("x",)),
    "port range backwards": lambda: Port(100, "TCP", end_port=50),
    "port range on a named port": lambda: Port("http", "TCP", end_port=90),
    "deny with toFQDNs": lambda: PolicySpec("x", egress_deny=(EgressRule(to_fqdns=(DnsMatch("a.example.com"),)),)),
    "empty deny rule": lambda: PolicySpec("x", egress_deny=(EgressRule(),)),
    "dns name with an empty label": lambda: DnsMatch("a..example.com"),
    "fqdn without l7 support": lambda: fqdn_policy(ModeCapabilities(byocni=False, acns_security=False), "payments", ("a.example.com",)),
}


@pytest.mark.parametrize("build", INVALID_MODELS.values(), ids=INVALID_MODELS.keys())
def test_invalid_models_are_refused_with_a_clear_error(build) -> None:
    with pytest.raises(PolicyModelError) as caught:
        build()
    assert len(str(caught.value)) > 20


AGENT_REFUSES = {
    "41 ports in one port rule": lambda: PortRule(tuple(Port(port) for port in range(1000, 1041))),
    "dns rule on a port range": lambda: PortRule((Port(53, "ANY", end_port=54),), (DnsMatch("a.example.com"),)),
    "http rule on a udp port": lambda: PortRule((Port(80, "UDP"),), (), (HttpMatch("GET"),)),
    "dns rule on ingress": lambda: IngressRule(to_ports=(PortRule((Port(53, "ANY"),), (DnsMatch("a.example.com"),)),)),
}


@pytest.mark.parametrize("build", AGENT_REFUSES.values(), ids=AGENT_REFUSES.keys())
def test_what_ciliums_agent_refuses_is_refused_here(build) -> None:
    """Cilium's policy validation refuses each of these (cilium/cilium pkg/policy/api/rule_validation.go: maxPorts = 40,
    "DNS rules do not support port ranges", "L7 rules can only apply to TCP ... except for DNS rules", "DNS rules are
    not allowed on ingress"); the CRD (../shared/cilium/1.20.0, toPorts.ports maxItems 40) admits all but the first,
    so a policy with them would be stored and then not enforced at all."""
    with pytest.raises(PolicyModelError):
        build()


@requires_artifacts
def test_many_webhook_ports_split_into_crd_valid_port_rules() -> None:
    """More than 40 ports go into several port rules of at most 40 (the CRD's toPorts.ports maxItems, Cilium 1.20)."""
    ports = tuple(range(9000, 9085))
    spec = PolicySpec("webhooks", ingress=(webhooks_in(ports),))
    rendered = spec.render()["ingress"][0]["toPorts"]
    assert [len(rule["ports"]) for rule in rendered] == [40, 40, 5]
    assert [int(p["port"]) for rule in rendered for p in rule["ports"]] == list(ports)
    assert cnp_errors(CRD_PATH, as_object(spec)) == []
