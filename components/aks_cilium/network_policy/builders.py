"""Builders for the common policy intents, aware of what each network mode supports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aks_cilium.network_policy.model import (
    MAX_PORTS_PER_RULE,
    CidrRule,
    DefaultDeny,
    DnsMatch,
    EgressRule,
    Expression,
    IngressRule,
    PolicyModelError,
    PolicySpec,
    Port,
    PortRule,
    Selector,
)
from aks_cilium.network_policy.names import MULTI_LABEL_PREFIX, with_suffix_problem
from aks_cilium.network_policy.reserved import PLATFORM_NAMESPACES

KUBE_DNS = Selector({"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns"})
DNS_PORTS = (Port(53, "ANY"),)
# On AKS the API server reaches in-cluster webhooks through the konnectivity agents, with their pod addresses.
KONNECTIVITY_AGENT = Selector({"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:app": "konnectivity-agent"})
WIRESERVER = "168.63.129.16/32"
IMDS = "169.254.169.254/32"
# IMDS answers HTTP on 80; WireServer on 80 and 32526 (Microsoft, "What is IP address 168.63.129.16?").
IMDS_PORTS = (Port(80, "TCP"),)
WIRESERVER_PORTS = (Port(80, "TCP"), Port(32526, "TCP"))
# How traffic from outside the cluster reaches a pod, and the entity Cilium gives its source (Cilium 1.20,
# Documentation/security/policy/language.rst, "Entities Based"): a LoadBalancer Service with externalTrafficPolicy
# Local keeps the client's address, which is `world`. Cilium's own Ingress and Gateway API (whose Envoy traffic is the
# `ingress` entity) are not offered: args.cilium_ingress_refused says why.
OUTSIDE_ENTITIES = {"loadBalancer": "world"}
KUBE_APISERVER = "kube-apiserver"

CLUSTER_DOMAIN = "cluster.local"
# Azure's VNet DNS suffix is <id>.<region code>.internal.cloudapp.net: five labels, the deepest expansion in
# Microsoft's musl workaround. Its first two labels are per VNet, the last three fixed, so the expansion is matched
# with them spelled out: `.*.*.*.*.*` would let any five labels after an allowed name reach Azure DNS, which forwards
# what it does not own to the internet (a DNS exfiltration channel).
VNET_SUFFIX_PATTERN = "*.*.internal.cloudapp.net"
# With custom DNS servers on the VNet, Azure hands out a fixed placeholder suffix instead (Azure's "Name resolution for
# resources in Azure virtual networks"); the resolver tries it all the same.
CUSTOM_DNS_SUFFIX = "reddog.microsoft.com"
# How people name a Service without its FQDN: name, name.namespace, name.namespace.svc.
SHORT_SERVICE_FORMS = ("*", "*.*", "*.*.svc")
SERVICE_FQDN = f"*.*.svc.{CLUSTER_DOMAIN}"

# Namespace labels the set puts on its namespaces; cluster-wide policies select namespaces by them.
BASELINE_LABEL = "aks-cilium.io/baseline"
DNS_LABEL = "aks-cilium.io/dns"
METADATA_LABEL = "aks-cilium.io/metadata-endpoints"
DNS_THROUGH_KUBE_DNS = "kube-dns"
DNS_THROUGH_PROXY = "proxy"
METADATA_ALLOWED = "allowed"


def namespace_label(key: str) -> str:
    """The endpoint label Cilium derives from a label of the endpoint's namespace."""
    return f"k8s:io.cilium.k8s.namespace.labels.{key}"


@dataclass(frozen=True)
class ModeCapabilities:
    """What the cluster's Cilium can enforce: all of it when we run it, ACNS-dependent when Azure does."""

    byocni: bool
    acns_security: bool = False

    @property
    def l7(self) -> bool:
        return self.byocni or self.acns_security


def search_domains(namespace: str) -> tuple[str, ...]:
    """The cluster part of a pod's DNS search list, in the order the resolver tries it."""
    return (f"{namespace}.svc.{CLUSTER_DOMAIN}", f"svc.{CLUSTER_DOMAIN}", CLUSTER_DOMAIN)


def fqdn_problem(value: str, namespace: str, byocni: bool) -> str | None:
    """What is wrong with a name or pattern a namespace declares, beyond fqdn_selector_problem: ACNS has no `**.`, and
    every search-list expansion the DNS rule lists (both modes) must stay a valid DNS name."""
    if MULTI_LABEL_PREFIX in value and not byocni:
        return "uses `**.`, which ACNS does not support; list the levels with `*.`"
    suffixes = (*search_domains(namespace), VNET_SUFFIX_PATTERN, CUSTOM_DNS_SUFFIX)
    return with_suffix_problem(value, max(suffixes, key=len))


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def search_list_patterns(namespace: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """DNS patterns that admit every query a resolver makes for `names` and for the cluster's Service names.

    With ndots:5 a name with fewer than five dots is tried with each search domain before (glibc) or instead of
    and then before (musl) the name as given; a refused expansion ends the lookup. Each allowed name is admitted
    as given and with every suffix; short Service names only with the cluster suffixes, since they are answered
    there and a wildcard as long as the VNet suffix would admit any name of that many labels.
    """
    # A name written fully qualified (`api.example.com.`) is the same name; the suffixes go after its last label.
    full = [*(name.removesuffix(".") for name in names), SERVICE_FQDN]
    patterns = [f"{base}.{domain}" for base in SHORT_SERVICE_FORMS for domain in search_domains(namespace)]
    for base in full:
        patterns += [
            base,
            *(f"{base}.{domain}" for domain in search_domains(namespace)),
            f"{base}.{VNET_SUFFIX_PATTERN}",
            f"{base}.{CUSTOM_DNS_SUFFIX}",
        ]
    return _unique(patterns)


def default_deny(selector: Selector) -> PolicySpec:
    return PolicySpec(
        description="Default deny: no ingress or egress unless another policy allows it",
        endpoint_selector=selector,
        deny_ingress=True,
        deny_egress=True,
    )


def allow_kube_dns(selector: Selector) -> PolicySpec:
    """DNS to kube-dns on 53 (ANY: DNS falls back to TCP) without an L7 rule: no proxy, nothing to disrupt."""
    return PolicySpec(
        description="Allow DNS lookups through kube-dns (port 53, no DNS proxy)",
        endpoint_selector=selector,
        egress=(EgressRule(to_endpoints=(KUBE_DNS,), to_ports=(PortRule(ports=DNS_PORTS),)),),
    )


def port_rules(ports: tuple[Port, ...]) -> tuple[PortRule, ...]:
    """Ports as port rules of at most 40 each (the CRD's limit); no ports means every port (no toPorts)."""
    return tuple(PortRule(ports=ports[start : start + MAX_PORTS_PER_RULE]) for start in range(0, len(ports), MAX_PORTS_PER_RULE))


def namespace_peers_in(namespace: str, ports: tuple[Port, ...] = ()) -> IngressRule:
    """Pods of `namespace` in: the namespace label is spelled out, since a selector without it means the policy's own."""
    return IngressRule(from_endpoints=(Selector.namespace(namespace),), to_ports=port_rules(ports))


def namespace_peers_out(namespace: str, ports: tuple[Port, ...] = ()) -> EgressRule:
    return EgressRule(to_endpoints=(Selector.namespace(namespace),), to_ports=port_rules(ports))


def outside_in(how: str, ports: tuple[Port, ...]) -> IngressRule:
    """Traffic from outside the cluster, by the entity its source has when it arrives the way `how` names."""
    return IngressRule(from_entities=(OUTSIDE_ENTITIES[how],), to_ports=port_rules(ports))


def api_server_out(ports: tuple[Port, ...] = ()) -> EgressRule:
    """The Kubernetes API server, by Cilium's kube-apiserver entity (the addresses behind default/kubernetes)."""
    return EgressRule(to_entities=(KUBE_APISERVER,), to_ports=port_rules(ports))


def cidr_out(cidr: str, except_cidrs: tuple[str, ...], ports: tuple[Port, ...] = ()) -> EgressRule:
    return EgressRule(to_cidr_set=(CidrRule(cidr, except_cidrs),), to_ports=port_rules(ports))


def metadata_endpoints_out() -> tuple[EgressRule, ...]:
    """IMDS and WireServer on their HTTP ports, for a namespace that opts out of the cluster-wide block."""
    return (
        EgressRule(to_cidrs=(IMDS,), to_ports=port_rules(IMDS_PORTS)),
        EgressRule(to_cidrs=(WIRESERVER,), to_ports=port_rules(WIRESERVER_PORTS)),
    )


def fqdns_out(capabilities: ModeCapabilities, namespace: str, fqdns: tuple[tuple[str, tuple[Port, ...]], ...]) -> tuple[EgressRule, ...]:
    """Egress to names on their ports, led by the L7 DNS rule to kube-dns: without it toFQDNs allows nothing.

    The DNS rule admits the names and the search-list expansions a resolver tries first (both modes: a bare `*` would
    let every name through the proxy to Azure DNS, a channel out of the cluster); names that share ports share a rule.
    """
    if not capabilities.l7:
        raise PolicyModelError("FQDN policies need Cilium's DNS proxy: byocni mode, or ACNS security in azure-cilium mode")
    if not fqdns:
        raise PolicyModelError("an FQDN allowlist needs at least one name")
    names = _unique(name for name, _ in fqdns)
    by_ports: dict[tuple[Port, ...], list[str]] = {}
    for name, ports in fqdns:
        by_ports.setdefault(ports, []).append(name)
    dns = tuple(DnsMatch(pattern) for pattern in search_list_patterns(namespace, names))
    return (
        EgressRule(to_endpoints=(KUBE_DNS,), to_ports=(PortRule(ports=DNS_PORTS, dns=dns),)),
        *(
            EgressRule(to_fqdns=tuple(DnsMatch(name) for name in _unique(group)), to_ports=port_rules(ports))
            for ports, group in by_ports.items()
        ),
    )


def webhooks_in(ports: tuple[int, ...]) -> IngressRule:
    """Admission webhooks served in the namespace, reached by the API server through konnectivity, on their ports only.

    The ports are the ones the webhook pods listen on: Cilium applies L4 policy after service port mapping.
    """
    return IngressRule(from_endpoints=(KONNECTIVITY_AGENT,), to_ports=port_rules(tuple(Port(port, "TCP") for port in ports)))


def managed_namespaces(*labels: tuple[str, str]) -> Selector:
    """Every endpoint in a namespace the set manages, narrowed by further namespace labels."""
    return Selector({namespace_label(BASELINE_LABEL): "default-deny", **{namespace_label(k): v for k, v in labels}})


_NOT_OPTED_OUT = Expression(namespace_label(METADATA_LABEL), "NotIn", (METADATA_ALLOWED,))
_NO_SUBTRACTION = DefaultDeny(ingress=False, egress=False)


def block_metadata_endpoints() -> dict[str, PolicySpec]:
    """Workloads lose WireServer and IMDS; kube-dns keeps WireServer's port 53 (Azure DNS) for its upstream lookups.

    The control plane's and the AKS add-ons' namespaces keep both: those add-ons authenticate through IMDS.

    Deny-only rules with enableDefaultDeny off: they subtract these addresses and change nothing else.
    """
    all_but_dns = (PortRule(ports=(Port(1, "ANY", end_port=52), Port(54, "ANY", end_port=65535))),)
    workloads = Selector(match_expressions=(Expression("k8s:io.kubernetes.pod.namespace", "NotIn", PLATFORM_NAMESPACES), _NOT_OPTED_OUT))
    return {
        "block-metadata-endpoints": PolicySpec(
            description="Deny workload egress to Azure WireServer and IMDS (namespaces labelled "
            f"{METADATA_LABEL}={METADATA_ALLOWED} opt out)",
            endpoint_selector=workloads,
            egress_deny=(EgressRule(to_cidrs=(WIRESERVER, IMDS)),),
            enable_default_deny=_NO_SUBTRACTION,
        ),
        "block-metadata-endpoints-kube-dns": PolicySpec(
            description="Deny kube-dns egress to IMDS, and to WireServer except DNS on port 53",
            endpoint_selector=KUBE_DNS,
            egress_deny=(
                EgressRule(to_cidrs=(IMDS,)),
                EgressRule(to_cidrs=(WIRESERVER,), to_ports=all_but_dns),
            ),
            enable_default_deny=_NO_SUBTRACTION,
        ),
    }
