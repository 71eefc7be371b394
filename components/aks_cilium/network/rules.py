"""Address rules of an AKS cluster's networks: what AKS reserves, what must not overlap, where the DNS IP may sit.

Plain functions of plain values, each returning a problem or None, shared by the Network and AksCluster components
(for their args) and the stack config (which names the key). Where a rule involves a second field, the caller passes
the name that field has for its reader (`label`), so that one message serves an arg and a config key alike.
Source: ../shared/design/PRODUCT.md, "Facts to respect (Azure ...)": the reserved ranges, disjoint pod, service and
VNet ranges, the DNS service IP inside the service CIDR.
"""

from __future__ import annotations

import ipaddress

AKS_RESERVED = tuple(ipaddress.IPv4Network(cidr) for cidr in ("169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24"))
# Both Cilium's cluster-pool IPAM and AKS overlay hand every node a /24 of the pod CIDR.
POD_BLOCK_PREFIX = 24


def parse_cidr(text: object) -> ipaddress.IPv4Network | None:
    """An IPv4 CIDR with its host bits zero, or None."""
    if not isinstance(text, str):
        return None
    try:
        return ipaddress.IPv4Network(text, strict=True)
    except ValueError:
        return None


def cidr_problem(text: object) -> str | None:
    if parse_cidr(text) is not None:
        return None
    return f"{text!r} is not an IPv4 CIDR with its host bits zero (a.b.c.d/0-32)"


def address_problem(text: object) -> str | None:
    try:
        ipaddress.IPv4Address(text)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return f"{text!r} is not an IPv4 address"
    return None


def reserved_problem(cidr: ipaddress.IPv4Network) -> str | None:
    for reserved in AKS_RESERVED:
        if cidr.overlaps(reserved):
            return f"{cidr} overlaps {reserved}, which AKS reserves"
    return None


def overlap_problem(cidr: ipaddress.IPv4Network, other: ipaddress.IPv4Network, label: str) -> str | None:
    if cidr.overlaps(other):
        return f"{cidr} overlaps {label} {other}; pod, service and VNet ranges must be disjoint"
    return None


def inside_problem(subnet: ipaddress.IPv4Network, network: ipaddress.IPv4Network, label: str) -> str | None:
    return None if subnet.subnet_of(network) else f"{subnet} is not inside {label} {network}"


def dns_service_ip_problem(dns_ip: ipaddress.IPv4Address, service: ipaddress.IPv4Network, label: str) -> str | None:
    """Inside the service CIDR, and not its network, first (the kubernetes service's) or broadcast address."""
    if dns_ip not in service:
        return f"{dns_ip} is outside {label} {service}"
    if dns_ip in (service.network_address, service.network_address + 1, service.broadcast_address):
        return f"{dns_ip} is the network, broadcast or first address of {label} (the kubernetes service takes the first)"
    return None


def pod_room_problem(pod: ipaddress.IPv4Network, max_nodes: int) -> str | None:
    """Room for a /24 per node at the pools' largest size."""
    if pod.prefixlen > POD_BLOCK_PREFIX:
        return f"{pod} is smaller than one node's /{POD_BLOCK_PREFIX} pod block"
    room = 2 ** (POD_BLOCK_PREFIX - pod.prefixlen)
    if room < max_nodes:
        return f"{pod} has room for {room} nodes (a /{POD_BLOCK_PREFIX} each) but the pools can grow to {max_nodes}"
    return None
