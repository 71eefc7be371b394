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
# The mesh CA goes into the `cilium-ca` Secret, not into the values: values that held the key would be secret as a
# whole (unreadable to reviewers and to policies) and would sit in Helm's release Secrets.
_CA_KEYS = frozenset({"ca_cert_pem", "ca_key_pem"})
_CA_MARKER = "[in the cilium-ca Secret]"
# The Secret the chart's certgen Jobs reuse (templates/*/tls-cronjob/_job-spec.tpl: --ca-reuse-secret
# --ca-secret-name=cilium-ca), with the keys the chart itself writes (templates/cilium-ca-secret.yaml).
CA_SECRET = "cilium-ca"


def _chart_args(args: CiliumArgs) -> dict[str, Any]:
    chart_args: dict[str, Any] = {key: value for key, value in args.items() if key not in _CONNECTION}
    if "cluster_mesh" in args:
        # The CA stays out of the Output the values are built from (it would make them secret); a plain marker keeps
        # the resolved args whole for their checks, and the values builder never reads it.
        chart_args["cluster_mesh"] = {**args["cluster_mesh"], **dict.fromkeys(_CA_KEYS & set(args["cluster_mesh"]), _CA_MARKER)}
    return chart_args


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
        mesh = args.get("cluster_mesh")
        self.values = pulumi.Output.from_input(_chart_args(args)).apply(lambda resolved: _checked_values(name, resolved))
        child = kubernetes_child_options(self, name, opts, args.get("kubeconfig"), args.get("cluster_identifier"))
        release_opts = child
        if mesh is not None:
            ca = k8s.core.v1.Secret(
                f"{name}-ca",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=CA_SECRET, namespace=NAMESPACE),
                type="Opaque",
                # The Kubernetes SDK keeps a Secret's data secret in the state; the key is marked secret before it anyway.
                string_data={"ca.crt": mesh["ca_cert_pem"], "ca.key": pulumi.Output.secret(mesh["ca_key_pem"])},
                opts=child,
            )
            # certgen runs inside the release and signs with this Secret, so it must exist first.
            release_opts = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[ca]))
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
            opts=release_opts,
        )
        self.version = self.release.version.apply(lambda version: version or "")
        self.register_outputs({"version": self.version, "values": self.values})
