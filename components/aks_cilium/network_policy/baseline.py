"""The policies of the managed namespaces, as plain data (no resources), so they can be checked alone.

What is the same for every managed namespace is cluster-wide, selecting the namespaces by the labels the set puts on
them; only what differs between namespaces stays a CiliumNetworkPolicy in the namespace.
"""

from __future__ import annotations

from dataclasses import dataclass

from aks_cilium.network_policy.builders import (
    BASELINE_LABEL,
    DNS_LABEL,
    DNS_THROUGH_KUBE_DNS,
    DNS_THROUGH_PROXY,
    METADATA_ALLOWED,
    METADATA_LABEL,
    ModeCapabilities,
    allow_fqdns,
    allow_from_namespaces,
    allow_kube_dns,
    allow_to_namespaces,
    allow_webhooks,
    block_metadata_endpoints,
    default_deny,
    managed_namespaces,
)
from aks_cilium.network_policy.model import PolicySpec, check_namespace


@dataclass(frozen=True)
class NamespaceBaseline:
    namespace: str
    allow_from: tuple[str, ...] = ()
    allow_to: tuple[str, ...] = ()
    fqdns: tuple[str, ...] = ()
    webhook_ports: tuple[int, ...] = ()
    metadata_endpoints: bool = False
    """The namespace opts out of the WireServer/IMDS block (byocni)."""

    def __post_init__(self) -> None:
        for name in (self.namespace, *self.allow_from, *self.allow_to):
            check_namespace(name)


def namespace_labels(baseline: NamespaceBaseline) -> dict[str, str]:
    """The labels that put the namespace under the cluster-wide baseline, and pick its DNS path."""
    labels = {
        BASELINE_LABEL: "default-deny",
        # Lookups go through the DNS proxy only where an FQDN rule needs it to learn addresses.
        DNS_LABEL: DNS_THROUGH_PROXY if baseline.fqdns else DNS_THROUGH_KUBE_DNS,
    }
    if baseline.metadata_endpoints:
        labels[METADATA_LABEL] = METADATA_ALLOWED
    return labels


def clusterwide_policies(capabilities: ModeCapabilities) -> dict[str, PolicySpec]:
    """CiliumClusterwideNetworkPolicy name -> spec: the part of the baseline every managed namespace shares."""
    policies = {
        "aks-cilium-default-deny": default_deny(managed_namespaces()),
        "aks-cilium-allow-kube-dns": allow_kube_dns(managed_namespaces((DNS_LABEL, DNS_THROUGH_KUBE_DNS))),
    }
    if capabilities.byocni:
        # Azure's managed Cilium blocks WireServer itself; in byocni nothing does unless we do.
        policies |= {f"aks-cilium-{name}": spec for name, spec in block_metadata_endpoints().items()}
    return policies


def namespace_policies(baseline: NamespaceBaseline, capabilities: ModeCapabilities) -> dict[str, PolicySpec]:
    """CiliumNetworkPolicy name -> spec: only what this namespace adds to the shared baseline."""
    policies: dict[str, PolicySpec] = {}
    if baseline.allow_from:
        policies["allow-from-namespaces"] = allow_from_namespaces(baseline.allow_from)
    if baseline.allow_to:
        policies["allow-to-namespaces"] = allow_to_namespaces(baseline.allow_to)
    if baseline.fqdns:
        # Per namespace: the DNS patterns carry the namespace's own search domain, and ACNS needs them explicit.
        policies["allow-fqdns"] = allow_fqdns(capabilities, baseline.namespace, baseline.fqdns)
    if baseline.webhook_ports:
        policies["allow-webhooks"] = allow_webhooks(baseline.webhook_ports)
    return policies
