"""Container Insights with managed-identity auth: workspace, data collection rule and its association with the cluster.

Shaped as Microsoft's own onboarding template creates them (microsoft/Docker-Provider
scripts/onboarding/aks/onboarding-msi-terraform/main.tf and variables.tf; MicrosoftDocs/azure-monitor-docs
containers/kubernetes-monitoring-enable.md): the add-on with `useAADAuth` sends nothing without them.
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import monitor, operationalinsights

EXTENSION = "ContainerInsights"
EXTENSION_DATA_SOURCE = "ContainerInsightsExtension"
DESTINATION = "ciworkspace"
# The template's default streams.
STREAMS = [
    "Microsoft-ContainerLog",
    "Microsoft-ContainerLogV2",
    "Microsoft-KubeEvents",
    "Microsoft-KubePodInventory",
    "Microsoft-KubeNodeInventory",
    "Microsoft-KubePVInventory",
    "Microsoft-KubeServices",
    "Microsoft-KubeMonAgentEvents",
    "Microsoft-InsightsMetrics",
    "Microsoft-ContainerInventory",
    "Microsoft-ContainerNodeInventory",
    "Microsoft-Perf",
]
COLLECTION_SETTINGS = {"interval": "1m", "namespaceFilteringMode": "Off", "enableContainerLogV2": True}
# ACNS container network logs: their stream, and the high log scale mode they need, in which ContainerLogV2 arrives
# through an ingestion endpoint under its HighScale stream (the template's enable_high_log_scale_mode and
# ingestion_dce_name, cut to 43 characters without a trailing hyphen).
NETWORK_LOGS_STREAM = "Microsoft-ContainerNetworkLogs"
HIGH_SCALE_LOGS_STREAM = "Microsoft-ContainerLogV2-HighScale"
LONGEST_INGESTION_ENDPOINT_NAME = 43


def streams(container_network_logs: bool) -> list[str]:
    """The template's default streams; with network logs, ContainerLogV2 at high scale and the network log stream."""
    if not container_network_logs:
        return list(STREAMS)
    return [HIGH_SCALE_LOGS_STREAM if s == "Microsoft-ContainerLogV2" else s for s in STREAMS] + [NETWORK_LOGS_STREAM]


def ingestion_endpoint(
    name: str,
    resource_group_name: pulumi.Input[str],
    location: pulumi.Input[str],
    cluster_name: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> monitor.DataCollectionEndpoint:
    return monitor.DataCollectionEndpoint(
        name,
        resource_group_name=resource_group_name,
        data_collection_endpoint_name=pulumi.Output.concat("MSCI-ingest-", location, "-", cluster_name).apply(
            lambda n: n[:LONGEST_INGESTION_ENDPOINT_NAME].rstrip("-")
        ),
        location=location,
        kind="Linux",
        opts=opts,
    )


# Microsoft's template cuts `MSCI-<region>-<cluster>` to the 64 characters a data collection rule's name may have.
LONGEST_RULE_NAME = 64


def log_workspace(
    name: str,
    resource_group_name: pulumi.Input[str],
    location: pulumi.Input[str],
    cluster_name: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> operationalinsights.Workspace:
    return operationalinsights.Workspace(
        name,
        resource_group_name=resource_group_name,
        workspace_name=pulumi.Output.concat("log-", cluster_name),
        location=location,
        sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
        retention_in_days=30,
        opts=opts,
    )


def data_collection_rule(
    name: str,
    resource_group_name: pulumi.Input[str],
    location: pulumi.Input[str],
    cluster_name: pulumi.Input[str],
    workspace_id: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
    endpoint_id: pulumi.Input[str] | None = None,
) -> monitor.DataCollectionRule:
    """With an ingestion endpoint (container network logs), the rule runs in high log scale mode."""
    rule_streams = streams(endpoint_id is not None)
    return monitor.DataCollectionRule(
        name,
        resource_group_name=resource_group_name,
        data_collection_rule_name=pulumi.Output.concat("MSCI-", location, "-", cluster_name).apply(lambda n: n[:LONGEST_RULE_NAME]),
        location=location,
        kind="Linux",
        description="DCR for Azure Monitor Container Insights",
        data_sources=monitor.DataCollectionRuleDataSourcesArgs(
            extensions=[
                monitor.ExtensionDataSourceArgs(
                    name=EXTENSION_DATA_SOURCE,
                    extension_name=EXTENSION,
                    streams=rule_streams,
                    extension_settings={"dataCollectionSettings": COLLECTION_SETTINGS},
                )
            ]
        ),
        destinations=monitor.DataCollectionRuleDestinationsArgs(
            log_analytics=[monitor.LogAnalyticsDestinationArgs(name=DESTINATION, workspace_resource_id=workspace_id)]
        ),
        data_flows=[monitor.DataFlowArgs(streams=rule_streams, destinations=[DESTINATION])],
        data_collection_endpoint_id=endpoint_id,
        opts=opts,
    )


def data_collection_association(
    name: str, cluster_id: pulumi.Input[str], rule_id: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> monitor.DataCollectionRuleAssociation:
    return monitor.DataCollectionRuleAssociation(
        name,
        association_name=EXTENSION_DATA_SOURCE,
        resource_uri=cluster_id,
        data_collection_rule_id=rule_id,
        description="Association of container insights data collection rule. Deleting it stops data collection for this cluster.",
        opts=opts,
    )
