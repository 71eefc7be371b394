"""The components this library offers as a Pulumi package, for every Pulumi language."""

from pulumi import ComponentResource

from aks_cilium.cilium.component import Cilium
from aks_cilium.cluster.component import AksCluster
from aks_cilium.core.tokens import PACKAGE_NAME
from aks_cilium.network.component import Network
from aks_cilium.network_policy.component import NetworkPolicySet

PACKAGE_VERSION = "0.2.0"
COMPONENTS: list[type[ComponentResource]] = [Network, AksCluster, Cilium, NetworkPolicySet]
__all__ = ["COMPONENTS", "PACKAGE_NAME", "PACKAGE_VERSION"]
