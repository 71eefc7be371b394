"""Container Insights collecting Hubble's exported flows (bring-your-own-CNI): kube-system's stdout back in.

The library's Hubble exporter writes dropped flows and DNS lookups to the cilium-agent container's stdout
(aks_cilium/cilium/values.py). Container Insights leaves kube-system's stdout and stderr out unless its agent
ConfigMap `container-azm-ms-agentconfig` in kube-system says otherwise (microsoft/Docker-Provider
kubernetes/container-azm-ms-agentconfig.yaml: "kube-system,gatekeeper-system log collection are disabled by default";
settings absent from the ConfigMap keep their defaults). This ConfigMap lets kube-system's stdout in and keeps stderr,
where the agents log, out. A cluster that already has the ConfigMap must import it first (docs/observability.md).
"""

from typing import NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from aks_cilium.core.options import kubernetes_child_options
from aks_cilium.core.tokens import component_type
from aks_cilium.core.validation import ArgsCheck

CONFIG_MAP = "container-azm-ms-agentconfig"
NAMESPACE = "kube-system"
LOG_SETTINGS = """[log_collection_settings]
   [log_collection_settings.stdout]
      enabled = true
      exclude_namespaces = ["gatekeeper-system"]
   [log_collection_settings.stderr]
      enabled = true
      exclude_namespaces = ["kube-system","gatekeeper-system"]
"""


class FlowLogCollectionArgs(TypedDict):
    kubeconfig: NotRequired[pulumi.Input[str]]
    """Kubeconfig of the cluster, for languages that cannot pass a provider."""
    cluster_identifier: NotRequired[pulumi.Input[str]]
    """A stable identity of the cluster, such as its resource ID: the own provider is replaced only when it changes."""


class FlowLogCollection(pulumi.ComponentResource):
    """Container Insights' agent settings that collect kube-system's stdout, where Hubble's exporter writes flows.

    Pass the Kubernetes provider through `providers` (or the kubeconfig) and the cluster with Container Insights on
    through `depends_on`.
    """

    config_map_name: pulumi.Output[str]
    """kube-system/<name> of the agent's ConfigMap."""

    def __init__(self, name: str, args: FlowLogCollectionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("FlowLogCollection"), name, None, opts)
        ArgsCheck("FlowLogCollection", name, args, FlowLogCollectionArgs).done()
        k8s.core.v1.ConfigMap(
            f"{name}-agent-config",
            metadata={"name": CONFIG_MAP, "namespace": NAMESPACE, "labels": {"app.kubernetes.io/managed-by": "aks-cilium"}},
            data={"schema-version": "v1", "config-version": "aks-cilium", "log-data-collection-settings": LOG_SETTINGS},
            opts=kubernetes_child_options(self, name, opts, args.get("kubeconfig"), args.get("cluster_identifier")),
        )
        self.config_map_name = pulumi.Output.from_input(f"{NAMESPACE}/{CONFIG_MAP}")
        self.register_outputs({"config_map_name": self.config_map_name})
