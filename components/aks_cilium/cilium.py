"""Cilium installed by Helm on a bring-your-own-CNI AKS cluster, with Hubble relay and UI."""

from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from .cilium_values import CiliumFeatures, cilium_values
from .options import kubernetes_child_options
from .tokens import component_type, with_legacy_type

CHART = "cilium"
REPOSITORY = "https://helm.cilium.io"
NAMESPACE = "kube-system"
# Nodes stay NotReady until the agent runs, so a cold cluster needs far more than Helm's 5 minutes.
TIMEOUT_SECONDS = 1200


class CiliumArgs(TypedDict):
    version: pulumi.Input[str]
    """Exact Cilium chart version, e.g. 1.20.0."""
    pod_cidr: pulumi.Input[str]
    """The cluster's pod CIDR (the AKS podCidr); Cilium's cluster-pool IPAM allocates from it."""
    node_count: pulumi.Input[int]
    """Nodes the cluster starts with, to size the operator's replicas."""
    hubble_metrics: NotRequired[pulumi.Input[list[str]]]
    """Hubble metrics to enable; empty turns metrics off."""
    service_monitors: NotRequired[pulumi.Input[bool]]
    """Create Prometheus ServiceMonitors (needs the Prometheus operator's CRDs)."""
    wireguard: NotRequired[pulumi.Input[bool]]
    """Transparent WireGuard encryption between nodes."""
    kube_proxy_replacement: NotRequired[pulumi.Input[bool]]
    """Replace kube-proxy; needs api_server_host."""
    api_server_host: NotRequired[pulumi.Input[str]]
    """API server FQDN, for kube-proxy replacement."""
    cluster_mesh_name: NotRequired[pulumi.Input[str]]
    """Cluster name in a Cilium cluster mesh."""
    cluster_mesh_id: NotRequired[pulumi.Input[int]]
    """Cluster ID 1-255 in a Cilium cluster mesh."""
    bandwidth_manager: NotRequired[pulumi.Input[bool]]
    """eBPF bandwidth manager."""
    extra_values: NotRequired[pulumi.Input[dict[str, Any]]]
    """Extra Helm values, deep-merged; may not override values this component sets."""
    kubeconfig: NotRequired[pulumi.Input[str]]
    """Kubeconfig of the cluster: the component then builds its own Kubernetes provider (for languages that cannot pass one)."""
    cluster_identifier: NotRequired[pulumi.Input[str]]
    """A stable identity of the cluster, such as its resource ID: the own provider is replaced only when it changes."""


# Args that are not Cilium features: the chart version, and how to reach the cluster.
_NOT_FEATURES = frozenset({"version", "kubeconfig", "cluster_identifier"})


def _values(features: dict[str, Any]) -> dict[str, Any]:
    if "hubble_metrics" in features:
        features = {**features, "hubble_metrics": tuple(features["hubble_metrics"])}
    return cilium_values(CiliumFeatures(**features))


class Cilium(pulumi.ComponentResource):
    """The Cilium Helm release for an AKS cluster created with network plugin none.

    Pass the cluster's Kubernetes provider through `providers` in the options, or its kubeconfig as `kubeconfig`.
    """

    if TYPE_CHECKING:
        # Not a schema output: other languages receive a resource output as an Output, which Pulumi YAML refuses in
        # dependsOn; they depend on the component itself, which waits for its children. Declared for type checkers
        # only, because evaluating the annotation loads the Helm SDK on stacks that never install Cilium by Helm.
        release: k8s.helm.v3.Release
        """The Helm release; depend on it (or on the component) for anything that needs Cilium's CRDs."""
    version: pulumi.Output[str]
    """Installed chart version."""
    values: pulumi.Output[dict[str, Any]]
    """The values sent to the chart."""

    def __init__(self, name: str, args: CiliumArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("Cilium"), name, None, with_legacy_type(opts, "cilium", "Cilium"))
        # The args other than the version are exactly CiliumFeatures' fields; its defaults fill what is left out.
        features: pulumi.Output[dict[str, Any]] = pulumi.Output.from_input(
            {key: value for key, value in args.items() if key not in _NOT_FEATURES}
        )
        self.values = features.apply(_values)
        self.release = k8s.helm.v3.Release(
            f"{name}-release",
            k8s.helm.v3.ReleaseArgs(
                name="cilium",
                chart=CHART,
                version=args["version"],
                repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=REPOSITORY),
                namespace=NAMESPACE,
                values=self.values,
                atomic=True,
                cleanup_on_fail=True,
                timeout=TIMEOUT_SECONDS,
                skip_await=False,
            ),
            opts=kubernetes_child_options(self, name, opts, args.get("kubeconfig"), args.get("cluster_identifier")),
        )
        self.version = self.release.version.apply(lambda version: version or "")
        self.register_outputs({"version": self.version, "values": self.values})
