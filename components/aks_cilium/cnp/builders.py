"""Builders for the common policy intents, aware of what each network mode supports."""

from __future__ import annotations

from dataclasses import dataclass

from .model import DnsMatch, EgressRule, IngressRule, PolicyModelError, PolicySpec, Port, PortRule, Selector

KUBE_DNS = Selector({"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns"})
# ACNS refuses the bare "*" DNS pattern; service names are one namespace level below svc.cluster.local.
CLUSTER_LOCAL_PATTERN = "*.*.svc.cluster.local"
WEB_PORTS = (Port(443, "TCP"), Port(80, "TCP"))


@dataclass(frozen=True)
class ModeCapabilities:
    """What the cluster's Cilium can enforce: all of it when we run it, ACNS-dependent when Azure does."""

    byocni: bool
    acns_security: bool = False

    @property
    def l7(self) -> bool:
        return self.byocni or self.acns_security


def default_deny() -> PolicySpec:
    return PolicySpec(description="Default deny: no ingress or egress unless another policy allows it", deny_ingress=True, deny_egress=True)


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


def _dns_rule(capabilities: ModeCapabilities, names: tuple[DnsMatch, ...]) -> EgressRule:
    """Egress to kube-dns on 53 (ANY: DNS falls back to TCP), with an L7 DNS rule where the mode has one."""
    if not capabilities.l7:
        dns: tuple[DnsMatch, ...] = ()
    elif capabilities.byocni:
        # Every lookup passes the DNS proxy, so Hubble shows them and toFQDNs learns the answers.
        dns = (DnsMatch("*"),)
    else:
        dns = (DnsMatch(CLUSTER_LOCAL_PATTERN), *names)
    return EgressRule(to_endpoints=(KUBE_DNS,), to_ports=(PortRule(ports=(Port(53, "ANY"),), dns=dns),))


def allow_dns(capabilities: ModeCapabilities) -> PolicySpec:
    return PolicySpec(description="Allow DNS lookups through kube-dns", egress=(_dns_rule(capabilities, ()),))


def allow_fqdns(capabilities: ModeCapabilities, names: tuple[str, ...]) -> PolicySpec:
    """Egress to names on 80/443, always with the DNS rule in the same policy: without it toFQDNs allows nothing."""
    if not capabilities.l7:
        raise PolicyModelError("FQDN policies need Cilium's DNS proxy: byocni mode, or ACNS security in azure-cilium mode")
    if not names:
        raise PolicyModelError("an FQDN allowlist needs at least one name")
    matches = tuple(DnsMatch(name) for name in names)
    return PolicySpec(
        description=f"Allow egress to {', '.join(names)} (and the DNS lookups that resolve them)",
        egress=(_dns_rule(capabilities, matches), EgressRule(to_fqdns=matches, to_ports=(PortRule(ports=WEB_PORTS),))),
    )


def platform_allowances() -> PolicySpec:
    """Kubelet probes come from `host` and admission webhooks from `remote-node` on AKS."""
    return PolicySpec(
        description="Allow kubelet probes (host) and API server webhooks (remote-node)",
        ingress=(IngressRule(from_entities=("host", "remote-node")),),
    )
