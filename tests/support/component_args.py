"""Valid args for components built directly in tests: each test changes only what it is about."""

from __future__ import annotations

from typing import Any

from aks_cilium.cluster.args import AksClusterArgs, NodePoolArgs

SUBNET_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-t/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes"
)


def cluster_args(**overrides: Any) -> AksClusterArgs:
    pool = NodePoolArgs(vm_size="Standard_D4ds_v5", min_count=2, max_count=3)
    args: dict[str, Any] = {
        "resource_group_name": "rg-t",
        "location": "westeurope",
        "cluster_name": "aks-t",
        "network_mode": "azure-cilium",
        "kubernetes_version": "1.36",
        "node_subnet_id": SUBNET_ID,
        "pod_cidr": "10.244.0.0/16",
        "service_cidr": "10.0.0.0/16",
        "dns_service_ip": "10.0.0.10",
        "outbound_type": "loadBalancer",
        "system_pool": pool,
        "user_pool": pool,
        "max_pods": 110,
        "os_disk_type": "Ephemeral",
        "os_disk_size_gb": 128,
        "encryption_at_host": True,
        "sku_tier": "Standard",
        "upgrade_channel": "patch",
        "node_os_upgrade_channel": "NodeImage",
        "kubelogin_mode": "azurecli",
    }
    args.update(overrides)
    return args  # type: ignore[return-value]
