"""Both ends of a flow: pods of a namespace, and what lies outside the cluster, each with the identity Cilium gives it.

- A pod carries `k8s:io.kubernetes.pod.namespace`, one `k8s:io.cilium.k8s.namespace.labels.<key>` per label of its
  namespace (Documentation/security/policy/kubernetes.rst, "Namespaces"), and `k8s:io.cilium.k8s.policy.cluster`;
  every namespace carries `kubernetes.io/metadata.name` (set by the API server since Kubernetes 1.21).
- An address outside the cluster has a CIDR identity with `reserved:world`; the API server of AKS runs outside the
  cluster, so its addresses carry `reserved:kube-apiserver` and, having no node label, the CIDR labels and world too
  (cilium/cilium pkg/ipcache/metadata.go, `resolveIdentity`). Names resolved through toFQDNs are world addresses.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field

from .selectors import CLUSTER_KEY, NAMESPACE_KEY, NAMESPACE_LABEL_PREFIX, Identity

CLUSTER_NAME = "default"
"""The cluster name pods carry; the `cluster` entity selects the same name, so only the two agreeing matters."""
KUBE_SYSTEM = "kube-system"
KUBE_DNS_LABELS = {"k8s-app": "kube-dns"}
"""CoreDNS on AKS runs in kube-system as `k8s-app: kube-dns`; the namespace's peer in reports is that pod."""
METADATA_NAME_LABEL = "kubernetes.io/metadata.name"
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Peer:
    """One end of a flow."""

    target: tuple[str, str]
    """(kind, value) as reachability.json writes `to`: namespace, fqdn, cidr or entity."""
    identity: Identity = field(compare=False, hash=False)
    pod: bool = False
    """A Cilium endpoint: its own ingress policy applies, CIDR rules never select it."""
    network: IpNetwork | None = None
    """The addresses a CIDR peer stands for; None where they are unknown offline (names, the API server)."""
    fqdn: str = ""

    @property
    def namespace(self) -> str:
        return self.target[1] if self.target[0] == "namespace" else ""

    def as_json(self) -> dict[str, str]:
        return {self.target[0]: self.target[1]}


def pod_peer(namespace: str, namespace_labels: Mapping[str, str], pod_labels: Mapping[str, str] | None = None) -> Peer:
    labels = {f"k8s:{NAMESPACE_KEY}": namespace, f"k8s:{CLUSTER_KEY}": CLUSTER_NAME}
    for key, value in {**namespace_labels, METADATA_NAME_LABEL: namespace}.items():
        labels[f"k8s:{NAMESPACE_LABEL_PREFIX}{key}"] = value
    labels.update({f"k8s:{key}": value for key, value in (pod_labels or {}).items()})
    return Peer(("namespace", namespace), Identity(labels), pod=True)


def cidr_peer(cidr: str) -> Peer:
    network = ipaddress.ip_network(cidr, strict=True)
    return Peer(("cidr", str(network)), Identity({"reserved:world": ""}), network=network)


def fqdn_peer(name: str) -> Peer:
    return Peer(("fqdn", name), Identity({"reserved:world": ""}), fqdn=name)


# The entities a flow can go to, as identities. `world` stands for an address no other rule names.
ENTITY_IDENTITIES: dict[str, dict[str, str]] = {
    "kube-apiserver": {"reserved:kube-apiserver": "", "reserved:world": ""},
    "world": {"reserved:world": ""},
    "host": {"reserved:host": ""},
    "remote-node": {"reserved:remote-node": ""},
    "health": {"reserved:health": ""},
    "ingress": {"reserved:ingress": ""},
    "unmanaged": {"reserved:unmanaged": ""},
    "init": {"reserved:init": ""},
}


def entity_peer(entity: str) -> Peer:
    if entity not in ENTITY_IDENTITIES:
        raise ValueError(f"entity {entity!r} has no identity of its own to send a flow to")
    return Peer(("entity", entity), Identity(ENTITY_IDENTITIES[entity]))
