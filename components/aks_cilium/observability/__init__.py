"""Observability a platform team can look at: Azure Monitor managed Prometheus with Microsoft's recording rules and the
library's alerts (`ManagedPrometheus`), Azure Managed Grafana linked to it (`ManagedGrafana`) with dashboards as code
(`GrafanaDashboards`), the control plane's audit logs (`ControlPlaneLogs`), and on the cluster the scrape monitors of
the managed Prometheus group (`CiliumMonitors`), flow log collection (`FlowLogCollection` for Hubble's exporter,
`ContainerNetworkLogs` for ACNS) and the policy
that keeps Hubble Relay to the UI and the platform (`HubbleRelayPolicy`). docs/observability.md is the guide."""

from aks_cilium.observability.dashboards.component import GrafanaDashboards
from aks_cilium.observability.diagnostics import ControlPlaneLogs
from aks_cilium.observability.flow_log_collection import FlowLogCollection
from aks_cilium.observability.grafana import ManagedGrafana
from aks_cilium.observability.monitors import CiliumMonitors
from aks_cilium.observability.network_logs import ContainerNetworkLogs
from aks_cilium.observability.prometheus import ManagedPrometheus
from aks_cilium.observability.relay_policy import HubbleRelayPolicy

__all__ = [
    "CiliumMonitors",
    "ContainerNetworkLogs",
    "ControlPlaneLogs",
    "FlowLogCollection",
    "GrafanaDashboards",
    "HubbleRelayPolicy",
    "ManagedGrafana",
    "ManagedPrometheus",
]
