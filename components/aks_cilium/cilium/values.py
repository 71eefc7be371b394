"""Cilium Helm values for AKS bring-your-own-CNI, built in one place from the Cilium component's resolved args.

The input is the `CiliumArgs` mapping once its Outputs have resolved (plain values, same keys); the defaults of the
optional args are here, next to the values they shape.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from aks_cilium.cilium.mesh_values import mesh_values
from aks_cilium.cilium.rules import derived_cluster_id

DEFAULT_HUBBLE_METRICS = ("dns", "drop", "tcp", "flow", "port-distribution", "icmp", "httpV2")
API_SERVER_PORT = 443
# The chart's default: two operators for leader election; more only add idle standbys.
MAX_OPERATOR_REPLICAS = 2

# The AKS system pool carries this taint (aks_cilium/cluster.py; AKS docs, use-system-pools.md). `Exists` without an
# effect tolerates it with any effect (Kubernetes, taint-and-toleration).
CRITICAL_ADDONS_TOLERATION = {"key": "CriticalAddonsOnly", "operator": "Exists"}
# Cilium 1.20 values.yaml, operator.tolerations: the chart's defaults, which a value for the list replaces, so they
# are repeated here with the system pool's taint added.
OPERATOR_DEFAULT_TOLERATIONS = (
    {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists"},
    {"key": "node-role.kubernetes.io/master", "operator": "Exists"},
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists"},
    {"key": "node.cloudprovider.kubernetes.io/uninitialized", "operator": "Exists"},
)


def operator_replicas(node_count: int) -> int:
    """The operator's anti-affinity is required per node (values.yaml, operator.affinity), so never more replicas than
    nodes it may use; with the CriticalAddonsOnly toleration that is every node of both pools."""
    return max(1, min(MAX_OPERATOR_REPLICAS, node_count))


def _scheduling(node_count: int) -> dict[str, Any]:
    """Operator, relay, UI and the certgen Job tolerate the system pool, so the release never waits for user nodes."""
    tolerate = [dict(CRITICAL_ADDONS_TOLERATION)]
    return {
        "operator": {
            "replicas": operator_replicas(node_count),
            "tolerations": [*map(dict, OPERATOR_DEFAULT_TOLERATIONS), dict(CRITICAL_ADDONS_TOLERATION)],
        },
        "hubble": {"relay": {"tolerations": tolerate}, "ui": {"tolerations": copy.deepcopy(tolerate)}},
        "certgen": {"tolerations": copy.deepcopy(tolerate)},
    }


def _base_values(args: Mapping[str, Any]) -> dict[str, Any]:
    cluster_name: str = args["cluster_name"]
    values: dict[str, Any] = _deep_merge(
        {
            "aksbyocni": {"enabled": True},
            # The chart requires tunnel routing with aksbyocni; pod IPs stay off the VNet.
            "routingMode": "tunnel",
            "tunnelProtocol": "vxlan",
            "ipam": {
                "mode": "cluster-pool",
                "operator": {"clusterPoolIPv4PodCIDRList": [args["pod_cidr"]], "clusterPoolIPv4MaskSize": 24},
            },
            "hubble": {
                "enabled": True,
                "relay": {"enabled": True},
                "ui": {"enabled": True},
                # `helm` regenerates the certificates on every render, so every `pulumi up` would show a diff.
                "tls": {"auto": {"enabled": True, "method": "cronJob"}},
            },
            # Set at install: changing either later restarts every workload (k8s-install-helm.rst; cilium-cli sets
            # the name to the cluster's, install/helm.go).
            "cluster": {"name": cluster_name, "id": args.get("cluster_id") or derived_cluster_id(cluster_name)},
            "kubeProxyReplacement": bool(args.get("kube_proxy_replacement", False)),
            # Set, not inherited from the chart's default: the WireServer/IMDS block is deny-only with
            # enableDefaultDeny off, and with this off Cilium puts every endpoint such a policy selects into default deny.
            "enableNonDefaultDenyPolicies": True,
        },
        _scheduling(args["node_count"]),
    )
    metrics = list(args.get("hubble_metrics", DEFAULT_HUBBLE_METRICS))
    service_monitors = bool(args.get("service_monitors", False))
    if metrics:
        values["hubble"]["metrics"] = {"enabled": metrics, "serviceMonitor": {"enabled": service_monitors}}
    if service_monitors:
        values["prometheus"] = {"enabled": True, "serviceMonitor": {"enabled": True, "trustCRDsExist": True}}
        values["operator"]["prometheus"] = {"enabled": True, "serviceMonitor": {"enabled": True}}
    if args.get("kube_proxy_replacement"):
        values["k8sServiceHost"] = args["api_server_host"]
        values["k8sServicePort"] = API_SERVER_PORT
    if args.get("wireguard"):
        values["encryption"] = {"enabled": True, "type": "wireguard"}
    if args.get("bandwidth_manager"):
        values["bandwidthManager"] = {"enabled": True}
    return values


def _deep_merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(dict(base))
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def cilium_values(args: Mapping[str, Any]) -> dict[str, Any]:
    """The release's values from resolved args that passed the component's checks (extra values allowlisted)."""
    values = _base_values(args)
    if args.get("cluster_mesh"):
        values = _deep_merge(values, mesh_values(args["cluster_mesh"]))
    return _deep_merge(values, args.get("extra_values") or {})
