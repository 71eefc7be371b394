"""Cilium installed by Helm on a bring-your-own-CNI AKS cluster, with Hubble relay and UI."""

from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_kubernetes as k8s

from aks_cilium.cilium.args import CiliumArgs, check_cilium_args
from aks_cilium.cilium.values import cilium_values
from aks_cilium.core.options import kubernetes_child_options
from aks_cilium.core.tokens import component_type, with_legacy_type
from aks_cilium.core.validation import ArgsCheck

__all__ = ["Cilium", "CiliumArgs"]

CHART = "cilium"
REPOSITORY = "https://helm.cilium.io"
NAMESPACE = "kube-system"
# Nodes stay NotReady until the agent runs, so a cold cluster needs far more than Helm's 5 minutes.
TIMEOUT_SECONDS = 1200


# Args that are not chart values: how to reach the cluster.
_CONNECTION = frozenset({"kubeconfig", "cluster_identifier"})


def _checked_values(name: str, resolved: dict[str, Any]) -> dict[str, Any]:
    """Args that were Outputs are checked here, once known; a broken rule fails the update before Helm runs."""
    check = ArgsCheck("Cilium", name, resolved, CiliumArgs)
    check_cilium_args(check, resolved)
    check.done()
    return cilium_values(resolved)


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
        check = ArgsCheck("Cilium", name, args, CiliumArgs)
        check_cilium_args(check, args)
        check.done()
        chart_args = {key: value for key, value in args.items() if key not in _CONNECTION}
        self.values = pulumi.Output.from_input(chart_args).apply(lambda resolved: _checked_values(name, resolved))
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
