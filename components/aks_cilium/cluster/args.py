"""Arguments of the AksCluster component, one docstring per field (the package schema's descriptions)."""

from typing import NotRequired, TypedDict

import pulumi

from aks_cilium.cluster import maintenance


class NodePoolArgs(TypedDict):
    vm_size: pulumi.Input[str]
    """VM size of the pool's nodes, e.g. Standard_D4ds_v5."""
    min_count: pulumi.Input[int]
    """Autoscaler lower bound."""
    max_count: pulumi.Input[int]
    """Autoscaler upper bound."""
    kubernetes_version: NotRequired[pulumi.Input[str]]
    """User pool only: its own version while it catches up with the control plane (never newer, at most two minors older);
    omit to follow kubernetes_version. The system pool always follows the control plane."""


class DeployerArgs(TypedDict):
    object_id: pulumi.Input[str]
    """Entra object ID of a principal that runs pulumi up."""
    principal_type: str
    """User or ServicePrincipal (ARM refuses a type that does not match the principal)."""


class AksClusterArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Resource group the cluster goes into."""
    location: pulumi.Input[str]
    """Azure region."""
    cluster_name: pulumi.Input[str]
    """Azure name of the managed cluster (also its DNS prefix)."""
    network_mode: str
    """byocni (network plugin none, Cilium installed separately) or azure-cilium (Azure CNI powered by Cilium)."""
    kubernetes_version: pulumi.Input[str]
    """Kubernetes version of control plane and pools: the minor only (1.36) with upgrade channel patch."""
    node_subnet_id: pulumi.Input[str]
    """Subnet of the nodes; the cluster's identity gets Network Contributor on it before the cluster is created."""
    pod_cidr: pulumi.Input[str]
    """Pod CIDR (overlay / cluster-pool); the same value must feed Cilium's IPAM."""
    service_cidr: pulumi.Input[str]
    """Kubernetes service CIDR."""
    dns_service_ip: pulumi.Input[str]
    """Cluster DNS IP, inside the service CIDR."""
    outbound_type: pulumi.Input[str]
    """Egress path: loadBalancer, or userAssignedNATGateway / userDefinedRouting with a NAT gateway or route table on
    the subnet; managedNATGateway is refused (it needs an AKS-managed VNet)."""
    system_pool: NodePoolArgs
    """System pool, tainted CriticalAddonsOnly."""
    user_pool: NodePoolArgs
    """User pool for workloads."""
    max_pods: pulumi.Input[int]
    """Pods per node on every pool."""
    os_disk_type: pulumi.Input[str]
    """Ephemeral or Managed."""
    os_disk_size_gb: pulumi.Input[int]
    """OS disk size in GB."""
    encryption_at_host: pulumi.Input[bool]
    """Encrypt temp and cache disks on the hosts."""
    sku_tier: pulumi.Input[str]
    """Free, Standard or Premium."""
    upgrade_channel: str
    """Cluster auto-upgrade channel, plain: patch and node-image send the version on every update; stable and rapid only at creation."""
    node_os_upgrade_channel: pulumi.Input[str]
    """Node OS upgrade channel (NodeImage with upgrade channel node-image)."""
    kubelogin_mode: str
    """How the exported kubeconfig logs in: azurecli, spn, workloadidentity or msi."""
    deploy_login_mode: NotRequired[str]
    """How Pulumi's own Kubernetes provider logs in where pulumi up runs (default azurecli); client, tenant from the Azure provider."""
    deployer_principal_type: NotRequired[str]
    """Without deployers: the type of the signed-in principal, User or ServicePrincipal; default User for deploy login
    azurecli, ServicePrincipal otherwise."""
    deployers: NotRequired[list[DeployerArgs]]
    """Principals that run pulumi up and get cluster admin; omit to assign the signed-in principal (getClientConfig),
    which follows whoever ran last: give them for any shared stack."""
    deploy_client_id: NotRequired[pulumi.Input[str]]
    """Client ID of the deploy kubeconfig (deploy login workloadidentity or spn); default the Azure provider's."""
    deploy_tenant_id: NotRequired[pulumi.Input[str]]
    """Tenant ID of the deploy kubeconfig; default the Azure provider's."""
    delete_lock: NotRequired[bool]
    """A CanNotDelete management lock on the cluster: the portal, az and ARM cannot delete it or its pools until the lock
    is removed."""
    support_plan: NotRequired[str]
    """KubernetesOfficial (default) or AKSLongTermSupport, which needs the Premium tier."""
    availability_zones: NotRequired[pulumi.Input[list[str]]]
    """Zones of every pool; omit for regions without zones."""
    admin_group_object_ids: NotRequired[list[pulumi.Input[str]]]
    """Entra ID groups that administer the cluster; a plain list (one role assignment each) whose items may be Outputs."""
    authorized_ip_ranges: NotRequired[pulumi.Input[list[str]]]
    """CIDRs allowed to reach a public API server."""
    private_cluster: NotRequired[pulumi.Input[bool]]
    """Make the API server private."""
    advanced_networking_observability: NotRequired[pulumi.Input[bool]]
    """ACNS observability (azure-cilium only)."""
    advanced_networking_security: NotRequired[pulumi.Input[bool]]
    """ACNS security (azure-cilium only)."""
    advanced_network_policies: NotRequired[pulumi.Input[str]]
    """FQDN or L7, with ACNS security."""
    managed_prometheus: NotRequired[bool]
    """Turn on the Azure Monitor metrics add-on (azureMonitorProfile.metrics); ManagedPrometheus creates the workspace
    and the collection rule it sends to."""
    container_network_logs: NotRequired[bool]
    """ACNS container network logs into Container Insights' workspace (azure-cilium with ACNS observability and
    container_insights); ContainerNetworkLogs says which flows."""
    container_insights: NotRequired[bool]
    """Create a Log Analytics workspace, its data collection rule and association, and turn on Container Insights."""
    key_vault_secrets_provider: NotRequired[pulumi.Input[bool]]
    """Key Vault secrets provider add-on with rotation."""
    defender: NotRequired[bool]
    """Defender for Containers, reporting to the Container Insights workspace."""
    kubelogin_client_id: NotRequired[str]
    """Client ID for kubelogin spn or msi."""
    kubelogin_tenant_id: NotRequired[str]
    """Tenant ID for kubelogin spn."""
    auto_upgrade_window: NotRequired[maintenance.WeeklyWindowArgs]
    """Weekly window of the cluster auto-upgrade schedule; omit for none."""
    node_os_upgrade_window: NotRequired[maintenance.WeeklyWindowArgs]
    """Weekly window of the node OS upgrade schedule; omit for none."""
    protect: NotRequired[bool]
    """Protect the cluster and the user pool against deletion and replacement."""
