"""aks-cilium: AKS with Cilium networking, Hubble and CiliumNetworkPolicies as Pulumi components.

Compose them in a Python program (`from aks_cilium import AksCluster`), or from any Pulumi language through the
component provider host: `pulumi.run.plugin` hosts every ComponentResource this module exports.
"""

from .cilium import Cilium
from .cluster import AksCluster
from .network import Network
from .network_policies import NetworkPolicySet

__all__ = ["AksCluster", "Cilium", "Network", "NetworkPolicySet"]
