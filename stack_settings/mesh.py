"""Config keys of a two-stack Cilium Cluster Mesh: read them, and check what one stack alone can know.

What needs the peer (its name, ID and ranges) is checked once its stack outputs are read (program/mesh.py).
"""

from __future__ import annotations

import ipaddress
import re

from .model import MeshSettings, Settings
from .reader import ConfigReader

# `pulumi stack` names: a stack name alone, or `<org>/<project>/<stack>` (pulumi/pulumi sdk/go/common/tokens,
# `QName` parts of letters, digits, `-`, `_`, `.`).
_STACK_REFERENCE = re.compile(r"^([A-Za-z0-9_.-]+/){0,2}[A-Za-z0-9_.-]+\Z")
# Azure keeps the first four addresses of every subnet and its last (MicrosoftDocs/azure-docs
# articles/virtual-network/virtual-networks-faq.md, "Are there any restrictions on using IP addresses within these
# subnets?"); a load balancer frontend cannot take them.
_RESERVED_LOW, _RESERVED_HIGH = 4, 1
_KEYS = ("clusterMeshPeerStack", "clusterMeshCaOwner", "clusterMeshApiServerIp")


def _reference(value: str) -> str | None:
    return None if value == "" or _STACK_REFERENCE.match(value) else "is not a stack reference (<org>/<project>/<stack>)"


def read_mesh(reader: ConfigReader) -> tuple[str, bool, str]:
    """The raw mesh keys; `check_mesh` turns them into MeshSettings once the rest of the settings are known."""
    peer = reader.string("clusterMeshPeerStack", "organization/aks-cilium/mesh-west", _reference)
    owner = reader.boolean("clusterMeshCaOwner")
    address = reader.string("clusterMeshApiServerIp", "10.16.15.250")
    return peer, owner, address


def check_mesh(reader: ConfigReader, settings: Settings, raw: tuple[str, bool, str]) -> MeshSettings | None:
    """The mesh settings when clusterMeshPeerStack is set, every problem recorded against its key."""
    peer, owner, address = raw
    if not peer:
        for key, value, unset in (("clusterMeshCaOwner", owner, "false"), ("clusterMeshApiServerIp", address, "")):
            if value:
                reader.fail(key, "only applies with clusterMeshPeerStack set", unset)
        return None
    if not settings.byocni:
        reader.fail("clusterMeshPeerStack", "needs networkMode byocni: in azure-cilium mode Azure runs Cilium and its mesh is not ours", "")
    if peer.rsplit("/", 1)[-1] == settings.stack:
        reader.fail(
            "clusterMeshPeerStack",
            f"names this stack {settings.stack!r}; a mesh peers with another stack",
            "organization/aks-cilium/mesh-west",
        )
    if not settings.cilium.switches.get("wireguard"):
        reader.fail(
            "wireguard", "must be true in a mesh stack: every member runs WireGuard (encryption-wireguard.rst, Cluster Mesh)", "true"
        )
    if not settings.cilium.cluster_id:
        reader.fail("clusterMeshId", "must be set (1-255) in a mesh stack: a derived ID may collide with the peer's", "11")
    subnet = settings.network.node_subnet_cidr
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        reader.fail("clusterMeshApiServerIp", f"{address!r} is not an IPv4 address in nodeSubnetCidr {subnet}", str(subnet[-6]))
        return None
    usable_low, usable_high = subnet[_RESERVED_LOW], subnet[-1 - _RESERVED_HIGH]
    if not usable_low <= ip <= usable_high:
        reader.fail(
            "clusterMeshApiServerIp",
            f"{ip} is not a usable address of nodeSubnetCidr {subnet} ({usable_low}-{usable_high}; Azure keeps the first four and "
            "the last)",
            str(subnet[-6]),
        )
    return MeshSettings(peer_stack=peer, ca_owner=owner, api_server_ip=ip)


__all__ = ["check_mesh", "read_mesh"]
