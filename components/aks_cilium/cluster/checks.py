"""The AksCluster component's own argument checks: what Azure would refuse, found before anything is registered.

Every rule reads plain values; a rule over an arg given as an Output runs once it resolves (core.validation). The stack
config reports the same rules against its keys by running this check over the args it builds (stack_settings).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from aks_cilium.cluster import kubeconfig, maintenance
from aks_cilium.cluster.args import AksClusterArgs
from aks_cilium.cluster.rules import (
    ADVANCED_NETWORK_POLICIES,
    BYOCNI,
    MAX_PODS_RANGE,
    NETWORK_MODES,
    NODE_OS_CHANNELS,
    OS_DISK_GB_RANGE,
    OS_DISK_TYPES,
    OUTBOUND_TYPES,
    POOL_COUNT_RANGE,
    SKU_TIERS,
    UPGRADE_CHANNELS,
    ZONES,
    authorized_range_problem,
    channel_version_problem,
    choice_problem,
    dns_prefix_problem,
    ephemeral_disk_problem,
    guid_problem,
    node_os_channel_problem,
    outbound_type_problem,
    pool_counts_problem,
    pool_version_problem,
    range_problem,
    region_problem,
    service_cidr_problem,
    vm_size_problem,
)
from aks_cilium.cluster.versions import OFFICIAL_PLAN, lts_channel_problem, support_plan_problem, support_problem
from aks_cilium.core.validation import ArgsCheck, Fail
from aks_cilium.network.rules import (
    address_problem,
    cidr_problem,
    dns_service_ip_problem,
    overlap_problem,
    parse_cidr,
    pod_room_problem,
    reserved_problem,
)

# azure-native sends principalType User when none is given, and ARM refuses a type that does not match the principal.
PRINCIPAL_TYPES = ("User", "ServicePrincipal")
POOLS = ("system_pool", "user_pool")
ACNS_KEYS = ("advanced_networking_observability", "advanced_networking_security")


def today_utc() -> date:
    return datetime.now(UTC).date()


def check_cluster_args(name: str, args: AksClusterArgs, on: date | None = None) -> None:
    """Refuse what Azure would refuse: plain values now, Outputs once they resolve.

    `on` is the day the version policy judges kubernetes_version against (default: today, UTC).
    """
    check = ArgsCheck("AksCluster", name, args, AksClusterArgs)
    if check.incomplete:
        check.done()
    _choices(check)
    _names(check)
    _versions(check, on or today_utc())
    _addresses(check)
    _pools(check)
    _access(check)
    check.done()


def _one(key: str, problem: Any) -> Any:
    """A rule over one arg: `problem(value)` -> str | None."""

    def rule(values: Mapping[str, Any], fail: Fail) -> None:
        if key in values:
            found = problem(values[key])
            if found:
                fail(key, found)

    return rule


def _each(key: str, problem: Any) -> Any:
    """A rule over every item of a list arg, reported at its index."""

    def rule(values: Mapping[str, Any], fail: Fail) -> None:
        items = list(values.get(key, []))
        for index, item in enumerate(items):
            found = problem(item)
            if found:
                fail(f"{key}[{index}]", found)
        if len(set(items)) != len(items):
            fail(key, "has duplicate items")

    return rule


def _choices(check: ArgsCheck) -> None:
    for key, choices in (
        ("network_mode", NETWORK_MODES),
        ("upgrade_channel", UPGRADE_CHANNELS),
        ("node_os_upgrade_channel", NODE_OS_CHANNELS),
        ("outbound_type", OUTBOUND_TYPES),
        ("sku_tier", SKU_TIERS),
        ("os_disk_type", OS_DISK_TYPES),
        ("advanced_network_policies", ADVANCED_NETWORK_POLICIES),
        ("deployer_principal_type", PRINCIPAL_TYPES),
        ("kubelogin_mode", kubeconfig.LOGIN_MODES),
        ("deploy_login_mode", kubeconfig.LOGIN_MODES),
    ):
        check.rule((key,), _one(key, lambda value, choices=choices: choice_problem(value, choices)))
    check.rule(("outbound_type",), _one("outbound_type", lambda value: value in OUTBOUND_TYPES and outbound_type_problem(value)))
    check.rule(("max_pods",), _one("max_pods", lambda value: range_problem(value, MAX_PODS_RANGE)))
    check.rule(("os_disk_size_gb",), _one("os_disk_size_gb", lambda value: range_problem(value, OS_DISK_GB_RANGE)))
    check.rule(("availability_zones",), _each("availability_zones", lambda zone: choice_problem(zone, ZONES)))
    check.rule(("upgrade_channel", "node_os_upgrade_channel"), _node_os_channel)
    check.rule(("network_mode", *ACNS_KEYS), _acns_mode)
    check.rule(("defender", "container_insights"), _defender)
    check.rule(("container_network_logs", "network_mode", "advanced_networking_observability", "container_insights"), _network_logs)
    for key in ("auto_upgrade_window", "node_os_upgrade_window"):
        check.rule((key,), _one(key, maintenance.window_problem))


def _node_os_channel(values: Mapping[str, Any], fail: Fail) -> None:
    problem = node_os_channel_problem(values["upgrade_channel"], values["node_os_upgrade_channel"])
    if problem:
        fail("node_os_upgrade_channel", problem)


def _acns_mode(values: Mapping[str, Any], fail: Fail) -> None:
    if values["network_mode"] != BYOCNI:
        return
    for key in ACNS_KEYS:
        if values.get(key, False):
            fail(
                key,
                "needs network_mode azure-cilium (ACNS requires the Cilium dataplane); in byocni mode Hubble comes from the Helm release",
            )


def _defender(values: Mapping[str, Any], fail: Fail) -> None:
    if values.get("defender", False) and not values.get("container_insights", False):
        fail("defender", "needs container_insights (Defender reports to its Log Analytics workspace)")


def _network_logs(values: Mapping[str, Any], fail: Fail) -> None:
    """Stored container network logs need the Cilium dataplane with ACNS, and the monitoring add-on to ship them
    (MicrosoftDocs/azure-aks-docs how-to-configure-container-network-logs.md, prerequisites and step 3)."""
    if not values.get("container_network_logs", False):
        return
    if values["network_mode"] == BYOCNI or not values.get("advanced_networking_observability", False):
        fail("container_network_logs", "needs network_mode azure-cilium with advanced_networking_observability")
    if not values.get("container_insights", False):
        fail("container_network_logs", "needs container_insights (the monitoring add-on ships the logs)")


def _names(check: ArgsCheck) -> None:
    check.rule(("location",), _one("location", region_problem))
    check.rule(("cluster_name",), _one("cluster_name", dns_prefix_problem))
    check.rule(("admin_group_object_ids",), _each("admin_group_object_ids", guid_problem))
    for key in ("kubelogin_client_id", "kubelogin_tenant_id", "deploy_client_id", "deploy_tenant_id"):
        check.rule((key,), _one(key, lambda value: guid_problem(value) if value else None))

    def deployers(values: Mapping[str, Any], fail: Fail) -> None:
        for index, deployer in enumerate(values.get("deployers", [])):
            problem = choice_problem(deployer.get("principal_type"), PRINCIPAL_TYPES)
            if problem:
                fail(f"deployers[{index}].principal_type", problem)
            problem = guid_problem(deployer.get("object_id"))
            if problem:
                fail(f"deployers[{index}].object_id", problem)

    check.rule(("deployers",), deployers)


def _versions(check: ArgsCheck, on: date) -> None:
    def version(values: Mapping[str, Any], fail: Fail) -> None:
        given = values["kubernetes_version"]
        problem = support_problem(given, on, values.get("support_plan", OFFICIAL_PLAN))
        problem = problem or channel_version_problem(values["upgrade_channel"], given)
        if problem:
            fail("kubernetes_version", problem if problem.startswith(repr(given)) else f"{given!r} {problem}")

    def plan(values: Mapping[str, Any], fail: Fail) -> None:
        problem = support_plan_problem(values.get("support_plan", OFFICIAL_PLAN), values["sku_tier"])
        if problem:
            fail("support_plan", problem)

    def lts(values: Mapping[str, Any], fail: Fail) -> None:
        problem = lts_channel_problem(values.get("support_plan", OFFICIAL_PLAN), values["upgrade_channel"])
        if problem:
            fail("support_plan", problem)

    check.rule(("kubernetes_version", "upgrade_channel", "support_plan"), version)
    check.rule(("support_plan", "sku_tier"), plan)
    check.rule(("support_plan", "upgrade_channel"), lts)
    check.rule(("kubernetes_version", *POOLS), _pool_versions)


def _pool_versions(values: Mapping[str, Any], fail: Fail) -> None:
    """The system pool goes with the control plane in the cluster's own request, where AKS wants every pool's version
    equal to the control plane's or unchanged (auto-upgrade-cluster.md, NotAllAgentPoolOrchestratorVersionSpecifiedAndUnchanged);
    the user pool may lag while it catches up, within what AKS allows (rules.pool_version_problem)."""
    if "kubernetes_version" in values["system_pool"]:
        fail("system_pool.kubernetes_version", "is for the user pool only: the system pool always follows kubernetes_version")
    pool = values["user_pool"].get("kubernetes_version")
    if pool is not None:
        problem = pool_version_problem(values["kubernetes_version"], pool)
        if problem:
            fail("user_pool.kubernetes_version", problem)


def _addresses(check: ArgsCheck) -> None:
    check.rule(("dns_service_ip",), _one("dns_service_ip", address_problem))
    check.rule(("pod_cidr", "service_cidr", "dns_service_ip"), _cluster_ranges)
    check.rule(("pod_cidr", *POOLS), _pod_room)


def _cluster_ranges(values: Mapping[str, Any], fail: Fail) -> None:
    """Each range valid and clear of AKS's reserved ones; pod and service disjoint; the DNS IP inside the services."""
    ranges = {}
    for key in ("pod_cidr", "service_cidr"):
        cidr = parse_cidr(values[key])
        problem = cidr_problem(values[key]) if cidr is None else reserved_problem(cidr)
        if problem:
            fail(key, problem)
        if cidr is not None:
            ranges[key] = cidr
    pod, service = ranges.get("pod_cidr"), ranges.get("service_cidr")
    if service is not None:
        problem = service_cidr_problem(str(service))
        if problem:
            fail("service_cidr", problem)
        if address_problem(values["dns_service_ip"]) is None:
            problem = dns_service_ip_problem(ipaddress.IPv4Address(values["dns_service_ip"]), service, "service_cidr")
            if problem:
                fail("dns_service_ip", problem)
    if pod is not None and service is not None:
        problem = overlap_problem(service, pod, "pod_cidr")
        if problem:
            fail("service_cidr", problem)


def _pod_room(values: Mapping[str, Any], fail: Fail) -> None:
    pod = parse_cidr(values["pod_cidr"])
    if pod is not None:
        problem = pod_room_problem(pod, sum(values[pool]["max_count"] for pool in POOLS))
        if problem:
            fail("pod_cidr", problem)


def _pools(check: ArgsCheck) -> None:
    def pool_rule(pool: str) -> Any:
        def rule(values: Mapping[str, Any], fail: Fail) -> None:
            given = values[pool]
            problem = vm_size_problem(given["vm_size"])
            if problem:
                fail(f"{pool}.vm_size", problem)
            for key in ("min_count", "max_count"):
                problem = range_problem(given[key], POOL_COUNT_RANGE)
                if problem:
                    fail(f"{pool}.{key}", problem)
            problem = pool_counts_problem(given["min_count"], given["max_count"])
            if problem:
                fail(f"{pool}.min_count", problem)

        return rule

    def disk(values: Mapping[str, Any], fail: Fail) -> None:
        for pool in POOLS:
            problem = ephemeral_disk_problem(values["os_disk_type"], values[pool]["vm_size"], values["os_disk_size_gb"])
            if problem:
                fail("os_disk_size_gb", f"for the {pool}: {problem}")

    for pool in POOLS:
        check.rule((pool,), pool_rule(pool))
    check.rule(("os_disk_type", "os_disk_size_gb", *POOLS), disk)


def _access(check: ArgsCheck) -> None:
    check.rule(("authorized_ip_ranges",), _each("authorized_ip_ranges", authorized_range_problem))

    def private(values: Mapping[str, Any], fail: Fail) -> None:
        if values.get("private_cluster", False) and values.get("authorized_ip_ranges"):
            fail("authorized_ip_ranges", "cannot be combined with private_cluster (a private API server has no public ranges)")

    def spn(values: Mapping[str, Any], fail: Fail) -> None:
        if values["kubelogin_mode"] != "spn":
            return
        for key in ("kubelogin_client_id", "kubelogin_tenant_id"):
            if not values.get(key):
                fail(key, "is required with kubelogin_mode spn")

    check.rule(("private_cluster", "authorized_ip_ranges"), private)
    check.rule(("kubelogin_mode", "kubelogin_client_id", "kubelogin_tenant_id"), spn)
