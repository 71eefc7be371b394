"""aks-cilium: AKS with Cilium networking, Hubble and CiliumNetworkPolicies as Pulumi components.

Compose them in a Python program (`from aks_cilium import AksCluster`), or from any Pulumi language through the
component provider host: `pulumi.run.plugin` hosts every ComponentResource this module exports.

One subpackage per concern: `cluster` (AKS), `cilium` (the Helm release of bring-your-own-CNI), `network` (VNet and
subnet), `network_policy` (the CiliumNetworkPolicy model, builders and set), `observability` (managed Prometheus,
Grafana and dashboards, alerts, control plane and flow logs, scrape monitors, Hubble Relay's policy), `workloads` (demo
and connectivity check);
`core` holds what every component shares, and `testing` the mock engine for consumers' tests.
"""

from aks_cilium.cilium import Cilium
from aks_cilium.cluster import AksCluster
from aks_cilium.network import Network
from aks_cilium.network_policy import NetworkPolicySet
from aks_cilium.observability import (
    CiliumMonitors,
    ContainerNetworkLogs,
    ControlPlaneLogs,
    FlowLogCollection,
    GrafanaDashboards,
    HubbleRelayPolicy,
    ManagedGrafana,
    ManagedPrometheus,
)
from aks_cilium.workloads import ConnectivityCheck, DemoApp

__all__ = [
    "AksCluster",
    "Cilium",
    "CiliumMonitors",
    "ConnectivityCheck",
    "ContainerNetworkLogs",
    "ControlPlaneLogs",
    "DemoApp",
    "FlowLogCollection",
    "GrafanaDashboards",
    "HubbleRelayPolicy",
    "ManagedGrafana",
    "ManagedPrometheus",
    "Network",
    "NetworkPolicySet",
]
