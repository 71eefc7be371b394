"""Azure Monitor managed Prometheus for one cluster, as Microsoft's onboarding templates build it.

An Azure Monitor workspace; a data collection endpoint and rule of kind Linux in the workspace's region, the rule
forwarding the `Microsoft-PrometheusMetrics` stream to the workspace; the rule's association with the cluster; and the
rule groups (Azure/prometheus-collector AddonArmTemplate/FullAzureMonitorMetricsProfile.json, AddonTerraformTemplate/
main.tf). The cluster's own half, `azureMonitorProfile.metrics.enabled`, is AksCluster's `managed_prometheus`.

Properties follow the REST specs of the versions pulumi-azure-native 3.29.0 uses (Azure/azure-rest-api-specs):
Microsoft.Monitor/accounts 2023-04-03, Microsoft.Insights dataCollectionEndpoints / dataCollectionRules /
dataCollectionRuleAssociations 2022-06-01, Microsoft.AlertsManagement/prometheusRuleGroups 2023-03-01.
"""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi_azure_native import alertsmanagement, monitor

from aks_cilium.cluster.rules import NETWORK_MODES, choice_problem
from aks_cilium.core.options import child_options
from aks_cilium.core.tokens import component_type
from aks_cilium.core.validation import ArgsCheck
from aks_cilium.observability.rules import (
    RECORDING_GROUPS,
    AlertRule,
    RecordingRule,
    RuleGroup,
    acns_alerts,
    cilium_alerts,
    kubernetes_alerts,
)

STREAM = "Microsoft-PrometheusMetrics"
DATA_SOURCE = "PrometheusDataSource"
DESTINATION = "MonitoringAccount1"
# Microsoft's templates name DCE, DCR and association MSProm-<region>-<cluster>, and cut a DCE's name to 43 characters
# and a DCR's to 64 (microsoft/Docker-Provider scripts/onboarding/aks/onboarding-msi-terraform/main.tf).
LONGEST_ENDPOINT_NAME = 43
LONGEST_RULE_NAME = 64
DEFAULT_POLICY_DROPS_PER_SECOND = 1.0
DEFAULT_DNS_ERROR_RATIO = 0.05


class ManagedPrometheusArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Resource group of the workspace, the collection resources and the rule groups."""
    location: pulumi.Input[str]
    """Region of the workspace and of its collection endpoint and rule (they must share it)."""
    cluster_name: pulumi.Input[str]
    """Azure name of the cluster: names the resources and scopes the rule groups to its series (`cluster` label)."""
    cluster_id: pulumi.Input[str]
    """Resource ID of the cluster the collection rule is associated with."""
    network_mode: str
    """byocni (alerts from Cilium's own metrics) or azure-cilium (alerts from ACNS's)."""
    action_group_ids: NotRequired[list[pulumi.Input[str]]]
    """Action groups every alert notifies; none leaves the alerts visible in Azure Monitor only."""
    policy_drops_per_second: NotRequired[float]
    """Alert when packets dropped by policy exceed this rate, per direction, for 10 minutes (default 1)."""
    dns_error_ratio: NotRequired[float]
    """Alert when this share of DNS answers are errors for 10 minutes (default 0.05)."""


def _truncate(limit: int) -> Any:
    return lambda name: name[:limit].rstrip("-")


def check_prometheus_args(name: str, args: Mapping[str, Any]) -> None:
    check = ArgsCheck("ManagedPrometheus", name, args, ManagedPrometheusArgs)
    if "network_mode" in args and (problem := choice_problem(args["network_mode"], NETWORK_MODES)):
        check.fail("network_mode", problem)
    # Types are ArgsCheck's (from the TypedDict); these are the ranges.
    drops = args.get("policy_drops_per_second", DEFAULT_POLICY_DROPS_PER_SECOND)
    if _number(drops) and drops <= 0:
        check.fail("policy_drops_per_second", f"{drops!r} is not a positive rate")
    ratio = args.get("dns_error_ratio", DEFAULT_DNS_ERROR_RATIO)
    if _number(ratio) and not 0 < ratio < 1:
        check.fail("dns_error_ratio", f"{ratio!r} is not a ratio between 0 and 1")
    check.done()


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rule_args(rule: RecordingRule | AlertRule, actions: Sequence[pulumi.Input[str]]) -> alertsmanagement.PrometheusRuleArgs:
    if isinstance(rule, RecordingRule):
        return alertsmanagement.PrometheusRuleArgs(
            record=rule.record, expression=rule.expression, labels=dict(rule.labels) or None, enabled=True
        )
    annotations = {"summary": rule.summary, **({"runbook": rule.runbook} if rule.runbook else {})}
    return alertsmanagement.PrometheusRuleArgs(
        alert=rule.alert,
        expression=rule.expression,
        for_=rule.for_,
        severity=rule.severity,
        annotations=annotations,
        enabled=True,
        resolve_configuration=alertsmanagement.PrometheusRuleResolveConfigurationArgs(auto_resolved=True, time_to_resolve="PT10M"),
        actions=[alertsmanagement.PrometheusRuleGroupActionArgs(action_group_id=group) for group in actions] or None,
    )


class ManagedPrometheus(pulumi.ComponentResource):
    """Azure Monitor managed Prometheus for one AKS cluster: workspace, collection endpoint, rule and association,
    Microsoft's recording rules, and alert rule groups for Cilium and Kubernetes."""

    workspace_id: pulumi.Output[str]
    """Resource ID of the Azure Monitor workspace (link Grafana to it)."""
    query_endpoint: pulumi.Output[str]
    """The workspace's Prometheus query endpoint."""
    rule_group_names: pulumi.Output[list[str]]
    """Azure names of the recording and alert rule groups."""

    def __init__(self, name: str, args: ManagedPrometheusArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("ManagedPrometheus"), name, None, opts)
        check_prometheus_args(name, args)
        child = child_options(self, opts)
        cluster_name, location, group = args["cluster_name"], args["location"], args["resource_group_name"]
        workspace = monitor.AzureMonitorWorkspace(
            f"{name}-workspace",
            resource_group_name=group,
            azure_monitor_workspace_name=pulumi.Output.concat("amw-", cluster_name),
            location=location,
            opts=child,
        )
        base_name = pulumi.Output.concat("MSProm-", location, "-", cluster_name)
        endpoint = monitor.DataCollectionEndpoint(
            f"{name}-endpoint",
            resource_group_name=group,
            data_collection_endpoint_name=base_name.apply(_truncate(LONGEST_ENDPOINT_NAME)),
            location=location,
            kind="Linux",
            opts=child,
        )
        rule = monitor.DataCollectionRule(
            f"{name}-rule",
            resource_group_name=group,
            data_collection_rule_name=base_name.apply(_truncate(LONGEST_RULE_NAME)),
            location=location,
            kind="Linux",
            description="DCR for Azure Monitor Metrics Profile (Managed Prometheus)",
            data_collection_endpoint_id=endpoint.id,
            data_sources=monitor.DataCollectionRuleDataSourcesArgs(
                prometheus_forwarder=[monitor.PrometheusForwarderDataSourceArgs(name=DATA_SOURCE, streams=[STREAM])]
            ),
            destinations=monitor.DataCollectionRuleDestinationsArgs(
                monitoring_accounts=[monitor.MonitoringAccountDestinationArgs(name=DESTINATION, account_resource_id=workspace.id)]
            ),
            data_flows=[monitor.DataFlowArgs(streams=[STREAM], destinations=[DESTINATION])],
            opts=child,
        )
        monitor.DataCollectionRuleAssociation(
            f"{name}-association",
            association_name=base_name.apply(_truncate(LONGEST_RULE_NAME)),
            resource_uri=args["cluster_id"],
            data_collection_rule_id=rule.id,
            description=(
                "Association of data collection rule. Deleting this association will break the data collection for this AKS Cluster."
            ),
            opts=child,
        )
        drops = float(args.get("policy_drops_per_second", DEFAULT_POLICY_DROPS_PER_SECOND))
        ratio = float(args.get("dns_error_ratio", DEFAULT_DNS_ERROR_RATIO))
        network_alerts = cilium_alerts(drops, ratio) if args["network_mode"] == "byocni" else acns_alerts(drops, ratio)
        actions = list(args.get("action_group_ids", []))
        names: list[pulumi.Output[str]] = []
        for rule_group in (*RECORDING_GROUPS, network_alerts, kubernetes_alerts()):
            resource = self._rule_group(name, rule_group, args, workspace.id, actions, child)
            names.append(resource.name)
        self.workspace_id = workspace.id
        self.query_endpoint = workspace.metrics.apply(lambda metrics: metrics.prometheus_query_endpoint if metrics else "")
        self.rule_group_names = pulumi.Output.all(*names).apply(list)
        self.register_outputs(
            {"workspace_id": self.workspace_id, "query_endpoint": self.query_endpoint, "rule_group_names": self.rule_group_names}
        )

    @staticmethod
    def _rule_group(
        name: str,
        group: RuleGroup,
        args: ManagedPrometheusArgs,
        workspace_id: pulumi.Output[str],
        actions: Sequence[pulumi.Input[str]],
        opts: pulumi.ResourceOptions,
    ) -> alertsmanagement.PrometheusRuleGroup:
        return alertsmanagement.PrometheusRuleGroup(
            f"{name}-{group.name}",
            resource_group_name=args["resource_group_name"],
            rule_group_name=pulumi.Output.concat(group.name, "-", args["cluster_name"]),
            location=args["location"],
            description=group.description,
            # One scope: the 2023-03-01 API creates rule groups with exactly one, the workspace; clusterName keeps
            # the rules to this cluster's series.
            scopes=[workspace_id],
            cluster_name=args["cluster_name"],
            enabled=True,
            interval=group.interval,
            rules=[_rule_args(rule, actions) for rule in group.rules],
            opts=opts,
        )
