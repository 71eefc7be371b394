"""ACNS container network logs (Azure CNI powered by Cilium): which flows ACNS writes down for Log Analytics.

Stored-logs mode writes nothing until a `ContainerNetworkLog` (`acn.azure.com/v1alpha1`, cluster-scoped) says what to
keep; matching flows go to `/var/log/acns/hubble/events.log` on each node, and the monitoring add-on, with
`enableContainerNetworkLogs`, ships them into the ContainerNetworkLogs table (MicrosoftDocs/azure-aks-docs
articles/aks/how-to-configure-container-network-logs.md, "ContainerNetworkLog CRD template" and "Step 3"). Filters take
`protocol` from tcp, udp, dns and `verdict` from forwarded, dropped; at least one filter is required. DNS flows are
only seen for pods under an FQDN policy (same page, prerequisites).
"""

from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from aks_cilium.core.options import kubernetes_child_options
from aks_cilium.core.tokens import component_type
from aks_cilium.core.validation import ArgsCheck

API_VERSION = "acn.azure.com/v1alpha1"
LOG_NAME = "aks-cilium-dropped-and-dns"
# Dropped flows of every pod, and DNS lookups: the blog's two questions (what was refused, what was asked for).
FILTERS: tuple[dict[str, Any], ...] = (
    {"name": "dropped", "verdict": ["dropped"]},
    {"name": "dns", "protocol": ["dns"]},
)


class ContainerNetworkLogsArgs(TypedDict):
    kubeconfig: NotRequired[pulumi.Input[str]]
    """Kubeconfig of the cluster, for languages that cannot pass a provider."""
    cluster_identifier: NotRequired[pulumi.Input[str]]
    """A stable identity of the cluster, such as its resource ID: the own provider is replaced only when it changes."""


class ContainerNetworkLogs(pulumi.ComponentResource):
    """The ContainerNetworkLog that keeps dropped flows and DNS lookups of every namespace.

    Pass the Kubernetes provider through `providers` (or the kubeconfig) and the cluster, with ACNS observability and
    Container Insights' `container_network_logs` on, through `depends_on`.
    """

    log_name: pulumi.Output[str]
    """Name of the ContainerNetworkLog (`kubectl get containernetworklog`)."""

    def __init__(self, name: str, args: ContainerNetworkLogsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("ContainerNetworkLogs"), name, None, opts)
        ArgsCheck("ContainerNetworkLogs", name, args, ContainerNetworkLogsArgs).done()
        k8s.apiextensions.CustomResource(
            f"{name}-log",
            api_version=API_VERSION,
            kind="ContainerNetworkLog",
            metadata={"name": LOG_NAME, "labels": {"app.kubernetes.io/managed-by": "aks-cilium"}},
            spec={"includefilters": [dict(f) for f in FILTERS]},
            opts=kubernetes_child_options(self, name, opts, args.get("kubeconfig"), args.get("cluster_identifier")),
        )
        self.log_name = pulumi.Output.from_input(LOG_NAME)
        self.register_outputs({"log_name": self.log_name})
