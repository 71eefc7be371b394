"""A typed model of CiliumNetworkPolicy (cilium.io/v2) rules that renders the `spec`.

It refuses, with a clear error, what Cilium would reject (CRD schema) and what it would silently
accept but not do what the author meant (an empty rule list meant as deny, toFQDNs beside toEndpoints).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aks_cilium.network_policy.names import crd_problem

PROTOCOLS = ("TCP", "UDP", "SCTP", "VRRP", "IGMP", "GRE", "IPIP", "IPV6", "ESP", "AH", "ANY")
ENTITIES = (
    "all",
    "world",
    "cluster",
    "cluster-mesh",
    "host",
    "init",
    "ingress",
    "unmanaged",
    "remote-node",
    "health",
    "none",
    "kube-apiserver",
)
NAMESPACE_LABEL = "k8s:io.kubernetes.pod.namespace"
_LABEL_SOURCE = r"(?:(?:k8s|any|reserved|container|cidr|unspec):)?"
_DNS_SUBDOMAIN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_LABEL_KEY = re.compile(rf"^{_LABEL_SOURCE}(?:(?P<prefix>{_DNS_SUBDOMAIN})/)?{_LABEL_NAME}\Z")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?\Z")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")
_PORT_NAME = re.compile(r"^([a-z0-9]-?)*[a-z](-?[a-z0-9])*\Z")
_HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE")
# Cilium's CRD (toPorts.ports maxItems) and the agent's rule validation (maxPorts) both stop at 40 ports per port rule.
MAX_PORTS_PER_RULE = 40


class PolicyModelError(ValueError):
    """A policy Cilium would refuse, or accept without doing what was meant."""


def check_namespace(name: str) -> str:
    if not _NAMESPACE.match(name):
        raise PolicyModelError(f"{name!r} is not a namespace name (DNS-1123 label: lower case, digits, '-', at most 63)")
    return name


def _check_labels(labels: Mapping[str, str]) -> None:
    for key, value in labels.items():
        match = _LABEL_KEY.match(key)
        if not match or (match.group("prefix") and len(match.group("prefix")) > 253):
            raise PolicyModelError(f"{key!r} is not a label key ([source:][prefix/]name, name at most 63 characters)")
        if not isinstance(value, str) or not _LABEL_VALUE.match(value):
            raise PolicyModelError(f"{value!r} (label {key}) is not a label value (at most 63 alphanumerics, '-', '_', '.')")


SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@dataclass(frozen=True)
class Expression:
    """A label selector requirement: In and NotIn take values, Exists and DoesNotExist none."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_labels({self.key: ""})
        if self.operator not in SELECTOR_OPERATORS:
            raise PolicyModelError(f"operator {self.operator!r} is not one of {', '.join(SELECTOR_OPERATORS)}")
        if (self.operator in ("In", "NotIn")) != bool(self.values):
            need = "needs at least one value" if self.operator in ("In", "NotIn") else "takes no values"
            raise PolicyModelError(f"selector requirement {self.key} {self.operator} {need}")
        for value in self.values:
            _check_labels({self.key: value})

    def render(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {"key": self.key, "operator": self.operator}
        if self.values:
            rendered["values"] = list(self.values)
        return rendered


@dataclass(frozen=True)
class Selector:
    """An endpoint selector by labels; empty selects every endpoint in the policy's namespace (every endpoint of the
    cluster in a CiliumClusterwideNetworkPolicy)."""

    match_labels: Mapping[str, str] = field(default_factory=dict)
    match_expressions: tuple[Expression, ...] = ()

    def __post_init__(self) -> None:
        _check_labels(self.match_labels)

    @staticmethod
    def namespace(name: str, **labels: str) -> Selector:
        """Pods of another namespace: without the namespace label a selector only means the policy's own."""
        return Selector({NAMESPACE_LABEL: check_namespace(name), **labels})

    def render(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {}
        if self.match_labels:
            rendered["matchLabels"] = dict(self.match_labels)
        if self.match_expressions:
            rendered["matchExpressions"] = [e.render() for e in self.match_expressions]
        return rendered


@dataclass(frozen=True)
class Port:
    port: int | str
    protocol: str = "TCP"
    end_port: int | None = None
    """Last port of a range that starts at `port` (the CRD's endPort)."""

    def __post_init__(self) -> None:
        if self.end_port is not None and not (isinstance(self.port, int) and self.port < self.end_port <= 65535):
            raise PolicyModelError(f"a port range needs a numeric start below its end, got {self.port}-{self.end_port}")
        if self.protocol not in PROTOCOLS:
            hint = f" (did you mean {self.protocol.upper()}?)" if self.protocol.upper() in PROTOCOLS else ""
            raise PolicyModelError(f"protocol {self.protocol!r} is not one of {', '.join(PROTOCOLS)}{hint}")
        if isinstance(self.port, bool) or not isinstance(self.port, int | str):
            raise PolicyModelError(f"port {self.port!r} is neither a number nor a port name")
        if isinstance(self.port, int) and not 1 <= self.port <= 65535:
            raise PolicyModelError(f"port {self.port} is outside 1-65535")
        if isinstance(self.port, str) and (len(self.port) > 15 or not _PORT_NAME.match(self.port)):
            raise PolicyModelError(f"port name {self.port!r} is not an IANA service name (lower case, at most 15)")

    def render(self) -> dict[str, Any]:
        # The CRD wants ports as strings, even numeric ones; endPort is an integer.
        rendered: dict[str, Any] = {"port": str(self.port), "protocol": self.protocol}
        if self.end_port is not None:
            rendered["endPort"] = self.end_port
        return rendered


@dataclass(frozen=True)
class DnsMatch:
    """A DNS name (exact, no wildcard) or pattern (with `*`), for toFQDNs and L7 DNS rules."""

    name: str

    def __post_init__(self) -> None:
        problem = crd_problem(self.name, self.is_pattern)
        if problem:
            raise PolicyModelError(f"{self.name[:60]!r} {problem}")

    @property
    def is_pattern(self) -> bool:
        return "*" in self.name

    def render(self) -> dict[str, str]:
        return {"matchPattern": self.name} if self.is_pattern else {"matchName": self.name}


@dataclass(frozen=True)
class HttpMatch:
    method: str = ""
    path: str = ""

    def __post_init__(self) -> None:
        if self.method and self.method not in _HTTP_METHODS:
            raise PolicyModelError(f"HTTP method {self.method!r} is not one of {', '.join(_HTTP_METHODS)}")
        if self.path and not self.path.startswith("/"):
            raise PolicyModelError(f"HTTP path {self.path!r} must start with '/' (it is a regular expression on the path)")

    def render(self) -> dict[str, str]:
        return {k: v for k, v in (("method", self.method), ("path", self.path)) if v}


@dataclass(frozen=True)
class PortRule:
    """Ports, optionally with L7 rules: DNS or HTTP, never both (the CRD allows one kind)."""

    ports: tuple[Port, ...]
    dns: tuple[DnsMatch, ...] = ()
    http: tuple[HttpMatch, ...] = ()

    def __post_init__(self) -> None:
        if not self.ports:
            raise PolicyModelError("a port rule needs at least one port")
        if len(self.ports) > MAX_PORTS_PER_RULE:
            raise PolicyModelError(f"a port rule takes at most {MAX_PORTS_PER_RULE} ports; split the ports over several rules")
        if self.dns and self.http:
            raise PolicyModelError("a port rule carries DNS or HTTP rules, not both")
        # The CRD accepts these; the agent then refuses the whole policy, so nothing of it is enforced.
        if self.dns and any(p.end_port is not None for p in self.ports):
            raise PolicyModelError("DNS rules do not support port ranges")
        if self.http and any(p.protocol != "TCP" for p in self.ports):
            raise PolicyModelError("HTTP rules apply to TCP ports only")

    @property
    def has_l7(self) -> bool:
        return bool(self.dns or self.http)

    def render(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {"ports": [p.render() for p in self.ports]}
        if self.dns:
            rendered["rules"] = {"dns": [d.render() for d in self.dns]}
        elif self.http:
            rendered["rules"] = {"http": [h.render() for h in self.http]}
        return rendered


def _cidrs(cidrs: tuple[str, ...]) -> list[str]:
    for cidr in cidrs:
        try:
            ipaddress.ip_network(cidr, strict=True)
        except ValueError as error:
            raise PolicyModelError(f"{cidr!r} is not a CIDR with its host bits zero ({error})") from error
    return list(cidrs)


@dataclass(frozen=True)
class CidrRule:
    """A CIDR with exceptions (the CRD's toCIDRSet item): every exception must lie inside the CIDR."""

    cidr: str
    except_cidrs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _cidrs((self.cidr, *self.except_cidrs))
        outer = ipaddress.ip_network(self.cidr)
        for inner in self.except_cidrs:
            network = ipaddress.ip_network(inner)
            if network.version != outer.version or not network.subnet_of(outer):  # type: ignore[arg-type]
                raise PolicyModelError(f"exception {inner} is not inside {self.cidr}; Cilium ignores exceptions outside the CIDR")

    def render(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {"cidr": self.cidr}
        if self.except_cidrs:
            rendered["except"] = list(self.except_cidrs)
        return rendered


def _entities(entities: tuple[str, ...]) -> list[str]:
    for entity in entities:
        if entity not in ENTITIES:
            raise PolicyModelError(f"entity {entity!r} is not one of {', '.join(ENTITIES)}")
    return list(entities)


@dataclass(frozen=True)
class IngressRule:
    """Traffic allowed in, from peers (all listed peer kinds combine) on ports."""

    from_endpoints: tuple[Selector, ...] = ()
    from_entities: tuple[str, ...] = ()
    from_cidrs: tuple[str, ...] = ()
    to_ports: tuple[PortRule, ...] = ()

    def __post_init__(self) -> None:
        if any(p.dns for p in self.to_ports):
            raise PolicyModelError("DNS rules apply to egress only; Cilium refuses them on ingress")

    def render(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {}
        if self.from_endpoints:
            rendered["fromEndpoints"] = [s.render() for s in self.from_endpoints]
        if self.from_entities:
            rendered["fromEntities"] = _entities(self.from_entities)
        if self.from_cidrs:
            rendered["fromCIDR"] = _cidrs(self.from_cidrs)
        if self.to_ports:
            rendered["toPorts"] = [p.render() for p in self.to_ports]
        return rendered


@dataclass(frozen=True)
class EgressRule:
    """Traffic allowed out, to peers on ports."""

    to_endpoints: tuple[Selector, ...] = ()
    to_entities: tuple[str, ...] = ()
    to_cidrs: tuple[str, ...] = ()
    to_fqdns: tuple[DnsMatch, ...] = ()
    to_ports: tuple[PortRule, ...] = ()
    to_cidr_set: tuple[CidrRule, ...] = ()
    """CIDRs with exceptions (toCIDRSet)."""

    def __post_init__(self) -> None:
        if self.to_fqdns and (self.to_endpoints or self.to_entities or self.to_cidrs or self.to_cidr_set):
            raise PolicyModelError("toFQDNs must stand in its own egress rule, without toEndpoints, toEntities or toCIDR")
        if self.to_fqdns and any(p.has_l7 for p in self.to_ports):
            raise PolicyModelError("toFQDNs rules take plain ports; the L7 DNS rule belongs to the kube-dns rule")

    def render(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {}
        if self.to_endpoints:
            rendered["toEndpoints"] = [s.render() for s in self.to_endpoints]
        if self.to_entities:
            rendered["toEntities"] = _entities(self.to_entities)
        if self.to_cidrs:
            rendered["toCIDR"] = _cidrs(self.to_cidrs)
        if self.to_cidr_set:
            rendered["toCIDRSet"] = [c.render() for c in self.to_cidr_set]
        if self.to_fqdns:
            rendered["toFQDNs"] = [f.render() for f in self.to_fqdns]
        if self.to_ports:
            rendered["toPorts"] = [p.render() for p in self.to_ports]
        return rendered


@dataclass(frozen=True)
class DefaultDeny:
    """The CRD's enableDefaultDeny: False in a direction keeps the policy from denying what it does not name."""

    ingress: bool
    egress: bool

    def render(self) -> dict[str, bool]:
        return {"ingress": self.ingress, "egress": self.egress}


@dataclass(frozen=True)
class PolicySpec:
    """The spec of one CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy.

    ingress/egress None: that direction is not touched by this policy. `deny_ingress`/`deny_egress`
    render the default-deny form `[{}]`; an empty tuple of rules is refused, since Cilium reads `[]` as "no
    rule" and denies nothing. `egress_deny` rules drop traffic whatever else allows it.
    """

    description: str
    endpoint_selector: Selector = field(default_factory=Selector)
    ingress: tuple[IngressRule, ...] | None = None
    egress: tuple[EgressRule, ...] | None = None
    deny_ingress: bool = False
    deny_egress: bool = False
    egress_deny: tuple[EgressRule, ...] | None = None
    enable_default_deny: DefaultDeny | None = None

    def __post_init__(self) -> None:
        if self.ingress is None and self.egress is None and self.egress_deny is None and not (self.deny_ingress or self.deny_egress):
            raise PolicyModelError("a policy needs ingress or egress rules, or default deny")
        for direction, rules, deny in (("ingress", self.ingress, self.deny_ingress), ("egress", self.egress, self.deny_egress)):
            if rules is not None and len(rules) == 0:
                raise PolicyModelError(f"an empty {direction} list denies nothing in Cilium; use deny_{direction}=True for default deny")
            if rules is not None and deny:
                raise PolicyModelError(f"{direction}: give rules or default deny, not both")
            if rules is not None and any(not r.render() for r in rules):
                raise PolicyModelError(f"an empty {direction} rule selects nothing; use deny_{direction}=True for default deny")
        if self.egress_deny is not None:
            if not self.egress_deny or any(not r.render() for r in self.egress_deny):
                raise PolicyModelError("egress deny rules must name what they deny")
            if any(r.to_fqdns or any(p.has_l7 for p in r.to_ports) for r in self.egress_deny):
                raise PolicyModelError("deny rules take neither toFQDNs nor L7 rules (the CRD's egressDeny has no such fields)")
        if len(self.description) > 1024:
            raise PolicyModelError("description longer than 1024 characters")

    def render(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"description": self.description, "endpointSelector": self.endpoint_selector.render()}
        if self.deny_ingress:
            spec["ingress"] = [{}]
        elif self.ingress is not None:
            spec["ingress"] = [r.render() for r in self.ingress]
        if self.deny_egress:
            spec["egress"] = [{}]
        elif self.egress is not None:
            spec["egress"] = [r.render() for r in self.egress]
        if self.egress_deny is not None:
            spec["egressDeny"] = [r.render() for r in self.egress_deny]
        if self.enable_default_deny is not None:
            spec["enableDefaultDeny"] = self.enable_default_deny.render()
        return spec
