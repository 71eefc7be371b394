"""Cilium Helm values for AKS bring-your-own-CNI, built from a few typed features in one place."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_HUBBLE_METRICS = ("dns", "drop", "tcp", "flow", "port-distribution", "icmp", "httpV2")
API_SERVER_PORT = 443


@dataclass(frozen=True)
class CiliumFeatures:
    pod_cidr: str
    """The cluster's pod CIDR: the same value as the AKS network profile's podCidr."""
    node_count: int
    """Nodes the cluster starts with; the operator never asks for more replicas than that."""
    hubble_metrics: tuple[str, ...] = DEFAULT_HUBBLE_METRICS
    service_monitors: bool = False
    wireguard: bool = False
    kube_proxy_replacement: bool = False
    api_server_host: str = ""
    cluster_mesh_name: str = ""
    cluster_mesh_id: int = 0
    bandwidth_manager: bool = False
    extra_values: Mapping[str, Any] = field(default_factory=dict)


class ValuesConflictError(ValueError):
    """Extra values tried to change a value this program owns."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        super().__init__(f"extra Cilium values may not override {', '.join(paths)} (set by this program)")


def _base_values(features: CiliumFeatures) -> dict[str, Any]:
    values: dict[str, Any] = {
        "aksbyocni": {"enabled": True},
        # The chart requires tunnel routing with aksbyocni; pod IPs stay off the VNet.
        "routingMode": "tunnel",
        "tunnelProtocol": "vxlan",
        "ipam": {
            "mode": "cluster-pool",
            "operator": {"clusterPoolIPv4PodCIDRList": [features.pod_cidr], "clusterPoolIPv4MaskSize": 24},
        },
        "hubble": {
            "enabled": True,
            "relay": {"enabled": True},
            "ui": {"enabled": True},
            # `helm` regenerates the certificates on every render, so every `pulumi up` would show a diff.
            "tls": {"auto": {"enabled": True, "method": "cronJob"}},
        },
        "operator": {"replicas": max(1, min(2, features.node_count))},
        "kubeProxyReplacement": features.kube_proxy_replacement,
    }
    if features.hubble_metrics:
        values["hubble"]["metrics"] = {
            "enabled": list(features.hubble_metrics),
            "serviceMonitor": {"enabled": features.service_monitors},
        }
    if features.service_monitors:
        values["prometheus"] = {"enabled": True, "serviceMonitor": {"enabled": True, "trustCRDsExist": True}}
        values["operator"]["prometheus"] = {"enabled": True, "serviceMonitor": {"enabled": True}}
    if features.kube_proxy_replacement:
        if not features.api_server_host:
            raise ValueError("kube-proxy replacement needs the API server host (k8sServiceHost)")
        values["k8sServiceHost"] = features.api_server_host
        values["k8sServicePort"] = API_SERVER_PORT
    if features.wireguard:
        values["encryption"] = {"enabled": True, "type": "wireguard"}
    if features.cluster_mesh_name:
        values["cluster"] = {"name": features.cluster_mesh_name, "id": features.cluster_mesh_id}
    if features.bandwidth_manager:
        values["bandwidthManager"] = {"enabled": True}
    return values


def leaf_paths(values: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from leaf_paths(value, f"{path}.")
        else:
            yield path


def conflicting_paths(owned: Mapping[str, Any], extra: Mapping[str, Any]) -> list[str]:
    """Paths in `extra` that would replace or reach into a value of `owned`."""
    owned_paths = set(leaf_paths(owned))
    conflicts = []
    for path in leaf_paths(extra):
        if any(path == o or o.startswith(f"{path}.") or path.startswith(f"{o}.") for o in owned_paths):
            conflicts.append(path)
    return sorted(conflicts)


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def cilium_values(features: CiliumFeatures) -> dict[str, Any]:
    """The release's values; raises ValuesConflictError if extra values touch what we set."""
    base = _base_values(features)
    conflicts = conflicting_paths(base, features.extra_values)
    if conflicts:
        raise ValuesConflictError(conflicts)
    return _deep_merge(base, features.extra_values)
