"""Rules for Kubernetes NetworkPolicy, which Cilium enforces next to its own policies: an allow in either admits traffic.

`spec.egress[].to` empty or missing matches every destination, `spec.ingress[].from` likewise every source, empty or
missing `ports` every port, an empty `namespaceSelector` every namespace, and `ipBlock.cidr` admits a range
(kubernetes/api `networking/v1/types.go`, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, IPBlock).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import addresses, cnp
from .values import MalformedError, dig, list_at, mapping_at, mappings_in, str_at

Props = Mapping[str, Any]


def _egress(props: Props) -> list[tuple[str, Mapping[str, Any]]]:
    return [(f"spec.egress[{i}]", rule) for i, rule in enumerate(mappings_in(list_at(props, "spec", "egress"), "spec.egress"))]


def _peer_cidrs(peers: list[Mapping[str, Any]], path: str) -> list[str]:
    cidrs = []
    for index, peer in enumerate(peers):
        if dig(peer, "ipBlock") is not None:
            cidr = str_at(peer, "ipBlock", "cidr", where=f"{path}[{index}]")
            if cidr is None:
                raise MalformedError(f"{path}[{index}].ipBlock.cidr", "a CIDR string", None)
            cidrs.append(cidr)
    return cidrs


def _cidrs(rule: Mapping[str, Any], path: str) -> list[str]:
    return _peer_cidrs(mappings_in(list_at(rule, "to", where=path), f"{path}.to"), f"{path}.to")


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


def _every_port(rule: Mapping[str, Any], path: str) -> bool:
    """No `ports` matches every port, and so does a port entry without `port` (kubernetes/api `networking/v1/types.go`,
    NetworkPolicyIngressRule.Ports and NetworkPolicyPort.Port) or a range from 1 to 65535 (NetworkPolicyPort.EndPort)."""
    ports = mappings_in(list_at(rule, "ports", where=path), f"{path}.ports")
    return not ports or any(cnp.spans_every_port(port.get("port"), port.get("endPort")) for port in ports)


def _every_namespace(peer: Mapping[str, Any], path: str) -> bool:
    """A peer whose namespaceSelector is empty selects every namespace, and with no or an empty podSelector every pod
    in them (NetworkPolicyPeer)."""
    namespaces = dig(peer, "namespaceSelector")
    if namespaces is None:
        return False
    pods = dig(peer, "podSelector")
    return not mapping_at(peer, "namespaceSelector", where=path) and (pods is None or not mapping_at(peer, "podSelector", where=path))


def no_open_ingress(props: Props) -> list[str]:
    """A NetworkPolicy ingress rule that admits every port from every source (no `from`), from every namespace, or from
    ipBlocks that cover the internet opens its pods; `policyTypes` without Ingress leaves ingress alone."""
    policy_types = list_at(props, "spec", "policyTypes")
    if policy_types and "Ingress" not in policy_types:
        return []
    problems = []
    cidrs: list[str] = []
    for i, rule in enumerate(mappings_in(list_at(props, "spec", "ingress"), "spec.ingress")):
        path = f"spec.ingress[{i}]"
        if not _every_port(rule, path):
            continue
        peers = mappings_in(list_at(rule, "from", where=path), f"{path}.from")
        if not peers:
            problems.append(f"NetworkPolicy {path} has no `from` and no ports: it admits every source on every port; name peers or ports")
        if any(_every_namespace(peer, f"{path}.from[{j}]") for j, peer in enumerate(peers)):
            problems.append(f"NetworkPolicy {path} admits every namespace on every port; select namespaces, or name the ports")
        cidrs += _peer_cidrs(peers, f"{path}.from")
    covered = addresses.coverage(cidrs)
    if covered.is_world:
        problems.append(f"NetworkPolicy ingress ipBlocks {', '.join(cidrs)} on every port together cover the internet; name the ports")
    problems += [f"NetworkPolicy ipBlock {text!r} is not a CIDR; fix it" for text in covered.unparsable]
    return problems
