"""The AKS control plane's resource logs, kept in a Log Analytics workspace: audit and Entra ID authentication first.

Categories are AKS's (MicrosoftDocs/azure-aks-docs articles/aks/monitor-aks.md, monitor-aks-reference.md):
`kube-audit-admin` is the audit trail without get and list events, `guard` the Entra ID and Azure RBAC decisions, and
resource-specific mode (`logAnalyticsDestinationType: Dedicated`, the CLI's --export-to-resource-specific) lands them in
AKSAuditAdmin and AKSControlPlane rather than AzureDiagnostics. The setting follows Microsoft.Insights/
diagnosticSettings 2021-05-01-preview, the version pulumi-azure-native 3.29.0 uses (Azure/azure-rest-api-specs
specification/monitor/resource-manager/Microsoft.Insights/preview/2021-05-01-preview/diagnosticsSettings_API.json).
"""

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi_azure_native import monitor

from aks_cilium.core.options import child_options
from aks_cilium.core.tokens import component_type
from aks_cilium.core.validation import ArgsCheck

# Every category AKS documents for its control plane, in the order monitor-aks.md lists them.
CATEGORIES = (
    "kube-audit",
    "kube-audit-admin",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "cluster-autoscaler",
    "cloud-controller-manager",
    "guard",
    "csi-azuredisk-controller",
    "csi-azurefile-controller",
    "csi-snapshot-controller",
)
DEFAULT_CATEGORIES = ("kube-audit-admin", "guard")
SETTING_NAME = "aks-control-plane"


class ControlPlaneLogsArgs(TypedDict):
    cluster_id: pulumi.Input[str]
    """Resource ID of the AKS cluster whose control plane logs are kept."""
    workspace_id: pulumi.Input[str]
    """Resource ID of the Log Analytics workspace they go to (AksCluster.workspace_id with Container Insights)."""
    categories: NotRequired[list[str]]
    """Log categories (default kube-audit-admin and guard); kube-audit keeps every read as well and costs far more."""


def check_logs_args(name: str, args: Mapping[str, Any]) -> None:
    check = ArgsCheck("ControlPlaneLogs", name, args, ControlPlaneLogsArgs)
    categories = args.get("categories", list(DEFAULT_CATEGORIES))
    if categories == []:
        check.fail("categories", "must name at least one AKS log category")
    elif isinstance(categories, list):
        for index, category in enumerate(categories):
            if category not in CATEGORIES:
                check.fail(f"categories[{index}]", f"{category!r} is not an AKS log category ({', '.join(CATEGORIES)})")
        if len(set(categories)) != len(categories):
            check.fail("categories", "lists a category twice")
    check.done()


class ControlPlaneLogs(pulumi.ComponentResource):
    """A diagnostic setting that sends the cluster's control plane logs to Log Analytics, in resource-specific tables."""

    categories: pulumi.Output[list[str]]
    """The categories kept."""

    def __init__(self, name: str, args: ControlPlaneLogsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("ControlPlaneLogs"), name, None, opts)
        check_logs_args(name, args)
        categories = list(args.get("categories", list(DEFAULT_CATEGORIES)))
        monitor.DiagnosticSetting(
            f"{name}-setting",
            name=SETTING_NAME,
            resource_uri=args["cluster_id"],
            workspace_id=args["workspace_id"],
            log_analytics_destination_type="Dedicated",
            logs=[monitor.DiagnosticsLogSettingsArgs(category=category, enabled=True) for category in categories],
            opts=child_options(self, opts),
        )
        self.categories = pulumi.Output.from_input(categories)
        self.register_outputs({"categories": self.categories})
