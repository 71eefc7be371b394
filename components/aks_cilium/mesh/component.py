"""The `ClusterMesh` component: one cluster's side of a Cilium Cluster Mesh, its VNet peered with each peer's."""

from __future__ import annotations

import ipaddress
from typing import Any, TypedDict

import pulumi
from pulumi_azure_native import network

from aks_cilium.cilium.rules import cluster_id_problem
from aks_cilium.core.options import child_options
from aks_cilium.core.tokens import component_type
from aks_cilium.core.validation import ArgsCheck
from aks_cilium.mesh.rules import API_SERVER_PORT, MEMBER_FIELDS, MeshMember, member_collisions


class MeshPeerArgs(TypedDict):
    """A peer cluster, as its own stack exports it (stack outputs `clusterMesh`)."""

    stack: str
    """The peer's stack name, plain: it names the peering."""
    cluster_name: pulumi.Input[str]
    """The peer's Cilium cluster name."""
    cluster_id: pulumi.Input[int]
    """The peer's Cilium cluster ID."""
    pod_cidr: pulumi.Input[str]
    """The peer's pod CIDR."""
    vnet_cidr: pulumi.Input[str]
    """The address space of the peer's VNet."""
    vnet_id: pulumi.Input[str]
    """Resource ID of the peer's VNet, the remote end of the peering."""
    api_server_address: pulumi.Input[str]
    """Private IP of the peer's clustermesh-apiserver internal load balancer."""


class ClusterMeshArgs(TypedDict):
    stack: str
    """This cluster's stack name, plain: it names both stacks in collision errors."""
    resource_group_name: pulumi.Input[str]
    """Resource group of this cluster's VNet, where the peerings are created."""
    vnet_name: pulumi.Input[str]
    """Name of this cluster's VNet."""
    cluster_name: pulumi.Input[str]
    """This cluster's Cilium cluster name."""
    cluster_id: pulumi.Input[int]
    """This cluster's Cilium cluster ID, 1-255, unique in the mesh."""
    pod_cidr: pulumi.Input[str]
    """This cluster's pod CIDR, disjoint from every peer's."""
    vnet_cidr: pulumi.Input[str]
    """This cluster's VNet range, disjoint from every peer's."""
    peers: list[MeshPeerArgs]
    """The other clusters of the mesh, one peering each (peer the other way from each peer's own stack)."""


_MEMBER_KEYS = ("cluster_name", "cluster_id", "pod_cidr", "vnet_cidr")


def _member(stack: str, values: dict[str, Any]) -> MeshMember:
    return MeshMember(stack, str(values["cluster_name"]), int(values["cluster_id"]), str(values["pod_cidr"]), str(values["vnet_cidr"]))


def _member_problems(check: ArgsCheck, where: str, values: dict[str, Any]) -> None:
    for key in ("pod_cidr", "vnet_cidr"):
        try:
            ipaddress.IPv4Network(values[key], strict=True)
        except (TypeError, ValueError):
            check.fail(f"{where}{key}", f"{values[key]!r} is not an IPv4 CIDR with its host bits zero")
    problem = cluster_id_problem(values["cluster_id"])
    if problem:
        check.fail(f"{where}cluster_id", problem)


def _checked(name: str, args: ClusterMeshArgs, resolved: dict[str, Any]) -> dict[str, Any]:
    """The resolved members, or ComponentArgsError naming every collision (raised inside the apply that feeds the
    peerings and the Cilium values, so neither is created with a colliding peer)."""
    check = ArgsCheck("ClusterMesh", name, args, ClusterMeshArgs)
    _member_problems(check, "", resolved["local"])
    for index, values in enumerate(resolved["peers"]):
        _member_problems(check, f"peers[{index}].", values)
    check.done()
    local = _member(args["stack"], resolved["local"])
    for index, (peer, values) in enumerate(zip(args["peers"], resolved["peers"], strict=True)):
        for field, message in member_collisions(local, _member(peer["stack"], values)):
            check.fail(f"peers[{index}].{field}", f"{MEMBER_FIELDS[field]}: {message}")
    check.done()
    return resolved


def _vnet_id_of(peer: MeshPeerArgs) -> Any:
    """The peer's VNet ID once the members have passed the collision check."""
    return lambda _: peer["vnet_id"]


class ClusterMesh(pulumi.ComponentResource):
    """This cluster's side of a mesh: a VNet peering to each peer, checked for collisions, and the peers as Cilium's
    `clustermesh.config.clusters` value."""

    cilium_clusters: pulumi.Output[list[dict[str, Any]]]
    """The peers as `clustermesh.config.clusters` items (name, port, ips), known only once no peer collides."""
    peering_ids: list[pulumi.Output[str]]
    """Resource IDs of the peerings, one per peer."""

    def __init__(self, name: str, args: ClusterMeshArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("ClusterMesh"), name, None, opts)
        check = ArgsCheck("ClusterMesh", name, args, ClusterMeshArgs)
        check.done()
        peers = args["peers"]
        if not isinstance(peers, list) or not peers:
            check.fail("peers", "must list at least one peer cluster")
        else:
            stacks = [peer.get("stack") for peer in peers]
            if args["stack"] in stacks or len(set(stacks)) != len(stacks):
                check.fail("peers", f"stacks {stacks} must be distinct and differ from this stack {args['stack']!r}")
        check.done()
        local_values = {key: args[key] for key in _MEMBER_KEYS}  # type: ignore[literal-required]
        peer_values = [{key: peer[key] for key in (*_MEMBER_KEYS, "api_server_address")} for peer in peers]  # type: ignore[literal-required]
        # Plain inputs are judged now, before any child exists; Outputs once they resolve, in the same rule.
        if all(not isinstance(v, pulumi.Output) for v in [*local_values.values(), *(x for p in peer_values for x in p.values())]):
            _checked(name, args, {"local": local_values, "peers": peer_values})
        resolved = pulumi.Output.from_input({"local": local_values, "peers": peer_values})

        def members(pick: Any) -> pulumi.Output[Any]:
            """`pick` of the members once they pass the check. Each consumer runs the check itself: a failure is then
            its own exception, where one shared failed Output would hand the same exception to every consumer and
            chain it to itself as each re-raises it."""
            return resolved.apply(lambda r: pick(_checked(name, args, r)))

        child = child_options(self, opts)
        self.peering_ids = []
        for peer in peers:
            peering = network.VirtualNetworkPeering(
                f"{name}-to-{peer['stack']}",
                resource_group_name=args["resource_group_name"],
                virtual_network_name=args["vnet_name"],
                virtual_network_peering_name=f"to-{peer['stack']}",
                # The peering waits for the collision check: a colliding peer gets no peering.
                remote_virtual_network=network.SubResourceArgs(id=members(_vnet_id_of(peer))),
                # Node-to-node traffic only: Cilium tunnels pod traffic between node addresses, so nothing is forwarded
                # and no gateway is shared.
                allow_virtual_network_access=True,
                allow_forwarded_traffic=False,
                allow_gateway_transit=False,
                use_remote_gateways=False,
                opts=child,
            )
            self.peering_ids.append(peering.id)
        self.cilium_clusters = members(
            lambda r: [{"name": p["cluster_name"], "port": API_SERVER_PORT, "ips": [p["api_server_address"]]} for p in r["peers"]]
        )
        self.register_outputs(
            {
                "local": members(lambda r: r["local"]),
                "peers": members(lambda r: r["peers"]),
                "cilium_clusters": self.cilium_clusters,
                "peering_ids": self.peering_ids,
            }
        )


__all__ = ["ClusterMesh", "ClusterMeshArgs", "MeshPeerArgs"]
