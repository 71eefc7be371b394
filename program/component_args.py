"""Map settings onto the components' args: the one place where config meets the components."""

from __future__ import annotations

from typing import Any, TypeVar, cast

import pulumi

from aks_cilium.cilium.args import CiliumArgs, CiliumMeshArgs
from aks_cilium.cluster.admin_access import default_deployer_type
from aks_cilium.cluster.args import AksClusterArgs, DeployerArgs, NodePoolArgs
from aks_cilium.cluster.maintenance import parse_window
from aks_cilium.identity.component import KeyVaultRoleArgs, TeamIdentityArgs
from aks_cilium.network.component import NetworkArgs
from aks_cilium.network_policy.component import NetworkPolicySetArgs
from aks_cilium.observability.dashboards.component import GrafanaDashboardsArgs
from aks_cilium.observability.diagnostics import ControlPlaneLogsArgs
from aks_cilium.observability.grafana import ManagedGrafanaArgs
from aks_cilium.observability.prometheus import ManagedPrometheusArgs
from aks_cilium.observability.relay_policy import HubbleRelayPolicyArgs
from stack_settings.model import NodePoolSettings, Settings, TeamIdentitySettings

T = TypeVar("T")


def _secret_if(settings: Settings, key: str, value: T) -> pulumi.Input[T]:
    """Values of keys set with --secret reach resources as secret outputs."""
    return pulumi.Output.secret(value) if key in settings.secret_keys else value


def network_args(settings: Settings, node_security_rules: list[dict[str, Any]] | None = None) -> NetworkArgs:
    cluster, network = settings.cluster, settings.network
    args = NetworkArgs(
        location=cluster.location,
        resource_group_name=cluster.resource_group_name,
        vnet_name=cluster.vnet_name,
        vnet_cidr=str(network.vnet_cidr),
        node_subnet_cidr=str(network.node_subnet_cidr),
    )
    if network.pod_subnet_cidr is not None:
        args["pod_subnet_cidr"] = str(network.pod_subnet_cidr)
    if node_security_rules:
        args["node_security_rules"] = node_security_rules
    return args


def _pool(pool: NodePoolSettings) -> NodePoolArgs:
    args = NodePoolArgs(vm_size=pool.vm_size, min_count=pool.min_count, max_count=pool.max_count)
    if pool.kubernetes_version:
        args["kubernetes_version"] = pool.kubernetes_version
    return args


def cluster_args(settings: Settings, resource_group_name: pulumi.Input[str], node_subnet_id: pulumi.Input[str]) -> AksClusterArgs:
    cluster, network = settings.cluster, settings.network
    acns = cluster.advanced_networking
    args = AksClusterArgs(
        resource_group_name=resource_group_name,
        location=cluster.location,
        cluster_name=cluster.cluster_name,
        network_mode=cluster.network_mode,
        kubernetes_version=cluster.kubernetes_version,
        node_subnet_id=node_subnet_id,
        pod_cidr=str(network.pod_cidr),
        service_cidr=str(network.service_cidr),
        dns_service_ip=str(network.dns_service_ip),
        outbound_type=network.outbound_type,
        system_pool=_pool(cluster.system_pool),
        user_pool=_pool(cluster.user_pool),
        max_pods=cluster.max_pods_per_node,
        os_disk_type=cluster.os_disk_type,
        os_disk_size_gb=cluster.os_disk_size_gb,
        encryption_at_host=cluster.encryption_at_host,
        sku_tier=cluster.sku_tier,
        upgrade_channel=cluster.upgrade_channel,
        node_os_upgrade_channel=cluster.node_os_upgrade_channel,
        kubelogin_mode=cluster.kubelogin_mode,
        kubelogin_client_id=cluster.kubelogin_client_id,
        kubelogin_tenant_id=cluster.kubelogin_tenant_id,
        # One role assignment per group: the list's length is structure, its items may stay secret.
        admin_group_object_ids=[_secret_if(settings, "adminGroupObjectIds", group) for group in cluster.admin_group_object_ids],
        authorized_ip_ranges=_secret_if(settings, "apiServerAuthorizedIpRanges", list(cluster.authorized_ip_ranges)),
        private_cluster=cluster.private_cluster,
        container_insights=cluster.container_insights,
        key_vault_secrets_provider=cluster.key_vault_secrets_provider,
        defender=cluster.defender,
        protect=cluster.protect,
        support_plan=cluster.support_plan,
        deploy_login_mode=cluster.deploy_login_mode,
        managed_prometheus=settings.observability.managed_prometheus,
        container_network_logs=settings.observability.flow_logs and not settings.byocni,
    )
    for key, text in (("auto_upgrade_window", cluster.auto_upgrade_window), ("node_os_upgrade_window", cluster.node_os_upgrade_window)):
        window = parse_window(text) if text else None
        if window is not None:
            args[key] = window  # type: ignore[literal-required]
    if cluster.deployer_principal_type:
        args["deployer_principal_type"] = cluster.deployer_principal_type
    # Without configured deployers (a personal dev stack), the component assigns the signed-in principal.
    if cluster.deployers:
        args["deployers"] = [DeployerArgs(object_id=d.object_id, principal_type=d.principal_type) for d in cluster.deployers]
    if cluster.deploy_client_id:
        args["deploy_client_id"] = _secret_if(settings, "deployClientId", cluster.deploy_client_id)
    if cluster.deploy_tenant_id:
        args["deploy_tenant_id"] = _secret_if(settings, "deployTenantId", cluster.deploy_tenant_id)
    if cluster.delete_lock:
        args["delete_lock"] = True
    if cluster.availability_zones:
        args["availability_zones"] = list(cluster.availability_zones)
    if not settings.byocni:
        args["advanced_networking_observability"] = acns.observability
        args["advanced_networking_security"] = acns.security
        args["advanced_network_policies"] = acns.policies
    return args


def cilium_args(settings: Settings, cluster_mesh: CiliumMeshArgs | None = None) -> CiliumArgs:
    cilium, cluster = settings.cilium, settings.cluster
    args: CiliumArgs = {
        "version": cilium.version,
        "cluster_name": cluster.cluster_name,
        "pod_cidr": str(settings.network.pod_cidr),
        # Both pools: the component's operator tolerates the system pool's taint.
        "node_count": cluster.system_pool.min_count + cluster.user_pool.min_count,
        "hubble_metrics": list(cilium.hubble_metrics),
        "extra_values": _secret_if(settings, "ciliumExtraValues", dict(cilium.extra_values)),
        "flow_logs": settings.observability.flow_logs,
    }
    # HELM_SWITCHES maps each config key onto a bool arg of CiliumArgs (tests/stack/test_cilium_config.py checks the names).
    args.update(cast(CiliumArgs, cilium.switches))
    if cilium.cluster_id:
        args["cluster_id"] = cilium.cluster_id
    if cilium.previous_version:
        args["previous_version"] = cilium.previous_version
    if cluster_mesh is not None:
        args["cluster_mesh"] = cluster_mesh
    return args


def policy_set_args(settings: Settings) -> NetworkPolicySetArgs:
    """The managed namespaces as declared, the external ones they name, and the cluster's ranges CIDR rules must avoid."""
    policies, network = settings.policies, settings.network
    args = NetworkPolicySetArgs(
        namespaces=list(policies.tenants),
        network_mode=settings.cluster.network_mode,
        acns_security=settings.cluster.advanced_networking.security,
        native_default_deny=policies.native_default_deny,
        protect=policies.protect_namespaces,
        cluster_cidrs=[str(network.pod_cidr), str(network.service_cidr)],
    )
    if policies.external_namespaces:
        args["external_namespaces"] = list(policies.external_namespaces)
    return args


def prometheus_args(settings: Settings, cluster_id: pulumi.Input[str]) -> ManagedPrometheusArgs:
    cluster = settings.cluster
    return ManagedPrometheusArgs(
        resource_group_name=cluster.resource_group_name,
        location=cluster.location,
        cluster_name=cluster.cluster_name,
        cluster_id=cluster_id,
        network_mode=cluster.network_mode,
        action_group_ids=list(settings.observability.alert_action_group_ids),
    )


def grafana_args(
    settings: Settings, workspace_id: pulumi.Input[str], log_workspace_id: pulumi.Input[str] | None = None
) -> ManagedGrafanaArgs:
    cluster = settings.cluster
    args = ManagedGrafanaArgs(
        resource_group_name=cluster.resource_group_name,
        location=cluster.location,
        grafana_name=settings.observability.grafana_name,
        azure_monitor_workspace_id=workspace_id,
        # The cluster's admins administer its Grafana; one role assignment per group, items may stay secret.
        admin_group_object_ids=[_secret_if(settings, "adminGroupObjectIds", group) for group in cluster.admin_group_object_ids],
    )
    if log_workspace_id is not None:
        args["log_analytics_workspace_id"] = log_workspace_id
    # The same principals the cluster grants its admin role to: they deploy the dashboards too.
    args["deployer_principal_type"] = cluster.deployer_principal_type or default_deployer_type(cluster.deploy_login_mode)
    if cluster.deployers:
        args["deployers"] = [DeployerArgs(object_id=d.object_id, principal_type=d.principal_type) for d in cluster.deployers]
    return args


def dashboards_args(settings: Settings, grafana_endpoint: pulumi.Input[str]) -> GrafanaDashboardsArgs:
    return GrafanaDashboardsArgs(grafana_endpoint=grafana_endpoint, network_mode=settings.cluster.network_mode)


def control_plane_logs_args(settings: Settings, cluster_id: pulumi.Input[str], workspace_id: pulumi.Input[str]) -> ControlPlaneLogsArgs:
    return ControlPlaneLogsArgs(
        cluster_id=cluster_id, workspace_id=workspace_id, categories=list(settings.observability.control_plane_log_categories)
    )


def relay_policy_args(settings: Settings) -> HubbleRelayPolicyArgs:
    return HubbleRelayPolicyArgs(client_namespaces=list(settings.observability.hubble_relay_namespaces))


def team_identity_args(settings: Settings, team: TeamIdentitySettings, oidc_issuer_url: pulumi.Input[str]) -> TeamIdentityArgs:
    """One namespace's workload identity, named after the cluster and the namespace, in the cluster's resource group."""
    cluster = settings.cluster
    args = TeamIdentityArgs(
        namespace=team.namespace,
        service_account=team.service_account,
        identity_name=f"{cluster.cluster_name}-{team.namespace}",
        resource_group_name=cluster.resource_group_name,
        location=cluster.location,
        oidc_issuer_url=oidc_issuer_url,
    )
    if team.key_vault_role:
        role = dict(team.key_vault_role)
        args["key_vault_role"] = KeyVaultRoleArgs(role_definition_id=role["role_definition_id"], vault_id=role["vault_id"])
    return args
