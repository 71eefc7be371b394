"""The observability components built directly, as a team's program would: plain and Output inputs, bad ones refused
before anything registers, and every Azure property as the REST spec version pulumi-azure-native 3.29.0 uses has it.

Specs (Azure/azure-rest-api-specs): Microsoft.Monitor/accounts 2023-04-03; specification/monitor/resource-manager/
Microsoft.Insights/stable/2022-06-01/dataCollectionEndpoints_API.json, dataCollectionRules_API.json (PrometheusForwarder-
DataSource streams: Microsoft-PrometheusMetrics; MonitoringAccountDestination accountResourceId and name),
dataCollectionRuleAssociations_API.json; specification/alertsmanagement/resource-manager/Microsoft.AlertsManagement/stable/
2023-03-01/PrometheusRuleGroups.json (scopes: one workspace; rules: record or alert, expression, for, severity 0-4,
actions as actionGroupId, resolveConfiguration; rule group name without `:@/#{}%&+*<>?`); specification/dashboard/
resource-manager/Microsoft.Dashboard/stable/2024-10-01/grafana.json (workspaceName pattern; azureMonitorWorkspace-
Integrations; apiKey; grafanaMajorVersion) and examples/Grafana_Create.json; specification/monitor/resource-manager/
Microsoft.Insights/preview/2021-05-01-preview/diagnosticsSettings_API.json (logs: category, enabled; workspaceId;
logAnalyticsDestinationType Dedicated). Shapes follow Microsoft's onboarding templates (Azure/prometheus-collector
AddonArmTemplate/FullAzureMonitorMetricsProfile.json, AddonTerraformTemplate/main.tf).
"""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pytest

from aks_cilium.observability.dashboards.component import GRAFANA_APPLICATION, GrafanaDashboards
from aks_cilium.observability.diagnostics import ControlPlaneLogs
from aks_cilium.observability.flow_log_collection import FlowLogCollection
from aks_cilium.observability.grafana import GRAFANA_ADMIN, GRAFANA_VIEWER, MONITORING_DATA_READER, MONITORING_READER, ManagedGrafana
from aks_cilium.observability.monitors import CiliumMonitors
from aks_cilium.observability.network_logs import ContainerNetworkLogs
from aks_cilium.observability.prometheus import ManagedPrometheus
from aks_cilium.observability.relay_policy import HubbleRelayPolicy
from aks_cilium.testing import ProgramRun, run_callable
from tests.support.refusals import refusal
from tests.support.tokens import CNP, ROLE_ASSIGNMENT

CLUSTER_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-x"
WORKSPACE_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Monitor/accounts/amw-aks-x"
PROMETHEUS: Any = {
    "resource_group_name": "rg",
    "location": "westeurope",
    "cluster_name": "aks-x",
    "cluster_id": CLUSTER_ID,
    "network_mode": "byocni",
}
RULE_GROUP = "azure-native:alertsmanagement:PrometheusRuleGroup"
_RULE_GROUP_NAME = re.compile(r"^[^:@/#{}%&+*<>?]+$")
_ISO_MINUTES = re.compile(r"^PT\d+M$")


def _args(base: Any, **change: Any) -> Any:
    """Args with some keys changed, bad ones included: typed Any, as a program in another language sends them."""
    return {**base, **change}


def _problems(build: Any) -> set[str]:
    return {problem["property_path"] for problem in refusal(build).errors or []}


@pytest.fixture(scope="module")
def prometheus_run() -> ProgramRun:
    return run_callable(lambda: ManagedPrometheus("prom", _args(PROMETHEUS, action_group_ids=["/ag/1"])))


def test_prometheus_pipeline_is_microsofts_template(prometheus_run: ProgramRun) -> None:
    workspace = prometheus_run.one("azure-native:monitor:AzureMonitorWorkspace")
    endpoint = prometheus_run.one("azure-native:monitor:DataCollectionEndpoint")
    rule = prometheus_run.one("azure-native:monitor:DataCollectionRule")
    association = prometheus_run.one("azure-native:monitor:DataCollectionRuleAssociation")
    assert workspace.inputs["azureMonitorWorkspaceName"] == "amw-aks-x"
    assert endpoint.inputs["kind"] == rule.inputs["kind"] == "Linux"
    assert endpoint.inputs["dataCollectionEndpointName"] == rule.inputs["dataCollectionRuleName"] == "MSProm-westeurope-aks-x"
    assert rule.inputs["dataCollectionEndpointId"].endswith("/dataCollectionEndpoints/MSProm-westeurope-aks-x")
    assert rule.inputs["dataSources"] == {
        "prometheusForwarder": [{"name": "PrometheusDataSource", "streams": ["Microsoft-PrometheusMetrics"]}]
    }
    [destination] = rule.inputs["destinations"]["monitoringAccounts"]
    assert destination["name"] == "MonitoringAccount1"
    assert destination["accountResourceId"].endswith("/Microsoft.Monitor/accounts/amw-aks-x")
    assert rule.inputs["dataFlows"] == [{"streams": ["Microsoft-PrometheusMetrics"], "destinations": ["MonitoringAccount1"]}]
    assert association.inputs["resourceUri"] == CLUSTER_ID
    assert association.inputs["dataCollectionRuleId"].endswith("/dataCollectionRules/MSProm-westeurope-aks-x")


def test_rule_groups_keep_to_the_2023_03_01_spec(prometheus_run: ProgramRun) -> None:
    groups = prometheus_run.of_type(RULE_GROUP)
    assert {g.name for g in groups} == {
        "prom-NodeRecordingRulesRuleGroup",
        "prom-KubernetesRecordingRulesRuleGroup",
        "prom-CiliumAlerts",
        "prom-KubernetesRecommendedAlerts",
    }
    for group in groups:
        inputs = group.inputs
        assert _RULE_GROUP_NAME.match(inputs["ruleGroupName"])
        assert inputs["ruleGroupName"].endswith("-aks-x")
        assert len(inputs["scopes"]) == 1
        assert inputs["scopes"][0].endswith("/Microsoft.Monitor/accounts/amw-aks-x")
        assert inputs["clusterName"] == "aks-x"
        assert _ISO_MINUTES.match(inputs["interval"])
        assert 1 <= int(inputs["interval"][2:-1]) <= 15
        assert 1 <= len(inputs["rules"]) <= 20
        for rule in inputs["rules"]:
            assert ("record" in rule) != ("alert" in rule), rule
            assert rule["expression"]
            if "alert" in rule:
                assert 0 <= rule["severity"] <= 4
                assert re.match(r"^PT\d+[MH]$", rule["for"])
                assert rule["actions"] == [{"actionGroupId": "/ag/1"}]
                assert rule["resolveConfiguration"] == {"autoResolved": True, "timeToResolve": "PT10M"}


def test_recording_rules_are_the_series_microsofts_dashboards_read(prometheus_run: ProgramRun) -> None:
    """Names from Microsoft's templates (AddonTerraformTemplate/main.tf): Azure Managed Grafana's Kubernetes
    dashboards read these recorded series."""
    records = {r["record"] for g in prometheus_run.of_type(RULE_GROUP) for r in g.inputs["rules"] if "record" in r}
    for name in (
        "instance:node_num_cpu:sum",
        "instance:node_cpu_utilisation:rate5m",
        "instance:node_memory_utilisation:ratio",
        "instance:node_network_receive_bytes_excluding_lo:rate5m",
        "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate",
        "node_namespace_pod_container:container_memory_working_set_bytes",
        "namespace_cpu:kube_pod_container_resource_requests:sum",
        "namespace_memory:kube_pod_container_resource_limits:sum",
        "namespace_workload_pod:kube_pod_owner:relabel",
        "cluster:node_cpu:ratio_rate5m",
    ):
        assert name in records


def test_cilium_alerts_cover_drops_agents_operator_and_dns(prometheus_run: ProgramRun) -> None:
    cilium = prometheus_run.one(RULE_GROUP, "prom-CiliumAlerts").inputs["rules"]
    alerts = {rule["alert"]: rule for rule in cilium}
    assert set(alerts) == {
        "CiliumPolicyDropsHigh",
        "CiliumAgentUnavailable",
        "CiliumOperatorUnavailable",
        "CiliumUnreachableNodes",
        "CiliumDnsErrorsHigh",
    }
    # Allow-list misses and deny rules both count (cilium/cilium pkg/monitor/api/drop.go, drop reasons 133 and 181).
    assert 'reason=~"Policy denied|Policy denied by denylist"' in alerts["CiliumPolicyDropsHigh"]["expression"]
    assert alerts["CiliumPolicyDropsHigh"]["expression"].endswith("> 1.0")
    assert 'daemonset="cilium"' in alerts["CiliumAgentUnavailable"]["expression"]
    assert 'deployment="cilium-operator"' in alerts["CiliumOperatorUnavailable"]["expression"]


def test_managed_mode_alerts_ask_acns_and_thresholds_are_the_callers() -> None:
    run = run_callable(
        lambda: ManagedPrometheus("prom", _args(PROMETHEUS, network_mode="azure-cilium", policy_drops_per_second=5, dns_error_ratio=0.2))
    )
    groups = {g.name: g.inputs for g in run.of_type(RULE_GROUP)}
    assert "prom-CiliumAlerts" not in groups
    rules = {r["alert"]: r for r in groups["prom-NetworkObservabilityAlerts"]["rules"]}
    # ACNS on the Cilium data plane publishes Cilium's node metrics; networkobservability_* exist only on non-Cilium
    # data planes (MicrosoftDocs/azure-aks-docs articles/aks/container-network-observability-metrics.md).
    assert "cilium_drop_count_total" in rules["AcnsPolicyDropsHigh"]["expression"]
    assert "networkobservability_" not in rules["AcnsPolicyDropsHigh"]["expression"]
    assert rules["AcnsPolicyDropsHigh"]["expression"].endswith("> 5.0")
    assert rules["AcnsDnsErrorsHigh"]["expression"].endswith("> 0.2")
    assert all("actions" not in r for g in groups.values() for r in g["rules"]), "no action group: no actions sent"


def test_prometheus_takes_outputs() -> None:
    outputs = {key: pulumi.Output.from_input(value) for key, value in PROMETHEUS.items() if key != "network_mode"}
    args = _args(outputs, network_mode="byocni", action_group_ids=[pulumi.Output.from_input("/ag/2")])
    run = run_callable(lambda: ManagedPrometheus("prom", args))
    assert run.one("azure-native:monitor:DataCollectionRule").inputs["dataCollectionRuleName"] == "MSProm-westeurope-aks-x"
    assert run.one(RULE_GROUP, "prom-CiliumAlerts").inputs["rules"][0]["actions"] == [{"actionGroupId": "/ag/2"}]


def test_long_names_are_cut_as_microsofts_template_cuts_them() -> None:
    """DCE names to 43 characters and DCR names to 64, without a trailing hyphen (microsoft/Docker-Provider
    scripts/onboarding/aks/onboarding-msi-terraform/main.tf)."""
    run = run_callable(lambda: ManagedPrometheus("prom", _args(PROMETHEUS, cluster_name="aks-" + "a" * 26 + "-b" * 20)))
    endpoint = run.one("azure-native:monitor:DataCollectionEndpoint").inputs["dataCollectionEndpointName"]
    rule = run.one("azure-native:monitor:DataCollectionRule").inputs["dataCollectionRuleName"]
    assert len(endpoint) <= 43
    assert len(rule) <= 64
    assert not endpoint.endswith("-")
    assert not rule.endswith("-")


@pytest.mark.parametrize(
    ("change", "paths"),
    [
        ({"network_mode": "calico"}, {"network_mode"}),
        ({"policy_drops_per_second": 0}, {"policy_drops_per_second"}),
        ({"dns_error_ratio": 1.5}, {"dns_error_ratio"}),
        ({"action_group_ids": "/ag/1"}, {"action_group_ids"}),
        ({"cluster_id": None}, set()),
    ],
)
def test_prometheus_refuses_bad_args(change: dict[str, Any], paths: set[str]) -> None:
    args = _args(PROMETHEUS, **change)
    if change.get("cluster_id", "") is None:
        del args["cluster_id"]
        paths = {"cluster_id"}
    assert _problems(lambda: ManagedPrometheus("prom", args)) == paths


GRAFANA: Any = {
    "resource_group_name": "rg",
    "location": "westeurope",
    "grafana_name": "grafana-cilium-dev",
    "azure_monitor_workspace_id": WORKSPACE_ID,
    "admin_group_object_ids": ["11111111-1111-1111-1111-111111111111"],
    "viewer_group_object_ids": [pulumi.Output.secret("22222222-2222-2222-2222-222222222222")],
}


def test_grafana_is_linked_and_its_people_and_identity_have_roles() -> None:
    run = run_callable(lambda: ManagedGrafana("graf", GRAFANA))
    grafana = run.one("azure-native:dashboard:Grafana")
    assert grafana.inputs["workspaceName"] == "grafana-cilium-dev"
    assert grafana.inputs["identity"] == {"type": "SystemAssigned"}
    assert grafana.inputs["sku"] == {"name": "Standard"}
    properties = grafana.inputs["properties"]
    assert properties["grafanaIntegrations"] == {"azureMonitorWorkspaceIntegrations": [{"azureMonitorWorkspaceResourceId": WORKSPACE_ID}]}
    assert properties["apiKey"] == "Disabled"
    roles = {r.name: r.inputs for r in run.of_type(ROLE_ASSIGNMENT)}
    assert roles["graf-workspace-data-reader"]["roleDefinitionId"].endswith(MONITORING_DATA_READER)
    assert roles["graf-workspace-data-reader"]["scope"] == WORKSPACE_ID
    assert roles["graf-workspace-data-reader"]["principalType"] == "ServicePrincipal"
    assert roles["graf-admin-group-0"]["roleDefinitionId"].endswith(GRAFANA_ADMIN)
    assert roles["graf-viewer-group-0"]["roleDefinitionId"].endswith(GRAFANA_VIEWER)
    assert roles["graf-deployer-grafana-admin"]["principalType"] == "User"
    assert all(
        r["scope"].endswith("/Microsoft.Dashboard/grafana/grafana-cilium-dev")
        for n, r in roles.items()
        if n != "graf-workspace-data-reader"
    )


@pytest.mark.parametrize(
    ("change", "paths"),
    [
        ({"grafana_name": "1grafana"}, {"grafana_name"}),
        ({"grafana_name": "g" * 31}, {"grafana_name"}),
        ({"grafana_name": "grafana-"}, {"grafana_name"}),
        ({"deployer_principal_type": "Group"}, {"deployer_principal_type"}),
        ({"admin_group_object_ids": "11111111-1111-1111-1111-111111111111"}, {"admin_group_object_ids"}),
    ],
)
def test_grafana_refuses_bad_args(change: dict[str, Any], paths: set[str]) -> None:
    assert _problems(lambda: ManagedGrafana("graf", _args(GRAFANA, **change))) == paths


LOG_WORKSPACE_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log-x"


@pytest.mark.parametrize("workspace", [LOG_WORKSPACE_ID, pulumi.Output.from_input(LOG_WORKSPACE_ID)])
def test_grafana_identity_reads_the_log_workspace_for_flow_log_dashboards(workspace: Any) -> None:
    """An ARM-created instance gets no Monitoring Reader (the portal and CLI add it on the subscription), and
    Microsoft's flow log dashboards query Log Analytics (MicrosoftDocs/azure-docs articles/managed-grafana/
    how-to-permissions.md; MicrosoftDocs/azure-aks-docs articles/aks/how-to-configure-container-network-logs.md).
    The role ID is Monitoring Reader's (MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md)."""
    run = run_callable(lambda: ManagedGrafana("graf", _args(GRAFANA, log_analytics_workspace_id=workspace)))
    roles = {r.name: r.inputs for r in run.of_type(ROLE_ASSIGNMENT)}
    reader = roles["graf-logs-monitoring-reader"]
    assert MONITORING_READER == "43d0d8ad-25c7-4714-9337-8ba259a9fe05"
    assert reader["roleDefinitionId"].endswith(MONITORING_READER)
    assert reader["scope"] == LOG_WORKSPACE_ID
    assert reader["principalId"] == roles["graf-workspace-data-reader"]["principalId"]
    assert reader["principalType"] == "ServicePrincipal"
    assert "graf-logs-monitoring-reader" not in {
        r.name for r in run_callable(lambda: ManagedGrafana("graf", GRAFANA)).of_type(ROLE_ASSIGNMENT)
    }


def test_grafana_name_may_be_an_output() -> None:
    run = run_callable(lambda: ManagedGrafana("graf", _args(GRAFANA, grafana_name=pulumi.Output.from_input("grafana-x"))))
    assert run.one("azure-native:dashboard:Grafana").inputs["workspaceName"] == "grafana-x"


@pytest.mark.parametrize("mode", ["byocni", "azure-cilium"])
def test_dashboards_go_through_grafanas_api_with_an_entra_token(mode: str) -> None:
    run = run_callable(
        lambda: GrafanaDashboards("dash", {"grafana_endpoint": pulumi.Output.from_input("https://g.example"), "network_mode": mode})
    )
    provider = run.one("pulumi:providers:grafana")
    assert provider.inputs["url"] == "https://g.example"
    tokens = [call for call in run.mocks.calls if call.token == "azure-native:authorization:getClientToken"]
    assert [call.args["endpoint"] for call in tokens] == [GRAFANA_APPLICATION]
    dashboards = run.of_type("grafana:oss/dashboard:Dashboard")
    assert dashboards
    assert all(d.provider.startswith(provider.urn) for d in dashboards)
    assert {d.inputs["folder"] for d in dashboards} == {"aks-cilium"}
    assert len(dashboards) == (4 if mode == "byocni" else 1)


def test_dashboards_refuse_an_unknown_mode() -> None:
    assert _problems(lambda: GrafanaDashboards("dash", {"grafana_endpoint": "https://g", "network_mode": "kubenet"})) == {"network_mode"}


def test_control_plane_logs_keep_audit_and_guard_in_resource_specific_tables() -> None:
    run = run_callable(lambda: ControlPlaneLogs("cp", {"cluster_id": pulumi.Output.from_input(CLUSTER_ID), "workspace_id": "/ws"}))
    setting = run.one("azure-native:monitor:DiagnosticSetting")
    assert setting.inputs["resourceUri"] == CLUSTER_ID
    assert setting.inputs["workspaceId"] == "/ws"
    assert setting.inputs["logAnalyticsDestinationType"] == "Dedicated"
    assert setting.inputs["logs"] == [{"category": "kube-audit-admin", "enabled": True}, {"category": "guard", "enabled": True}]


@pytest.mark.parametrize(
    ("categories", "paths"),
    [(["kube-audit-admin", "audit"], {"categories[1]"}), ([], {"categories"}), (["guard", "guard"], {"categories"})],
)
def test_control_plane_logs_refuse_unknown_categories(categories: list[str], paths: set[str]) -> None:
    assert _problems(lambda: ControlPlaneLogs("cp", {"cluster_id": CLUSTER_ID, "workspace_id": "/ws", "categories": categories})) == paths


def test_monitors_are_in_the_managed_prometheus_group() -> None:
    run = run_callable(lambda: CiliumMonitors("mon", {}))
    monitors = {r.inputs["metadata"]["name"]: r for r in run.of_type("kubernetes:azmonitoring.coreos.com/v1:PodMonitor")}
    assert set(monitors) == {"cilium-agent", "hubble", "cilium-operator"}
    agent = monitors["cilium-agent"].inputs["spec"]
    assert agent["selector"] == {"matchLabels": {"k8s-app": "cilium"}}
    assert [e["port"] for e in agent["podMetricsEndpoints"]] == ["prometheus"]
    assert (agent["labelLimit"], agent["labelNameLengthLimit"], agent["labelValueLengthLimit"]) == (63, 511, 1023)
    assert [e["port"] for e in monitors["hubble"].inputs["spec"]["podMetricsEndpoints"]] == ["hubble-metrics"]
    assert monitors["cilium-operator"].inputs["spec"]["selector"] == {"matchLabels": {"io.cilium/app": "operator"}}
    without_hubble = run_callable(lambda: CiliumMonitors("mon", {"hubble_metrics": False}))
    assert "hubble" not in {
        r.inputs["metadata"]["name"] for r in without_hubble.of_type("kubernetes:azmonitoring.coreos.com/v1:PodMonitor")
    }
    assert _problems(lambda: CiliumMonitors("mon", _args({}, hubble_metrics=pulumi.Output.from_input(True)))) == {"hubble_metrics"}


def test_relay_policy_admits_the_ui_and_the_platform_only() -> None:
    run = run_callable(lambda: HubbleRelayPolicy("relay", {"client_namespaces": ["monitoring"]}))
    policy = run.one(CNP)
    assert policy.inputs["metadata"]["namespace"] == "kube-system"
    spec = policy.inputs["spec"]
    assert spec["endpointSelector"] == {"matchLabels": {"k8s:k8s-app": "hubble-relay"}}
    assert spec["ingress"] == [
        {
            "fromEndpoints": [
                {"matchLabels": {"k8s:k8s-app": "hubble-ui"}},
                {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "monitoring"}},
            ],
            "toPorts": [{"ports": [{"port": "4245", "protocol": "TCP"}]}],
        }
    ]
    assert "egress" not in spec, "relay still reaches every agent's Hubble server"
    paths = _problems(lambda: HubbleRelayPolicy("relay", {"client_namespaces": ["Monitoring", "x", "x"]}))
    assert paths == {"client_namespaces[0]", "client_namespaces"}


def test_container_network_log_keeps_drops_and_dns() -> None:
    """how-to-configure-container-network-logs.md: verdict from forwarded/dropped, protocol from tcp/udp/dns."""
    run = run_callable(lambda: ContainerNetworkLogs("logs", {}))
    log = run.one("kubernetes:acn.azure.com/v1alpha1:ContainerNetworkLog")
    assert "namespace" not in log.inputs["metadata"], "cluster-scoped"
    filters = log.inputs["spec"]["includefilters"]
    assert filters == [{"name": "dropped", "verdict": ["dropped"]}, {"name": "dns", "protocol": ["dns"]}]
    assert all(
        set(f.get("verdict", [])) <= {"forwarded", "dropped"} and set(f.get("protocol", [])) <= {"tcp", "udp", "dns"} for f in filters
    )


def test_flow_log_collection_lets_kube_systems_stdout_in_and_keeps_stderr_out() -> None:
    """Container Insights excludes kube-system's stdout and stderr by default; its agent ConfigMap in kube-system takes
    [log_collection_settings.stdout] exclude_namespaces (microsoft/Docker-Provider kubernetes/container-azm-ms-agentconfig.yaml)."""
    run = run_callable(lambda: FlowLogCollection("flows", {}))
    config = run.one("kubernetes:core/v1:ConfigMap")
    assert (config.inputs["metadata"]["name"], config.inputs["metadata"]["namespace"]) == ("container-azm-ms-agentconfig", "kube-system")
    assert config.inputs["data"]["schema-version"] == "v1"
    settings = config.inputs["data"]["log-data-collection-settings"]
    stdout, stderr = settings.split("[log_collection_settings.stderr]")
    assert 'exclude_namespaces = ["gatekeeper-system"]' in stdout
    assert '"kube-system"' not in stdout
    assert '"kube-system"' in stderr
    assert _problems(lambda: FlowLogCollection("flows", _args({}, namespace="kube-system"))) == {"namespace"}
