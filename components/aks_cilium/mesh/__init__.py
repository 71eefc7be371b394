"""Cilium Cluster Mesh between bring-your-own-CNI clusters of different stacks: the rules two members must meet
(distinct names and IDs, disjoint address ranges), the network a mesh needs (VNet peering, NSG rules for Cilium's
documented ports), the one shared certificate authority, and the Helm values that join a cluster to its peers."""

from aks_cilium.mesh.component import ClusterMesh, ClusterMeshArgs, MeshPeerArgs

__all__ = ["ClusterMesh", "ClusterMeshArgs", "MeshPeerArgs"]
