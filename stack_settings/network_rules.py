"""Address rules across the network keys, reported by config key: the library's rules (aks_cilium.network.rules),
plus the one only the program can judge because it composes both components: the VNet apart from pod and services."""

from __future__ import annotations

from aks_cilium.network.rules import dns_service_ip_problem, inside_problem, overlap_problem, pod_room_problem, reserved_problem

from .model import NetworkSettings
from .reader import ConfigReader

POOL_KEYS = ("systemPoolMaxCount", "userPoolMaxCount")


def check_network(reader: ConfigReader, network: NetworkSettings, max_nodes: int) -> None:
    ranges = {"vnetCidr": network.vnet_cidr, "podCidr": network.pod_cidr, "serviceCidr": network.service_cidr}
    for key, cidr in ranges.items():
        problem = reserved_problem(cidr)
        if problem:
            reader.fail(key, problem, "10.244.0.0/16" if key == "podCidr" else "10.0.0.0/16" if key == "serviceCidr" else "10.224.0.0/12")
    for (key_a, a), (key_b, b) in (
        (("podCidr", network.pod_cidr), ("serviceCidr", network.service_cidr)),
        (("podCidr", network.pod_cidr), ("vnetCidr", network.vnet_cidr)),
        (("serviceCidr", network.service_cidr), ("vnetCidr", network.vnet_cidr)),
    ):
        problem = overlap_problem(a, b, key_b)
        if problem:
            reader.fail(key_a, problem, "10.244.0.0/16" if key_a == "podCidr" else "10.0.0.0/16", involves=(key_b,))

    problem = inside_problem(network.node_subnet_cidr, network.vnet_cidr, "vnetCidr")
    if problem:
        reader.fail("nodeSubnetCidr", problem, "10.224.0.0/16", involves=("vnetCidr",))
    if network.pod_subnet_cidr is not None:
        problem = inside_problem(network.pod_subnet_cidr, network.vnet_cidr, "vnetCidr")
        if problem:
            reader.fail("podSubnetCidr", problem, "10.225.0.0/16", involves=("vnetCidr",))
        if network.pod_subnet_cidr.overlaps(network.node_subnet_cidr):
            reader.fail(
                "podSubnetCidr", f"{network.pod_subnet_cidr} overlaps nodeSubnetCidr", "10.225.0.0/16", involves=("nodeSubnetCidr",)
            )

    problem = dns_service_ip_problem(network.dns_service_ip, network.service_cidr, "serviceCidr")
    if problem:
        reader.fail("dnsServiceIp", problem, "10.0.0.10", involves=("serviceCidr",))
    problem = pod_room_problem(network.pod_cidr, max_nodes)
    if problem:
        reader.fail("podCidr", problem, "10.244.0.0/16", involves=POOL_KEYS)
