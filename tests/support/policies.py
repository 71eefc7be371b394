"""Policy specs built the way the set builds them, for tests that judge one construct alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aks_cilium.network_policy.builders import ModeCapabilities, fqdns_out
from aks_cilium.network_policy.model import PolicySpec, Port


def fqdn_policy(capabilities: ModeCapabilities, namespace: str, names: tuple[str, ...], port: int = 443) -> PolicySpec:
    """Egress to `names` on one port, with the DNS rule the set puts first."""
    return PolicySpec("fqdns", egress=fqdns_out(capabilities, namespace, tuple((name, (Port(port),)) for name in names)))


def dns_rule_of(spec: Mapping[str, Any]) -> list[Mapping[str, str]] | None:
    """The L7 DNS rule of a rendered spec (the egress rule to kube-dns that carries rules.dns), or None."""
    for rule in spec.get("egress", []):
        for port_rule in rule.get("toPorts", []):
            if "dns" in port_rule.get("rules", {}):
                dns: list[Mapping[str, str]] = port_rule["rules"]["dns"]
                return dns
    return None


def fqdn_selectors_of(spec: Mapping[str, Any]) -> list[Mapping[str, str]]:
    """Every toFQDNs selector of a rendered spec."""
    return [selector for rule in spec.get("egress", []) for selector in rule.get("toFQDNs", [])]
