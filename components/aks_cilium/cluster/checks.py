"""The AksCluster component's own argument checks: what Azure would refuse, found before anything is registered."""

from aks_cilium.cluster import kubeconfig, maintenance
from aks_cilium.cluster.args import AksClusterArgs
from aks_cilium.cluster.rules import (
    NETWORK_MODES,
    NODE_OS_CHANNELS,
    UPGRADE_CHANNELS,
    channel_version_problem,
    ephemeral_disk_problem,
    node_os_channel_problem,
    outbound_type_problem,
    pool_version_problem,
)
from aks_cilium.cluster.versions import OFFICIAL_PLAN, lts_channel_problem, support_plan_problem
from aks_cilium.core.validation import ArgsCheck

# azure-native sends principalType User when none is given, and ARM refuses a type that does not match the principal.
PRINCIPAL_TYPES = ("User", "ServicePrincipal")


def check_cluster_args(name: str, args: AksClusterArgs) -> None:
    """Refuse what Azure would refuse, for every argument given as a plain value; Outputs are Azure's to judge."""
    check = ArgsCheck("AksCluster", name, args, AksClusterArgs)
    if check.problems:
        check.done()
    if args["network_mode"] not in NETWORK_MODES:
        check.fail("network_mode", f"{args['network_mode']!r} is not one of {', '.join(NETWORK_MODES)}")
    channel = args["upgrade_channel"]
    if channel not in UPGRADE_CHANNELS:
        check.fail("upgrade_channel", f"{channel!r} is not one of {', '.join(UPGRADE_CHANNELS)}")
    node_os = args["node_os_upgrade_channel"]
    if isinstance(node_os, str):
        if node_os not in NODE_OS_CHANNELS:
            check.fail("node_os_upgrade_channel", f"{node_os!r} is not one of {', '.join(NODE_OS_CHANNELS)}")
        problem = node_os_channel_problem(channel, node_os)
        if problem:
            check.fail("node_os_upgrade_channel", problem)
    version = args["kubernetes_version"]
    problem = channel_version_problem(channel, version) if isinstance(version, str) else None
    if problem:
        check.fail("kubernetes_version", problem)
    outbound = args["outbound_type"]
    problem = outbound_type_problem(outbound) if isinstance(outbound, str) else None
    if problem:
        check.fail("outbound_type", problem)
    tier = args["sku_tier"]
    problem = support_plan_problem(args.get("support_plan", OFFICIAL_PLAN), tier) if isinstance(tier, str) else None
    if problem:
        check.fail("support_plan", problem)
    problem = lts_channel_problem(args.get("support_plan", OFFICIAL_PLAN), channel)
    if problem:
        check.fail("support_plan", problem)
    if args.get("deployer_principal_type", "User") not in PRINCIPAL_TYPES:
        check.fail("deployer_principal_type", f"{args.get('deployer_principal_type')!r} is not one of {', '.join(PRINCIPAL_TYPES)}")
    for index, deployer in enumerate(args.get("deployers", [])):
        if deployer.get("principal_type") not in PRINCIPAL_TYPES:
            check.fail(
                "deployers", f"item {index}: principal_type {deployer.get('principal_type')!r} is not one of {', '.join(PRINCIPAL_TYPES)}"
            )
    _check_pool_versions(check, args)
    for key in ("kubelogin_mode", "deploy_login_mode"):
        mode = args.get(key, "azurecli")
        if mode not in kubeconfig.LOGIN_MODES:
            check.fail(key, f"{mode!r} is not one of {', '.join(kubeconfig.LOGIN_MODES)}")
    if args["kubelogin_mode"] == "spn" and not (args.get("kubelogin_client_id") and args.get("kubelogin_tenant_id")):
        check.fail("kubelogin_mode", "spn needs kubelogin_client_id and kubelogin_tenant_id")
    if args.get("defender", False) and not args.get("container_insights", False):
        check.fail("defender", "needs container_insights (Defender reports to its Log Analytics workspace)")
    for key, window in (
        ("auto_upgrade_window", args.get("auto_upgrade_window")),
        ("node_os_upgrade_window", args.get("node_os_upgrade_window")),
    ):
        problem = maintenance.window_problem(window) if window is not None else None
        if problem:
            check.fail(key, problem)
    disk_type, disk_size = args["os_disk_type"], args["os_disk_size_gb"]
    for pool_key in ("system_pool", "user_pool"):
        vm_size = args[pool_key]["vm_size"]  # type: ignore[literal-required]
        if isinstance(disk_type, str) and isinstance(vm_size, str) and isinstance(disk_size, int):
            problem = ephemeral_disk_problem(disk_type, vm_size, disk_size)
            if problem:
                check.fail("os_disk_size_gb", problem)
    check.done()


def _check_pool_versions(check: ArgsCheck, args: AksClusterArgs) -> None:
    """The system pool goes with the control plane in the cluster's own request, where AKS wants every pool's version
    equal to the control plane's or unchanged (auto-upgrade-cluster.md, NotAllAgentPoolOrchestratorVersionSpecifiedAndUnchanged);
    the user pool may lag while it catches up, within what AKS allows (rules.pool_version_problem)."""
    if "kubernetes_version" in args["system_pool"]:
        check.fail("system_pool", "kubernetes_version is for the user pool only: the system pool always follows kubernetes_version")
    control, pool = args["kubernetes_version"], args["user_pool"].get("kubernetes_version")
    if isinstance(control, str) and isinstance(pool, str):
        problem = pool_version_problem(control, pool)
        if problem:
            check.fail("user_pool", f"kubernetes_version {problem}")
