"""Helm values that join a Cilium release to a Cluster Mesh, kept apart from the base values (values.py).

Sources: cilium/cilium Documentation/network/clustermesh/setup.rst and the chart's values.yaml (1.20.0, the keys
below); MicrosoftDocs/azure-aks-docs articles/aks/internal-lb.md for Azure's internal load balancer annotations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# An internal Azure load balancer with a private frontend IP chosen in the node subnet (internal-lb.md, "Specify an
# IP address": the annotation replaces Service.spec.loadBalancerIP, which Kubernetes deprecates). The chart names the
# first annotation for AKS itself (values.yaml, clustermesh.apiserver.service.annotations).
INTERNAL_LB_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-internal"
LB_IPV4_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-ipv4"


def mesh_values(mesh: Mapping[str, Any]) -> dict[str, Any]:
    """The mesh part of the values, from the resolved `cluster_mesh` arg without its CA (which goes to a Secret)."""
    return {
        "clustermesh": {
            "useAPIServer": True,
            # The peers, each by name with its clustermesh-apiserver's IP and port (values.yaml, clustermesh.config):
            # the chart writes the cilium-clustermesh and cilium-kvstoremesh Secrets from them.
            "config": {"enabled": True, "clusters": [dict(cluster) for cluster in mesh["clusters"]]},
            "apiserver": {
                # The chart's default is NodePort; peers reach a LoadBalancer IP that lives in the peered VNet instead.
                "service": {
                    "type": "LoadBalancer",
                    "annotations": {INTERNAL_LB_ANNOTATION: "true", LB_IPV4_ANNOTATION: mesh["api_server_ip"]},
                },
                # KVStoreMesh caches the peers' state in the local etcd; Cilium 1.20 marks the switch deprecated
                # because it will always be on (values.yaml, clustermesh.apiserver.kvstoremesh.enabled).
                "kvstoremesh": {"enabled": True},
                "tls": {
                    # One username per remote cluster, "meaningful only when the same CA is shared" (values.yaml,
                    # clustermesh.apiserver.tls.authMode), which the mesh guarantees.
                    "authMode": "cluster",
                    # `helm` (the chart's default) signs with a CA generated at each render when none is given in the
                    # values: the cronJob's certgen reuses the `cilium-ca` Secret instead.
                    "auto": {"enabled": True, "method": "cronJob"},
                },
            },
        },
        # certgen never creates a CA of its own here: without the shared `cilium-ca` Secret it fails instead of
        # signing with a CA no peer trusts (values.yaml, certgen.generateCA).
        "certgen": {"generateCA": False},
        # WireGuard's strict mode: unencrypted pod-to-pod ingress is dropped (values.yaml,
        # encryption.strictMode.ingress, "requires WireGuard encryption"). Every member runs WireGuard, as a mesh
        # requires (encryption-wireguard.rst, "Cluster Mesh": mixed mode is not supported).
        "encryption": {"strictMode": {"ingress": {"enabled": True}}},
    }
