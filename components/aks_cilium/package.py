"""The components this library offers as a Pulumi package, for every Pulumi language."""

from pulumi import ComponentResource

from aks_cilium.cilium.component import Cilium
from aks_cilium.cluster.component import AksCluster
from aks_cilium.core.tokens import PACKAGE_NAME
from aks_cilium.network.component import Network
from aks_cilium.network_policy.component import NetworkPolicySet
from aks_cilium.observability.dashboards.component import GrafanaDashboards
from aks_cilium.observability.diagnostics import ControlPlaneLogs
from aks_cilium.observability.flow_log_collection import FlowLogCollection
from aks_cilium.observability.grafana import ManagedGrafana
from aks_cilium.observability.monitors import CiliumMonitors
from aks_cilium.observability.network_logs import ContainerNetworkLogs
from aks_cilium.observability.prometheus import ManagedPrometheus
from aks_cilium.observability.relay_policy import HubbleRelayPolicy

PACKAGE_VERSION = "0.2.0"
COMPONENTS: list[type[ComponentResource]] = [
    Network,
    AksCluster,
    Cilium,
    NetworkPolicySet,
    ManagedPrometheus,
    ManagedGrafana,
    GrafanaDashboards,
    ControlPlaneLogs,
    FlowLogCollection,
    CiliumMonitors,
    ContainerNetworkLogs,
    HubbleRelayPolicy,
]
__all__ = ["COMPONENTS", "PACKAGE_NAME", "PACKAGE_VERSION"]
