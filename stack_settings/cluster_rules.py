"""Rules across the cluster's keys that Azure would refuse at `pulumi up`, named by config key.

The rules themselves live in the library (aks_cilium.cluster.rules, kubernetes_versions, maintenance); this module maps
them onto config keys, and adds the program's own: what its network does not create (deploy_rules.py: what must be
real outside dev).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from aks_cilium.cluster.maintenance import parse_window, window_problem
from aks_cilium.cluster.rules import (
    channel_version_problem,
    ephemeral_disk_problem,
    node_os_channel_problem,
    outbound_type_problem,
    service_cidr_problem,
)
from aks_cilium.cluster.versions import (
    lts_channel_problem,
    newest_supported_minor,
    next_supported_minor,
    support_plan_problem,
    support_problem,
    support_warning,
)

from .deploy_rules import check_deploy_values
from .errors import PROJECT
from .model import Settings
from .reader import ConfigReader

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


def _suggested_minor(version: str, on: date, support_plan: str) -> str:
    """The fix for a refused version: the next minor up from it, else the newest one AKS supports on the plan's date."""
    minor = ".".join(version.split(".")[:2])
    return next_supported_minor(minor, on, support_plan) or newest_supported_minor(on, support_plan) or minor


def version_warnings(settings: Settings, plan_date: date | None = None) -> tuple[str, ...]:
    """What the plan and `pulumi preview` print without refusing: a minor close to its end of support."""
    cluster = settings.cluster
    warning = support_warning(cluster.kubernetes_version, plan_date or today_utc(), cluster.support_plan)
    return (f"{PROJECT}:kubernetesVersion: {warning} (docs/upgrades.md)",) if warning else ()


def check_cluster(
    reader: ConfigReader, settings: Settings, plan_date: date | None = None, example_keys: frozenset[str] = frozenset()
) -> None:
    cluster, network = settings.cluster, settings.network
    on = plan_date or today_utc()
    version_problem = support_problem(cluster.kubernetes_version, on, cluster.support_plan) or channel_version_problem(
        cluster.upgrade_channel, cluster.kubernetes_version
    )
    if version_problem:
        reader.fail(
            "kubernetesVersion",
            f"{cluster.kubernetes_version!r} {version_problem}",
            _suggested_minor(cluster.kubernetes_version, on, cluster.support_plan),
        )
    plan_problem = support_plan_problem(cluster.support_plan, cluster.sku_tier)
    if plan_problem:
        reader.fail("kubernetesSupportPlan", f"{plan_problem} (or set skuTier Premium)", "KubernetesOfficial")
    lts_problem = lts_channel_problem(cluster.support_plan, cluster.upgrade_channel)
    if lts_problem:
        reader.fail("upgradeChannel", lts_problem, "patch")
    channel_problem = node_os_channel_problem(cluster.upgrade_channel, cluster.node_os_upgrade_channel)
    if channel_problem:
        reader.fail("nodeOsUpgradeChannel", channel_problem, "NodeImage")
    service_problem = service_cidr_problem(str(network.service_cidr))
    if service_problem:
        reader.fail("serviceCidr", service_problem, "10.0.0.0/16")
    for pool in (cluster.system_pool, cluster.user_pool):
        disk_problem = ephemeral_disk_problem(cluster.os_disk_type, pool.vm_size, cluster.os_disk_size_gb)
        if disk_problem:
            reader.fail("osDiskSizeGb", f"for the {pool.name} pool: {disk_problem} (or set osDiskType Managed)", "64")
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
    check_deploy_values(reader, settings, example_keys)
