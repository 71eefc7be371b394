"""Rules over the whole stack: relations between resources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import cnp
from .values import dig

CLUSTER = "azure-native:containerservice:ManagedCluster"
RELEASE = "kubernetes:helm.sh/v3:Release"
CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy"
NAMESPACE = "kubernetes:core/v1:Namespace"


@dataclass(frozen=True)
class StackResource:
    type: str
    urn: str
    props: Mapping[str, Any]
    dependencies: Sequence[str] = field(default_factory=tuple)


def _of(resources: Sequence[StackResource], type_: str) -> list[StackResource]:
    return [r for r in resources if r.type == type_]


def _cilium_releases(resources: Sequence[StackResource]) -> list[StackResource]:
    return [r for r in _of(resources, RELEASE) if r.props.get("chart") == "cilium"]


def namespaces_default_deny(resources: Sequence[StackResource]) -> list[str]:
    """Every namespace the stack creates has a CiliumNetworkPolicy with default deny in both directions."""
    # One pass over the policies, so hundreds of namespaces stay linear.
    denied: set[tuple[Any, str]] = set()
    for policy in _of(resources, CNP):
        for direction in ("ingress", "egress"):
            if cnp.is_default_deny(policy.props, direction):
                denied.add((dig(policy.props, "metadata", "namespace"), direction))
    problems = []
    for namespace in _of(resources, NAMESPACE):
        name = dig(namespace.props, "metadata", "name")
        for direction in ("ingress", "egress"):
            if (name, direction) not in denied:
                problems.append(
                    f"namespace {name} has no default deny {direction}; add a policy with endpointSelector {{}} and {direction}: [{{}}]"
                )
    return problems


def policies_after_cilium(resources: Sequence[StackResource]) -> list[str]:
    """CRDs appear when cilium-operator starts: a policy applied earlier fails with 'no matches for kind'."""
    anchors = _cilium_releases(resources) or _of(resources, CLUSTER)
    if not anchors:
        return []
    anchor_urns = {a.urn for a in anchors}
    return [
        f"{dig(p.props, 'metadata', 'namespace')}/{dig(p.props, 'metadata', 'name')} does not depend on the Cilium release "
        "(or the cluster); add depends_on so it is applied after Cilium's CRDs exist"
        for p in _of(resources, CNP)
        if not anchor_urns & set(p.dependencies)
    ]


def pod_cidr_matches_cilium(resources: Sequence[StackResource]) -> list[str]:
    """One pod CIDR for AKS and Cilium's cluster-pool IPAM; Cilium's 10.0.0.0/8 default breaks the cluster."""
    problems = []
    clusters = _of(resources, CLUSTER)
    for release in _cilium_releases(resources):
        listed = dig(release.props, "values", "ipam", "operator", "clusterPoolIPv4PodCIDRList")
        for cluster in clusters:
            pod_cidr = dig(cluster.props, "networkProfile", "podCidr")
            if listed is None or list(listed) != [pod_cidr]:
                problems.append(
                    f"Cilium's clusterPoolIPv4PodCIDRList {listed} is not the cluster's podCidr [{pod_cidr}]; feed both from one value"
                )
    return problems


def l7_needs_acns(resources: Sequence[StackResource]) -> list[str]:
    """Azure CNI powered by Cilium enforces FQDN and L7 rules only with ACNS security."""
    problems = []
    for cluster in _of(resources, CLUSTER):
        profile = dig(cluster.props, "networkProfile") or {}
        if profile.get("networkDataplane") != "cilium" or profile.get("networkPlugin") != "azure":
            continue
        if dig(profile, "advancedNetworking", "security", "enabled") is True:
            continue
        for policy in _of(resources, CNP):
            if cnp.has_l7_or_fqdn(policy.props):
                problems.append(
                    f"{dig(policy.props, 'metadata', 'namespace')}/{dig(policy.props, 'metadata', 'name')} uses L7 or FQDN rules, "
                    "which need ACNS security on this cluster; enable advancedNetworking.security or drop those rules"
                )
    return problems
