"""The components' own checks, run over the args this program builds, with each problem named by its config key.

The rules live in the library, beside each component. The stack settings report most of them already, with messages
written for config keys; this stage runs every component's check over the args the settings produce, before any
resource exists, so that a rule only a component knows still reaches the user as a config error naming the key (and
through it the file and line), never as a traceback from the middle of a deployment.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from aks_cilium.cilium.args import CiliumArgs, check_cilium_args
from aks_cilium.cluster.checks import check_cluster_args
from aks_cilium.core.validation import ArgsCheck, ComponentArgsError
from aks_cilium.network.component import check_args as check_network_args
from aks_cilium.network_policy.args import check_policy_set_args
from aks_cilium.network_policy.component import NetworkPolicySetArgs
from program.component_args import cilium_args, cluster_args, network_args, policy_set_args
from stack_settings.cilium import HELM_SWITCHES
from stack_settings.errors import PROJECT, ConfigProblem
from stack_settings.model import Settings

# Arg path (without list indexes) -> the config key that sets it, per component.
CLUSTER_KEYS = {
    "location": "location",
    "cluster_name": "namePrefix",
    "network_mode": "networkMode",
    "kubernetes_version": "kubernetesVersion",
    "pod_cidr": "podCidr",
    "service_cidr": "serviceCidr",
    "dns_service_ip": "dnsServiceIp",
    "outbound_type": "outboundType",
    "system_pool.vm_size": "systemPoolVmSize",
    "system_pool.min_count": "systemPoolMinCount",
    "system_pool.max_count": "systemPoolMaxCount",
    "user_pool.vm_size": "userPoolVmSize",
    "user_pool.min_count": "userPoolMinCount",
    "user_pool.max_count": "userPoolMaxCount",
    "max_pods": "maxPodsPerNode",
    "os_disk_type": "osDiskType",
    "os_disk_size_gb": "osDiskSizeGb",
    "encryption_at_host": "encryptionAtHost",
    "sku_tier": "skuTier",
    "upgrade_channel": "upgradeChannel",
    "node_os_upgrade_channel": "nodeOsUpgradeChannel",
    "kubelogin_mode": "kubeloginMode",
    "kubelogin_client_id": "kubeloginClientId",
    "kubelogin_tenant_id": "kubeloginTenantId",
    "deploy_login_mode": "deployLoginMode",
    "deployer_principal_type": "deployerPrincipalType",
    "deployers": "deployerPrincipals",
    "deploy_client_id": "deployClientId",
    "deploy_tenant_id": "deployTenantId",
    "delete_lock": "deleteLock",
    "user_pool.kubernetes_version": "userPoolKubernetesVersion",
    "support_plan": "kubernetesSupportPlan",
    "availability_zones": "availabilityZones",
    "admin_group_object_ids": "adminGroupObjectIds",
    "authorized_ip_ranges": "apiServerAuthorizedIpRanges",
    "private_cluster": "privateCluster",
    "advanced_networking_observability": "advancedNetworkingObservability",
    "advanced_networking_security": "advancedNetworkingSecurity",
    "advanced_network_policies": "advancedNetworkPolicies",
    "container_insights": "containerInsights",
    "managed_prometheus": "managedPrometheus",
    "container_network_logs": "flowLogs",
    "key_vault_secrets_provider": "keyVaultSecretsProvider",
    "defender": "defender",
    "auto_upgrade_window": "autoUpgradeWindow",
    "node_os_upgrade_window": "nodeOsUpgradeWindow",
    "protect": "protect",
}
NETWORK_KEYS = {
    "location": "location",
    "vnet_cidr": "vnetCidr",
    "node_subnet_cidr": "nodeSubnetCidr",
    "pod_subnet_cidr": "podSubnetCidr",
}
CILIUM_KEYS = {
    "version": "ciliumVersion",
    "previous_version": "ciliumPreviousVersion",
    "cluster_name": "namePrefix",
    "pod_cidr": "podCidr",
    "node_count": "systemPoolMinCount",
    "cluster_id": "clusterMeshId",
    "hubble_metrics": "hubbleMetrics",
    "extra_values": "ciliumExtraValues",
    "flow_logs": "flowLogs",
    **{arg: key for key, arg in HELM_SWITCHES.items()},
}
POLICY_KEYS = {
    "namespaces": "namespaces",
    # Every field of a namespace entry comes from that namespace's object in aks-cilium:namespaces.
    "network_mode": "networkMode",
    "acns_security": "advancedNetworkingSecurity",
    "native_default_deny": "nativeNetworkPolicyDefaultDeny",
    "protect": "protectNamespaces",
    "external_namespaces": "externalNamespaces",
    "cluster_cidrs": "podCidr",
}
# Lists whose items are config list items one for one: a problem at `key[i]` is the config key's item i.
_ITEM_FOR_ITEM = {"availability_zones", "admin_group_object_ids", "authorized_ip_ranges", "hubble_metrics"}
_INDEX = re.compile(r"\[(\d+)\]")
# Placeholders for what other resources provide: plain, so that every rule judges the config's own values now.
_NODE_SUBNET = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes"
)


def _problems(run: Callable[[], None], keys: dict[str, str]) -> list[ConfigProblem]:
    try:
        run()
    except ComponentArgsError as error:
        return [_problem(detail["property_path"], detail["reason"], keys) for detail in error.errors or []]
    return []


def _problem(path: str, reason: str, keys: dict[str, str]) -> ConfigProblem:
    bare = _INDEX.sub("", path)
    top = bare.split(".", 1)[0]
    key = keys.get(bare) or keys.get(top) or top
    index = _INDEX.search(path)
    item = index.group(0) if index and top in _ITEM_FOR_ITEM else ""
    return ConfigProblem(key, f"{reason} (the component's rule for {path})", f"pulumi config rm {PROJECT}:{key}", path=item)


def component_problems(settings: Settings, on: date | None = None) -> list[tuple[frozenset[str], list[ConfigProblem]]]:
    """Every component check over the args built from `settings`: per component, the config keys it reads and the
    problems it finds. `on` is the version policy's day.

    Secret values are checked as plain ones here (nothing is registered), so that every rule judges them now; the
    reader redacts them from the messages.
    """
    settings = replace(settings, secret_keys=frozenset())

    def cilium() -> None:
        args = cilium_args(settings)
        check = ArgsCheck("Cilium", "cilium", args, CiliumArgs)
        check_cilium_args(check, args)
        check.done()

    cluster = cluster_args(settings, settings.cluster.resource_group_name, _NODE_SUBNET)
    policies = policy_set_args(settings)
    checks: list[tuple[Callable[[], None], dict[str, str]]] = [
        (lambda: check_network_args("network", network_args(settings)), NETWORK_KEYS),
        (lambda: check_cluster_args("aks", cluster, on), CLUSTER_KEYS),
        (lambda: check_policy_set_args("policies", policies, NetworkPolicySetArgs), POLICY_KEYS),
    ]
    if settings.byocni:
        checks.append((cilium, CILIUM_KEYS))
    return [(frozenset(keys.values()), _problems(run, keys)) for run, keys in checks]
