"""Team A's cluster: the aks-cilium components composed in a program of the team's own."""

import pulumi

from aks_cilium import AksCluster, Cilium, Network, NetworkPolicySet

config = pulumi.Config()
location = config.get("location") or "westeurope"
pod_cidr = "10.244.0.0/16"

network = Network(
    "network",
    {
        "location": location,
        "resource_group_name": "rg-team-a",
        "vnet_name": "vnet-team-a",
        "vnet_cidr": "10.224.0.0/12",
        "node_subnet_cidr": "10.224.0.0/16",
    },
)
cluster = AksCluster(
    "aks",
    {
        "resource_group_name": network.resource_group_name,
        "location": location,
        "cluster_name": "aks-team-a",
        "network_mode": "byocni",
        "kubernetes_version": "1.35",
        "node_subnet_id": network.node_subnet_id,
        "pod_cidr": pod_cidr,
        "service_cidr": "10.0.0.0/16",
        "dns_service_ip": "10.0.0.10",
        "outbound_type": "loadBalancer",
        "system_pool": {"vm_size": "Standard_D4ds_v5", "min_count": 2, "max_count": 3},
        "user_pool": {"vm_size": "Standard_D4ds_v5", "min_count": 2, "max_count": 5},
        "max_pods": 110,
        "os_disk_type": "Ephemeral",
        "os_disk_size_gb": 128,
        "encryption_at_host": True,
        "sku_tier": "Standard",
        "upgrade_channel": "patch",
        "node_os_upgrade_channel": "NodeImage",
        "kubelogin_mode": "azurecli",
    },
)
cilium = Cilium(
    "cilium",
    {
        "version": "1.20.2",
        "cluster_name": cluster.cluster_name,
        "pod_cidr": pod_cidr,
        "node_count": 2,
        "hubble_metrics": ["dns", "drop", "flow"],
    },
    # Waits until the deployer's AKS RBAC role assignment works (README, Deploy access).
    pulumi.ResourceOptions(providers=[cluster.kubernetes_provider], depends_on=[cluster.kubernetes_access]),
)
policies = NetworkPolicySet(
    "policies",
    {
        "network_mode": "byocni",
        "namespaces": [
            {
                "name": "team-a",
                "ingress": [{"namespace": "ingress-nginx", "ports": [{"port": 8080}]}],
                "egress": [{"fqdn": "api.github.com", "ports": [{"port": 443}]}],
            }
        ],
        "external_namespaces": ["ingress-nginx"],
    },
    # Depending on the component waits for all its children: the release, and so Cilium's CRDs.
    pulumi.ResourceOptions(providers=[cluster.kubernetes_provider], depends_on=[cilium]),
)

pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("policies", policies.policy_names)
