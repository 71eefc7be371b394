"""The Cilium component's args and how they are checked; light to import (no Helm SDK), so stack config can use them."""

import ipaddress
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi

from aks_cilium.cilium.rules import (
    cluster_id_problem,
    cluster_name_problem,
    extra_values_problem,
    hubble_metrics_problem,
    kube_proxy_replacement_problem,
    missing_fix_problem,
    upgrade_problem,
    version_problem,
)
from aks_cilium.core.validation import ArgsCheck, contains_output
from aks_cilium.network.rules import cidr_problem, parse_cidr, pod_room_problem


class CiliumMeshArgs(TypedDict):
    clusters: pulumi.Input[list[dict[str, Any]]]
    """The peers as `clustermesh.config.clusters` items: name, port, ips (`ClusterMesh.cilium_clusters`)."""
    api_server_ip: pulumi.Input[str]
    """Private IP in the node subnet for this cluster's clustermesh-apiserver internal load balancer."""
    ca_cert_pem: pulumi.Input[str]
    """The mesh's shared CA certificate, PEM, the same in every member."""
    ca_key_pem: pulumi.Input[str]
    """The mesh's shared CA private key, PEM; kept in the `cilium-ca` Secret, never in the Helm values."""


class CiliumArgs(TypedDict):
    version: pulumi.Input[str]
    """Exact Cilium chart version, e.g. 1.20.2; versions that lack a fix the component relies on are refused
    (cilium_rules.RELIED_ON_FIXES)."""
    cluster_name: pulumi.Input[str]
    """Cilium's cluster name: the cluster's own name, at most 32 lower-case letters, digits or hyphens. Set at install:
    changing it later restarts every workload."""
    pod_cidr: pulumi.Input[str]
    """The cluster's pod CIDR (the AKS podCidr); Cilium's cluster-pool IPAM allocates from it."""
    node_count: pulumi.Input[int]
    """Nodes of both pools at their minimum size. The operator tolerates the system pool's CriticalAddonsOnly taint,
    so system nodes count; its replicas never exceed this (one per node)."""
    cluster_id: NotRequired[pulumi.Input[int]]
    """Cilium cluster ID 1-255, unique among clusters that may ever join a mesh; derived from cluster_name if left out."""
    previous_version: NotRequired[pulumi.Input[str]]
    """The chart version deployed now, if any: the component refuses a version more than one minor away from it."""
    hubble_metrics: NotRequired[pulumi.Input[list[str]]]
    """Hubble metrics to enable; empty turns metrics off. http and httpV2 are refused together."""
    service_monitors: NotRequired[pulumi.Input[bool]]
    """Also create the chart's ServiceMonitors, group monitoring.coreos.com (needs the Prometheus operator's CRDs; Azure's
    managed Prometheus ignores them and scrapes through the library's CiliumMonitors instead)."""
    flow_logs: NotRequired[pulumi.Input[bool]]
    """Export dropped and errored flows and DNS lookups through the Hubble exporter to the agent's log, where Container
    Insights keeps them in Log Analytics (ContainerLogV2)."""
    wireguard: NotRequired[pulumi.Input[bool]]
    """Transparent WireGuard encryption between nodes."""
    kube_proxy_replacement: NotRequired[pulumi.Input[bool]]
    """Refused when true: AKS keeps running kube-proxy on bring-your-own-CNI (cilium.rules.kube_proxy_replacement_problem).
    Declared so that the refusal names this arg; false is the only value a release takes."""
    bandwidth_manager: NotRequired[pulumi.Input[bool]]
    """eBPF bandwidth manager."""
    extra_values: NotRequired[pulumi.Input[dict[str, Any]]]
    """Extra Helm values, deep-merged; only the paths in cilium_rules.EXTRA_VALUES_ALLOWED are accepted."""
    kubeconfig: NotRequired[pulumi.Input[str]]
    """Kubeconfig of the cluster: the component then builds its own Kubernetes provider (for languages that cannot pass one)."""
    cluster_mesh: NotRequired[CiliumMeshArgs]
    """Join a Cilium Cluster Mesh (needs wireguard and an explicit cluster_id): the peers, this cluster's
    clustermesh-apiserver IP and the mesh's shared CA."""
    cluster_identifier: NotRequired[pulumi.Input[str]]
    """A stable identity of the cluster, such as its resource ID: the own provider is replaced only when it changes."""


def _is_ipv4(value: Any) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def check_cilium_args(check: ArgsCheck, args: Mapping[str, Any]) -> None:
    """Record every broken rule in `check`. Args that are still Outputs are skipped: call again once they resolve."""

    known = check.known

    def rule(key: str, problem: str | None, reads: tuple[str, ...] = ()) -> None:
        if problem:
            check.fail(key, problem, reads)

    if known("version"):
        rule("version", version_problem(args["version"]) or missing_fix_problem(args["version"]))
        previous = args.get("previous_version")
        if previous and known("previous_version"):
            rule("previous_version", version_problem(previous) or upgrade_problem(previous, args["version"]), ("version",))
    if known("cluster_name"):
        rule("cluster_name", cluster_name_problem(args["cluster_name"]))
    if known("pod_cidr"):
        # The rule AksCluster and Network apply; cluster-pool IPAM then hands each node a /24 of it (values.py).
        pod = parse_cidr(args["pod_cidr"])
        rule("pod_cidr", cidr_problem(args["pod_cidr"]) if pod is None else pod_room_problem(pod, 1))
    if known("cluster_id"):
        rule("cluster_id", cluster_id_problem(args["cluster_id"]))
    if known("node_count") and args["node_count"] < 1:
        check.fail("node_count", f"{args['node_count']!r} is not a node count (a whole number, at least 1)")
    if known("hubble_metrics"):
        rule("hubble_metrics", hubble_metrics_problem(list(args["hubble_metrics"])))
    if known("extra_values"):
        rule("extra_values", extra_values_problem(args["extra_values"]))
    if "cluster_mesh" in args:
        mesh = args["cluster_mesh"]
        if not isinstance(mesh, Mapping) or not {"clusters", "api_server_ip"} <= set(mesh):
            check.fail("cluster_mesh", "needs clusters and api_server_ip")
        elif not contains_output(mesh["api_server_ip"]) and not _is_ipv4(mesh["api_server_ip"]):
            check.fail("cluster_mesh.api_server_ip", f"{mesh['api_server_ip']!r} is not an IPv4 address")
        if "cluster_id" not in args:
            check.fail("cluster_id", "is required with cluster_mesh: a derived ID may collide with a peer's", ("cluster_mesh",))
        if "wireguard" not in args or (not contains_output(args["wireguard"]) and not args["wireguard"]):
            reason = "must be true with cluster_mesh: every member of a mesh runs WireGuard (mixed mode is not supported)"
            check.fail("wireguard", reason, ("cluster_mesh",))
    if known("kube_proxy_replacement"):
        rule("kube_proxy_replacement", kube_proxy_replacement_problem(args["kube_proxy_replacement"]))
