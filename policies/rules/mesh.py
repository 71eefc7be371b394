"""The Cluster Mesh rule: what a member registers (the `ClusterMesh` component's outputs and its Cilium release's
values) must make a mesh Cilium can run.

Sources: Cilium 1.20 values.yaml (cluster.id "unique across connected clusters"; clustermesh.useAPIServer,
clustermesh.config), cilium/cilium Documentation/installation/k8s-install-helm.rst (a mesh needs distinct pod CIDRs)
and Documentation/security/network/encryption-wireguard.rst, "Cluster Mesh" (every member runs WireGuard: mixed
mode is not supported). The library's own rule is aks_cilium/mesh/rules.py; the pack judges what was registered,
without the library.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from .cilium_release import is_cilium_release
from .kinds import HELM_RELEASE, is_kind
from .values import MalformedError, dig, list_at, mapping_at, mappings_in

CLUSTER_MESH = "aks-cilium:index:ClusterMesh"


def _network(value: Any, path: str) -> ipaddress.IPv4Network:
    if not isinstance(value, str):  # ipaddress would take a number as an address
        raise MalformedError(path, "an IPv4 CIDR", value)
    try:
        return ipaddress.IPv4Network(value, strict=False)
    except (TypeError, ValueError) as error:
        raise MalformedError(path, "an IPv4 CIDR", value) from error


def _member_id(member: Mapping[str, Any], path: str) -> int:
    value = member.get("cluster_id")
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        raise MalformedError(f"{path}.cluster_id", "a whole number", value)
    return int(value)


def _joins_mesh(values: Mapping[str, Any]) -> bool:
    return dig(values, "clustermesh", "useAPIServer") is True or dig(values, "clustermesh", "config", "enabled") is True


def _has_peers(values: Mapping[str, Any]) -> bool:
    """A member names its peers in clustermesh.config.clusters; the first member's first deploy has none yet."""
    return bool(dig(values, "clustermesh", "config", "clusters"))  # a list of clusters, or the chart's map form


def _release_problems(urn: str, values: Mapping[str, Any], local_id: int | None) -> list[str]:
    problems = []
    encryption = mapping_at(values, "encryption", where="values")
    if encryption.get("enabled") is not True or encryption.get("type") != "wireguard":
        problems.append(
            f"{urn} joins a Cluster Mesh without WireGuard; set encryption.enabled true and encryption.type wireguard in every member"
        )
    cluster_id = dig(values, "cluster", "id")
    if local_id is not None and cluster_id != local_id:
        problems.append(f"{urn} runs Cilium cluster ID {cluster_id!r}, but its ClusterMesh registers {local_id}; feed both from one value")
    return problems


def mesh_members(resources: Sequence[Any]) -> list[str]:
    """A Cluster Mesh member has a Cilium cluster ID and a pod CIDR of its own, distinct from every peer's, and runs
    WireGuard: a mesh does not support mixed encryption."""
    problems: list[str] = []
    local_ids: list[int] = []
    for mesh in (r for r in resources if r.type == CLUSTER_MESH):
        local = mapping_at(mesh.props, "local")
        local_id = _member_id(local, "local")
        local_ids.append(local_id)
        local_pods = _network(local.get("pod_cidr"), "local.pod_cidr")
        for index, peer in enumerate(mappings_in(list_at(mesh.props, "peers"), "peers")):
            where = f"peers[{index}]"
            who = f"{mesh.urn}: peer {peer.get('cluster_name')!r}"
            if _member_id(peer, where) == local_id:
                problems.append(f"{who} has this cluster's Cilium cluster ID {local_id}; IDs must be unique in the mesh")
            peer_pods = _network(peer.get("pod_cidr"), f"{where}.pod_cidr")
            if peer_pods.overlaps(local_pods):
                problems.append(f"{who} pod CIDR {peer_pods} overlaps this cluster's {local_pods}; pod CIDRs must be disjoint")
    releases = [r for r in resources if is_kind(r.type, HELM_RELEASE) and is_cilium_release(r.props)]
    joining = [r for r in releases if _joins_mesh(mapping_at(r.props, "values"))]
    if local_ids and not joining:
        problems.append("the stack registers a ClusterMesh, but no Cilium release joins it (clustermesh.useAPIServer)")
    for release in joining:
        problems += _release_problems(release.urn, mapping_at(release.props, "values"), local_ids[0] if len(local_ids) == 1 else None)
        if not local_ids and _has_peers(mapping_at(release.props, "values")):
            unchecked = "its peers' IDs and pod CIDRs cannot be checked"
            problems.append(f"{release.urn} joins a Cluster Mesh, but the stack registers no ClusterMesh: {unchecked}")
    return problems
