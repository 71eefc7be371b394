"""Which resources of a previous deployment a program's registrations take over, as the engine decides it.

This follows the step generator of `pulumi/pulumi` (`pkg/resource/deploy/step_generator.go`: `generateSteps`,
`generateAliases`, `collapseAliasToUrn`, `inheritedChildAlias`) so that a test can tell, without an engine, whether a
change of type token or name would show as a replacement:

- a registration is matched with the old state first by its own URN, then by its aliases in order;
- its aliases are its own alias specs collapsed to URNs (empty name, type or parent fall back to its own; an explicit
  parent that itself matched through an alias is replaced by the parent's old URN; `noParent` or a root-stack parent
  means no parent), and, when its parent matched through an alias, the alias inherited from the parent: the parent's
  old qualified type, `$`, the child's type, and the child's name with the parent's name prefix swapped for the
  parent's old name;
- a resource that matched through an alias lends its old URN to its own children in turn.

URNs are the engine's (`Deployment.generateURN` in `pkg/resource/deploy/deployment.go`): the parent's full qualified
type, unless the parent is the root stack, then `$` and the type; an alias is collapsed by `resource.CreateURN`
(`sdk/go/common/resource/alias.go`), which keeps the parent URN's own stack and project. Pulumi's own `MockMonitor`
builds URNs differently (the parent's last type only, root stack included; releases before this one recorded those),
so the matcher recomputes every URN from type, name and parent; the recording monitor now gives the engine's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


def urn_parts(urn: str) -> tuple[str, str]:
    """(qualified type, name) of a URN `urn:pulumi:<stack>::<project>::<qualified type>::<name>`."""
    _, _, qualified_type, name = urn.split("::", 3)
    return qualified_type, name


class Registered(Protocol):
    """What the matcher reads of a registration: its mock URN, type, name, parent's mock URN and alias specs."""

    @property
    def urn(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def parent(self) -> str: ...
    @property
    def aliases(self) -> Sequence[Mapping[str, Any]]: ...


def engine_urns(registrations: Iterable[Registered], project: str, stack: str) -> dict[str, str]:
    """Mock URN -> the URN the engine gives the same registration (parents are registered before their children)."""
    result: dict[str, str] = {}
    for registration in registrations:
        parent = result.get(registration.parent, "")
        result[registration.urn] = generate_urn(registration.name, registration.type, parent, project, stack)
    return result


def generate_urn(name: str, type_: str, parent: str, project: str, stack: str) -> str:
    """`Deployment.generateURN` (`urn.New`): a child's qualified type is its parent's qualified type, `$`, its own
    type; a parent that is the root stack adds nothing. Stack and project are the deployment's."""
    parent_type = urn_parts(parent)[0] if parent else ""
    qualified = f"{parent_type}${type_}" if parent_type and parent_type != ROOT_STACK_TYPE else type_
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def create_urn(name: str, type_: str, parent: str, project: str, stack: str) -> str:
    """`resource.CreateURN` (`sdk/go/common/resource/alias.go`), for an alias: with a parent, everything before the
    parent URN's last `::` (its stack, project and qualified type), `$`, the type; `project` and `stack` count only
    without a parent."""
    if not parent:
        return f"urn:pulumi:{stack}::{project}::{type_}::{name}"
    return f"{parent[: parent.rindex('::')]}${type_}::{name}"


@dataclass
class AliasMatcher:
    """Replays the engine's matching of registrations (in registration order) against the previous state's URNs."""

    previous: frozenset[str]
    """The previous state's URNs, as the engine gave them."""
    project: str
    stack: str
    urns: dict[str, str] = field(default_factory=dict)
    """Mock URN -> engine URN of the registrations seen so far."""
    aliased: dict[str, str] = field(default_factory=dict)
    """New URN -> old URN, for registrations that matched through an alias (the engine's `sg.aliases`)."""
    matched: dict[str, str] = field(default_factory=dict)
    """New URN -> the old URN it takes over."""

    def _collapse(self, registration: Registered, alias: Mapping[str, Any]) -> str:
        if "urn" in alias:
            return str(alias["urn"])
        spec = alias.get("spec", {})
        explicit_parent = spec.get("parentUrn", "")
        if explicit_parent:
            # A parent named by the alias stands for its old URN when it matched through an alias itself.
            parent = self.urns.get(explicit_parent, explicit_parent)
            parent = self.aliased.get(parent, parent)
        else:
            parent = self.urns.get(registration.parent, "")
        if spec.get("noParent") or (parent and urn_parts(parent)[0] == ROOT_STACK_TYPE):
            parent = ""
        return create_urn(
            spec.get("name") or registration.name,
            spec.get("type") or registration.type,
            parent,
            spec.get("project") or self.project,
            spec.get("stack") or self.stack,
        )

    def _inherited(self, child_type: str, child_name: str, parent_name: str, parent_alias: str) -> str:
        alias_name = child_name
        if child_name.startswith(parent_name):
            alias_name = urn_parts(parent_alias)[1] + child_name[len(parent_name) :]
        return generate_urn(alias_name, child_type, parent_alias, self.project, self.stack)

    def aliases(self, registration: Registered) -> list[str]:
        """`generateAliases`: the registration's own aliases, then those its aliased parent lends it."""
        result: list[str] = []
        own = [self._collapse(registration, alias) for alias in registration.aliases]
        result.extend(own)
        parent = self.urns.get(registration.parent, "")
        parent_alias = self.aliased.get(parent)
        if parent_alias is not None:
            parent_name = urn_parts(parent)[1]
            result.append(self._inherited(registration.type, registration.name, parent_name, parent_alias))
            for child_alias in own:
                qualified_type, name = urn_parts(child_alias)
                result.append(self._inherited(qualified_type.split("$")[-1], name, parent_name, parent_alias))
        return list(dict.fromkeys(result))

    def register(self, registration: Registered) -> str | None:
        """The old URN this registration takes over, or None (the engine would create it)."""
        urn = generate_urn(registration.name, registration.type, self.urns.get(registration.parent, ""), self.project, self.stack)
        self.urns[registration.urn] = urn
        for candidate in [urn, *self.aliases(registration)]:
            if candidate in self.previous:
                self.matched[urn] = candidate
                if candidate != urn:
                    self.aliased[urn] = candidate
                return candidate
        return None


def match_previous_state(previous: Iterable[str], registrations: Iterable[Registered], project: str, stack: str) -> AliasMatcher:
    """Run every registration through the matcher; `matched` then maps each new engine URN to the old one it takes over."""
    matcher = AliasMatcher(frozenset(previous), project, stack)
    for registration in registrations:
        matcher.register(registration)
    return matcher
