"""The AKS cluster concern: `AksCluster` and its args, the Azure rules it checks them against (versions, channels,
CIDRs, pools), and what it builds besides the managed cluster: the identity and its subnet role, the deployer's
cluster-admin role and the wait until it works, Container Insights, maintenance windows and the kubeconfigs."""

from aks_cilium.cluster.args import AksClusterArgs, NodePoolArgs
from aks_cilium.cluster.component import AksCluster

__all__ = ["AksCluster", "AksClusterArgs", "NodePoolArgs"]
