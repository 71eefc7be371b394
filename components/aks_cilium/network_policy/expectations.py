"""Declared flows: what the policies must allow or deny, one line each, such as `client -> demo:8080 allow`.

The one list that both proofs read: the offline plan's reachability analyser judges each expectation against the
policies it would apply, and the live connectivity check probes the same flows on the cluster.

Grammar: `<namespace> -> <target>:<port>[/<protocol>] allow|deny`, where the target is
- a namespace (`demo`),
- a DNS name (`api.stripe.com`: anything with a dot that is not an address),
- an address or CIDR (`169.254.169.254` is `169.254.169.254/32`),
- or, with an explicit kind, any of them: `namespace:NAME`, `fqdn:NAME`, `cidr:CIDR`, `entity:ENTITY` (entities only
  this way, since `world` is also a valid namespace name).
The protocol is TCP unless `/UDP` or `/ANY` follows the port.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from aks_cilium.network_policy.model import ENTITIES, PolicyModelError, check_namespace
from aks_cilium.network_policy.names import fqdn_selector_problem

TargetKind = Literal["namespace", "fqdn", "cidr", "entity"]
TARGET_KINDS: tuple[TargetKind, ...] = ("namespace", "fqdn", "cidr", "entity")
FLOW_PROTOCOLS = ("TCP", "UDP", "ANY")
VERDICTS = {"allow": True, "deny": False}
ARROW = "->"
EXAMPLE = "client -> demo:8080 allow"


class ExpectationError(ValueError):
    """A line that is not an expectation; the message says what is wrong in it."""


@dataclass(frozen=True)
class Target:
    """Where a flow goes: exactly one kind of peer, as in reachability.json's `to`."""

    kind: TargetKind
    value: str

    def as_json(self) -> dict[str, str]:
        return {self.kind: self.value}

    def render(self) -> str:
        """The shortest text that parses back to this target."""
        shown = self.value.removesuffix("/32") if self.kind == "cidr" else self.value
        return shown if _inferred_kind(shown) == self.kind else f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class Expectation:
    source: str
    """Namespace the flow starts in (a pod there with no other labels than its namespace gives it)."""
    target: Target
    port: int
    protocol: str
    """TCP, UDP or ANY (ANY: every protocol must get the verdict)."""
    allowed: bool

    @property
    def verdict(self) -> str:
        return "allowed" if self.allowed else "denied"

    def render(self) -> str:
        """The canonical line: `client -> demo:8080 allow`, `client -> kube-system:53/UDP allow`."""
        protocol = "" if self.protocol == "TCP" else f"/{self.protocol}"
        return f"{self.source} {ARROW} {self.target.render()}:{self.port}{protocol} {'allow' if self.allowed else 'deny'}"

    @property
    def flow_key(self) -> tuple[str, str, str, int, str]:
        """What identifies the flow regardless of the verdict expected."""
        return (self.source, self.target.kind, self.target.value, self.port, self.protocol)


def _inferred_kind(value: str) -> TargetKind:
    if "/" in value:
        return "cidr"
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return "fqdn" if "." in value else "namespace"
    return "cidr"


def _target(text: str) -> Target:
    kind_text, sep, rest = text.partition(":")
    if sep and kind_text in TARGET_KINDS:
        kind: TargetKind = kind_text  # type: ignore[assignment]
        value = rest
    else:
        kind, value = _inferred_kind(text), text
    if kind == "namespace":
        try:
            check_namespace(value)
        except PolicyModelError as error:
            raise ExpectationError(f"target {error!s}") from None
    elif kind == "fqdn":
        value = value.removesuffix(".")
        problem = "is a pattern; name one host" if "*" in value else fqdn_selector_problem(value)
        if problem:
            raise ExpectationError(f"target {value[:60]!r} {problem}")
    elif kind == "cidr":
        try:
            value = str(ipaddress.ip_network(value, strict=True))
        except ValueError:
            raise ExpectationError(f"target {value[:60]!r} is not an address or a CIDR with its host bits zero") from None
    elif value not in ENTITIES:
        raise ExpectationError(f"entity {value[:60]!r} is not one of {', '.join(ENTITIES)}")
    return Target(kind, value)


def _port_protocol(text: str) -> tuple[int, str]:
    port_text, sep, protocol = text.partition("/")
    protocol = protocol.upper() if sep else "TCP"
    if protocol not in FLOW_PROTOCOLS:
        raise ExpectationError(f"protocol {protocol[:10]!r} is not one of {', '.join(FLOW_PROTOCOLS)}")
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ExpectationError(f"port {port_text[:10]!r} is not a port number 1-65535")
    return int(port_text), protocol


def parse_flow(text: str) -> tuple[str, Target, int, str]:
    """The flow a `<namespace> -> <target>:<port>[/<protocol>]` line names: source, target, port, protocol."""
    source_text, arrow, destination = text.partition(ARROW)
    destination = destination.strip()
    if not arrow or not destination or " " in destination:
        raise ExpectationError(f"is not of the form '<namespace> -> <target>:<port>', e.g. {EXAMPLE.rsplit(' ', 1)[0]!r}")
    source = source_text.strip()
    try:
        check_namespace(source)
    except PolicyModelError as error:
        raise ExpectationError(f"source {error!s}") from None
    target_text, colon, port_text = destination.rpartition(":")
    if not colon or not target_text:
        raise ExpectationError(f"{destination[:60]!r} names no port; write <target>:<port>, e.g. demo:8080")
    port, protocol = _port_protocol(port_text)
    return source, _target(target_text), port, protocol


def parse_expectation(text: str) -> Expectation:
    """The expectation one line declares; ExpectationError says what is wrong with it."""
    if not isinstance(text, str):
        raise ExpectationError(f"must be a string like {EXAMPLE!r}, not {type(text).__name__}")
    flow, _, verdict = text.strip().rpartition(" ")
    if ARROW not in flow or ARROW in verdict:
        raise ExpectationError(f"is not of the form '<namespace> -> <target>:<port> allow|deny', e.g. {EXAMPLE!r}")
    if verdict.lower() not in VERDICTS:
        raise ExpectationError(f"ends in {verdict[:10]!r}; the verdict is allow or deny")
    source, target, port, protocol = parse_flow(flow)
    return Expectation(source, target, port, protocol, VERDICTS[verdict.lower()])


def expectation_problem(text: str) -> str | None:
    """What keeps `text` from being an expectation, or None."""
    try:
        parse_expectation(text)
    except ExpectationError as error:
        return str(error)
    return None


def contradictions(expectations: Iterable[Expectation]) -> list[str]:
    """Flows declared both allowed and denied, as text."""
    verdicts: dict[tuple[str, str, str, int, str], set[bool]] = {}
    for expectation in expectations:
        verdicts.setdefault(expectation.flow_key, set()).add(expectation.allowed)
    return [
        f"{source} {ARROW} {Target(kind, value).render()}:{port}/{protocol}"  # type: ignore[arg-type]
        for (source, kind, value, port, protocol), seen in verdicts.items()
        if len(seen) > 1
    ]
