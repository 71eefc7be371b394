"""Config keys of observability: managed Prometheus, Grafana, alerts, flow logs, control plane logs, Hubble Relay access."""

from __future__ import annotations

import re

from aks_cilium.network_policy.args import namespace_problem
from aks_cilium.observability.diagnostics import CATEGORIES
from aks_cilium.observability.grafana import grafana_name_problem

from .model import ObservabilitySettings, Settings
from .reader import ConfigReader

_ACTION_GROUP_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/microsoft\.insights/actionGroups/[^/]+\Z", re.I)
ACTION_GROUP_EXAMPLE = "/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Insights/actionGroups/<name>"


def _action_group_id(value: str) -> str | None:
    return None if _ACTION_GROUP_ID.match(value) else f"is not an action group resource ID ({ACTION_GROUP_EXAMPLE})"


def _category(value: str) -> str | None:
    return None if value in CATEGORIES else f"is not an AKS control plane log category ({', '.join(CATEGORIES)})"


def read_observability(reader: ConfigReader, cluster_name: str) -> ObservabilitySettings:
    """`cluster_name` is aks-<prefix>-<stack>; Grafana is grafana-<prefix>-<stack>."""
    return ObservabilitySettings(
        managed_prometheus=reader.boolean("managedPrometheus"),
        grafana=reader.boolean("grafana"),
        grafana_name="grafana-" + cluster_name.removeprefix("aks-"),
        alert_action_group_ids=reader.string_list("alertActionGroupIds", ACTION_GROUP_EXAMPLE, _action_group_id),
        flow_logs=reader.boolean("flowLogs"),
        control_plane_log_categories=reader.string_list("controlPlaneLogCategories", "kube-audit-admin", _category),
        hubble_relay_namespaces=reader.string_list("hubbleRelayNamespaces", "monitoring", namespace_problem),
    )


def check_observability(reader: ConfigReader, settings: Settings) -> None:
    """What the observability keys need of each other and of the cluster, each reported against its key."""
    obs, cluster = settings.observability, settings.cluster
    if obs.grafana and not obs.managed_prometheus:
        reader.fail(
            "grafana", "needs managedPrometheus true (Grafana reads its Azure Monitor workspace)", "false", involves=("managedPrometheus",)
        )
    if obs.grafana:
        problem = grafana_name_problem(obs.grafana_name)
        if problem:
            reader.fail(
                "namePrefix", f"gives the Grafana name {obs.grafana_name!r} with stack {settings.stack!r}, which {problem}", "cilium"
            )
    if obs.alert_action_group_ids and not obs.managed_prometheus:
        reader.fail(
            "alertActionGroupIds", "needs managedPrometheus true (the alerts are its rule groups)", "[]", involves=("managedPrometheus",)
        )
    if obs.flow_logs and not cluster.container_insights:
        reader.fail(
            "flowLogs",
            "needs containerInsights true (flow logs are kept in its Log Analytics workspace)",
            "false",
            involves=("containerInsights",),
        )
    if obs.flow_logs and not settings.byocni and not cluster.advanced_networking.observability:
        reader.fail(
            "flowLogs",
            "needs advancedNetworkingObservability true in azure-cilium mode (ACNS writes the flow logs)",
            "false",
            involves=("networkMode", "advancedNetworkingObservability"),
        )
    if obs.control_plane_log_categories and not cluster.container_insights:
        reader.fail(
            "controlPlaneLogCategories",
            "needs containerInsights true (the logs go to its Log Analytics workspace)",
            "[]",
            involves=("containerInsights",),
        )
    if len(set(obs.control_plane_log_categories)) != len(obs.control_plane_log_categories):
        reader.fail("controlPlaneLogCategories", "lists a category twice", '\'["kube-audit-admin", "guard"]\'')
    if obs.hubble_relay_namespaces and not settings.byocni:
        reader.fail(
            "hubbleRelayNamespaces",
            "is for the Helm-installed Hubble Relay; ACNS serves its relay with mutual TLS",
            "[]",
            involves=("networkMode",),
        )
