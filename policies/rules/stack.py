"""Rules over the whole stack: relations between resources."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from . import aks, cnp, native_policy
from .cilium_release import is_cilium_release
from .egress_coverage import Grant, combined_open_egress, selection
from .kinds import AGENT_POOL, CCNP, CILIUM_POLICY_KINDS, CLUSTER, HELM_RELEASE, NAMESPACE, NETWORK_POLICY, is_kind
from .values import MalformedError, dig, list_at, mapping_at, mappings_in, str_at

# How Cilium labels an endpoint with its namespace: the name, and each namespace label under a prefix.
_NAME_KEYS = ("k8s:io.kubernetes.pod.namespace", "io.kubernetes.pod.namespace", "any:io.kubernetes.pod.namespace")
_LABEL_PREFIXES = ("k8s:io.cilium.k8s.namespace.labels.", "io.cilium.k8s.namespace.labels.", "any:io.cilium.k8s.namespace.labels.")
T = TypeVar("T")


@dataclass(frozen=True)
class StackResource:
    type: str
    urn: str
    props: Mapping[str, Any]
    dependencies: Sequence[str] = field(default_factory=tuple)
    provider: str = ""
    """The URN of the resource's provider. The engine always passes one, a default provider's when the program gave
    none (`pulumi/pulumi` `pkg/resource/deploy/source_eval.go` `getProviderReference`); the offline harness models no
    default providers and passes "". Either way no default provider leads to the cluster, so rules read them alike."""


def _of(resources: Sequence[StackResource], *kinds: str) -> list[StackResource]:
    """The resources of these kinds, whichever type token they were registered under (rules/kinds.py)."""
    return [r for r in resources if is_kind(r.type, *kinds)]


def _judge(resource: StackResource, problems: list[str], judge: Callable[[StackResource], T], otherwise: T) -> T:
    """One resource's part of a stack rule; a malformed resource is a finding about it, and the others are still judged."""
    try:
        return judge(resource)
    except MalformedError as error:
        problems.append(f"{resource.urn}: {error}")
        return otherwise


def _cilium_releases(resources: Sequence[StackResource], problems: list[str]) -> list[StackResource]:
    return [r for r in _of(resources, HELM_RELEASE) if _judge(r, problems, _is_cilium, False)]


def _is_cilium(resource: StackResource) -> bool:
    return is_cilium_release(resource.props)


def _has_l7_or_fqdn(resource: StackResource) -> bool:
    return cnp.has_l7_or_fqdn(resource.props)


def _prop(path: tuple[str, ...], resource: StackResource) -> Any:
    return dig(resource.props, *path)


def _policy_name(policy: StackResource) -> str:
    """For messages only, so never malformed: whatever the metadata holds is shown as it is."""
    metadata = policy.props.get("metadata")
    name, namespace = (metadata.get("name"), metadata.get("namespace")) if isinstance(metadata, Mapping) else (None, None)
    return f"clusterwide {name}" if is_kind(policy.type, CCNP) else f"{namespace}/{name}"


def namespace_identity(name: str, labels: Mapping[str, Any]) -> dict[str, Any]:
    """The namespace-level labels Cilium gives every endpoint of a namespace (Kubernetes adds kubernetes.io/metadata.name)."""
    identity: dict[str, Any] = dict.fromkeys(_NAME_KEYS, name)
    for key, value in {**labels, "kubernetes.io/metadata.name": name}.items():
        identity.update({f"{prefix}{key}": value for prefix in _LABEL_PREFIXES})
    return identity


def _namespace_level(key: Any) -> bool:
    return isinstance(key, str) and (key in _NAME_KEYS or key.startswith(_LABEL_PREFIXES))


def selects_whole_namespace(selector: Mapping[str, Any], identity: Mapping[str, Any]) -> bool:
    """Every endpoint of the namespace matches: each requirement is about the namespace, and the namespace meets it."""
    for key, value in mapping_at(selector, "matchLabels").items():
        if not _namespace_level(key) or identity.get(key) != value:
            return False
    for requirement in mappings_in(list_at(selector, "matchExpressions"), "endpointSelector.matchExpressions"):
        requirement_key, operator, values = requirement.get("key"), requirement.get("operator"), list_at(requirement, "values")
        if not _namespace_level(requirement_key):
            return False
        requirement_key = str(requirement_key)
        present = requirement_key in identity
        met = {
            "In": present and identity.get(requirement_key) in values,
            "NotIn": not present or identity.get(requirement_key) not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }.get(str(operator), False)
        if not met:
            return False
    return True


def _identity(namespace: StackResource) -> dict[str, Any] | None:
    name = str_at(namespace.props, "metadata", "name")
    return None if name is None else namespace_identity(name, mapping_at(namespace.props, "metadata", "labels"))


@dataclass(frozen=True)
class _DenyingSpec:
    policy: str
    clusterwide: bool
    namespace: str | None
    """A namespaced policy's namespace; None when it names none (it then covers no namespace here)."""
    selector: Mapping[str, Any]
    denies: frozenset[str]
    switched_off: frozenset[str]


def _denying_specs(policy: StackResource) -> list[_DenyingSpec]:
    found = []
    clusterwide = is_kind(policy.type, CCNP)
    namespace = None if clusterwide else str_at(policy.props, "metadata", "namespace")
    for path, spec in cnp.specs(policy.props):
        with_empty_rule = {d for d in ("ingress", "egress") if cnp.has_empty_rule(spec, path, d)}
        if with_empty_rule:
            off = {d for d in with_empty_rule if cnp.default_deny_disabled(spec, d)}
            found.append(
                _DenyingSpec(
                    _policy_name(policy),
                    clusterwide,
                    namespace,
                    mapping_at(spec, "endpointSelector"),
                    frozenset(with_empty_rule - off),
                    frozenset(off),
                )
            )
    return found


def _applies(spec: _DenyingSpec, identity: Mapping[str, Any], _: StackResource) -> bool:
    return selects_whole_namespace(spec.selector, identity)


def namespaces_default_deny(resources: Sequence[StackResource]) -> list[str]:
    """Every namespace the stack creates has default deny both ways, from its own policies or clusterwide ones."""
    problems: list[str] = []
    # Namespaced policies indexed by namespace, so hundreds of namespaces stay linear; clusterwide ones are few.
    by_namespace: dict[str | None, list[_DenyingSpec]] = {}
    clusterwide: list[_DenyingSpec] = []
    for policy in _of(resources, *CILIUM_POLICY_KINDS):
        no_specs: list[_DenyingSpec] = []
        for spec in _judge(policy, problems, _denying_specs, no_specs):
            (clusterwide if spec.clusterwide else by_namespace.setdefault(spec.namespace, [])).append(spec)
    for namespace in _of(resources, NAMESPACE):
        identity = _judge(namespace, problems, _identity, None)
        if identity is None:
            continue
        name = identity[_NAME_KEYS[0]]
        applying = [
            spec
            for spec in [*by_namespace.get(name, []), *clusterwide]
            if _judge(namespace, problems, partial(_applies, spec, identity), False)
        ]
        for direction in ("ingress", "egress"):
            if any(direction in spec.denies for spec in applying):
                continue
            off = sorted({spec.policy for spec in applying if direction in spec.switched_off})
            because = f" ({', '.join(off)} sets enableDefaultDeny.{direction} false)" if off else ""
            problems.append(
                f"namespace {name} has no default deny {direction}{because}; "
                f"add a policy with endpointSelector {{}} and {direction}: [{{}}]"
            )
    return problems


def policies_after_cilium(resources: Sequence[StackResource]) -> list[str]:
    """CRDs appear when cilium-operator starts: a policy applied earlier fails with 'no matches for kind'."""
    problems: list[str] = []
    anchors = _cilium_releases(resources, problems) or _of(resources, CLUSTER)
    if not anchors:
        return problems
    anchor_urns = {a.urn for a in anchors}
    return problems + [
        f"{_policy_name(p)} does not depend on the Cilium release (or the cluster); "
        "add depends_on so it is applied after Cilium's CRDs exist"
        for p in _of(resources, *CILIUM_POLICY_KINDS)
        if not anchor_urns & set(p.dependencies)
    ]


def pod_cidr_matches_cilium(resources: Sequence[StackResource]) -> list[str]:
    """One pod CIDR for AKS and Cilium's cluster-pool IPAM; Cilium's 10.0.0.0/8 default breaks the cluster."""
    problems: list[str] = []
    clusters = _of(resources, CLUSTER)
    for release in _cilium_releases(resources, problems):
        listed = _judge(release, problems, partial(_prop, ("values", "ipam", "operator", "clusterPoolIPv4PodCIDRList")), None)
        for cluster in clusters:
            pod_cidr = _judge(cluster, problems, partial(_prop, ("networkProfile", "podCidr")), None)
            if listed is None or isinstance(listed, str | Mapping) or list(listed) != [pod_cidr]:
                problems.append(
                    f"Cilium's clusterPoolIPv4PodCIDRList {listed} is not the cluster's podCidr [{pod_cidr}]; feed both from one value"
                )
    return problems


def _has_l7_beyond_dns(resource: StackResource) -> bool:
    return cnp.has_l7_beyond_dns(resource.props)


def l7_needs_acns(resources: Sequence[StackResource]) -> list[str]:
    """Azure CNI powered by Cilium enforces FQDN and L7 rules only with ACNS security, and L7 rules other than DNS only
    with its advanced network policies set to L7 (FQDN filtering alone does not enable them) and never in a
    CiliumClusterwideNetworkPolicy."""
    problems: list[str] = []

    def acns_security(cluster: StackResource) -> Mapping[str, Any] | None:
        """The managed-Cilium cluster's ACNS security settings, {} when off; None when Azure does not run its Cilium."""
        profile = mapping_at(cluster.props, "networkProfile")
        if profile.get("networkDataplane") != "cilium" or profile.get("networkPlugin") != "azure":
            return None
        security = mapping_at(profile, "advancedNetworking", "security")
        return security if security.get("enabled") is True else {}

    managed = [s for s in (_judge(c, problems, acns_security, None) for c in _of(resources, CLUSTER)) if s is not None]
    policies = _of(resources, *CILIUM_POLICY_KINDS)
    if not managed:
        return problems
    if any(not security for security in managed):
        return problems + [
            f"{_policy_name(policy)} uses L7 or FQDN rules, which need ACNS security on this cluster; "
            "enable advancedNetworking.security or drop those rules"
            for policy in policies
            if _judge(policy, problems, _has_l7_or_fqdn, False)
        ]
    without_l7 = any(security.get("advancedNetworkPolicies") != "L7" for security in managed)
    for policy in [p for p in policies if _judge(p, problems, _has_l7_beyond_dns, False)]:
        if is_kind(policy.type, CCNP):
            problems.append(
                f"{_policy_name(policy)} uses L7 rules other than DNS, which ACNS does not support in a clusterwide "
                "policy; move them to a namespaced CiliumNetworkPolicy"
            )
        elif without_l7:
            problems.append(
                f"{_policy_name(policy)} uses L7 rules other than DNS, which ACNS enforces only with its L7 policies; "
                "set advancedNetworking.security.advancedNetworkPolicies to L7 or drop those rules"
            )
    return problems


def byocni_has_cilium(resources: Sequence[StackResource]) -> list[str]:
    """A BYOCNI cluster has no CNI until Cilium is installed: its nodes stay NotReady without a Cilium release."""
    problems: list[str] = []

    def is_byocni(cluster: StackResource) -> bool:
        return str_at(mapping_at(cluster.props, "networkProfile"), "networkPlugin") == "none"

    byocni = [c for c in _of(resources, CLUSTER) if _judge(c, problems, is_byocni, False)]
    if not byocni:
        return problems
    # A release reaches its cluster through its Kubernetes provider (built from the cluster's kubeconfig) or its dependencies.
    edges = {r.urn: (*r.dependencies, r.provider) for r in resources}
    reached: set[str] = set()
    pending = [r.urn for r in _cilium_releases(resources, problems)]
    while pending:
        urn = pending.pop()
        if urn not in reached:
            reached.add(urn)
            pending.extend(edges.get(urn, ()))
    return problems + [
        f"BYOCNI cluster {c.urn} has no Cilium release in this stack (none reaches it through its provider or dependencies); "
        "install Cilium with the Cilium component"
        for c in byocni
        if c.urn not in reached
    ]


def _grants(resource: StackResource) -> list[Grant]:
    namespace = str_at(resource.props, "metadata", "namespace")
    if is_kind(resource.type, NETWORK_POLICY):
        found = native_policy.egress_grants(resource.props)
        name = f"NetworkPolicy {namespace}/{dig(resource.props, 'metadata', 'name')}"
    else:
        found = cnp.egress_grants(resource.props)
        name = _policy_name(resource)
        namespace = None if is_kind(resource.type, CCNP) else namespace
    # A selector of a NetworkPolicy has plain Kubernetes label keys; a Cilium selector's `k8s:` form is the same label.
    return [Grant(name, namespace, selection(selector, namespace), tuple(cidrs)) for selector, cidrs in found]


def open_egress_combined(resources: Sequence[StackResource], exempt_namespaces: Sequence[str]) -> list[str]:
    """Internet egress split across policies that select the same endpoints is judged as one: per endpoint, the CIDRs of
    every Cilium and Kubernetes policy that selects it together stay under the internet threshold."""
    problems: list[str] = []
    none: list[Grant] = []
    grants = [
        grant
        for resource in _of(resources, *CILIUM_POLICY_KINDS, NETWORK_POLICY)
        for grant in _judge(resource, problems, _grants, none)
        if grant.namespace is None or grant.namespace not in exempt_namespaces
    ]
    return problems + combined_open_egress(grants)


def _local_dns_pools(resource: StackResource) -> list[str]:
    return aks.local_dns_pools(resource.props, is_kind(resource.type, CLUSTER))


def _relies_on_kube_dns(resource: StackResource) -> bool:
    return cnp.relies_on_kube_dns(resource.props)


def local_dns_beside_kube_dns(resources: Sequence[StackResource]) -> list[str]:
    """AKS LocalDNS is off where Cilium policies send DNS to kube-dns: with it, pods ask a node-local cache at
    169.254.10.10/11 instead, so an egress rule to kube-dns matches no lookup (default deny drops them) and toFQDNs
    learns no address from Cilium's DNS proxy (its allowlist allows nothing)."""
    problems: list[str] = []
    none: list[str] = []
    hosts = [(r, found) for r in _of(resources, CLUSTER, AGENT_POOL) if (found := _judge(r, problems, _local_dns_pools, none))]
    if not hosts:
        return problems
    relying = [_policy_name(p) for p in _of(resources, *CILIUM_POLICY_KINDS) if _judge(p, problems, _relies_on_kube_dns, False)]
    if not relying:
        return problems
    named = ", ".join(relying[:3]) + (f" and {len(relying) - 3} more" if len(relying) > 3 else "")
    return problems + [
        f"{host.urn}: {'; '.join(found)} turns on AKS LocalDNS, whose node-local cache at 169.254.10.10/11 answers pods "
        f"instead of kube-dns, so the kube-dns DNS rules of {named} match no lookup and their FQDN allowlists allow "
        "nothing; set localDNSProfile.mode Disabled on every pool"
        for host, found in hosts
    ]
