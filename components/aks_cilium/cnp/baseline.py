"""The policy specs of one namespace's baseline, as plain data (no resources), so they can be checked alone."""

from __future__ import annotations

from dataclasses import dataclass

from .builders import (
    ModeCapabilities,
    allow_dns,
    allow_fqdns,
    allow_from_namespaces,
    allow_to_namespaces,
    default_deny,
    platform_allowances,
)
from .model import PolicySpec, check_namespace


@dataclass(frozen=True)
class NamespaceBaseline:
    namespace: str
    allow_from: tuple[str, ...] = ()
    allow_to: tuple[str, ...] = ()
    fqdns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in (self.namespace, *self.allow_from, *self.allow_to):
            check_namespace(name)


def baseline_policies(baseline: NamespaceBaseline, capabilities: ModeCapabilities) -> dict[str, PolicySpec]:
    """Policy name -> spec: default deny both ways, then only what is listed."""
    policies = {
        "default-deny": default_deny(),
        "allow-dns": allow_dns(capabilities),
        "platform-allowances": platform_allowances(),
    }
    if baseline.allow_from:
        policies["allow-from-namespaces"] = allow_from_namespaces(baseline.allow_from)
    if baseline.allow_to:
        policies["allow-to-namespaces"] = allow_to_namespaces(baseline.allow_to)
    if baseline.fqdns:
        policies["allow-fqdns"] = allow_fqdns(capabilities, baseline.fqdns)
    return policies
