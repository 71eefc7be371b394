"""Microsoft's network observability dashboards, referenced by their published IDs and never copied.

Azure Managed Grafana ships them in its "Azure Managed Prometheus" folder, named "Kubernetes / Networking / <name>"; for
a Grafana of one's own they are published on grafana.com under these IDs (MicrosoftDocs/azure-aks-docs
articles/aks/container-network-observability-how-to.md, "Visualization"). The library adds an index dashboard that
says where they are and links both places, so a platform team finds them from the same folder as everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from grafana_foundation_sdk.builders import dashboard
from grafana_foundation_sdk.models import dashboard as model

from aks_cilium.observability.dashboards.panels import note

GRAFANA_COM = "https://grafana.com/grafana/dashboards"
MANAGED_FOLDER = "Azure Managed Prometheus"


@dataclass(frozen=True)
class PublishedDashboard:
    gnet_id: int
    """The dashboard's ID on grafana.com."""
    slug: str
    title: str
    """Its title in Azure Managed Grafana, `Kubernetes / Networking / <title>`."""
    answers: str

    @property
    def url(self) -> str:
        return f"{GRAFANA_COM}/{self.gnet_id}-{self.slug}/"


NETWORK_OBSERVABILITY = (
    PublishedDashboard(18814, "kubernetes-networking-clusters", "Clusters", "node-level traffic, drops and TCP state of each cluster"),
    PublishedDashboard(
        20925, "kubernetes-networking-dns-cluster", "DNS (Cluster)", "DNS requests, errors and answers for the cluster or some nodes"
    ),
    PublishedDashboard(20926, "kubernetes-networking-dns-workload", "DNS (Workload)", "DNS of one workload, such as CoreDNS"),
    PublishedDashboard(
        20927, "kubernetes-networking-drops-workload", "Drops (Workload)", "what is dropped to and from one workload, and why"
    ),
    PublishedDashboard(
        20928, "kubernetes-networking-pod-flows-namespace", "Pod Flows (Namespace)", "L4/L7 flows to and from the pods of a namespace"
    ),
    PublishedDashboard(20929, "kubernetes-networking-pod-flows-workload", "Pod Flows (Workload)", "L4/L7 flows to and from one workload"),
)


def index() -> dashboard.Dashboard:
    """Where Microsoft's dashboards are, what each answers, and the flow metric they need switched on."""
    rows = "\n".join(f"| Kubernetes / Networking / {d.title} | {d.answers} | [{d.gnet_id}]({d.url}) |" for d in NETWORK_OBSERVABILITY)
    markdown = (
        f"Azure Managed Grafana provisions these in the **{MANAGED_FOLDER}** folder; import them by ID into any other Grafana.\n\n"
        "| Dashboard | Answers | grafana.com ID |\n|---|---|---|\n"
        f"{rows}\n\n"
        "The Pod Flows dashboards need `hubble_flows_processed_total`, which the managed Prometheus add-on keeps out by default: "
        'see docs/observability.md, "Pod flows in the managed mode".'
    )
    board = dashboard.Dashboard("Cilium / Network observability (ACNS)").uid("aks-cilium-acns-index").tags(["aks-cilium", "acns"])
    board = board.description("Index of Microsoft's container network observability dashboards for this cluster.").readonly()
    board = board.with_panel(note("Microsoft's network observability dashboards", markdown))
    folder = dashboard.DashboardLink("Kubernetes / Networking").type(model.DashboardLinkType.LINK)
    board = board.link(
        folder.url("/dashboards?query=Kubernetes%20%2F%20Networking").tooltip(f"Microsoft's dashboards in the {MANAGED_FOLDER} folder")
    )
    for published in NETWORK_OBSERVABILITY:
        board = board.link(
            dashboard.DashboardLink(f"{published.title} ({published.gnet_id})")
            .type(model.DashboardLinkType.LINK)
            .url(published.url)
            .target_blank(True)
        )
    return board


def dashboards() -> dict[str, dashboard.Dashboard]:
    return {"acns-index": index()}
