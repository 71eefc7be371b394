"""Rules across the cluster's keys that Azure would refuse at `pulumi up`, named by config key.

The rules themselves live in the library (aks_cilium.cluster.rules, kubernetes_versions, maintenance); this module maps
them onto config keys, and adds the program's own: what its network does not create, and no placeholders outside dev.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, date, datetime

from aks_cilium.cluster.maintenance import parse_window, window_problem
from aks_cilium.cluster.rules import (
    channel_version_problem,
    ephemeral_disk_problem,
    node_os_channel_problem,
    outbound_type_problem,
    service_cidr_problem,
)
from aks_cilium.cluster.versions import DEFAULT_MINOR, support_plan_problem, support_problem

from .model import Settings
from .reader import ConfigReader

DEV_STACK = "dev"
# RFC 5737: reserved for documentation, never routed. An API server open only to them is open to nobody.
DOCUMENTATION_RANGES = tuple(ipaddress.IPv4Network(cidr) for cidr in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
NIL_GUID = "00000000-0000-0000-0000-000000000000"
# Outbound types that need a resource on the node subnet which the Network component does not create
# (../shared/design/UPSTREAM.md, AKS limits): a NAT gateway, or a route table.
NEEDS_SUBNET_RESOURCE = {"userAssignedNATGateway": "a NAT gateway", "userDefinedRouting": "a route table"}


def window_text(value: str) -> str | None:
    """An empty string, or a weekly window `<Day> <HH:MM> <hours>h` in UTC."""
    if value == "":
        return None
    window = parse_window(value)
    if window is None:
        return "is not a weekly window like 'Sunday 01:00 6h' (day, start in UTC, 4-24 hours)"
    return window_problem(window)


def today_utc() -> date:
    return datetime.now(UTC).date()


def check_cluster(reader: ConfigReader, settings: Settings, plan_date: date | None = None) -> None:
    cluster, network = settings.cluster, settings.network
    on = plan_date or today_utc()
    version_problem = support_problem(cluster.kubernetes_version, on, cluster.support_plan) or channel_version_problem(
        cluster.upgrade_channel, cluster.kubernetes_version
    )
    if version_problem:
        reader.fail("kubernetesVersion", f"{cluster.kubernetes_version!r} {version_problem}", f'"{DEFAULT_MINOR}"')
    plan_problem = support_plan_problem(cluster.support_plan, cluster.sku_tier)
    if plan_problem:
        reader.fail("kubernetesSupportPlan", plan_problem, "KubernetesOfficial (or skuTier Premium)")
    channel_problem = node_os_channel_problem(cluster.upgrade_channel, cluster.node_os_upgrade_channel)
    if channel_problem:
        reader.fail("nodeOsUpgradeChannel", channel_problem, "NodeImage")
    service_problem = service_cidr_problem(str(network.service_cidr))
    if service_problem:
        reader.fail("serviceCidr", service_problem, "10.0.0.0/16")
    for pool in (cluster.system_pool, cluster.user_pool):
        disk_problem = ephemeral_disk_problem(cluster.os_disk_type, pool.vm_size, cluster.os_disk_size_gb)
        if disk_problem:
            reader.fail("osDiskSizeGb", f"for the {pool.name} pool: {disk_problem}", "64 (or osDiskType Managed)")
    needed = NEEDS_SUBNET_RESOURCE.get(network.outbound_type)
    if needed:
        reader.fail(
            "outboundType",
            f"{network.outbound_type} needs {needed} on the node subnet, which this program does not create "
            "(and outbound type is set at creation only)",
            "loadBalancer",
        )
    outbound_problem = outbound_type_problem(network.outbound_type)
    if outbound_problem:
        reader.fail("outboundType", outbound_problem, "loadBalancer")
    if settings.stack != DEV_STACK:
        _check_placeholders(reader, settings)


def _check_placeholders(reader: ConfigReader, settings: Settings) -> None:
    """Outside dev, an example value left in place would deploy: a documentation range or the nil GUID."""
    cluster = settings.cluster
    for index, cidr in enumerate(cluster.authorized_ip_ranges):
        network = ipaddress.IPv4Network(cidr)
        if any(network.subnet_of(doc) for doc in DOCUMENTATION_RANGES):
            reader.fail(
                "apiServerAuthorizedIpRanges",
                f"{cidr} is a documentation range (RFC 5737); set the public egress ranges of your admins and CI",
                "'<your egress CIDR>'",
                path=f"[{index}]",
            )
    guid_keys = {
        "adminGroupObjectIds": cluster.admin_group_object_ids,
        "kubeloginClientId": (cluster.kubelogin_client_id,),
        "kubeloginTenantId": (cluster.kubelogin_tenant_id,),
    }
    for key, values in guid_keys.items():
        if NIL_GUID in values:
            reader.fail(key, "is the nil GUID, a placeholder; set the real object, client or tenant ID from Entra ID", "<Entra ID GUID>")
