"""The components' own checks, run over the args this program builds, with each problem named by its config key.

The rules live in the library, beside each component. The stack settings report most of them already, with messages
written for config keys; this stage runs every component's check over the args the settings produce, before any
resource exists, so that a rule only a component knows still reaches the user as a config error naming the key (and
through it the file and line), never as a traceback from the middle of a deployment.

It runs in the same pass as the stack's own rules, whatever they found. A key the stack could not read holds a
stand-in value in the settings; its args are given to the components as `UNREADABLE`, a value of no declared type, so
that each component's type check claims them and leaves every rule that reads them unjudged (core/validation.py
`ArgsCheck.rule`), just as the stack's own rules across keys skip an unreadable key (stack_settings/reader.py). A
problem whose rule read a key the stack already refused is left out too: the stack's own rule over the same keys has
said it (often naming the other key), or the rule judged a value that must change anyway. Every other problem, one
only a component knows, is reported in the same run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any, cast

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


class _Unreadable:
    def __repr__(self) -> str:
        return "<unreadable>"


UNREADABLE: Any = _Unreadable()
"""The arg of a config key the stack could not read: of no type an args TypedDict declares."""


def _masked(args: Mapping[str, Any], keys: dict[str, str], unreadable: frozenset[str]) -> dict[str, Any]:
    """`args` with UNREADABLE at every path whose config key is unreadable (given or not: an arg left out would be
    judged by its default, a stand-in too)."""
    masked: dict[str, Any] = dict(args)
    for path in sorted(path for path, key in keys.items() if key in unreadable):
        *parents, leaf = path.split(".")
        node = masked
        for parent in parents:
            if not isinstance(node.get(parent), Mapping):
                break
            node[parent] = node = dict(node[parent])
        else:
            node[leaf] = UNREADABLE
    return masked


def _problems(
    run: Callable[[Any], None], args: Mapping[str, Any], keys: dict[str, str], unreadable: frozenset[str], refused: frozenset[str]
) -> list[ConfigProblem]:
    try:
        run(_masked(args, keys, unreadable))
    except ComponentArgsError as error:
        found = zip(error.errors or [], error.reads, strict=True)
        problems = [(_problem(detail["property_path"], detail["reason"], keys), _read_keys(read, keys)) for detail, read in found]
        return [problem for problem, read in problems if not ({problem.key} | read) & refused]
    return []


def _read_keys(args: tuple[str, ...], keys: dict[str, str]) -> set[str]:
    """The config keys behind top-level args (a pool's every field)."""
    return {key for path, key in keys.items() if path.split(".", 1)[0] in args}


def _problem(path: str, reason: str, keys: dict[str, str]) -> ConfigProblem:
    bare = _INDEX.sub("", path)
    top = bare.split(".", 1)[0]
    key = keys.get(bare) or keys.get(top) or top
    index = _INDEX.search(path)
    item = index.group(0) if index and top in _ITEM_FOR_ITEM else ""
    return ConfigProblem(key, f"{reason} (the component's rule for {path})", f"pulumi config rm {PROJECT}:{key}", path=item)


def component_problems(
    settings: Settings, on: date | None = None, unreadable: frozenset[str] = frozenset(), refused: frozenset[str] = frozenset()
) -> list[ConfigProblem]:
    """Every component check over the args built from `settings`, each problem named by its config key. `on` is the
    version policy's day; `unreadable` are the config keys the stack could not read (their settings are stand-ins),
    `refused` those it reported a problem with: a problem with one of either, or whose rule read one, is left out.

    Secret values are checked as plain ones here (nothing is registered), so that every rule judges them now; the
    reader redacts them from the messages.
    """
    settings = replace(settings, secret_keys=frozenset())

    def cilium(args: Any) -> None:
        check = ArgsCheck("Cilium", "cilium", args, CiliumArgs)
        check_cilium_args(check, args)
        check.done()

    checks: list[tuple[Callable[[Any], None], Mapping[str, Any], dict[str, str]]] = [
        (lambda args: check_network_args("network", args), cast(Mapping[str, Any], network_args(settings)), NETWORK_KEYS),
        (
            lambda args: check_cluster_args("aks", args, on),
            cast(Mapping[str, Any], cluster_args(settings, settings.cluster.resource_group_name, _NODE_SUBNET)),
            CLUSTER_KEYS,
        ),
        (lambda args: check_policy_set_args("policies", args, NetworkPolicySetArgs), policy_set_args(settings), POLICY_KEYS),
    ]
    if settings.byocni:
        checks.append((cilium, cast(Mapping[str, Any], cilium_args(settings)), CILIUM_KEYS))
    refused |= unreadable
    return [problem for run, args, keys in checks for problem in _problems(run, args, keys, unreadable, refused)]
