"""An AKS cluster in one of the two Cilium network modes, with its identity, access, monitoring and Kubernetes provider."""

from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s
from pulumi_azure_native import authorization, managedidentity, operationalinsights
from pulumi_azure_native import containerservice as aks

from aks_cilium.cluster import guards, kubeconfig, maintenance, monitoring
from aks_cilium.cluster.access_wait import kubernetes_access_wait
from aks_cilium.cluster.admin_access import default_deployer_type, grant_cluster_admin
from aks_cilium.cluster.args import AksClusterArgs, NodePoolArgs
from aks_cilium.cluster.checks import check_cluster_args
from aks_cilium.cluster.role_assignments import NETWORK_CONTRIBUTOR, assign_role
from aks_cilium.cluster.rules import BYOCNI, MINOR_MOVING_CHANNELS
from aks_cilium.cluster.versions import OFFICIAL_PLAN, support_tags
from aks_cilium.core.options import child_options, extended
from aks_cilium.core.tokens import component_type, with_legacy_type

# Azure changes these when the autoscaler resizes a pool; anything else drifting is a real change.
AUTOSCALED_FIELDS = ["agentPoolProfiles[*].count"]
# With a channel that moves minors, AKS owns the version after creation: resending the creation version would be a
# downgrade, which AKS refuses with operationNotAllowed (auto-upgrade-cluster.md). The system pool's version goes with it.
CLUSTER_VERSION_FIELDS = ["kubernetesVersion", "agentPoolProfiles[*].orchestratorVersion"]


def _acns_profile(security: bool, observability: bool, policies: str) -> aks.AdvancedNetworkingArgs | None:
    """ACNS when either part is on; omitted (not sent as "None" values) when both are off, as Microsoft's samples do."""
    if not (security or observability):
        return None
    return aks.AdvancedNetworkingArgs(
        enabled=True,
        observability=aks.AdvancedNetworkingObservabilityArgs(enabled=observability),
        security=aks.AdvancedNetworkingSecurityArgs(enabled=security, advanced_network_policies=policies if security else "None"),
    )


def network_profile(args: AksClusterArgs) -> pulumi.Input[aks.ContainerServiceNetworkProfileArgs]:
    """Every field explicit: the SDK silently fills pod/service CIDR, DNS IP and outbound type otherwise."""
    common: dict[str, Any] = {
        "pod_cidr": args["pod_cidr"],
        "service_cidr": args["service_cidr"],
        "dns_service_ip": args["dns_service_ip"],
        "outbound_type": args["outbound_type"],
        "load_balancer_sku": "standard",
        "ip_families": ["IPv4"],
    }
    if args["network_mode"] == BYOCNI:
        return aks.ContainerServiceNetworkProfileArgs(network_plugin="none", network_policy="none", **common)

    def azure_cilium(values: list[Any]) -> aks.ContainerServiceNetworkProfileArgs:
        return aks.ContainerServiceNetworkProfileArgs(
            network_plugin="azure",
            network_plugin_mode="overlay",
            network_dataplane="cilium",
            network_policy="cilium",
            advanced_networking=_acns_profile(bool(values[0]), bool(values[1]), str(values[2])),
            **common,
        )

    # The ACNS flags may be Outputs: whether the field exists at all is decided once they are known.
    return pulumi.Output.all(
        args.get("advanced_networking_security", False),
        args.get("advanced_networking_observability", False),
        args.get("advanced_network_policies", "FQDN"),
    ).apply(azure_cilium)


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
        "upgrade_settings": aks.AgentPoolUpgradeSettingsArgs(max_surge="33%"),
    }


def version_tags(args: AksClusterArgs) -> pulumi.Output[dict[str, str]]:
    """The version policy's dates for the cluster's minor (versions.py `support_tags`)."""
    plan = args.get("support_plan", OFFICIAL_PLAN)
    return pulumi.Output.from_input(args["kubernetes_version"]).apply(lambda version: support_tags(version, plan))


def _deployers(args: AksClusterArgs, client: pulumi.Output[authorization.GetClientConfigResult]) -> list[tuple[pulumi.Input[str], str]]:
    """The configured deployers; without them the signed-in principal, whose type the login mode suggests."""
    if "deployers" in args:
        return [(deployer["object_id"], deployer["principal_type"]) for deployer in args["deployers"]]
    implied = default_deployer_type(args.get("deploy_login_mode", "azurecli"))
    return [(client.object_id, args.get("deployer_principal_type", implied))]


def _moves_minors(args: AksClusterArgs) -> bool:
    return args["upgrade_channel"] in MINOR_MOVING_CHANNELS


def _addons(args: AksClusterArgs, workspace: operationalinsights.Workspace | None) -> dict[str, aks.ManagedClusterAddonProfileArgs]:
    addons = {
        "azureKeyvaultSecretsProvider": aks.ManagedClusterAddonProfileArgs(
            enabled=args.get("key_vault_secrets_provider", True),
            config={"enableSecretRotation": "true", "rotationPollInterval": "2m"},
        )
    }
    if workspace is not None:
        config: dict[str, pulumi.Input[str]] = {"logAnalyticsWorkspaceResourceID": workspace.id, "useAADAuth": "true"}
        if args.get("container_network_logs", False):
            # The add-on ships ACNS's flow log files only with this flag (az aks update --enable-container-network-logs;
            # MicrosoftDocs/azure-aks-docs how-to-configure-container-network-logs.md, "Validate the setup").
            config["enableContainerNetworkLogs"] = "True"
        addons["omsagent"] = aks.ManagedClusterAddonProfileArgs(enabled=True, config=config)
    return addons


def _azure_monitor_profile(args: AksClusterArgs) -> aks.ManagedClusterAzureMonitorProfileArgs | None:
    """The metrics add-on (managed Prometheus), with kube-state-metrics' default label and annotation allowlists."""
    if not args.get("managed_prometheus", False):
        return None
    return aks.ManagedClusterAzureMonitorProfileArgs(
        metrics=aks.ManagedClusterAzureMonitorProfileMetricsArgs(
            enabled=True,
            kube_state_metrics=aks.ManagedClusterAzureMonitorProfileKubeStateMetricsArgs(
                metric_labels_allowlist="", metric_annotations_allow_list=""
            ),
        )
    )


def _defender(
    args: AksClusterArgs, workspace: operationalinsights.Workspace | None
) -> aks.ManagedClusterSecurityProfileDefenderArgs | None:
    if not args.get("defender", False) or workspace is None:
        return None
    return aks.ManagedClusterSecurityProfileDefenderArgs(
        log_analytics_workspace_resource_id=workspace.id,
        security_monitoring=aks.ManagedClusterSecurityProfileDefenderSecurityMonitoringArgs(enabled=True),
    )


class AksCluster(pulumi.ComponentResource):
    """An Entra ID-secured AKS cluster with Cilium networking, its user pool, access for the deployer, and a Kubernetes provider."""

    cluster_name: pulumi.Output[str]
    """Azure name of the managed cluster."""
    cluster_id: pulumi.Output[str]
    """Resource ID of the managed cluster."""
    api_server_fqdn: pulumi.Output[str]
    """FQDN of the API server (the private one for a private cluster)."""
    oidc_issuer_url: pulumi.Output[str]
    """OIDC issuer URL, for workload identity federation."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig for people, using kubelogin in the configured mode (secret)."""
    deploy_kubeconfig: pulumi.Output[str]
    """Kubeconfig for the deployment, using kubelogin in the deploy login mode (secret); pass it to components in other languages."""
    kubernetes_provider: k8s.Provider
    """Kubernetes provider for the cluster; it waits until the deployer's role assignment works."""
    workspace_id: Optional[pulumi.Output[str]]
    """Log Analytics workspace of Container Insights, when on."""
    deployer_principals: pulumi.Output[list[str]]
    """Who got cluster admin for pulumi up, "<type>:<object ID>": the configured deployers, or the signed-in principal."""

    def __init__(self, name: str, args: AksClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("AksCluster"), name, None, with_legacy_type(opts, "cluster", "AksCluster"))
        check_cluster_args(name, args)
        child = child_options(self, opts)
        client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self))
        identity, subnet_role = self._identity(name, args, client, child)
        workspace = self._workspace(name, args, child)
        cluster = self._managed_cluster(name, args, identity, subnet_role, workspace, child)
        self._user_pool(name, args, cluster, child)
        if workspace is not None:
            self._insights_collection(name, args, cluster, workspace, child)
        self._maintenance_windows(name, args, cluster, child)
        self._kubernetes_access(name, args, cluster, client, child)
        self._guards(name, args, cluster, client, child)
        self._export(args, cluster)

    def _identity(
        self,
        name: str,
        args: AksClusterArgs,
        client: pulumi.Output[authorization.GetClientConfigResult],
        child: pulumi.ResourceOptions,
    ) -> tuple[managedidentity.UserAssignedIdentity, authorization.RoleAssignment]:
        """The cluster's user-assigned identity and its Network Contributor role on the node subnet."""
        identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_group_name=args["resource_group_name"],
            resource_name_=pulumi.Output.concat("id-", args["cluster_name"]),
            location=args["location"],
            opts=child,
        )
        subnet_role = assign_role(
            f"{name}-subnet-network-contributor",
            scope=args["node_subnet_id"],
            role=NETWORK_CONTRIBUTOR,
            subscription_id=client.subscription_id,
            principal_id=identity.principal_id,
            principal_type="ServicePrincipal",
            opts=child,
        )
        return identity, subnet_role

    def _workspace(self, name: str, args: AksClusterArgs, child: pulumi.ResourceOptions) -> operationalinsights.Workspace | None:
        """Container Insights' Log Analytics workspace, when on; it is created before the cluster that reports to it."""
        self.workspace_id = None
        if not args.get("container_insights", False):
            return None
        workspace = monitoring.log_workspace(f"{name}-logs", args["resource_group_name"], args["location"], args["cluster_name"], child)
        self.workspace_id = workspace.id
        return workspace

    def _managed_cluster(
        self,
        name: str,
        args: AksClusterArgs,
        identity: managedidentity.UserAssignedIdentity,
        subnet_role: authorization.RoleAssignment,
        workspace: operationalinsights.Workspace | None,
        child: pulumi.ResourceOptions,
    ) -> aks.ManagedCluster:
        system_pool = aks.ManagedClusterAgentPoolProfileArgs(
            name="system",
            mode="System",
            node_taints=["CriticalAddonsOnly=true:NoSchedule"],
            # The control plane's version, sent with it: a system pool sent without one does not reliably follow a minor
            # upgrade (Azure/terraform-azurerm-aks#301, Azure/AKS#3087). In the managed cluster's request every pool's
            # version must be given or none, and if given equal to the control plane's or unchanged (AKS error
            # NotAllAgentPoolOrchestratorVersionSpecifiedAndUnchanged, auto-upgrade-cluster.md); this request carries
            # the system pool only, the user pool being its own resource.
            orchestrator_version=args["kubernetes_version"],
            **_pool_profile(args, args["system_pool"]),
        )
        admin_groups = list(args.get("admin_group_object_ids", []))
        return aks.ManagedCluster(
            f"{name}-cluster",
            resource_group_name=args["resource_group_name"],
            resource_name_=args["cluster_name"],
            location=args["location"],
            dns_prefix=args["cluster_name"],
            kubernetes_version=args["kubernetes_version"],
            sku=aks.ManagedClusterSKUArgs(name="Base", tier=args["sku_tier"]),
            support_plan=args.get("support_plan", OFFICIAL_PLAN),
            identity=aks.ManagedClusterIdentityArgs(
                type=aks.ResourceIdentityType.USER_ASSIGNED,
                user_assigned_identities=[identity.id],
            ),
            enable_rbac=True,
            disable_local_accounts=True,
            # One Output for the list: secret as a whole when any group ID is.
            aad_profile=aks.ManagedClusterAADProfileArgs(
                managed=True, enable_azure_rbac=True, admin_group_object_ids=pulumi.Output.all(*admin_groups)
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
                defender=_defender(args, workspace),
            ),
            addon_profiles=_addons(args, workspace),
            azure_monitor_profile=_azure_monitor_profile(args),
            agent_pool_profiles=[system_pool],
            network_profile=network_profile(args),
            # The identity must hold its subnet role before AKS sets up load balancers and routes in that subnet.
            opts=extended(
                child,
                depends_on=[subnet_role],
                protect=args.get("protect", False),
                ignore_changes=AUTOSCALED_FIELDS + (CLUSTER_VERSION_FIELDS if _moves_minors(args) else []),
            ),
            tags=version_tags(args),
        )

    def _user_pool(self, name: str, args: AksClusterArgs, cluster: aks.ManagedCluster, child: pulumi.ResourceOptions) -> None:
        aks.AgentPool(
            f"{name}-user-pool",
            resource_group_name=args["resource_group_name"],
            resource_name_=cluster.name,
            agent_pool_name="user",
            mode="User",
            # The user pool is its own resource, upgraded by its own operation after the control plane (an agent pool
            # may not be newer than the control plane: AgentPool.orchestratorVersion in the 2025-09-01 spec). It may
            # lag on purpose while it catches up (checks.py `_check_pool_versions`).
            orchestrator_version=args["user_pool"].get("kubernetes_version", args["kubernetes_version"]),
            **_pool_profile(args, args["user_pool"]),
            # Deleting the user pool deletes every workload pod on it: protected with the cluster.
            opts=extended(
                child,
                protect=args.get("protect", False),
                ignore_changes=["count"] + (["orchestratorVersion"] if _moves_minors(args) else []),
            ),
        )

    def _insights_collection(
        self,
        name: str,
        args: AksClusterArgs,
        cluster: aks.ManagedCluster,
        workspace: operationalinsights.Workspace,
        child: pulumi.ResourceOptions,
    ) -> None:
        """The data collection rule and its association, without which the add-on with useAADAuth sends nothing."""
        group, location, cluster_name = args["resource_group_name"], args["location"], args["cluster_name"]
        endpoint = None
        if args.get("container_network_logs", False):
            endpoint = monitoring.ingestion_endpoint(f"{name}-insights-endpoint", group, location, cluster_name, child).id
        rule = monitoring.data_collection_rule(f"{name}-insights-rule", group, location, cluster_name, workspace.id, child, endpoint)
        monitoring.data_collection_association(f"{name}-insights-association", cluster.id, rule.id, child)

    def _maintenance_windows(self, name: str, args: AksClusterArgs, cluster: aks.ManagedCluster, child: pulumi.ResourceOptions) -> None:
        schedules = (
            (args.get("auto_upgrade_window"), maintenance.AUTO_UPGRADE_SCHEDULE, "auto-upgrade-window"),
            (args.get("node_os_upgrade_window"), maintenance.NODE_OS_UPGRADE_SCHEDULE, "node-os-window"),
        )
        for window, schedule, role in schedules:
            if window is not None:
                maintenance.weekly_maintenance(f"{name}-{role}", schedule, args["resource_group_name"], cluster.name, window, child)

    def _kubernetes_access(
        self,
        name: str,
        args: AksClusterArgs,
        cluster: aks.ManagedCluster,
        client: pulumi.Output[authorization.GetClientConfigResult],
        child: pulumi.ResourceOptions,
    ) -> None:
        """Cluster-admin grants, both kubeconfigs, the access wait and the Kubernetes provider behind it."""
        deploy_mode = args.get("deploy_login_mode", "azurecli")
        deployers = _deployers(args, client)
        grants = grant_cluster_admin(
            name,
            cluster_id=cluster.id,
            subscription_id=client.subscription_id,
            deployers=deployers,
            admin_groups=list(args.get("admin_group_object_ids", [])),
            opts=child,
        )
        self.deployer_principals = pulumi.Output.all(*(pulumi.Output.concat(kind, ":", object_id) for object_id, kind in deployers))

        # Looked up by the cluster's name, which stays known across updates.
        credentials = aks.list_managed_cluster_user_credentials_output(
            resource_group_name=args["resource_group_name"], resource_name=cluster.name, format="exec"
        )
        raw = credentials.kubeconfigs[0].value
        mode = args["kubelogin_mode"]
        client_id = args.get("kubelogin_client_id", "")
        tenant_id = args.get("kubelogin_tenant_id", "")
        self.kubeconfig = pulumi.Output.secret(raw.apply(lambda text: kubeconfig.convert(text, mode, client_id, tenant_id)))
        # Client and tenant as flags: kubelogin's workloadidentity and spn credentials refuse to start without them.
        self.deploy_kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(raw, args.get("deploy_client_id", client.client_id), args.get("deploy_tenant_id", client.tenant_id)).apply(
                lambda values: kubeconfig.convert(values[0], deploy_mode, values[1], values[2])
            )
        )
        # Ready once the deployer may use the Kubernetes API: every Kubernetes resource should depend on it.
        self.kubernetes_access = kubernetes_access_wait(
            f"{name}-kubernetes-access",
            kubeconfig=self.deploy_kubeconfig,
            assignments=[grant.id for grant in grants],
            opts=extended(child, depends_on=grants),
        )
        # cluster_identifier: a rotated certificate, another deployer or a kubeconfig unknown at preview must not replace
        # the provider and every object created through it (pulumi/pulumi-kubernetes#4019, #1148). Its DiffConfig
        # (provider/pkg/provider/provider.go) replaces only when the identifier changes, not when it is first added,
        # so existing stacks take it on without a replacement.
        self.kubernetes_provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=self.deploy_kubeconfig,
            cluster_identifier=cluster.id,
            opts=extended(child, depends_on=[self.kubernetes_access]),
        )

    def _guards(
        self,
        name: str,
        args: AksClusterArgs,
        cluster: aks.ManagedCluster,
        client: pulumi.Output[authorization.GetClientConfigResult],
        child: pulumi.ResourceOptions,
    ) -> None:
        """The delete lock, and Defender's subscription plan checked where Defender is on (guards.py)."""
        self.defender_plan: pulumi.Output[str] | None = None
        if args.get("delete_lock", False):
            # Protected with the cluster: deleting the lock is the deliberate step before deleting the cluster.
            guards.delete_lock(f"{name}-delete-lock", cluster.id, extended(child, protect=args.get("protect", False)))
        if args.get("defender", False):
            self.defender_plan = guards.defender_plan_check(client.subscription_id, self)

    def _export(self, args: AksClusterArgs, cluster: aks.ManagedCluster) -> None:
        self.cluster_name = cluster.name
        self.cluster_id = cluster.id
        self.api_server_fqdn = pulumi.Output.all(args.get("private_cluster", False), cluster.private_fqdn, cluster.fqdn).apply(
            lambda values: values[1] if values[0] else values[2]
        )
        self.oidc_issuer_url = cluster.oidc_issuer_profile.apply(lambda p: p.issuer_url if p else "")
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "cluster_id": self.cluster_id,
                "api_server_fqdn": self.api_server_fqdn,
                "oidc_issuer_url": self.oidc_issuer_url,
                "kubeconfig": self.kubeconfig,
                "deploy_kubeconfig": self.deploy_kubeconfig,
                "workspace_id": self.workspace_id,
                "deployer_principals": self.deployer_principals,
                # Awaited with the outputs: a Defender plan that is off fails the run here.
                "defender_plan": self.defender_plan,
            }
        )
