"""The pack's cluster-mesh-members rule on what a mesh member registers.

Sources: Cilium 1.20 values.yaml (cluster.id "unique across connected clusters"); cilium/cilium
Documentation/installation/k8s-install-helm.rst (a mesh needs distinct pod CIDRs);
Documentation/security/network/encryption-wireguard.rst, "Cluster Mesh" (all members run WireGuard, no mixed mode).
"""

from __future__ import annotations

from typing import Any

import pytest

from policies.rules.catalog import total
from policies.rules.mesh import CLUSTER_MESH, mesh_members
from policies.rules.stack import StackResource
from tests.support.tokens import RELEASE

LOCAL = {"cluster_name": "aks-east", "cluster_id": 11.0, "pod_cidr": "10.250.0.0/16", "vnet_cidr": "10.16.0.0/16"}
PEER = {"cluster_name": "aks-west", "cluster_id": 12.0, "pod_cidr": "10.251.0.0/16", "vnet_cidr": "10.17.0.0/16"}
VALUES = {
    "cluster": {"name": "aks-east", "id": 11},
    "clustermesh": {"useAPIServer": True, "config": {"enabled": True}},
    "encryption": {"enabled": True, "type": "wireguard"},
}


def stack(
    local: dict[str, Any] = LOCAL, peer: dict[str, Any] = PEER, values: dict[str, Any] = VALUES, mesh: bool = True
) -> list[StackResource]:
    resources = [StackResource(RELEASE, "urn:release", {"chart": "cilium", "values": values})]
    if mesh:
        resources.append(StackResource(CLUSTER_MESH, "urn:mesh", {"local": local, "peers": [peer]}))
    return resources


def test_a_member_with_its_own_id_and_pods_and_wireguard_passes() -> None:
    assert mesh_members(stack()) == []


@pytest.mark.parametrize(
    ("resources", "words"),
    [
        (stack(peer={**PEER, "cluster_id": 11}), "IDs must be unique"),
        (stack(peer={**PEER, "pod_cidr": "10.250.64.0/18"}), "pod CIDRs must be disjoint"),
        (stack(values={**VALUES, "encryption": {"enabled": False}}), "without WireGuard"),
        (stack(values={**VALUES, "encryption": {"enabled": True, "type": "ipsec"}}), "without WireGuard"),
        (stack(values={**VALUES, "cluster": {"name": "aks-east", "id": 9}}), "runs Cilium cluster ID 9"),
        (
            stack(values={**VALUES, "clustermesh": {"useAPIServer": True, "config": {"clusters": [{"name": "aks-west"}]}}}, mesh=False),
            "registers no ClusterMesh",
        ),
        (stack(values={"encryption": {"enabled": True, "type": "wireguard"}}), "no Cilium release joins it"),
    ],
)
def test_what_breaks_a_mesh_is_a_finding(resources: list[StackResource], words: str) -> None:
    findings = mesh_members(resources)
    assert any(words in finding for finding in findings), findings


def test_a_stack_without_a_mesh_is_not_judged() -> None:
    assert mesh_members([StackResource(RELEASE, "urn:release", {"chart": "cilium", "values": {"cluster": {"id": 3}}})]) == []


def test_malformed_members_are_a_cannot_verify_finding() -> None:
    findings = total(mesh_members, stack(local={**LOCAL, "pod_cidr": 7}))
    assert findings == ["cannot verify: local.pod_cidr is a number, expected an IPv4 CIDR; fix the resource's properties"]


def test_a_first_member_without_peers_yet_is_judged_for_encryption_only() -> None:
    first = {**VALUES, "clustermesh": {"useAPIServer": True, "config": {"enabled": True, "clusters": []}}}
    assert mesh_members(stack(values=first, mesh=False)) == []
    assert any("without WireGuard" in f for f in mesh_members(stack(values={**first, "encryption": {"enabled": False}}, mesh=False)))
