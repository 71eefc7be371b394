"""The mesh's example workload: one global Service, served in every member, and the policy that lets the members'
pods reach it, each peer named by its cluster.

Sources: cilium/cilium Documentation/network/clustermesh/services.rst (a Service of the same name and namespace in
each cluster, annotated `service.cilium.io/global: "true"`; `service.cilium.io/shared` defaults to true) and
policy.rst (the `io.cilium.k8s.policy.cluster` label selects a cluster's endpoints). Since Cilium 1.19 a selector
without that label matches the local cluster only (values.yaml, clustermesh.policyDefaultLocalCluster: true), so a
rule that admits a peer must name it.
"""

from __future__ import annotations

from typing import Any, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from aks_cilium.core.options import child_options, extended
from aks_cilium.core.tokens import component_type
from aks_cilium.core.validation import ArgsCheck
from aks_cilium.workloads.demo import APP_PORT, app_container, restricted_pod_spec

GLOBAL_ANNOTATION = "service.cilium.io/global"
SHARED_ANNOTATION = "service.cilium.io/shared"
CLUSTER_LABEL = "io.cilium.k8s.policy.cluster"
NAMESPACE_LABEL = "io.kubernetes.pod.namespace"
APP = "mesh-echo"


class GlobalServiceExampleArgs(TypedDict):
    namespace: pulumi.Input[str]
    """A managed namespace (default deny) to run the example in; the same name in every member."""
    cluster_names: list[pulumi.Input[str]]
    """Every member's Cilium cluster name, this cluster's included: the policy admits the example's pods of each."""


def _peer(namespace: pulumi.Input[str], cluster: pulumi.Input[str]) -> dict[str, Any]:
    return {"matchLabels": {"app": APP, f"k8s:{NAMESPACE_LABEL}": namespace, CLUSTER_LABEL: cluster}}


class GlobalServiceExample(pulumi.ComponentResource):
    """An HTTP app (the demo's json-mock) behind a global Service, with a CiliumNetworkPolicy that admits the
    example's pods of every member."""

    service_name: pulumi.Output[str]
    """The global Service's name, the same in every member."""

    def __init__(self, name: str, args: GlobalServiceExampleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("GlobalServiceExample"), name, None, opts)
        check = ArgsCheck("GlobalServiceExample", name, args, GlobalServiceExampleArgs)
        if "cluster_names" in args and (not isinstance(args["cluster_names"], list) or len(args["cluster_names"]) < 2):
            check.fail("cluster_names", "must name every member of the mesh, at least two clusters")
        check.done()
        child = child_options(self, opts)
        namespace = args["namespace"]
        labels = {"app": APP}
        deployment = k8s.apps.v1.Deployment(
            f"{name}-app",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=APP, namespace=namespace, labels=labels),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=1,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels), spec=restricted_pod_spec(app_container(APP))
                ),
            ),
            opts=child,
        )
        service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=APP, namespace=namespace, annotations={GLOBAL_ANNOTATION: "true", SHARED_ANNOTATION: "true"}
            ),
            spec=k8s.core.v1.ServiceSpecArgs(
                selector=labels, ports=[k8s.core.v1.ServicePortArgs(name="http", port=80, target_port="http")]
            ),
            opts=extended(child, depends_on=[deployment]),
        )
        members = [_peer(namespace, cluster) for cluster in args["cluster_names"]]
        port = [{"ports": [{"port": str(APP_PORT), "protocol": "TCP"}]}]
        k8s.apiextensions.CustomResource(
            f"{name}-policy",
            api_version="cilium.io/v2",
            kind="CiliumNetworkPolicy",
            metadata={"name": "mesh-echo-across-clusters", "namespace": namespace},
            spec={
                "description": "The mesh example's pods reach its global Service's backends in every member cluster",
                "endpointSelector": {"matchLabels": labels},
                "ingress": [{"fromEndpoints": members, "toPorts": port}],
                "egress": [{"toEndpoints": members, "toPorts": port}],
            },
            opts=child,
        )
        self.service_name = service.metadata.name
        self.register_outputs({"service_name": self.service_name})
