"""Cilium's label selectors: which identities an endpoint selector matches.

Cilium turns a policy's selectors into Kubernetes label selectors over an identity's labels, each label carrying a
source (`k8s:`, `reserved:`, ...). A selector key without a source is read as `any:`, which matches the key from any
source (`NewESFromK8sLabelSelector("", ...)` in cilium/cilium pkg/k8s/apis/cilium.io/utils/utils.go). Requirements
follow Kubernetes' semantics: `NotIn` and `DoesNotExist` match an identity that lacks the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ANY = "any"
K8S = "k8s"
RESERVED = "reserved"
SOURCES = frozenset({ANY, K8S, RESERVED, "container", "cidr", "unspec", "fqdn", "node", "cilium-generated"})
NAMESPACE_KEY = "io.kubernetes.pod.namespace"
NAMESPACE_LABEL_PREFIX = "io.cilium.k8s.namespace.labels."
CLUSTER_KEY = "io.cilium.k8s.policy.cluster"
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class SelectorError(ValueError):
    """A selector the analyser cannot read (Cilium's CRD would refuse it too)."""


def split_key(key: str) -> tuple[str, str]:
    """`k8s:app` -> (k8s, app); `app` -> (any, app)."""
    source, sep, rest = key.partition(":")
    return (source, rest) if sep and source in SOURCES else (ANY, key)


class Identity:
    """The labels of one security identity, looked up by source and key."""

    __slots__ = ("by_key", "labels")

    def __init__(self, labels: Mapping[str, str]) -> None:
        self.labels: dict[tuple[str, str], str] = {split_key(k): v for k, v in labels.items()}
        self.by_key: dict[str, str] = {key: value for (_, key), value in self.labels.items()}

    def get(self, source: str, key: str) -> str | None:
        return self.by_key.get(key) if source == ANY else self.labels.get((source, key))

    def has_reserved(self, name: str) -> bool:
        return (RESERVED, name) in self.labels


@dataclass(frozen=True)
class Requirement:
    source: str
    key: str
    operator: str
    values: frozenset[str] = frozenset()

    def matches(self, identity: Identity) -> bool:
        value = identity.get(self.source, self.key)
        if self.operator == "In":
            return value is not None and value in self.values
        if self.operator == "NotIn":
            return value is None or value not in self.values
        if self.operator == "Exists":
            return value is not None
        return value is None


@dataclass(frozen=True)
class Selector:
    requirements: tuple[Requirement, ...]

    def matches(self, identity: Identity) -> bool:
        return all(r.matches(identity) for r in self.requirements)

    def has_key(self, source: str, key: str) -> bool:
        return any(r.source == source and r.key == key for r in self.requirements)

    def with_requirement(self, requirement: Requirement) -> Selector:
        return Selector((*self.requirements, requirement))

    @property
    def selects_reserved(self) -> bool:
        return any(r.source == RESERVED for r in self.requirements)


def parse_selector(raw: Any) -> Selector:
    """A CRD selector (`matchLabels`, `matchExpressions`) as requirements."""
    if raw is None:
        return Selector(())
    if not isinstance(raw, Mapping):
        raise SelectorError(f"a selector must be a mapping, not {type(raw).__name__}")
    requirements: list[Requirement] = []
    for key, value in sorted((raw.get("matchLabels") or {}).items()):
        source, name = split_key(str(key))
        requirements.append(Requirement(source, name, "In", frozenset({str(value)})))
    for expression in raw.get("matchExpressions") or []:
        operator = expression.get("operator")
        if operator not in OPERATORS:
            raise SelectorError(f"selector operator {operator!r} is not one of {', '.join(OPERATORS)}")
        source, name = split_key(str(expression.get("key", "")))
        requirements.append(Requirement(source, name, operator, frozenset(str(v) for v in expression.get("values") or [])))
    return Selector(tuple(requirements))


NAMESPACE_EXISTS = Requirement(K8S, NAMESPACE_KEY, "Exists")


def namespace_scoped(selector: Selector, namespace: str | None) -> Selector:
    """A peer selector as Cilium scopes it: to the policy's namespace unless it names one, to pods in a clusterwide policy.

    cilium/cilium pkg/k8s/apis/cilium.io/utils/utils.go `getEndpointSelector`: reserved-label selectors are left alone;
    without a `k8s:` or `any:` namespace key, a CiliumNetworkPolicy adds its own namespace and a clusterwide policy
    requires the namespace label to exist (only Cilium-managed pods), so `{}` never means "everything" there.
    """
    if selector.selects_reserved or selector.has_key(K8S, NAMESPACE_KEY) or selector.has_key(ANY, NAMESPACE_KEY):
        return selector
    if namespace is None:
        return selector.with_requirement(NAMESPACE_EXISTS)
    return selector.with_requirement(Requirement(K8S, NAMESPACE_KEY, "In", frozenset({namespace})))


def subject_scoped(selector: Selector, namespace: str | None) -> Selector:
    """A CiliumNetworkPolicy's endpointSelector always applies in its own namespace (utils.go `ParseToCiliumRule`)."""
    if namespace is None:
        return selector
    kept = tuple(r for r in selector.requirements if not (r.key == NAMESPACE_KEY and r.source in (K8S, ANY)))
    return Selector((*kept, Requirement(K8S, NAMESPACE_KEY, "In", frozenset({namespace}))))
