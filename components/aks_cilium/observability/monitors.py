"""Scrape targets for Azure's managed Prometheus: Cilium's agent, Hubble and operator metrics.

The metrics add-on reads PodMonitors and ServiceMonitors of the group `azmonitoring.coreos.com/v1` only; the chart's
own monitors (`monitoring.coreos.com`) are ignored. The CRs are the prometheus-operator's, with the label limits
Microsoft's templates set so that no series is dropped (MicrosoftDocs/azure-docs articles/azure-monitor/containers/
prometheus-metrics-scrape-crd.md). Pods and named ports are those of Cilium 1.20's chart: the agent DaemonSet's
pods (`k8s-app: cilium`) serve `prometheus` (9962) and `hubble-metrics` (9965), the operator's (`io.cilium/app:
operator`) serve `prometheus` (9963) (templates/cilium-agent/daemonset.yaml, templates/cilium-operator/deployment.yaml).
"""

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from aks_cilium.core.options import kubernetes_child_options
from aks_cilium.core.tokens import component_type
from aks_cilium.core.validation import ArgsCheck

API_VERSION = "azmonitoring.coreos.com/v1"
NAMESPACE = "kube-system"
LABEL_LIMITS = {"labelLimit": 63, "labelNameLengthLimit": 511, "labelValueLengthLimit": 1023}
# The node a series comes from, as the chart's own monitors label it (values.yaml, prometheus.serviceMonitor.relabelings).
NODE_LABEL = [{"sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node", "action": "replace"}]
MANAGED_BY = {"app.kubernetes.io/managed-by": "aks-cilium"}
# monitor name -> (pod labels, named ports)
TARGETS: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "cilium-agent": ({"k8s-app": "cilium"}, ("prometheus",)),
    "hubble": ({"k8s-app": "cilium"}, ("hubble-metrics",)),
    "cilium-operator": ({"io.cilium/app": "operator"}, ("prometheus",)),
}
INTERVAL = "30s"


class CiliumMonitorsArgs(TypedDict):
    hubble_metrics: NotRequired[bool]
    """Scrape Hubble's metrics too (default true); off when the release enables none."""
    kubeconfig: NotRequired[pulumi.Input[str]]
    """Kubeconfig of the cluster, for languages that cannot pass a provider."""
    cluster_identifier: NotRequired[pulumi.Input[str]]
    """A stable identity of the cluster, such as its resource ID: the own provider is replaced only when it changes."""


def pod_monitor(name: str, labels: Mapping[str, str], ports: tuple[str, ...]) -> dict[str, Any]:
    """The PodMonitor's body (`spec`) for pods with `labels` in kube-system."""
    return {
        **LABEL_LIMITS,
        "selector": {"matchLabels": dict(labels)},
        "namespaceSelector": {"matchNames": [NAMESPACE]},
        "podMetricsEndpoints": [{"port": port, "interval": INTERVAL, "relabelings": NODE_LABEL} for port in ports],
    }


def monitor_specs(hubble_metrics: bool) -> dict[str, dict[str, Any]]:
    return {name: pod_monitor(name, *target) for name, target in TARGETS.items() if hubble_metrics or name != "hubble"}


class CiliumMonitors(pulumi.ComponentResource):
    """PodMonitors of the managed Prometheus group for Cilium's agent, Hubble and operator metrics.

    Pass the Kubernetes provider through `providers` (or the kubeconfig), and the cluster with managed Prometheus on
    through `depends_on`: the metrics add-on installs the CRDs.
    """

    monitor_names: pulumi.Output[list[str]]
    """kube-system/<name> of every PodMonitor."""

    def __init__(self, name: str, args: CiliumMonitorsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("CiliumMonitors"), name, None, opts)
        # hubble_metrics is a plain bool (it decides which monitors exist): ArgsCheck refuses anything else.
        ArgsCheck("CiliumMonitors", name, args, CiliumMonitorsArgs).done()
        child = kubernetes_child_options(self, name, opts, args.get("kubeconfig"), args.get("cluster_identifier"))
        names: list[str] = []
        for monitor, spec in monitor_specs(args.get("hubble_metrics", True)).items():
            k8s.apiextensions.CustomResource(
                f"{name}-{monitor}",
                api_version=API_VERSION,
                kind="PodMonitor",
                metadata={"name": monitor, "namespace": NAMESPACE, "labels": MANAGED_BY},
                spec=spec,
                opts=child,
            )
            names.append(f"{NAMESPACE}/{monitor}")
        self.monitor_names = pulumi.Output.from_input(names)
        self.register_outputs({"monitor_names": self.monitor_names})
