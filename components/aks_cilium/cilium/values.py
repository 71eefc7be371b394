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

DEFAULT_HUBBLE_METRICS = ("dns", "drop", "tcp", "flow", "port-distribution", "icmp", "httpV2", "policy")
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


# AKS labels every node with its pool's mode (MicrosoftDocs/azure-aks-docs articles/aks/use-system-pools.md:
# `kubernetes.azure.com/mode=system|user`).
POOL_MODE_LABEL = "kubernetes.azure.com/mode"
# Hubble Relay and UI serve people, not the cluster's networking: they prefer user nodes and never tolerate the system
# pool's taint, so they do not take the room AKS keeps there for critical add-ons.
PREFER_USER_POOL = {
    "preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "preference": {"matchExpressions": [{"key": POOL_MODE_LABEL, "operator": "In", "values": ["user"]}]}}
    ]
}
# Cilium 1.20 values.yaml, hubble.relay.affinity: the chart's default keeps relay beside an agent; a value for the key
# replaces it, so it is repeated next to the node preference.
RELAY_DEFAULT_POD_AFFINITY = {
    "requiredDuringSchedulingIgnoredDuringExecution": [
        {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"k8s-app": "cilium"}}}
    ]
}


def _scheduling(node_count: int) -> dict[str, Any]:
    """The operator and the certgen Job tolerate the system pool, so Cilium never waits for user nodes to come up; relay
    and UI are not critical add-ons and prefer the user pool (tests/components/test_cilium_scheduling.py)."""
    return {
        "operator": {
            "replicas": operator_replicas(node_count),
            "tolerations": [*map(dict, OPERATOR_DEFAULT_TOLERATIONS), dict(CRITICAL_ADDONS_TOLERATION)],
        },
        "hubble": {
            "relay": {
                "affinity": {"podAffinity": copy.deepcopy(RELAY_DEFAULT_POD_AFFINITY), "nodeAffinity": copy.deepcopy(PREFER_USER_POOL)}
            },
            "ui": {"affinity": {"nodeAffinity": copy.deepcopy(PREFER_USER_POOL)}},
        },
        "certgen": {"tolerations": [dict(CRITICAL_ADDONS_TOLERATION)]},
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
            # Always off: AKS keeps kube-proxy running on bring-your-own-CNI, so the args refuse it
            # (cilium.rules.kube_proxy_replacement_problem) and no API server address is ever needed.
            "kubeProxyReplacement": False,
            # Set, not inherited from the chart's default: the WireServer/IMDS block is deny-only with
            # enableDefaultDeny off, and with this off Cilium puts every endpoint such a policy selects into default deny.
            "enableNonDefaultDenyPolicies": True,
        },
        _scheduling(args["node_count"]),
    )
    values = _deep_merge(values, observability_values(args))
    if args.get("wireguard"):
        values["encryption"] = {"enabled": True, "type": "wireguard"}
    if args.get("bandwidth_manager"):
        values["bandwidthManager"] = {"enabled": True}
    return values


# Hubble metrics that carry the flow's source and destination (Cilium Documentation/observability/metrics.rst, "Context
# Options"): the workload name, or the reserved identity (world, host, remote-node, kube-apiserver, ...) for what is no
# pod, plus both namespaces as labels. Pod names stay out, so pod churn creates no series; docs/observability.md gives
# the bound. tcp, icmp and port-distribution stay without context: their per-port and per-flag labels multiply.
CONTEXT_METRICS = ("dns", "drop", "flow", "policy", "httpV2")
METRIC_CONTEXT = (
    "sourceContext=workload-name|reserved-identity;destinationContext=workload-name|reserved-identity;"
    "labelsContext=source_namespace,destination_namespace"
)
# The Hubble exporter keeps dropped and errored flows and DNS lookups (flow.proto FlowFilter: `verdict`, `protocol`);
# `stdout` writes them to the agent's log instead of a rotated file (Documentation/observability/hubble/configuration/
# export.rst), where Container Insights collects them into ContainerLogV2.
FLOW_EXPORT_PATH = "stdout"
FLOW_EXPORT_ALLOW_LIST = ('{"verdict":["DROPPED","ERROR"]}', '{"protocol":["dns"]}')


def hubble_metric_entries(metrics: list[str]) -> list[str]:
    """Each metric as Hubble takes it, with the context options where it supports them and none were given."""
    return [f"{m}:{METRIC_CONTEXT}" if m in CONTEXT_METRICS else m for m in metrics]


def observability_values(args: Mapping[str, Any]) -> dict[str, Any]:
    """Agent, operator and Hubble metrics, relay TLS and the flow exporter.

    The chart's own ServiceMonitors use monitoring.coreos.com, which Azure's managed Prometheus ignores: the library
    scrapes with its own azmonitoring.coreos.com monitors (aks_cilium/observability/monitors.py) and creates the chart's
    only when asked (service_monitors, for a cluster that also runs the Prometheus operator).
    """
    service_monitors = bool(args.get("service_monitors", False))
    values: dict[str, Any] = {
        "prometheus": {"enabled": True, "serviceMonitor": {"enabled": service_monitors}},
        "operator": {"prometheus": {"enabled": True, "serviceMonitor": {"enabled": service_monitors}}},
        # Relay serves every flow of the cluster: over TLS, with the certificates certgen issues and rotates (the UI
        # then gets its client certificate from the same job: templates/hubble/tls-cronjob/_job-spec.tpl).
        "hubble": {"relay": {"tls": {"server": {"enabled": True}}}},
    }
    if service_monitors:
        values["prometheus"]["serviceMonitor"]["trustCRDsExist"] = True
    metrics = list(args.get("hubble_metrics", DEFAULT_HUBBLE_METRICS))
    if metrics:
        values["hubble"]["metrics"] = {"enabled": hubble_metric_entries(metrics), "serviceMonitor": {"enabled": service_monitors}}
    if args.get("flow_logs", False):
        values["hubble"]["export"] = {"static": {"enabled": True, "filePath": FLOW_EXPORT_PATH, "allowList": list(FLOW_EXPORT_ALLOW_LIST)}}
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
