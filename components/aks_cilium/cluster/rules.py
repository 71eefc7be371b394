"""Combinations of AKS cluster settings that Azure refuses or breaks on; each returns a problem or None.

Shared by the AksCluster component (for plain argument values) and the stack config (which names the key).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal, get_args

from aks_cilium.cluster.versions import is_minor_only, minor_number
from aks_cilium.network.rules import parse_cidr

NetworkMode = Literal["byocni", "azure-cilium"]
NETWORK_MODES: tuple[NetworkMode, ...] = get_args(NetworkMode)
BYOCNI, AZURE_CILIUM = NETWORK_MODES
SKU_TIERS = ("Standard", "Free", "Premium")
OS_DISK_TYPES = ("Ephemeral", "Managed")
ADVANCED_NETWORK_POLICIES = ("FQDN", "L7")
OUTBOUND_TYPES = ("loadBalancer", "managedNATGateway", "userAssignedNATGateway", "userDefinedRouting")
ZONES = ("1", "2", "3")
# Pods per node: 250 is what overlay allows (../shared/design/PRODUCT.md); 50 is this project's security baseline for
# every pool (PRODUCT.md, "Security baseline of the prod stack").
MAX_PODS_RANGE = range(50, 251)
# This program's bounds, not Azure's: an OS disk of 30 GB to 2 TB, pools of 1 to 1,000 nodes.
OS_DISK_GB_RANGE = range(30, 2049)
POOL_COUNT_RANGE = range(1, 1001)
UPGRADE_CHANNELS = ("patch", "stable", "rapid", "node-image")
# Channels that move the cluster to a newer minor by themselves (auto-upgrade-cluster.md). Resending the version the
# cluster was created with would then be a downgrade, which AKS refuses; the component stops sending it after creation.
# node-image is not one: it upgrades node images only and leaves the Kubernetes version where the program put it.
MINOR_MOVING_CHANNELS = frozenset({"stable", "rapid"})
NODE_OS_CHANNELS = ("NodeImage", "SecurityPatch")
# Temp disk of the sizes this program knows; Dds_v5 sizes have no cache disk, so an ephemeral OS disk goes there.
# concepts-storage.md (Standard_D8ds_v5: 300 GiB) and ../shared/design/UPSTREAM.md (D2ds_v5 75 GiB, D4ds_v5 150 GiB).
TEMP_DISK_GIB = {"Standard_D2ds_v5": 75, "Standard_D4ds_v5": 150, "Standard_D8ds_v5": 300}
# The service CIDR must be smaller than /12 (concepts-network-azure-cni-overlay.md).
LARGEST_SERVICE_PREFIX = 12


_REGION = re.compile(r"^[a-z][a-z0-9]*\Z")
_VM_SIZE = re.compile(r"^Standard_[A-Z][A-Za-z0-9]*(_[A-Za-z0-9]+)*\Z", re.ASCII)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
# The cluster name doubles as its DNS prefix: 1-54 letters, digits and hyphens, alphanumeric at both ends.
_AKS_DNS_PREFIX = re.compile(r"^[a-zA-Z0-9]([-a-zA-Z0-9]{0,52}[a-zA-Z0-9])?\Z")


def choice_problem(value: object, choices: tuple[str, ...]) -> str | None:
    return None if value in choices else f"{value!r} is not one of {', '.join(choices)}"


def range_problem(value: int, allowed: range) -> str | None:
    return None if value in allowed else f"{value} is outside {allowed.start}..{allowed.stop - 1}"


def region_problem(value: str) -> str | None:
    return None if _REGION.match(value) else f"{value!r} is not an Azure region name (lower case, no spaces)"


def vm_size_problem(value: str) -> str | None:
    return None if _VM_SIZE.match(value) else f"{value!r} is not an Azure VM size (Standard_<family>...)"


def guid_problem(value: str) -> str | None:
    return None if _GUID.match(value) else f"{value!r} is not a GUID"


def dns_prefix_problem(value: str) -> str | None:
    if _AKS_DNS_PREFIX.match(value):
        return None
    return f"{value!r} is not a valid AKS DNS prefix (1-54 letters, digits, hyphens, alphanumeric at both ends)"


def authorized_range_problem(value: str) -> str | None:
    network = parse_cidr(value)
    if network is None:
        return f"{value!r} is not an IPv4 CIDR with its host bits zero"
    return f"{value} opens the API server to everyone; leave the list empty instead" if network.prefixlen == 0 else None


def pool_counts_problem(min_count: int, max_count: int) -> str | None:
    return None if min_count <= max_count else f"min_count {min_count} is above max_count {max_count}"


def outbound_type_problem(outbound_type: str) -> str | None:
    """A managed NAT gateway belongs to an AKS-managed VNet; every cluster here is given its node subnet (nat-gateway.md:
    "Managed NAT gateway isn't compatible with custom virtual networks")."""
    if outbound_type == "managedNATGateway":
        return "managedNATGateway needs an AKS-managed VNet; with a node subnet you bring, use userAssignedNATGateway or loadBalancer"
    return None


def channel_version_problem(upgrade_channel: str, version: str) -> str | None:
    """`patch` keeps the minor but moves the patch: a pinned patch would be resent as a downgrade after the first upgrade."""
    if upgrade_channel == "patch" and not is_minor_only(version):
        minor = ".".join(version.split(".")[:2])
        return f"{version!r} pins a patch, which upgradeChannel patch moves past; give the minor only ({minor})"
    return None


def node_os_channel_problem(upgrade_channel: str, node_os_channel: str) -> str | None:
    """With cluster channel node-image AKS sets and keeps the node OS channel NodeImage (auto-upgrade-node-os-image.md)."""
    if upgrade_channel == "node-image" and node_os_channel != "NodeImage":
        return f"must be NodeImage with upgradeChannel node-image (AKS does not allow {node_os_channel} there)"
    return None


def service_cidr_problem(service_cidr: str) -> str | None:
    network = ipaddress.ip_network(service_cidr, strict=False)
    if network.prefixlen <= LARGEST_SERVICE_PREFIX:
        return f"{service_cidr} is /{network.prefixlen}; AKS needs a service CIDR smaller than /{LARGEST_SERVICE_PREFIX} (e.g. /16)"
    return None


def ephemeral_disk_problem(os_disk_type: str, vm_size: str, os_disk_size_gb: int) -> str | None:
    """An ephemeral OS disk must fit the size's temp disk; sizes not in TEMP_DISK_GIB are left to Azure to judge."""
    temp = TEMP_DISK_GIB.get(vm_size)
    if os_disk_type != "Ephemeral" or temp is None or os_disk_size_gb <= temp:
        return None
    return f"{os_disk_size_gb} GB does not fit the {temp} GiB temp disk of {vm_size}, where an ephemeral OS disk lives"


# AgentPool.orchestratorVersion in the 2025-09-01 REST spec (Azure/azure-rest-api-specs, Microsoft.ContainerService
# managedClusters.json): "The node pool minor version must be within two minor versions of the control plane version.
# The node pool version cannot be greater than the control plane version."
MAX_POOL_MINOR_LAG = 2


def pool_version_problem(control_plane_version: str, pool_version: str) -> str | None:
    """A pool newer than the control plane, or more than MAX_POOL_MINOR_LAG minors behind it; None when AKS allows it."""
    control, pool = minor_number(control_plane_version), minor_number(pool_version)
    if control is None or pool is None:
        return None  # the version's own shape check reports it
    if pool > control:
        return f"{pool_version} is newer than the control plane's {control_plane_version}; a node pool may not be"
    if control - pool > MAX_POOL_MINOR_LAG:
        return (
            f"{pool_version} lags the control plane's {control_plane_version} by {control - pool} minors; AKS allows "
            f"{MAX_POOL_MINOR_LAG}: upgrade the pool first (or follow kubernetesVersion)"
        )
    return None
