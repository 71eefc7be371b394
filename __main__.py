"""aks-cilium: AKS with Cilium networking, Hubble and CiliumNetworkPolicies, one stack per environment."""

import pulumi

from components.cluster import AksCluster
from components.network import Network
from stack_settings.component_args import cluster_args, network_args
from stack_settings.runtime_source import settings_from_pulumi

settings = settings_from_pulumi()

network = Network("network", network_args(settings))
cluster = AksCluster("aks", cluster_args(settings, network.resource_group_name, network.node_subnet_id))

pulumi.export("resourceGroupName", network.resource_group_name)
pulumi.export("clusterName", cluster.cluster_name)
pulumi.export("networkMode", settings.cluster.network_mode)
pulumi.export("oidcIssuerUrl", cluster.oidc_issuer_url)
pulumi.export("kubeconfig", cluster.kubeconfig)
