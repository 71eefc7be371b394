"""The components this library offers as a Pulumi package, for every Pulumi language."""

from pulumi import ComponentResource

from .cilium import Cilium
from .cluster import AksCluster
from .network import Network
from .network_policies import NetworkPolicySet
from .tokens import PACKAGE_NAME

PACKAGE_VERSION = "0.2.0"
COMPONENTS: list[type[ComponentResource]] = [Network, AksCluster, Cilium, NetworkPolicySet]
__all__ = ["COMPONENTS", "PACKAGE_NAME", "PACKAGE_VERSION"]
