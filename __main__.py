"""aks-cilium: AKS with Cilium networking, Hubble and CiliumNetworkPolicies, one stack per environment."""

import pulumi

from components.cilium import Cilium
from components.cluster import AksCluster
from components.network import Network
from stack_settings.component_args import cilium_args, cluster_args, network_args
from stack_settings.outputs import hubble_commands
from stack_settings.runtime_source import settings_from_pulumi

settings = settings_from_pulumi()

network = Network("network", network_args(settings))
cluster = AksCluster("aks", cluster_args(settings, network.resource_group_name, network.node_subnet_id))
k8s_options = pulumi.ResourceOptions(providers=[cluster.kubernetes_provider])

# Anything that needs Cilium's CRDs waits for this: the release when we install Cilium, else the cluster.
cilium_ready: pulumi.Resource = cluster
if settings.byocni:
    cilium = Cilium("cilium", cilium_args(settings, cluster.api_server_fqdn), k8s_options)
    cilium_ready = cilium.release
    pulumi.export("ciliumVersion", cilium.version)
else:
    pulumi.export("ciliumVersion", "managed by Azure (Azure CNI powered by Cilium)")

pulumi.export("resourceGroupName", network.resource_group_name)
pulumi.export("clusterName", cluster.cluster_name)
pulumi.export("networkMode", settings.cluster.network_mode)
pulumi.export("oidcIssuerUrl", cluster.oidc_issuer_url)
pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("hubble", hubble_commands(settings))
