"""Cross-field address rules: AKS reserved ranges, overlaps, and room for every node's pod block."""

from __future__ import annotations

import ipaddress

from .model import NetworkSettings
from .reader import ConfigReader

AKS_RESERVED = tuple(ipaddress.IPv4Network(cidr) for cidr in ("169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24"))
# Both Cilium's cluster-pool IPAM and AKS overlay hand every node a /24 of the pod CIDR.
POD_BLOCK_PREFIX = 24


def check_network(reader: ConfigReader, network: NetworkSettings, max_nodes: int) -> None:
    ranges = {
        "vnetCidr": network.vnet_cidr,
        "podCidr": network.pod_cidr,
        "serviceCidr": network.service_cidr,
    }
    for key, cidr in ranges.items():
        for reserved in AKS_RESERVED:
            if cidr.overlaps(reserved):
                reader.fail(key, f"{cidr} overlaps {reserved}, which AKS reserves", "10.244.0.0/16")
    for (key_a, a), (key_b, b) in (
        (("podCidr", network.pod_cidr), ("serviceCidr", network.service_cidr)),
        (("podCidr", network.pod_cidr), ("vnetCidr", network.vnet_cidr)),
        (("serviceCidr", network.service_cidr), ("vnetCidr", network.vnet_cidr)),
    ):
        if a.overlaps(b):
            reader.fail(key_a, f"{a} overlaps {key_b} {b}; pod, service and VNet ranges must be disjoint", "10.244.0.0/16")

    if not network.node_subnet_cidr.subnet_of(network.vnet_cidr):
        reader.fail("nodeSubnetCidr", f"{network.node_subnet_cidr} is not inside vnetCidr {network.vnet_cidr}", "10.224.0.0/16")
    if network.pod_subnet_cidr is not None:
        if not network.pod_subnet_cidr.subnet_of(network.vnet_cidr):
            reader.fail("podSubnetCidr", f"{network.pod_subnet_cidr} is not inside vnetCidr {network.vnet_cidr}", "10.225.0.0/16")
        if network.pod_subnet_cidr.overlaps(network.node_subnet_cidr):
            reader.fail("podSubnetCidr", f"{network.pod_subnet_cidr} overlaps nodeSubnetCidr", "10.225.0.0/16")

    first_two = (network.service_cidr.network_address, network.service_cidr.network_address + 1)
    if network.dns_service_ip not in network.service_cidr:
        reader.fail("dnsServiceIp", f"{network.dns_service_ip} is outside serviceCidr {network.service_cidr}", "10.0.0.10")
    elif network.dns_service_ip in first_two or network.dns_service_ip == network.service_cidr.broadcast_address:
        reader.fail(
            "dnsServiceIp",
            f"{network.dns_service_ip} is the network, broadcast or first address of serviceCidr (the kubernetes service takes the first)",
            "10.0.0.10",
        )

    if network.pod_cidr.prefixlen > POD_BLOCK_PREFIX:
        reader.fail("podCidr", f"{network.pod_cidr} is smaller than one node's /{POD_BLOCK_PREFIX} pod block", "10.244.0.0/16")
    elif 2 ** (POD_BLOCK_PREFIX - network.pod_cidr.prefixlen) < max_nodes:
        reader.fail(
            "podCidr",
            f"{network.pod_cidr} has room for {2 ** (POD_BLOCK_PREFIX - network.pod_cidr.prefixlen)} nodes "
            f"(a /{POD_BLOCK_PREFIX} each) but the pools can grow to {max_nodes}",
            "10.244.0.0/16",
        )
