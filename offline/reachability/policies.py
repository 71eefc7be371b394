"""The policies a plan registers, read into one model: CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy and
Kubernetes NetworkPolicy, each rule with the policy name and index that reports cite.

What each field means follows Cilium's own translation (cilium/cilium pkg/k8s/apis/cilium.io/utils/utils.go) and its
CRD schema (1.20.0, `ciliumnetworkpolicies.yaml`); constructs the analyser does not model are kept as notes on the
rule, so a report never silently pretends to understand them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .dns import DnsMatcher, matcher
from .selectors import (
    K8S,
    NAMESPACE_KEY,
    NAMESPACE_LABEL_PREFIX,
    Requirement,
    Selector,
    namespace_scoped,
    parse_selector,
    subject_scoped,
)

Direction = Literal["ingress", "egress"]
DIRECTIONS: tuple[Direction, ...] = ("ingress", "egress")
CNP, CCNP, KNP = "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "NetworkPolicy"
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Rule fields the analyser does not evaluate; a rule carrying one is reported, never silently half-read.
_UNMODELLED = ("fromRequires", "toRequires", "toServices", "toGroups", "fromNodes", "toNodes", "icmps", "authentication")


@dataclass(frozen=True)
class PortSpec:
    first: int
    """0: every port (Cilium reads port 0 as all ports)."""
    last: int
    protocol: str
    """TCP, UDP, SCTP, ... or ANY (the CRD's default when omitted)."""
    name: str = ""
    """A named port: resolved against the peer's container ports, which the analyser does not know."""

    def covers(self, port: int, protocol: str) -> bool:
        if self.name:
            return False
        return (self.protocol == "ANY" or self.protocol == protocol) and (self.first == 0 or self.first <= port <= self.last)

    def render(self) -> str:
        where = self.name or ("*" if self.first == 0 else str(self.first) if self.first == self.last else f"{self.first}-{self.last}")
        return f"{where}/{self.protocol}"


@dataclass(frozen=True)
class PortRule:
    ports: tuple[PortSpec, ...]
    """Empty: every port."""
    dns: tuple[DnsMatcher, ...] = ()
    l7: str = ""
    """The L7 rule kind (dns, http, kafka, ...) or empty."""

    def covers(self, port: int, protocol: str) -> bool:
        return not self.ports or any(p.covers(port, protocol) for p in self.ports)


@dataclass(frozen=True)
class CidrBlock:
    network: IpNetwork
    excepts: tuple[IpNetwork, ...] = ()


@dataclass(frozen=True)
class Rule:
    policy: str
    """`<Kind> <namespace>/<name>` or `<Kind> <name>`."""
    section: str
    """The spec field it came from: ingress, ingressDeny, egress, egressDeny."""
    index: int
    direction: Direction
    deny: bool
    endpoints: tuple[Selector, ...] = ()
    entities: tuple[str, ...] = ()
    cidrs: tuple[CidrBlock, ...] = ()
    fqdns: tuple[DnsMatcher, ...] = ()
    any_peer: bool = False
    """No peer field but ports: the rule applies to every peer on those ports."""
    ports: tuple[PortRule, ...] = ()
    """Empty: every port and protocol."""
    notes: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.policy} {self.section}[{self.index}]"

    @property
    def dns_matchers(self) -> tuple[DnsMatcher, ...]:
        return tuple(m for p in self.ports for m in p.dns)


@dataclass(frozen=True)
class Policy:
    kind: str
    namespace: str | None
    name: str
    subject: Selector
    rules: tuple[Rule, ...]
    default_deny: Mapping[Direction, bool] = field(hash=False)

    @property
    def label(self) -> str:
        return policy_label(self.kind, self.namespace, self.name)


def policy_label(kind: str, namespace: str | None, name: str) -> str:
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def _port_number(value: Any) -> int | str:
    """Ports come as strings (the CRD) or numbers (JSON, including floats from the engine's Struct)."""
    if isinstance(value, bool):
        raise ValueError(f"port {value!r}")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() else text


def _port_spec(raw: Mapping[str, Any], default_protocol: str) -> PortSpec:
    protocol = str(raw.get("protocol") or default_protocol).upper()
    port = _port_number(raw.get("port", 0))
    if isinstance(port, str):
        return PortSpec(0, 0, protocol, name=port)
    end = raw.get("endPort")
    last = int(_port_number(end)) if end not in (None, 0) else port
    return PortSpec(port, max(port, last), protocol)


def _port_rules(raw: Iterable[Mapping[str, Any]] | None) -> tuple[PortRule, ...]:
    rules = []
    for item in raw or []:
        ports = tuple(_port_spec(p, "ANY") for p in item.get("ports") or [])
        l7_rules = item.get("rules") or {}
        kinds = sorted(k for k, v in l7_rules.items() if v)
        dns = tuple(m for m in (matcher(d) for d in l7_rules.get("dns") or []) if m is not None)
        rules.append(PortRule(ports, dns, kinds[0] if kinds else ""))
    return tuple(rules)


def _cidrs(rule: Mapping[str, Any], plain: str, with_except: str) -> tuple[CidrBlock, ...]:
    blocks = [CidrBlock(ipaddress.ip_network(str(c), strict=False)) for c in rule.get(plain) or []]
    for item in rule.get(with_except) or []:
        if "cidr" in item:
            excepts = tuple(ipaddress.ip_network(str(e), strict=False) for e in item.get("except") or [])
            blocks.append(CidrBlock(ipaddress.ip_network(str(item["cidr"]), strict=False), excepts))
    return tuple(blocks)


def _rule(label: str, namespace: str | None, section: str, index: int, raw: Mapping[str, Any]) -> Rule:
    direction: Direction = "ingress" if section.startswith("ingress") else "egress"
    side = "from" if direction == "ingress" else "to"
    endpoints = tuple(namespace_scoped(parse_selector(s), namespace) for s in raw.get(f"{side}Endpoints") or [])
    entities = tuple(str(e) for e in raw.get(f"{side}Entities") or [])
    cidrs = _cidrs(raw, f"{side}CIDR", f"{side}CIDRSet")
    fqdns = tuple(m for m in (matcher(f) for f in raw.get("toFQDNs") or []) if m is not None) if direction == "egress" else ()
    notes = [f"{key} is not modelled" for key in _UNMODELLED if raw.get(key)]
    notes += ["cidrGroupRef is not modelled" for item in raw.get(f"{side}CIDRSet") or [] if "cidrGroupRef" in item]
    ports = _port_rules(raw.get("toPorts"))
    # A peer field given, even as an empty list, is a peer selection: an empty one selects nothing
    # (pkg/policy/utils/parserules.go, `mergeEndpointSelectors`), never every peer.
    peer_fields = (
        f"{side}Endpoints",
        f"{side}Entities",
        f"{side}CIDR",
        f"{side}CIDRSet",
        "toFQDNs",
        f"{side}Nodes",
        "toServices",
        "toGroups",
    )
    has_peer = any(raw.get(key) is not None for key in peer_fields)
    return Rule(
        label, section, index, direction, section.endswith("Deny"), endpoints, entities, cidrs, fqdns,
        any_peer=not has_peer and bool(ports), ports=ports, notes=tuple(notes),
    )  # fmt: skip


def _default_deny(spec: Mapping[str, Any]) -> dict[Direction, bool]:
    """enableDefaultDeny per direction; unset, true for each direction the policy has rules in (CRD description)."""
    configured = spec.get("enableDefaultDeny") or {}
    result: dict[Direction, bool] = {}
    for direction in DIRECTIONS:
        has_rules = bool(spec.get(direction) or spec.get(f"{direction}Deny"))
        value = configured.get(direction)
        result[direction] = has_rules if value is None else bool(value) and has_rules
    return result


def cilium_policies(kind: str, namespace: str | None, name: str, spec: Mapping[str, Any]) -> list[Policy]:
    """One Policy per rule spec (a CiliumNetworkPolicy may carry `spec` and `specs`)."""
    label = policy_label(kind, namespace, name)
    if spec.get("nodeSelector") is not None:
        return [Policy(kind, namespace, name, Selector(()), (), {"ingress": False, "egress": False})]
    subject = subject_scoped(parse_selector(spec.get("endpointSelector") or {}), namespace)
    rules = [
        _rule(label, namespace, section, index, raw)
        for section in ("ingress", "ingressDeny", "egress", "egressDeny")
        for index, raw in enumerate(spec.get(section) or [])
    ]
    return [Policy(kind, namespace, name, subject, tuple(rules), _default_deny(spec))]


def _native_peer(raw: Mapping[str, Any], namespace: str) -> tuple[Selector | None, CidrBlock | None]:
    if "ipBlock" in raw:
        block = raw["ipBlock"]
        excepts = tuple(ipaddress.ip_network(str(e), strict=False) for e in block.get("except") or [])
        return None, CidrBlock(ipaddress.ip_network(str(block["cidr"]), strict=False), excepts)
    pods = parse_selector(raw.get("podSelector") or {}).requirements
    pods = tuple(Requirement(K8S, r.key, r.operator, r.values) for r in pods)
    if "namespaceSelector" in raw:
        spaces = parse_selector(raw["namespaceSelector"] or {}).requirements
        scope = tuple(Requirement(K8S, NAMESPACE_LABEL_PREFIX + r.key, r.operator, r.values) for r in spaces)
        return Selector((*pods, *scope, Requirement(K8S, NAMESPACE_KEY, "Exists"))), None
    return Selector((*pods, Requirement(K8S, NAMESPACE_KEY, "In", frozenset({namespace})))), None


def native_policy(namespace: str, name: str, spec: Mapping[str, Any]) -> Policy:
    """A Kubernetes NetworkPolicy (networking.k8s.io/v1) as Cilium enforces it.

    kubernetes/api networking/v1/types.go: policyTypes defaults to Ingress, plus Egress when egress rules exist; a
    listed type with no rules denies that direction; a rule without `from`/`to` matches every peer, without `ports`
    every port; a port's protocol defaults to TCP; `namespaceSelector` selects namespaces by their labels, which
    Cilium carries on each pod as `io.cilium.k8s.namespace.labels.<key>`.
    """
    label = policy_label(KNP, namespace, name)
    pods = parse_selector(spec.get("podSelector") or {}).requirements
    in_namespace = Requirement(K8S, NAMESPACE_KEY, "In", frozenset({namespace}))
    subject = Selector((*(Requirement(K8S, r.key, r.operator, r.values) for r in pods), in_namespace))
    types = spec.get("policyTypes") or (["Ingress", "Egress"] if spec.get("egress") else ["Ingress"])
    rules = []
    for direction, side in (("ingress", "from"), ("egress", "to")):
        for index, raw in enumerate(spec.get(direction) or []):
            peers = [_native_peer(p, namespace) for p in raw.get(side) or []]
            ports = tuple(_port_spec(p, "TCP") for p in raw.get("ports") or [])
            rules.append(
                Rule(
                    label, direction, index, direction, False,  # type: ignore[arg-type]
                    endpoints=tuple(s for s, _ in peers if s is not None),
                    cidrs=tuple(c for _, c in peers if c is not None),
                    any_peer=not peers,
                    ports=(PortRule(ports),) if ports else (),
                )
            )  # fmt: skip
    default_deny: dict[Direction, bool] = {"ingress": "Ingress" in types, "egress": "Egress" in types}
    return Policy(KNP, namespace, name, subject, tuple(rules), default_deny)


def read_policies(manifests: Iterable[Mapping[str, Any]]) -> list[Policy]:
    """Every policy among `manifests`, in the order given."""
    policies: list[Policy] = []
    for manifest in manifests:
        kind = manifest.get("kind")
        metadata = manifest.get("metadata") or {}
        name, namespace = str(metadata.get("name", "")), metadata.get("namespace")
        if kind in (CNP, CCNP):
            scope = str(namespace or "default") if kind == CNP else None
            if manifest.get("spec"):
                policies.extend(cilium_policies(str(kind), scope, name, manifest["spec"]))
            for index, spec in enumerate(manifest.get("specs") or []):
                policies.extend(cilium_policies(str(kind), scope, f"{name}[{index}]", spec))
        elif kind == KNP and str(manifest.get("apiVersion", "")).startswith("networking.k8s.io/"):
            policies.append(native_policy(str(namespace or "default"), name, manifest.get("spec") or {}))
    return policies
