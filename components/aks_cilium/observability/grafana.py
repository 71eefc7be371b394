"""Azure Managed Grafana linked to an Azure Monitor workspace, with its people and its identity's read access.

As Microsoft's onboarding template makes it: a system-assigned identity, the workspace integration, and Monitoring
Data Reader for that identity on the workspace (Azure/prometheus-collector AddonTerraformTemplate/main.tf). People get
Grafana Admin or Grafana Viewer on the instance (MicrosoftDocs/azure-docs articles/role-based-access-control/
built-in-roles.md). Properties follow Microsoft.Dashboard/grafana 2024-10-01, the version pulumi-azure-native 3.29.0
uses (Azure/azure-rest-api-specs specification/dashboard/resource-manager/Microsoft.Dashboard/stable/2024-10-01/grafana.json).
"""

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

import pulumi
from pulumi_azure_native import authorization, dashboard

from aks_cilium.cluster.role_assignments import assign_role
from aks_cilium.core.options import child_options
from aks_cilium.core.tokens import component_type
from aks_cilium.core.validation import ArgsCheck

GRAFANA_ADMIN = "22926164-76b3-42b3-bc55-97df8dab3e41"
GRAFANA_VIEWER = "60921a7e-fef1-4a43-9b16-a26c52ad4769"
MONITORING_DATA_READER = "b0d8363b-8ddd-447d-831f-62ca05bff136"
# Reads Log Analytics for the Azure Monitor data source: Microsoft's flow log dashboards query ContainerNetworkLogs.
# The portal and CLI grant it on the subscription when they create an instance; an ARM deployment grants nothing
# (MicrosoftDocs/azure-docs articles/managed-grafana/how-to-permissions.md), so the library grants it on the workspace.
MONITORING_READER = "43d0d8ad-25c7-4714-9337-8ba259a9fe05"
# Grafana workspace names: 2 to 30 letters, digits and hyphens, a letter first and no hyphen last (grafana.json,
# workspaceName path parameter).
_WORKSPACE_NAME = re.compile(r"^[a-zA-Z][a-z0-9A-Z-]{0,28}[a-z0-9A-Z]\Z")
GRAFANA_MAJOR_VERSION = "11"


class ManagedGrafanaArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Resource group of the Grafana instance."""
    location: pulumi.Input[str]
    """Region of the instance."""
    grafana_name: pulumi.Input[str]
    """Azure name of the instance, 2-30 letters, digits or hyphens, a letter first; it is part of its URL."""
    azure_monitor_workspace_id: pulumi.Input[str]
    """The Azure Monitor workspace Grafana reads (ManagedPrometheus.workspace_id)."""
    log_analytics_workspace_id: NotRequired[pulumi.Input[str]]
    """A Log Analytics workspace Grafana's identity may read (Monitoring Reader), for dashboards of logs."""
    admin_group_object_ids: NotRequired[list[pulumi.Input[str]]]
    """Entra ID groups that get Grafana Admin."""
    viewer_group_object_ids: NotRequired[list[pulumi.Input[str]]]
    """Entra ID groups that get Grafana Viewer."""
    deployer_principal_type: NotRequired[str]
    """User (default) or ServicePrincipal: whoever runs pulumi up gets Grafana Admin, so it can deploy dashboards."""


def grafana_name_problem(name: str) -> str | None:
    if _WORKSPACE_NAME.match(name):
        return None
    return "is not a Grafana name (2-30 letters, digits or hyphens, a letter first, no hyphen last)"


def check_grafana_args(name: str, args: Mapping[str, Any]) -> None:
    check = ArgsCheck("ManagedGrafana", name, args, ManagedGrafanaArgs)
    grafana_name = args.get("grafana_name")
    problem = grafana_name_problem(grafana_name) if isinstance(grafana_name, str) else None
    if problem:
        check.fail("grafana_name", f"{grafana_name!r} {problem}")
    if args.get("deployer_principal_type", "User") not in ("User", "ServicePrincipal"):
        check.fail("deployer_principal_type", "must be User or ServicePrincipal")
    check.done()


class ManagedGrafana(pulumi.ComponentResource):
    """Azure Managed Grafana reading an Azure Monitor workspace, with Grafana Admin and Viewer for Entra ID groups."""

    grafana_id: pulumi.Output[str]
    """Resource ID of the instance."""
    endpoint: pulumi.Output[str]
    """The instance's URL, where people sign in with Entra ID."""
    if TYPE_CHECKING:
        # Not a schema output: other languages receive resources as Outputs, which Pulumi YAML refuses in dependsOn;
        # they depend on the component itself, which waits for its children.
        deployer_access: list[authorization.RoleAssignment]
        """The deployer's Grafana Admin assignment: dashboards deployed through Grafana's API depend on it."""

    def __init__(self, name: str, args: ManagedGrafanaArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("ManagedGrafana"), name, None, opts)
        check_grafana_args(name, args)
        child = child_options(self, opts)
        client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self))
        grafana = dashboard.Grafana(
            f"{name}-grafana",
            resource_group_name=args["resource_group_name"],
            workspace_name=args["grafana_name"],
            location=args["location"],
            sku=dashboard.ResourceSkuArgs(name="Standard"),
            identity=dashboard.ManagedServiceIdentityArgs(type=dashboard.ManagedServiceIdentityType.SYSTEM_ASSIGNED),
            properties=dashboard.ManagedGrafanaPropertiesArgs(
                grafana_major_version=GRAFANA_MAJOR_VERSION,
                # People sign in with Entra ID; no API keys or service-account tokens that outlive the people.
                api_key=dashboard.ApiKey.DISABLED,
                public_network_access=dashboard.PublicNetworkAccess.ENABLED,
                grafana_integrations=dashboard.GrafanaIntegrationsArgs(
                    azure_monitor_workspace_integrations=[
                        dashboard.AzureMonitorWorkspaceIntegrationArgs(
                            azure_monitor_workspace_resource_id=args["azure_monitor_workspace_id"]
                        )
                    ]
                ),
            ),
            opts=child,
        )
        principal = grafana.identity.apply(lambda identity: identity.principal_id if identity else "")
        assign_role(
            f"{name}-workspace-data-reader",
            scope=args["azure_monitor_workspace_id"],
            role=MONITORING_DATA_READER,
            subscription_id=client.subscription_id,
            principal_id=principal,
            principal_type="ServicePrincipal",
            opts=child,
        )
        if "log_analytics_workspace_id" in args:
            assign_role(
                f"{name}-logs-monitoring-reader",
                scope=args["log_analytics_workspace_id"],
                role=MONITORING_READER,
                subscription_id=client.subscription_id,
                principal_id=principal,
                principal_type="ServicePrincipal",
                opts=child,
            )
        self.deployer_access = [
            assign_role(
                f"{name}-deployer-grafana-admin",
                scope=grafana.id,
                role=GRAFANA_ADMIN,
                subscription_id=client.subscription_id,
                principal_id=client.object_id,
                principal_type=args.get("deployer_principal_type", "User"),
                opts=child,
            )
        ]
        people = (
            ("admin", GRAFANA_ADMIN, args.get("admin_group_object_ids", [])),
            ("viewer", GRAFANA_VIEWER, args.get("viewer_group_object_ids", [])),
        )
        for role_name, role, groups in people:
            for index, group in enumerate(groups):
                assign_role(
                    f"{name}-{role_name}-group-{index}",
                    scope=grafana.id,
                    role=role,
                    subscription_id=client.subscription_id,
                    principal_id=group,
                    principal_type="Group",
                    opts=child,
                )
        self.grafana_id = grafana.id
        self.endpoint = grafana.properties.apply(lambda properties: (properties.endpoint or "") if properties else "")
        self.register_outputs({"grafana_id": self.grafana_id, "endpoint": self.endpoint})
