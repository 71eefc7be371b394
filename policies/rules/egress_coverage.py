"""How much of the internet an endpoint may reach, across every policy that selects it.

Cilium allows what any policy selecting an endpoint allows (cilium/cilium Documentation/security/policy/intro.rst:
rules are additive), and Kubernetes NetworkPolicies add to it. Twenty policies of a /9 each are as open as one /0, so
coverage is judged per endpoint: policies are grouped while one endpoint can carry labels that every selector of the
group matches, and the union of their CIDRs is counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import addresses
from .values import list_at, mapping_at, mappings_in

# Cilium's label sources in selectors: `k8s:app` and `app` select the same Kubernetes label (`any:` matches any source).
_SOURCES = ("k8s:", "any:")
NAMESPACE_LABEL = "io.kubernetes.pod.namespace"


def _label(key: Any) -> str:
    text = str(key)
    for source in _SOURCES:
        if text.startswith(source):
            return text[len(source) :]
    return text


@dataclass(frozen=True)
class Selection:
    """What an endpoint's labels must satisfy to be selected: allowed values, excluded values, presence, absence."""

    allowed: Mapping[str, frozenset[str]] = field(default_factory=dict)
    excluded: Mapping[str, frozenset[str]] = field(default_factory=dict)
    present: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()

    def merge(self, other: Selection) -> Selection | None:
        """Both at once, or None when no endpoint can satisfy both."""
        allowed = dict(self.allowed)
        for key, values in other.allowed.items():
            allowed[key] = allowed[key] & values if key in allowed else values
        none: frozenset[str] = frozenset()
        excluded = {key: self.excluded.get(key, none) | other.excluded.get(key, none) for key in {*self.excluded, *other.excluded}}
        present, absent = self.present | other.present | frozenset(allowed), self.absent | other.absent
        if present & absent or any(not (values - excluded.get(key, frozenset())) for key, values in allowed.items()):
            return None
        return Selection(allowed, excluded, present, absent)


def selection(selector: Mapping[str, Any], namespace: str | None) -> Selection:
    """A label selector (matchLabels, matchExpressions) as a Selection; a namespaced policy adds its namespace."""
    allowed: dict[str, frozenset[str]] = {}
    excluded: dict[str, frozenset[str]] = {}
    present: set[str] = set()
    absent: set[str] = set()

    def allow(key: str, values: frozenset[str]) -> None:
        allowed[key] = allowed[key] & values if key in allowed else values

    for key, value in mapping_at(selector, "matchLabels").items():
        allow(_label(key), frozenset({str(value)}))
    for requirement in mappings_in(list_at(selector, "matchExpressions"), "matchExpressions"):
        key, operator = _label(requirement.get("key")), requirement.get("operator")
        values = frozenset(str(v) for v in list_at(requirement, "values"))
        if operator == "In":
            allow(key, values)
        elif operator == "NotIn":
            excluded[key] = excluded.get(key, frozenset()) | values
        elif operator == "Exists":
            present.add(key)
        elif operator == "DoesNotExist":
            absent.add(key)
    if namespace is not None:
        allow(NAMESPACE_LABEL, frozenset({namespace}))
    return Selection(allowed, excluded, frozenset(present), frozenset(absent))


@dataclass(frozen=True)
class Grant:
    policy: str
    namespace: str | None
    """The namespace of a namespaced policy; None for a clusterwide one."""
    selection: Selection
    cidrs: tuple[str, ...]


def _groups(grants: Sequence[Grant]) -> Iterable[list[Grant]]:
    """Each grant with every other grant an endpoint it selects can also be selected by, greedily in order."""
    for seed in grants:
        joint: Selection | None = seed.selection
        group = [seed]
        for other in grants:
            if other is seed or joint is None:
                continue
            merged = joint.merge(other.selection)
            if merged is not None:
                joint, group = merged, [*group, other]
        yield group


def combined_open_egress(grants: Sequence[Grant]) -> list[str]:
    """Groups of policies that together, and none alone, let one endpoint reach the internet."""
    clusterwide = [g for g in grants if g.namespace is None]
    by_namespace: dict[str, list[Grant]] = {}
    for grant in grants:
        if grant.namespace is not None:
            by_namespace.setdefault(grant.namespace, []).append(grant)
    candidates = [clusterwide]
    for namespace, own in sorted(by_namespace.items()):
        scope = selection({}, namespace)
        candidates.append(own + [g for g in clusterwide if g.selection.merge(scope) is not None])
    problems: list[str] = []
    reported: set[frozenset[str]] = set()
    for candidate in candidates:
        for group in _groups(candidate):
            names = frozenset(g.policy for g in group)
            if len(names) < 2 or names in reported or any(addresses.coverage(g.cidrs).is_world for g in group):
                continue
            if addresses.coverage([cidr for g in group for cidr in g.cidrs]).is_world:
                reported.add(names)
                problems.append(
                    f"endpoints selected by {', '.join(sorted(names))} may reach the internet through them together "
                    "(more than a /8 of public addresses, though no one of them does); narrow their CIDRs"
                )
    return problems
