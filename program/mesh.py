"""A stack's side of a two-stack Cilium Cluster Mesh: the peer's outputs read through a stack reference and checked
against this stack's config, and what this stack exports for its peer.

Collisions need both stacks, so they are judged once the peer's outputs are known (they are known at preview too: a
stack reference reads the peer's last deployed state). Each problem is a ConfigError naming this stack's key and both
stacks, raised inside the Output every mesh resource is built from, so nothing of the mesh is created past it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.runtime.sync_await import _sync_await

from aks_cilium.cilium.args import CiliumMeshArgs
from aks_cilium.mesh.component import ClusterMeshArgs, MeshPeerArgs
from aks_cilium.mesh.rules import API_SERVER_PORT, MEMBER_FIELDS, MeshMember, member_collisions, security_rules
from stack_settings import ConfigError, ConfigProblem
from stack_settings.model import MeshSettings, Settings

PEER_OUTPUT = "clusterMesh"
"""The stack output each mesh stack exports for its peer."""
CA_OUTPUT = "clusterMeshCa"
"""The secret stack output of the stack that owns the mesh CA: certPem and keyPem."""
ENCRYPTION = "wireguard"
# MeshMember field -> (key of the peer's export, this stack's config key that a collision is reported against).
_FIELDS = {
    "cluster_name": ("clusterName", "namePrefix"),
    "cluster_id": ("clusterId", "clusterMeshId"),
    "pod_cidr": ("podCidr", "podCidr"),
    "vnet_cidr": ("vnetCidr", "vnetCidr"),
}
_EXPORT_TYPES: dict[str, type] = {
    "stack": str,
    "clusterName": str,
    "clusterId": int,
    "podCidr": str,
    "vnetCidr": str,
    "vnetId": str,
    "apiServerAddress": str,
    "encryption": str,
    "caOwner": bool,
}


def local_member(settings: Settings) -> MeshMember:
    return MeshMember(
        settings.stack,
        settings.cluster.cluster_name,
        settings.cilium.cluster_id,
        str(settings.network.pod_cidr),
        str(settings.network.vnet_cidr),
    )


def exported(settings: Settings, mesh: MeshSettings, vnet_id: pulumi.Input[str]) -> dict[str, Any]:
    """This stack's `clusterMesh` output: what the peer needs to peer with, dial and check this cluster."""
    member = local_member(settings)
    return {
        "stack": settings.stack,
        "clusterName": member.cluster_name,
        "clusterId": member.cluster_id,
        "podCidr": member.pod_cidr,
        "vnetCidr": member.vnet_cidr,
        "vnetId": vnet_id,
        "apiServerAddress": str(mesh.api_server_ip),
        "apiServerPort": API_SERVER_PORT,
        "encryption": ENCRYPTION,
        "caOwner": mesh.ca_owner,
    }


def peer_problems(settings: Settings, mesh: MeshSettings, peer: Any) -> list[ConfigProblem]:
    """Everything wrong between this stack's config and the peer's `clusterMesh` output, each against a key here."""
    reference = f"peer stack {mesh.peer_stack!r}"
    if not isinstance(peer, Mapping):
        return [
            ConfigProblem(
                "clusterMeshPeerStack", f"{reference} exports no {PEER_OUTPUT} output; deploy it as a mesh stack first", mesh.peer_stack
            )
        ]
    # Numbers cross the engine as doubles (pulumi/runtime/rpc.py serializes every number as `number_value`).
    peer = {**peer, "clusterId": _whole(peer.get("clusterId"))}
    wrong = [key for key, kind in _EXPORT_TYPES.items() if not isinstance(peer.get(key), kind)]
    if wrong:
        return [
            ConfigProblem(
                "clusterMeshPeerStack", f"{reference}'s {PEER_OUTPUT} output lacks or mistypes {', '.join(wrong)}", mesh.peer_stack
            )
        ]
    problems = []
    if peer["stack"] != mesh.peer_stack_name:
        problems.append(ConfigProblem("clusterMeshPeerStack", f"{reference} says it is stack {peer['stack']!r}", mesh.peer_stack))
    if peer["encryption"] != ENCRYPTION:
        problems.append(
            ConfigProblem(
                "clusterMeshPeerStack",
                f"{reference} encrypts with {peer['encryption']!r}, not {ENCRYPTION}; mixed mode is not supported",
                mesh.peer_stack,
            )
        )
    theirs = MeshMember(peer["stack"], peer["clusterName"], peer["clusterId"], peer["podCidr"], peer["vnetCidr"])
    for field, message in member_collisions(local_member(settings), theirs):
        key = _FIELDS[field][1]
        problems.append(ConfigProblem(key, f"{MEMBER_FIELDS[field]} collides across the mesh: {message}", _free_example(field, theirs)))
    if peer["caOwner"] == mesh.ca_owner:
        both = f"stack {settings.stack!r} and {reference}"
        state = "both create" if mesh.ca_owner else "neither creates"
        problems.append(
            ConfigProblem(
                "clusterMeshCaOwner", f"{both} {state} the mesh CA; exactly one of the two must own it", str(not mesh.ca_owner).lower()
            )
        )
    return problems


def _free_example(field: str, peer: MeshMember) -> str:
    """A value for the colliding key that the peer does not take (the fix's example)."""
    if field == "cluster_id":
        return str(peer.cluster_id % 255 + 1)
    if field == "cluster_name":
        return "<another namePrefix>"
    taken = [ipaddress.IPv4Network(peer.pod_cidr), ipaddress.IPv4Network(peer.vnet_cidr)]
    size = taken[0] if field == "pod_cidr" else taken[1]
    candidate = size
    while any(candidate.overlaps(other) for other in taken):
        candidate = ipaddress.IPv4Network((int(candidate.network_address) + candidate.num_addresses, candidate.prefixlen))
    return str(candidate)


def _whole(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        return None
    return int(value)


def checked_peer(settings: Settings, mesh: MeshSettings, peer: Any) -> dict[str, Any]:
    problems = peer_problems(settings, mesh, peer)
    if problems:
        raise ConfigError(problems)
    return {**peer, "clusterId": _whole(peer["clusterId"])}


class MeshPeer:
    """The peer stack as this program sees it: its checked outputs, and the args built from them."""

    def __init__(self, settings: Settings, mesh: MeshSettings) -> None:
        self.settings = settings
        self.mesh = mesh
        self.reference = pulumi.StackReference(mesh.peer_stack)
        # Which resources exist depends on it, so it is read now: the SDK's own way to wait for an output outside
        # an apply (pinned with the SDK, tests/package/test_sdk_internals.py). A stack reference is known at preview.
        details = _sync_await(self.reference.get_output_details(PEER_OUTPUT))
        self.deployed = details.value is not None or details.secret_value is not None
        """Whether the peer has been deployed as a mesh member. The first member's first `pulumi up` finds nothing:
        it prepares its own side (CA, clustermesh-apiserver, outputs) and peers on its next run."""
        if not self.deployed:
            if not mesh.ca_owner:
                first = "deploy the CA owner first (docs/cluster-mesh.md, the first deploy)"
                problem = (
                    f"peer stack {mesh.peer_stack!r} exports no {PEER_OUTPUT} output yet, and this stack does not own the mesh CA: {first}"
                )
                raise ConfigError([ConfigProblem("clusterMeshPeerStack", problem, mesh.peer_stack)])
            pulumi.log.warn(
                f"peer stack {mesh.peer_stack!r} exports no {PEER_OUTPUT} output yet: this update prepares this side of the "
                "mesh without peering; run it again after the peer's first deploy"
            )
        # Built only from a deployed peer: an Output whose apply fails would fail the run even where nothing uses it.
        self.outputs: pulumi.Output[dict[str, Any]] = (
            self.reference.get_output(PEER_OUTPUT).apply(lambda peer: checked_peer(settings, mesh, peer))
            if self.deployed
            else pulumi.Output.from_input({})
        )

    def _field(self, key: str) -> pulumi.Output[Any]:
        return self.outputs.apply(lambda peer: peer[key])

    def node_security_rules(self) -> list[dict[str, Any]]:
        if not self.deployed:
            return []
        return security_rules(self._field("vnetCidr"), str(self.settings.network.node_subnet_cidr))

    def cluster_mesh_args(self, resource_group_name: pulumi.Input[str]) -> ClusterMeshArgs:
        member = local_member(self.settings)
        peer = MeshPeerArgs(
            stack=self.mesh.peer_stack_name,
            cluster_name=self._field("clusterName"),
            cluster_id=self._field("clusterId"),
            pod_cidr=self._field("podCidr"),
            vnet_cidr=self._field("vnetCidr"),
            vnet_id=self._field("vnetId"),
            api_server_address=self._field("apiServerAddress"),
        )
        return ClusterMeshArgs(
            stack=self.settings.stack,
            resource_group_name=resource_group_name,
            vnet_name=self.settings.cluster.vnet_name,
            cluster_name=member.cluster_name,
            cluster_id=member.cluster_id,
            pod_cidr=member.pod_cidr,
            vnet_cidr=member.vnet_cidr,
            peers=[peer],
        )

    def peer_ca(self) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """The CA the owning peer exports (checked to be the owner), certificate and secret key."""
        ca = pulumi.Output.all(self.outputs, self.reference.get_output(CA_OUTPUT)).apply(lambda pair: _ca_of(self.mesh, pair[1]))
        return ca.apply(lambda pems: pems[0]), pulumi.Output.secret(ca.apply(lambda pems: pems[1]))

    def cilium_mesh_args(
        self, clusters: pulumi.Input[list[dict[str, Any]]], cert: pulumi.Input[str], key: pulumi.Input[str]
    ) -> CiliumMeshArgs:
        return CiliumMeshArgs(clusters=clusters, api_server_ip=str(self.mesh.api_server_ip), ca_cert_pem=cert, ca_key_pem=key)


def _ca_of(mesh: MeshSettings, ca: Any) -> tuple[str, str]:
    if not isinstance(ca, Mapping) or not all(isinstance(ca.get(key), str) and ca.get(key) for key in ("certPem", "keyPem")):
        raise ConfigError(
            [
                ConfigProblem(
                    "clusterMeshCaOwner",
                    f"peer stack {mesh.peer_stack!r} owns the mesh CA but exports no {CA_OUTPUT} (certPem, keyPem)",
                    "false",
                )
            ]
        )
    return str(ca["certPem"]), str(ca["keyPem"])
