"""What a Cluster Mesh member adds to the stack: the mesh (peering, checks), the CA, the example, the exports."""

from __future__ import annotations

from typing import Any

import pulumi

from aks_cilium.cilium.args import CiliumMeshArgs
from aks_cilium.mesh.ca import MeshCertificateAuthority
from aks_cilium.mesh.component import ClusterMesh
from aks_cilium.mesh.example import GlobalServiceExample, GlobalServiceExampleArgs
from aks_cilium.network.component import Network
from program.mesh import CA_OUTPUT, PEER_OUTPUT, MeshPeer, exported
from stack_settings.model import Settings

# The managed namespace the example runs in, the same in every member (Pulumi.mesh-*.yaml lists it in namespaces).
EXAMPLE_NAMESPACE = "mesh-echo"


def join_mesh(settings: Settings, peer: MeshPeer, network: Network) -> CiliumMeshArgs:
    """The ClusterMesh and, in the owning stack, the CA; returns what the Cilium release needs to join."""
    assert settings.mesh is not None
    clusters: pulumi.Input[list[dict[str, Any]]] = []
    if peer.deployed:
        mesh = ClusterMesh("mesh", peer.cluster_mesh_args(network.resource_group_name), pulumi.ResourceOptions(depends_on=[network]))
        clusters = mesh.cilium_clusters
    if settings.mesh.ca_owner:
        ca = MeshCertificateAuthority("mesh-ca")
        cert, key = ca.cert_pem, ca.key_pem
        pulumi.export(CA_OUTPUT, pulumi.Output.secret({"certPem": cert, "keyPem": key}))
    else:
        cert, key = peer.peer_ca()
    pulumi.export(PEER_OUTPUT, exported(settings, settings.mesh, network.vnet_id))
    return peer.cilium_mesh_args(clusters, cert, key)


def mesh_example(settings: Settings, peer: MeshPeer, opts: pulumi.ResourceOptions) -> None:
    if EXAMPLE_NAMESPACE not in settings.policies.namespaces or not peer.deployed:
        return
    names: list[pulumi.Input[str]] = [settings.cluster.cluster_name, peer.outputs.apply(lambda p: p["clusterName"])]
    example = GlobalServiceExample("mesh-echo", GlobalServiceExampleArgs(namespace=EXAMPLE_NAMESPACE, cluster_names=names), opts)
    pulumi.export("meshGlobalService", example.service_name)
