"""What the example stacks' plans hold for observability, and the config rules of its keys.

prod (Azure CNI powered by Cilium with ACNS) and dev (bring-your-own-CNI) each get the Azure Monitor workspace, the
cluster's metrics profile, the collection endpoint, rule and association, Grafana with its role assignments, dashboards
and alert rule groups; prod also the diagnostic setting with kube-audit-admin and guard, and ACNS container network
logs. Properties: the ManagedCluster's azureMonitorProfile and addonProfiles.omsagent.config as the 2025-09-01 spec
has them (Azure/azure-rest-api-specs specification/containerservice/resource-manager/Microsoft.ContainerService/aks/
stable/2025-09-01/managedClusters.json: ManagedClusterAzureMonitorProfileMetrics `enabled`, `kubeStateMetrics`); the
rest is tests/components/test_observability_components.py's.
"""

from __future__ import annotations

import pytest

from aks_cilium.testing import ProgramRun
from offline.engine import run_program
from tests.support.program_settings import program_config_error
from tests.support.stacks import RunStack, stack_config, with_overrides
from tests.support.tokens import MANAGED_CLUSTER, ROLE_ASSIGNMENT

OBSERVABILITY_TYPES = (
    "azure-native:monitor:AzureMonitorWorkspace",
    "azure-native:monitor:DataCollectionEndpoint",
    "azure-native:monitor:DataCollectionRule",
    "azure-native:monitor:DataCollectionRuleAssociation",
    "azure-native:dashboard:Grafana",
    "azure-native:alertsmanagement:PrometheusRuleGroup",
    "grafana:oss/dashboard:Dashboard",
)


@pytest.fixture(scope="module", params=["dev", "prod"])
def stack(request: pytest.FixtureRequest) -> ProgramRun:
    return run_program(stack_config(request.param))


def test_both_stacks_plan_the_whole_metrics_path(stack: ProgramRun) -> None:
    for type_ in OBSERVABILITY_TYPES:
        assert stack.of_type(type_), f"{stack.stack}: no {type_}"
    profile = stack.one(MANAGED_CLUSTER).inputs["azureMonitorProfile"]
    assert profile == {"metrics": {"enabled": True, "kubeStateMetrics": {"metricLabelsAllowlist": "", "metricAnnotationsAllowList": ""}}}
    prometheus_rule = next(r for r in stack.of_type("azure-native:monitor:DataCollectionRule") if r.name == "prometheus-rule")
    assert prometheus_rule.inputs["dataFlows"][0]["streams"] == ["Microsoft-PrometheusMetrics"]
    cluster_id = stack.outputs["clusterName"]
    association = next(a for a in stack.of_type("azure-native:monitor:DataCollectionRuleAssociation") if a.name == "prometheus-association")
    assert association.inputs["resourceUri"].endswith(f"/managedClusters/{cluster_id}")
    groups = {g.inputs["ruleGroupName"].rsplit("-aks-", 1)[0] for g in stack.of_type("azure-native:alertsmanagement:PrometheusRuleGroup")}
    assert {"NodeRecordingRulesRuleGroup", "KubernetesRecordingRulesRuleGroup", "KubernetesRecommendedAlerts"} <= groups
    assert ("CiliumAlerts" if stack.stack == "dev" else "NetworkObservabilityAlerts") in groups
    grafana_roles = [r for r in stack.of_type(ROLE_ASSIGNMENT) if r.name.startswith("grafana-")]
    assert {r.name for r in grafana_roles} >= {"grafana-workspace-data-reader", "grafana-deployer-grafana-admin"}
    # Grafana's identity reads the cluster's Log Analytics workspace, which an ARM-created instance is not granted.
    log_workspace = stack.one("azure-native:operationalinsights:Workspace").inputs["workspaceName"]
    assert stack.one(ROLE_ASSIGNMENT, "grafana-logs-monitoring-reader").inputs["scope"].endswith(f"/workspaces/{log_workspace}")
    assert stack.outputs["grafanaUrl"].startswith("https://")


def test_prod_keeps_audit_logs_and_acns_container_network_logs(run_stack: RunStack) -> None:
    prod = run_stack("prod")
    setting = prod.one("azure-native:monitor:DiagnosticSetting")
    assert [log["category"] for log in setting.inputs["logs"]] == ["kube-audit-admin", "guard"]
    assert setting.inputs["workspaceId"].endswith("/Microsoft.OperationalInsights/workspaces/log-aks-cilium-prod")
    omsagent = prod.one(MANAGED_CLUSTER).inputs["addonProfiles"]["omsagent"]["config"]
    assert omsagent["enableContainerNetworkLogs"] == "True"
    insights = next(r for r in prod.of_type("azure-native:monitor:DataCollectionRule") if r.name == "aks-insights-rule")
    streams = insights.inputs["dataFlows"][0]["streams"]
    assert "Microsoft-ContainerNetworkLogs" in streams
    assert "Microsoft-ContainerLogV2-HighScale" in streams
    assert "Microsoft-ContainerLogV2" not in streams, "high log scale mode replaces the stream"
    assert insights.inputs["dataCollectionEndpointId"].endswith("/dataCollectionEndpoints/MSCI-ingest-westeurope-aks-cilium-prod")
    assert prod.one("kubernetes:acn.azure.com/v1alpha1:ContainerNetworkLog").inputs["spec"]["includefilters"]
    assert prod.one("grafana:oss/dashboard:Dashboard").name == "dashboards-acns-index"
    # prod's one admin group administers its Grafana as it does the cluster.
    grafana_admins = [r for r in prod.of_type(ROLE_ASSIGNMENT) if r.name.startswith("grafana-admin-group-")]
    cluster_admins = [r for r in prod.of_type(ROLE_ASSIGNMENT) if r.name.startswith("aks-admin-group-")]
    assert [r.inputs["principalId"] for r in grafana_admins] == [r.inputs["principalId"] for r in cluster_admins] != []
    assert prod.one(ROLE_ASSIGNMENT, "grafana-deployer-grafana-admin").inputs["principalType"] == "ServicePrincipal"


def test_dev_scrapes_cilium_through_the_managed_prometheus_group(run_stack: RunStack) -> None:
    dev = run_stack("dev")
    monitors = dev.of_type("kubernetes:azmonitoring.coreos.com/v1:PodMonitor")
    assert {m.inputs["metadata"]["name"] for m in monitors} == {"cilium-agent", "hubble", "cilium-operator"}
    assert not dev.of_type("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")
    # They wait for Cilium's release (its pods and ports) and for the deployer's access, as every Kubernetes object does.
    release = dev.one("kubernetes:helm.sh/v3:Release")
    assert all(release.urn in m.dependencies for m in monitors)
    assert not dev.of_type("azure-native:monitor:DiagnosticSetting"), "dev keeps no control plane logs"
    (agent_config,) = [c for c in dev.of_type("kubernetes:core/v1:ConfigMap") if c.name == "flow-log-collection-agent-config"]
    assert "exclude_namespaces" in agent_config.inputs["data"]["log-data-collection-settings"]


OBS_ERRORS = [
    ({"managedPrometheus": "false"}, "grafana"),
    ({"alertActionGroupIds": '["not-an-id"]'}, "alertActionGroupIds"),
    (
        {
            "managedPrometheus": "false",
            "grafana": "false",
            "alertActionGroupIds": '["/subscriptions/s/resourceGroups/r/providers/Microsoft.Insights/actionGroups/a"]',
        },
        "alertActionGroupIds",
    ),
    ({"containerInsights": "false"}, "flowLogs"),
    ({"controlPlaneLogCategories": '["kube-audit-admin", "audit"]'}, "controlPlaneLogCategories"),
    ({"controlPlaneLogCategories": '["guard"]', "containerInsights": "false", "flowLogs": "false"}, "controlPlaneLogCategories"),
    ({"namePrefix": "averyveryverylongprefix"}, "namePrefix"),
]


@pytest.mark.parametrize(("overrides", "key"), OBS_ERRORS, ids=[key for _, key in OBS_ERRORS])
def test_observability_config_errors_name_their_key(overrides: dict[str, str], key: str) -> None:
    assert key in program_config_error(with_overrides(stack_config("dev"), overrides)).keys


def test_relay_clients_are_a_byocni_setting_and_managed_flow_logs_need_acns() -> None:
    prod = stack_config("prod")
    error = program_config_error(
        with_overrides(prod, {"hubbleRelayNamespaces": '["monitoring"]', "advancedNetworkingObservability": "false"})
    )
    assert {"hubbleRelayNamespaces", "flowLogs"} <= error.keys


def test_the_switches_off_leave_no_observability_resource(run_stack: RunStack) -> None:
    run = run_stack("dev", managedPrometheus="false", grafana="false", flowLogs="false")
    for type_ in OBSERVABILITY_TYPES[:2] + OBSERVABILITY_TYPES[4:]:
        assert not run.of_type(type_), type_
    assert "azureMonitorProfile" not in run.one(MANAGED_CLUSTER).inputs
    assert "export" not in run.one("kubernetes:helm.sh/v3:Release").inputs["values"]["hubble"]
