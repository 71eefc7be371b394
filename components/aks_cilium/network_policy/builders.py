"""Builders for the common policy intents, aware of what each network mode supports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aks_cilium.network_policy.model import (
    MAX_PORTS_PER_RULE,
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

KUBE_DNS = Selector({"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns"})
DNS_PORTS = (Port(53, "ANY"),)
WEB_PORTS = (Port(443, "TCP"), Port(80, "TCP"))
# On AKS the API server reaches in-cluster webhooks through the konnectivity agents, with their pod addresses.
KONNECTIVITY_AGENT = Selector({"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:app": "konnectivity-agent"})
WIRESERVER = "168.63.129.16/32"
IMDS = "169.254.169.254/32"

CLUSTER_DOMAIN = "cluster.local"
# Azure's VNet DNS suffix (<id>.<region code>.internal.cloudapp.net) has five labels, the deepest expansion in
# Microsoft's musl workaround; the name itself is per VNet, so it can only be matched one `*` per label.
VNET_SUFFIX_LABELS = 5
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


def managed_fqdn_problem(value: str, namespace: str) -> str | None:
    """What is wrong with a name or pattern for Azure's managed Cilium in `namespace`, beyond fqdn_selector_problem:
    ACNS has no `**.`, and every search-list expansion of the name must stay a valid DNS name."""
    if MULTI_LABEL_PREFIX in value:
        return "uses `**.`, which ACNS does not support; list the levels with `*.`"
    suffixes = (*search_domains(namespace), ".".join("*" * VNET_SUFFIX_LABELS), CUSTOM_DNS_SUFFIX)
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
    vnet_suffix = ".*" * VNET_SUFFIX_LABELS
    # A name written fully qualified (`api.example.com.`) is the same name; the suffixes go after its last label.
    full = [*(name.removesuffix(".") for name in names), SERVICE_FQDN]
    patterns = [f"{base}.{domain}" for base in SHORT_SERVICE_FORMS for domain in search_domains(namespace)]
    for base in full:
        patterns += [
            base,
            *(f"{base}.{domain}" for domain in search_domains(namespace)),
            f"{base}{vnet_suffix}",
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


def allow_from_namespaces(sources: tuple[str, ...]) -> PolicySpec:
    return PolicySpec(
        description=f"Allow ingress from namespaces {', '.join(sources)}",
        ingress=(IngressRule(from_endpoints=tuple(Selector.namespace(s) for s in sources)),),
    )


def allow_to_namespaces(targets: tuple[str, ...]) -> PolicySpec:
    return PolicySpec(
        description=f"Allow egress to namespaces {', '.join(targets)}",
        egress=(EgressRule(to_endpoints=tuple(Selector.namespace(t) for t in targets)),),
    )


def dns_proxy_patterns(capabilities: ModeCapabilities, namespace: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """What the L7 DNS rule admits: every name with Cilium's own proxy, explicit search-list patterns with ACNS's."""
    return ("*",) if capabilities.byocni else search_list_patterns(namespace, names)


def allow_fqdns(capabilities: ModeCapabilities, namespace: str, names: tuple[str, ...]) -> PolicySpec:
    """Egress to names on 80/443, with the L7 DNS rule in the same policy: without it toFQDNs allows nothing."""
    if not capabilities.l7:
        raise PolicyModelError("FQDN policies need Cilium's DNS proxy: byocni mode, or ACNS security in azure-cilium mode")
    if not names:
        raise PolicyModelError("an FQDN allowlist needs at least one name")
    dns = tuple(DnsMatch(pattern) for pattern in dns_proxy_patterns(capabilities, namespace, names))
    return PolicySpec(
        description=f"Allow egress to {', '.join(names)} (and the DNS lookups that resolve them)",
        egress=(
            EgressRule(to_endpoints=(KUBE_DNS,), to_ports=(PortRule(ports=DNS_PORTS, dns=dns),)),
            EgressRule(to_fqdns=tuple(DnsMatch(name) for name in names), to_ports=(PortRule(ports=WEB_PORTS),)),
        ),
    )


def allow_webhooks(ports: tuple[int, ...]) -> PolicySpec:
    """Admission webhooks served in the namespace, reached by the API server through konnectivity, on their ports only.

    The ports are the ones the webhook pods listen on: Cilium applies L4 policy after service port mapping.
    """
    tcp = [Port(port, "TCP") for port in ports]
    return PolicySpec(
        description=f"Allow the API server's webhook calls (through konnectivity-agent) on port {', '.join(map(str, ports))}",
        ingress=(
            IngressRule(
                from_endpoints=(KONNECTIVITY_AGENT,),
                to_ports=tuple(
                    PortRule(ports=tuple(tcp[start : start + MAX_PORTS_PER_RULE])) for start in range(0, len(tcp), MAX_PORTS_PER_RULE)
                ),
            ),
        ),
    )


def managed_namespaces(*labels: tuple[str, str]) -> Selector:
    """Every endpoint in a namespace the set manages, narrowed by further namespace labels."""
    return Selector({namespace_label(BASELINE_LABEL): "default-deny", **{namespace_label(k): v for k, v in labels}})


_NOT_OPTED_OUT = Expression(namespace_label(METADATA_LABEL), "NotIn", (METADATA_ALLOWED,))
_NO_SUBTRACTION = DefaultDeny(ingress=False, egress=False)


def block_metadata_endpoints() -> dict[str, PolicySpec]:
    """Workloads lose WireServer and IMDS; kube-dns keeps WireServer's port 53 (Azure DNS) for its upstream lookups.

    Deny-only rules with enableDefaultDeny off: they subtract these addresses and change nothing else.
    """
    all_but_dns = (PortRule(ports=(Port(1, "ANY", end_port=52), Port(54, "ANY", end_port=65535))),)
    workloads = Selector(match_expressions=(Expression("k8s:io.kubernetes.pod.namespace", "NotIn", ("kube-system",)), _NOT_OPTED_OUT))
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
