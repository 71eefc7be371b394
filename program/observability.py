"""Compose the observability components for a stack: the one place that decides which exist and what they wait for."""

from __future__ import annotations

import pulumi

from aks_cilium.cluster.component import AksCluster
from program.component_args import control_plane_logs_args, dashboards_args, grafana_args, prometheus_args, relay_policy_args
from stack_settings.model import Settings


def compose_observability(
    settings: Settings,
    cluster: AksCluster,
    cilium_ready: pulumi.Resource,
    k8s_providers: list[pulumi.ProviderResource],
    k8s_access: pulumi.Resource,
) -> None:
    """Managed Prometheus and its monitors, Grafana and dashboards, control plane and flow logs, Relay's policy."""
    obs = settings.observability
    on_cluster = pulumi.ResourceOptions(providers=k8s_providers, depends_on=[cilium_ready, k8s_access])
    if settings.byocni:
        from aks_cilium.observability.relay_policy import HubbleRelayPolicy

        HubbleRelayPolicy("hubble-relay-policy", relay_policy_args(settings), on_cluster)
    if obs.managed_prometheus:
        from aks_cilium.observability.prometheus import ManagedPrometheus

        prometheus = ManagedPrometheus(
            "prometheus", prometheus_args(settings, cluster.cluster_id), pulumi.ResourceOptions(depends_on=[cluster])
        )
        pulumi.export("azureMonitorWorkspaceId", prometheus.workspace_id)
        pulumi.export("prometheusQueryEndpoint", prometheus.query_endpoint)
        if settings.byocni:
            from aks_cilium.observability.monitors import CiliumMonitors

            # The metrics add-on creates the azmonitoring.coreos.com CRDs on the cluster with the metrics profile.
            CiliumMonitors("cilium-monitors", {"hubble_metrics": bool(settings.cilium.hubble_metrics)}, on_cluster)
        if obs.grafana:
            from aks_cilium.observability.dashboards.component import GrafanaDashboards
            from aks_cilium.observability.grafana import ManagedGrafana

            grafana = ManagedGrafana("grafana", grafana_args(settings, prometheus.workspace_id, cluster.workspace_id))
            dashboards = GrafanaDashboards(
                "dashboards", dashboards_args(settings, grafana.endpoint), pulumi.ResourceOptions(depends_on=grafana.deployer_access)
            )
            pulumi.export("grafanaUrl", grafana.endpoint)
            pulumi.export("grafanaDashboards", dashboards.dashboard_uids)
    if cluster.workspace_id is not None and obs.control_plane_log_categories:
        from aks_cilium.observability.diagnostics import ControlPlaneLogs

        ControlPlaneLogs("control-plane-logs", control_plane_logs_args(settings, cluster.cluster_id, cluster.workspace_id))
    if obs.flow_logs and settings.byocni:
        from aks_cilium.observability.flow_log_collection import FlowLogCollection

        FlowLogCollection("flow-log-collection", {}, on_cluster)
    if obs.flow_logs and not settings.byocni:
        from aks_cilium.observability.network_logs import ContainerNetworkLogs

        ContainerNetworkLogs("network-logs", {}, on_cluster)
