"""Dashboards put into Azure Managed Grafana through Grafana's own API, with the pulumiverse Grafana provider.

Why that provider: Azure Resource Manager has no resource for a dashboard inside a Grafana instance (Microsoft.Dashboard
has the instance, its private endpoints and integrations; `dashboards` there are the preview Azure portal dashboards, not
Grafana's), so the dashboards go through Grafana's HTTP API, which pulumiverse-grafana (Grafana's Terraform provider,
bridged) manages as resources with a diff and a delete. It signs in with an Entra ID token for Azure Managed Grafana's
application (`ce34e7e5-485f-4d76-964f-b3d2b16d1e4f`, the audience Azure CLI's amg extension asks for: Azure/azure-cli-
extensions src/amg) obtained for whoever runs pulumi up, who holds Grafana Admin on the instance (ManagedGrafana).
"""

import json
from collections.abc import Mapping
from typing import Any, TypedDict

import pulumi
import pulumiverse_grafana as grafana
from pulumi_azure_native import authorization

from aks_cilium.cluster.rules import NETWORK_MODES, choice_problem
from aks_cilium.core.options import child_options, extended
from aks_cilium.core.tokens import component_type
from aks_cilium.core.validation import ArgsCheck
from aks_cilium.observability.dashboards import cilium, microsoft
from aks_cilium.observability.dashboards.panels import to_json

GRAFANA_APPLICATION = "ce34e7e5-485f-4d76-964f-b3d2b16d1e4f"
FOLDER_UID = "aks-cilium"


class GrafanaDashboardsArgs(TypedDict):
    grafana_endpoint: pulumi.Input[str]
    """URL of the Grafana instance (ManagedGrafana.endpoint)."""
    network_mode: str
    """byocni: the library's Cilium dashboards; azure-cilium: an index of Microsoft's, which Azure Managed Grafana ships."""


def dashboard_models(network_mode: str) -> dict[str, str]:
    """The dashboards of a mode as Grafana JSON models, by stable short name."""
    boards = cilium.dashboards() if network_mode == "byocni" else microsoft.dashboards()
    return {name: to_json(board) for name, board in boards.items()}


def check_dashboards_args(name: str, args: Mapping[str, Any]) -> None:
    check = ArgsCheck("GrafanaDashboards", name, args, GrafanaDashboardsArgs)
    if "network_mode" in args and (problem := choice_problem(args["network_mode"], NETWORK_MODES)):
        check.fail("network_mode", problem)
    check.done()


class GrafanaDashboards(pulumi.ComponentResource):
    """The network mode's dashboards in an `aks-cilium` folder of an Azure Managed Grafana instance.

    Pass the deployer's Grafana Admin assignment (ManagedGrafana.deployer_access) through `depends_on`: Grafana refuses
    the API calls until it works.
    """

    dashboard_uids: pulumi.Output[list[str]]
    """UIDs of the dashboards, for links: <endpoint>/d/<uid>."""

    def __init__(self, name: str, args: GrafanaDashboardsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("GrafanaDashboards"), name, None, opts)
        check_dashboards_args(name, args)
        child = child_options(self, opts)
        token = authorization.get_client_token_output(endpoint=GRAFANA_APPLICATION, opts=pulumi.InvokeOutputOptions(parent=self))
        provider = grafana.Provider(
            f"{name}-grafana",
            url=args["grafana_endpoint"],
            auth=pulumi.Output.secret(token.token),
            opts=child,
        )
        with_provider = extended(child, provider=provider)
        folder = grafana.oss.Folder(f"{name}-folder", title="aks-cilium", uid=FOLDER_UID, opts=with_provider)
        uids: list[str] = []
        for short_name, model in dashboard_models(args["network_mode"]).items():
            grafana.oss.Dashboard(f"{name}-{short_name}", config_json=model, folder=folder.uid, overwrite=True, opts=with_provider)
            uids.append(json.loads(model)["uid"])
        self.dashboard_uids = pulumi.Output.from_input(uids)
        self.register_outputs({"dashboard_uids": self.dashboard_uids})
