"""The components this repository offers as a Pulumi package, for every Pulumi language."""

from pulumi import ComponentResource

from .cilium import Cilium
from .cluster import AksCluster
from .network import Network
from .network_policies import NetworkPolicySet

PACKAGE_NAME = "aks-cilium"
PACKAGE_VERSION = "0.1.0"
COMPONENTS: list[type[ComponentResource]] = [Network, AksCluster, Cilium, NetworkPolicySet]
