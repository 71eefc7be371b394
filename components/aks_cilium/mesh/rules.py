"""What two clusters of one mesh must not share, and the ports their nodes must reach each other on.

Plain functions of plain values: the `ClusterMesh` component checks its args with them, the stack layer reports the
same rule against its config keys and both stacks, and the policy pack judges the registered mesh with them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

# The clustermesh-apiserver's etcd port, the service port the chart exposes (values.yaml, clustermesh.config.clusters
# `port: 2379`) and the one peers dial.
API_SERVER_PORT = 2379


@dataclass(frozen=True)
class MeshPort:
    """One flow between the nodes of two members: Azure NSG protocol (`Tcp`, `Udp`, `Icmp`) and port (`*` for ICMP)."""

    purpose: str
    protocol: str
    port: str


# Cilium's firewall rules (cilium/cilium Documentation/operations/system_requirements.rst, "Firewall Rules"): VXLAN
# 8472/udp between all nodes in tunnel mode (aksbyocni forces it), cilium-health on 4240/tcp and ICMP echo, WireGuard
# 51871/udp; Documentation/security/network/encryption-wireguard.rst, "Cluster Mesh": UDP 51871 between nodes of
# different clusters must be allowed. The clustermesh-apiserver's 2379/tcp is reached through its internal load
# balancer, whose frontend IP lies in the node subnet.
MESH_PORTS: tuple[MeshPort, ...] = (
    MeshPort("clustermesh-apiserver", "Tcp", str(API_SERVER_PORT)),
    MeshPort("vxlan", "Udp", "8472"),
    MeshPort("health", "Tcp", "4240"),
    MeshPort("health-icmp", "Icmp", "*"),
    MeshPort("wireguard", "Udp", "51871"),
)


@dataclass(frozen=True)
class MeshMember:
    """What one cluster of the mesh is known by to the others."""

    stack: str
    cluster_name: str
    cluster_id: int
    pod_cidr: str
    vnet_cidr: str


# Field of MeshMember -> what it is, for messages.
MEMBER_FIELDS = {
    "cluster_name": "Cilium cluster name",
    "cluster_id": "Cilium cluster ID",
    "pod_cidr": "pod CIDR",
    "vnet_cidr": "VNet range",
}


def _overlap(a: str, b: str) -> bool:
    return ipaddress.IPv4Network(a, strict=False).overlaps(ipaddress.IPv4Network(b, strict=False))


def member_collisions(local: MeshMember, peer: MeshMember) -> list[tuple[str, str]]:
    """(field, message) for each thing `local` shares with `peer`, naming both stacks.

    Cluster names and IDs identify a cluster's identities and endpoints across the mesh (values.yaml, cluster.name and
    cluster.id: unique across connected clusters); pod CIDRs must be distinct (k8s-install-helm.rst, cluster mesh
    prerequisites), and VNets that overlap cannot be peered (Azure's peering requirements; not re-read for this rule).
    A pod CIDR that overlaps the peer's VNet would route the peer's node addresses into the local pod range.
    """
    both = f"stack {local.stack!r} and peer stack {peer.stack!r}"
    found: list[tuple[str, str]] = []
    if local.cluster_name == peer.cluster_name:
        found.append(("cluster_name", f"{both} both name their cluster {local.cluster_name!r}"))
    if local.cluster_id == peer.cluster_id:
        found.append(("cluster_id", f"{both} both use Cilium cluster ID {local.cluster_id}"))
    for field, mine, theirs, what in (
        ("pod_cidr", local.pod_cidr, peer.pod_cidr, "pod CIDR"),
        ("vnet_cidr", local.vnet_cidr, peer.vnet_cidr, "VNet range"),
        ("pod_cidr", local.pod_cidr, peer.vnet_cidr, "VNet range"),
        ("vnet_cidr", local.vnet_cidr, peer.pod_cidr, "pod CIDR"),
    ):
        if _overlap(mine, theirs):
            peering = "; VNets that overlap cannot be peered" if (field, what) == ("vnet_cidr", "VNet range") else ""
            found.append(
                (
                    field,
                    f"the {MEMBER_FIELDS[field]} of stack {local.stack!r}, {mine}, overlaps the {what} of peer stack "
                    f"{peer.stack!r}, {theirs}{peering}",
                )
            )
    return found


def security_rules(peer_vnet_cidr: Any, local_subnet_cidr: Any, first_priority: int = 200) -> list[dict[str, Any]]:
    """NSG rules (as `SecurityRuleArgs` keywords) that admit the peer's nodes on MESH_PORTS, inbound and outbound.

    The address prefixes may be Outputs (a peer's VNet range read from its stack); everything else is plain.
    """
    rules: list[dict[str, Any]] = []
    for direction, source, destination in (("Inbound", peer_vnet_cidr, local_subnet_cidr), ("Outbound", local_subnet_cidr, peer_vnet_cidr)):
        for offset, port in enumerate(MESH_PORTS):
            rules.append(
                {
                    "name": f"mesh-{port.purpose}-{direction.lower()}",
                    "priority": first_priority + offset + (0 if direction == "Inbound" else 50),
                    "direction": direction,
                    "access": "Allow",
                    "protocol": port.protocol,
                    "source_address_prefix": source,
                    "source_port_range": "*",
                    "destination_address_prefix": destination,
                    "destination_port_range": port.port,
                    "description": f"Cilium Cluster Mesh: {port.purpose} with the peer cluster's nodes",
                }
            )
    return rules
