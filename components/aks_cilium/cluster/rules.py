"""Combinations of AKS cluster settings that Azure refuses or breaks on; each returns a problem or None.

Shared by the AksCluster component (for plain argument values) and the stack config (which names the key).
"""

from __future__ import annotations

import ipaddress

from aks_cilium.cluster.versions import is_minor_only, minor_number

BYOCNI = "byocni"
AZURE_CILIUM = "azure-cilium"
NETWORK_MODES = (BYOCNI, AZURE_CILIUM)
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
