"""Rules for Kubernetes NetworkPolicy, which Cilium enforces next to its own policies: an allow in either admits traffic.

`spec.egress[].to` empty or missing matches every destination, and `ipBlock.cidr` admits a range
(kubernetes/api `networking/v1/types.go`, NetworkPolicyEgressRule and IPBlock).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import addresses
from .values import MalformedError, dig, list_at, mapping_at, mappings_in, str_at

Props = Mapping[str, Any]


def _egress(props: Props) -> list[tuple[str, Mapping[str, Any]]]:
    return [(f"spec.egress[{i}]", rule) for i, rule in enumerate(mappings_in(list_at(props, "spec", "egress"), "spec.egress"))]


def _cidrs(rule: Mapping[str, Any], path: str) -> list[str]:
    cidrs = []
    for index, peer in enumerate(mappings_in(list_at(rule, "to", where=path), f"{path}.to")):
        if dig(peer, "ipBlock") is not None:
            cidr = str_at(peer, "ipBlock", "cidr", where=f"{path}.to[{index}]")
            if cidr is None:
                raise MalformedError(f"{path}.to[{index}].ipBlock.cidr", "a CIDR string", None)
            cidrs.append(cidr)
    return cidrs


def no_open_egress(props: Props, exempt_namespaces: Sequence[str]) -> list[str]:
    """A NetworkPolicy rule with no `to`, or ipBlocks that cover the internet, opens egress for its pods."""
    if dig(props, "metadata", "namespace") in exempt_namespaces:
        return []
    problems = []
    cidrs: list[str] = []
    for path, rule in _egress(props):
        if not list_at(rule, "to", where=path):
            problems.append(f"NetworkPolicy {path} has no `to`, so it allows every destination, the internet included; name its peers")
        cidrs += _cidrs(rule, path)
    covered = addresses.coverage(cidrs)
    if covered.is_world:
        problems.append(f"NetworkPolicy ipBlocks {', '.join(cidrs)} together cover the internet; allow specific ranges")
    problems += [f"NetworkPolicy ipBlock {text!r} is not a CIDR; fix it" for text in covered.unparsable]
    return problems


def egress_grants(props: Props) -> list[tuple[Mapping[str, Any], list[str]]]:
    """(podSelector, CIDRs) of the policy's egress ipBlocks, for judging coverage across policies."""
    cidrs = [cidr for path, rule in _egress(props) for cidr in _cidrs(rule, path)]
    return [(mapping_at(props, "spec", "podSelector"), cidrs)] if cidrs else []
