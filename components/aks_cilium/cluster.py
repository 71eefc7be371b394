"""An AKS cluster in one of the two Cilium network modes, with its kubeconfig and Kubernetes provider."""

from typing import Any, NotRequired, Optional, TypedDict

import pulumi
import pulumi_kubernetes as k8s
from pulumi_azure_native import containerservice as aks
from pulumi_azure_native import operationalinsights

from . import kubeconfig
from .tokens import component_type, with_legacy_type

BYOCNI = "byocni"
AZURE_CILIUM = "azure-cilium"
NETWORK_MODES = (BYOCNI, AZURE_CILIUM)
# Azure changes these when the autoscaler resizes a pool; anything else drifting is a real change.
AUTOSCALED_FIELDS = ["agentPoolProfiles[*].count"]


class NodePoolArgs(TypedDict):
    vm_size: pulumi.Input[str]
    """VM size of the pool's nodes, e.g. Standard_D4ds_v5."""
    min_count: pulumi.Input[int]
    """Autoscaler lower bound."""
    max_count: pulumi.Input[int]
    """Autoscaler upper bound."""


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
    """Kubernetes version of control plane and pools."""
    node_subnet_id: pulumi.Input[str]
    """Subnet of the nodes."""
    pod_cidr: pulumi.Input[str]
    """Pod CIDR (overlay / cluster-pool); the same value must feed Cilium's IPAM."""
    service_cidr: pulumi.Input[str]
    """Kubernetes service CIDR."""
    dns_service_ip: pulumi.Input[str]
    """Cluster DNS IP, inside the service CIDR."""
    outbound_type: pulumi.Input[str]
    """Egress path: loadBalancer, managedNATGateway, userAssignedNATGateway or userDefinedRouting."""
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
    upgrade_channel: pulumi.Input[str]
    """Cluster auto-upgrade channel."""
    node_os_upgrade_channel: pulumi.Input[str]
    """Node OS upgrade channel."""
    kubelogin_mode: str
    """How the kubeconfig logs in: azurecli, spn, workloadidentity or msi."""
    availability_zones: NotRequired[pulumi.Input[list[str]]]
    """Zones of every pool; omit for regions without zones."""
    admin_group_object_ids: NotRequired[pulumi.Input[list[str]]]
    """Entra ID groups that administer the cluster."""
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
    container_insights: NotRequired[bool]
    """Create a Log Analytics workspace and turn on Container Insights."""
    key_vault_secrets_provider: NotRequired[pulumi.Input[bool]]
    """Key Vault secrets provider add-on with rotation."""
    defender: NotRequired[bool]
    """Defender for Containers, reporting to the Container Insights workspace."""
    kubelogin_client_id: NotRequired[str]
    """Client ID for kubelogin spn or msi."""
    kubelogin_tenant_id: NotRequired[str]
    """Tenant ID for kubelogin spn."""
    protect: NotRequired[bool]
    """Protect the cluster against deletion and replacement."""


def network_profile(args: AksClusterArgs) -> aks.ContainerServiceNetworkProfileArgs:
    """Every field explicit: the SDK silently fills pod/service CIDR, DNS IP and outbound type otherwise."""
    mode = args["network_mode"]
    common: dict[str, Any] = {
        "pod_cidr": args["pod_cidr"],
        "service_cidr": args["service_cidr"],
        "dns_service_ip": args["dns_service_ip"],
        "outbound_type": args["outbound_type"],
        "load_balancer_sku": "standard",
        "ip_families": ["IPv4"],
    }
    if mode == BYOCNI:
        return aks.ContainerServiceNetworkProfileArgs(network_plugin="none", network_policy="none", **common)
    if mode != AZURE_CILIUM:
        raise ValueError(f"network_mode {mode!r} is not one of {', '.join(NETWORK_MODES)}")
    security = args.get("advanced_networking_security", False)
    observability = args.get("advanced_networking_observability", False)
    return aks.ContainerServiceNetworkProfileArgs(
        network_plugin="azure",
        network_plugin_mode="overlay",
        network_dataplane="cilium",
        network_policy="cilium",
        advanced_networking=aks.AdvancedNetworkingArgs(
            enabled=pulumi.Output.all(security, observability).apply(any),
            observability=aks.AdvancedNetworkingObservabilityArgs(enabled=observability),
            security=aks.AdvancedNetworkingSecurityArgs(
                enabled=security,
                advanced_network_policies=args.get("advanced_network_policies", "FQDN") if security else "None",
            ),
        ),
        **common,
    )


def _pool_profile(args: AksClusterArgs, pool: NodePoolArgs) -> dict[str, Any]:
    return {
        "vm_size": pool["vm_size"],
        "count": pool["min_count"],
        "min_count": pool["min_count"],
        "max_count": pool["max_count"],
        "enable_auto_scaling": True,
        "max_pods": args["max_pods"],
        "os_type": "Linux",
        "os_sku": "AzureLinux",
        "os_disk_type": args["os_disk_type"],
        "os_disk_size_gb": args["os_disk_size_gb"],
        "enable_encryption_at_host": args["encryption_at_host"],
        "type": "VirtualMachineScaleSets",
        "vnet_subnet_id": args["node_subnet_id"],
        "availability_zones": args.get("availability_zones"),
        "orchestrator_version": args["kubernetes_version"],
        "upgrade_settings": aks.AgentPoolUpgradeSettingsArgs(max_surge="33%"),
    }


class AksCluster(pulumi.ComponentResource):
    """An Entra ID-secured AKS cluster with Cilium networking, its user pool, kubeconfig and Kubernetes provider."""

    cluster_name: pulumi.Output[str]
    """Azure name of the managed cluster."""
    cluster_id: pulumi.Output[str]
    """Resource ID of the managed cluster."""
    api_server_fqdn: pulumi.Output[str]
    """FQDN of the API server (the private one for a private cluster)."""
    oidc_issuer_url: pulumi.Output[str]
    """OIDC issuer URL, for workload identity federation."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig using kubelogin in the configured mode (secret)."""
    kubernetes_provider: k8s.Provider
    """Kubernetes provider for the cluster."""
    workspace_id: Optional[pulumi.Output[str]]
    """Log Analytics workspace of Container Insights, when on."""

    def __init__(self, name: str, args: AksClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("AksCluster"), name, None, with_legacy_type(opts, "cluster", "AksCluster"))
        addons: dict[str, aks.ManagedClusterAddonProfileArgs] = {
            "azureKeyvaultSecretsProvider": aks.ManagedClusterAddonProfileArgs(
                enabled=args.get("key_vault_secrets_provider", True),
                config={"enableSecretRotation": "true", "rotationPollInterval": "2m"},
            )
        }
        self.workspace_id = None
        if args.get("container_insights", False):
            workspace = operationalinsights.Workspace(
                f"{name}-logs",
                resource_group_name=args["resource_group_name"],
                workspace_name=pulumi.Output.concat("log-", args["cluster_name"]),
                location=args["location"],
                sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
                retention_in_days=30,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.workspace_id = workspace.id
            addons["omsagent"] = aks.ManagedClusterAddonProfileArgs(
                enabled=True, config={"logAnalyticsWorkspaceResourceID": workspace.id, "useAADAuth": "true"}
            )
        defender = None
        if args.get("defender", False):
            if self.workspace_id is None:
                raise ValueError("defender needs container_insights (its Log Analytics workspace)")
            defender = aks.ManagedClusterSecurityProfileDefenderArgs(
                log_analytics_workspace_resource_id=self.workspace_id,
                security_monitoring=aks.ManagedClusterSecurityProfileDefenderSecurityMonitoringArgs(enabled=True),
            )
        system_pool = aks.ManagedClusterAgentPoolProfileArgs(
            name="system",
            mode="System",
            node_taints=["CriticalAddonsOnly=true:NoSchedule"],
            **_pool_profile(args, args["system_pool"]),
        )
        cluster = aks.ManagedCluster(
            f"{name}-cluster",
            resource_group_name=args["resource_group_name"],
            resource_name_=args["cluster_name"],
            location=args["location"],
            dns_prefix=args["cluster_name"],
            kubernetes_version=args["kubernetes_version"],
            sku=aks.ManagedClusterSKUArgs(name="Base", tier=args["sku_tier"]),
            identity=aks.ManagedClusterIdentityArgs(type=aks.ResourceIdentityType.SYSTEM_ASSIGNED),
            enable_rbac=True,
            disable_local_accounts=True,
            aad_profile=aks.ManagedClusterAADProfileArgs(
                managed=True, enable_azure_rbac=True, admin_group_object_ids=args.get("admin_group_object_ids", [])
            ),
            api_server_access_profile=aks.ManagedClusterAPIServerAccessProfileArgs(
                authorized_ip_ranges=args.get("authorized_ip_ranges", []),
                enable_private_cluster=args.get("private_cluster", False),
            ),
            auto_upgrade_profile=aks.ManagedClusterAutoUpgradeProfileArgs(
                upgrade_channel=args["upgrade_channel"], node_os_upgrade_channel=args["node_os_upgrade_channel"]
            ),
            oidc_issuer_profile=aks.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            security_profile=aks.ManagedClusterSecurityProfileArgs(
                workload_identity=aks.ManagedClusterSecurityProfileWorkloadIdentityArgs(enabled=True),
                defender=defender,
            ),
            addon_profiles=addons,
            agent_pool_profiles=[system_pool],
            network_profile=network_profile(args),
            opts=pulumi.ResourceOptions(parent=self, protect=args.get("protect", False), ignore_changes=AUTOSCALED_FIELDS),
        )
        aks.AgentPool(
            f"{name}-user-pool",
            resource_group_name=args["resource_group_name"],
            resource_name_=cluster.name,
            agent_pool_name="user",
            mode="User",
            **_pool_profile(args, args["user_pool"]),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["count"]),
        )
        # Looked up by the cluster's name, which stays known across updates: an unknown kubeconfig at
        # preview would make the provider (and every Kubernetes resource) show as replaced.
        credentials = aks.list_managed_cluster_user_credentials_output(
            resource_group_name=args["resource_group_name"], resource_name=cluster.name, format="exec"
        )
        mode = args["kubelogin_mode"]
        client_id = args.get("kubelogin_client_id", "")
        tenant_id = args.get("kubelogin_tenant_id", "")
        self.kubeconfig = pulumi.Output.secret(
            credentials.kubeconfigs[0].value.apply(lambda raw: kubeconfig.convert(raw, mode, client_id, tenant_id))
        )
        self.kubernetes_provider = k8s.Provider(f"{name}-k8s", kubeconfig=self.kubeconfig, opts=pulumi.ResourceOptions(parent=self))
        self.cluster_name = cluster.name
        self.cluster_id = cluster.id
        private = args.get("private_cluster", False)
        self.api_server_fqdn = cluster.private_fqdn if private is True else cluster.fqdn
        self.oidc_issuer_url = cluster.oidc_issuer_profile.apply(lambda p: p.issuer_url if p else "")
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "cluster_id": self.cluster_id,
                "api_server_fqdn": self.api_server_fqdn,
                "oidc_issuer_url": self.oidc_issuer_url,
                "kubeconfig": self.kubeconfig,
                "workspace_id": self.workspace_id,
            }
        )
