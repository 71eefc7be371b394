"""The components this library offers as a Pulumi package, for every Pulumi language."""

from pulumi import ComponentResource

from aks_cilium.cilium.component import Cilium
from aks_cilium.cluster.component import AksCluster
from aks_cilium.core.tokens import PACKAGE_NAME
from aks_cilium.network.component import Network
from aks_cilium.network_policy.component import NetworkPolicySet
from aks_cilium.workloads.connectivity import ConnectivityCheck
from aks_cilium.workloads.demo import DemoApp

PACKAGE_VERSION = "0.2.0"
COMPONENTS: list[type[ComponentResource]] = [Network, AksCluster, Cilium, NetworkPolicySet, DemoApp, ConnectivityCheck]
__all__ = ["COMPONENTS", "PACKAGE_NAME", "PACKAGE_VERSION"]
