"""The policies of the managed namespaces, as plain data (no resources), so they can be checked alone.

What is the same for every managed namespace is cluster-wide, selecting the namespaces by the labels the set puts on
them; what one namespace allows is one CiliumNetworkPolicy in it, one rule per declared flow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from aks_cilium.network_policy.builders import (
    BASELINE_LABEL,
    DNS_LABEL,
    DNS_THROUGH_KUBE_DNS,
    DNS_THROUGH_PROXY,
    METADATA_ALLOWED,
    METADATA_LABEL,
    OUTSIDE_ENTITIES,
    ModeCapabilities,
    allow_kube_dns,
    api_server_out,
    block_metadata_endpoints,
    cidr_out,
    default_deny,
    fqdns_out,
    managed_namespaces,
    metadata_endpoints_out,
    namespace_peers_in,
    namespace_peers_out,
    outside_in,
    webhooks_in,
)
from aks_cilium.network_policy.model import EgressRule, IngressRule, PolicyModelError, PolicySpec, Port, check_namespace

TENANT_POLICY = "tenant-allow"


@dataclass(frozen=True)
class IngressAllow:
    """One declared way in: from the pods of a namespace, or from outside the cluster (`outside`, a key of
    OUTSIDE_ENTITIES); on `ports`, or every port when empty."""

    namespace: str | None = None
    outside: str | None = None
    ports: tuple[Port, ...] = ()

    def __post_init__(self) -> None:
        if (self.namespace is None) == (self.outside is None):
            raise PolicyModelError("an ingress allowance names exactly one of namespace or outside")
        if self.namespace is not None:
            check_namespace(self.namespace)
        if self.outside is not None:
            if self.outside not in OUTSIDE_ENTITIES:
                raise PolicyModelError(f"outside {self.outside!r} is not one of {', '.join(OUTSIDE_ENTITIES)}")
            if not self.ports:
                raise PolicyModelError("traffic from outside the cluster is allowed on named ports only")


@dataclass(frozen=True)
class EgressAllow:
    """One declared way out: to a namespace, the API server, a CIDR (with exceptions) or a DNS name; on `ports`, or
    every port when empty."""

    namespace: str | None = None
    api_server: bool = False
    cidr: str | None = None
    except_cidrs: tuple[str, ...] = ()
    fqdn: str | None = None
    ports: tuple[Port, ...] = ()

    def __post_init__(self) -> None:
        peers = [self.namespace is not None, self.api_server, self.cidr is not None, self.fqdn is not None]
        if sum(peers) != 1:
            raise PolicyModelError("an egress allowance names exactly one of namespace, api_server, cidr or fqdn")
        if self.except_cidrs and self.cidr is None:
            raise PolicyModelError("except_cidrs belongs to a cidr allowance")
        if self.namespace is not None:
            check_namespace(self.namespace)


@dataclass(frozen=True)
class NamespaceBaseline:
    namespace: str
    intra_namespace: bool = True
    """Pods of the namespace reach each other on every port (both directions: default deny covers both)."""
    ingress: tuple[IngressAllow, ...] = ()
    egress: tuple[EgressAllow, ...] = ()
    webhook_ports: tuple[int, ...] = ()
    metadata_endpoints: bool = False
    """The namespace opts out of the WireServer/IMDS block and reaches both."""
    derived_egress: tuple[EgressAllow, ...] = field(default=())
    """Egress to managed namespaces, derived from their ingress (the receiving side declares a flow once)."""

    def __post_init__(self) -> None:
        check_namespace(self.namespace)

    @property
    def fqdns(self) -> tuple[str, ...]:
        return tuple(allow.fqdn for allow in self.egress if allow.fqdn is not None)


def with_derived_egress(baselines: Iterable[NamespaceBaseline]) -> list[NamespaceBaseline]:
    """Each managed namespace's ingress from another managed namespace opens that sender's egress on the same ports."""
    listed = list(baselines)
    managed = {baseline.namespace for baseline in listed}
    derived: dict[str, list[EgressAllow]] = {}
    for target in listed:
        for allow in target.ingress:
            if allow.namespace in managed and allow.namespace != target.namespace:
                derived.setdefault(allow.namespace, []).append(EgressAllow(namespace=target.namespace, ports=allow.ports))
    return [replace(b, derived_egress=tuple(derived.get(b.namespace, ()))) for b in listed]


def namespace_labels(baseline: NamespaceBaseline) -> dict[str, str]:
    """The labels that put the namespace under the cluster-wide baseline, and pick its DNS path.

    Cilium derives pod identities from namespace labels: the first FQDN of a namespace (or the removal of its last)
    moves it to the other DNS path, and every pod in it gets a new identity (docs/network-policy.md, "Identities").
    """
    labels = {
        BASELINE_LABEL: "default-deny",
        # Lookups go through the DNS proxy only where an FQDN rule needs it to learn addresses.
        DNS_LABEL: DNS_THROUGH_PROXY if baseline.fqdns else DNS_THROUGH_KUBE_DNS,
    }
    if baseline.metadata_endpoints:
        labels[METADATA_LABEL] = METADATA_ALLOWED
    return labels


def clusterwide_policies(capabilities: ModeCapabilities) -> dict[str, PolicySpec]:
    """CiliumClusterwideNetworkPolicy name -> spec: the part of the baseline every managed namespace shares.

    The metadata block is byocni's only: its deny-only policies rely on `enableDefaultDeny: false`, which Cilium drops
    (turning them into default deny for every pod they select) unless the agent runs with
    enable-non-default-deny-policies. The release this program installs sets it; whether AKS's managed Cilium does is
    not documented, and a wrong guess would cut every unmanaged namespace off (docs/network-policy.md, "WireServer and
    IMDS"). In azure-cilium, managed namespaces lose IMDS to their default deny and reach it only by opting in.
    """
    policies = {
        "aks-cilium-default-deny": default_deny(managed_namespaces()),
        "aks-cilium-allow-kube-dns": allow_kube_dns(managed_namespaces((DNS_LABEL, DNS_THROUGH_KUBE_DNS))),
    }
    if capabilities.byocni:
        policies |= {f"aks-cilium-{name}": spec for name, spec in block_metadata_endpoints().items()}
    return policies


def _ingress_rules(baseline: NamespaceBaseline) -> list[IngressRule]:
    rules = [namespace_peers_in(baseline.namespace)] if baseline.intra_namespace else []
    for allow in baseline.ingress:
        if allow.namespace is not None:
            rules.append(namespace_peers_in(allow.namespace, allow.ports))
        elif allow.outside is not None:
            rules.append(outside_in(allow.outside, allow.ports))
    if baseline.webhook_ports:
        rules.append(webhooks_in(baseline.webhook_ports))
    return rules


def _egress_rules(baseline: NamespaceBaseline, capabilities: ModeCapabilities) -> list[EgressRule]:
    rules = [namespace_peers_out(baseline.namespace)] if baseline.intra_namespace else []
    fqdns: list[tuple[str, tuple[Port, ...]]] = []
    for allow in (*baseline.egress, *baseline.derived_egress):
        if allow.namespace is not None:
            rules.append(namespace_peers_out(allow.namespace, allow.ports))
        elif allow.api_server:
            rules.append(api_server_out(allow.ports))
        elif allow.cidr is not None:
            rules.append(cidr_out(allow.cidr, allow.except_cidrs, allow.ports))
        elif allow.fqdn is not None:
            fqdns.append((allow.fqdn, allow.ports))
    if baseline.metadata_endpoints:
        rules += metadata_endpoints_out()
    if fqdns:
        # Per namespace: the DNS patterns carry the namespace's own search domain.
        rules += fqdns_out(capabilities, baseline.namespace, tuple(fqdns))
    return rules


def namespace_policies(baseline: NamespaceBaseline, capabilities: ModeCapabilities) -> dict[str, PolicySpec]:
    """CiliumNetworkPolicy name -> spec: what this namespace adds to the shared baseline, in one policy.

    One policy per namespace, not one per intent: the cost of a tenant is a namespace and a policy.
    """
    ingress, egress = _ingress_rules(baseline), _egress_rules(baseline, capabilities)
    if not ingress and not egress:
        return {}
    return {
        TENANT_POLICY: PolicySpec(
            description=f"What namespace {baseline.namespace} allows beyond the baseline (aks-cilium tenant model)",
            ingress=tuple(ingress) or None,
            egress=tuple(egress) or None,
        )
    }
