"""Expectations: one line per flow, parsed the same way for the offline proof and the live probe."""

from __future__ import annotations

import pytest

from aks_cilium.network_policy.expectations import (
    Expectation,
    Target,
    contradictions,
    expectation_problem,
    parse_expectation,
)

# (line, source, target kind, target value, port, protocol, allowed)
GOOD: list[tuple[str, str, str, str, int, str, bool]] = [
    ("client -> demo:8080 allow", "client", "namespace", "demo", 8080, "TCP", True),
    ("client->demo:8080 deny", "client", "namespace", "demo", 8080, "TCP", False),
    ("client -> github.com:443 deny", "client", "fqdn", "github.com", 443, "TCP", False),
    ("client -> api.stripe.com.:443 allow", "client", "fqdn", "api.stripe.com", 443, "TCP", True),
    ("client -> 169.254.169.254:80 deny", "client", "cidr", "169.254.169.254/32", 80, "TCP", False),
    ("client -> 10.0.0.0/8:443 deny", "client", "cidr", "10.0.0.0/8", 443, "TCP", False),
    ("client -> kube-system:53/UDP allow", "client", "namespace", "kube-system", 53, "UDP", True),
    ("client -> kube-system:53/any allow", "client", "namespace", "kube-system", 53, "ANY", True),
    ("client -> entity:kube-apiserver:443 allow", "client", "entity", "kube-apiserver", 443, "TCP", True),
    ("client -> namespace:world:443 ALLOW", "client", "namespace", "world", 443, "TCP", True),
    ("client -> cidr:fd00::/8:443 deny", "client", "cidr", "fd00::/8", 443, "TCP", False),
]


@pytest.mark.parametrize(("line", "source", "kind", "value", "port", "protocol", "allowed"), GOOD)
def test_a_line_becomes_one_flow_and_its_verdict(
    line: str, source: str, kind: str, value: str, port: int, protocol: str, allowed: bool
) -> None:
    expectation = parse_expectation(line)
    assert (expectation.source, expectation.target.kind, expectation.target.value) == (source, kind, value)
    assert (expectation.port, expectation.protocol, expectation.allowed) == (port, protocol, allowed)
    assert parse_expectation(expectation.render()) == expectation, "the canonical line parses back to the same flow"


BAD: list[tuple[str, str]] = [
    ("client demo:8080 allow", "is not of the form"),
    ("client -> demo:8080", "allow or deny"),
    ("client -> demo:8080 permit", "allow or deny"),
    ("Client -> demo:8080 allow", "source"),
    ("client -> demo allow", "names no port"),
    ("client -> demo:0 allow", "port"),
    ("client -> demo:http allow", "port"),
    ("client -> demo:53/ICMP allow", "protocol"),
    ("client -> *.github.com:443 deny", "pattern"),
    ("client -> 10.0.0.1/8:443 deny", "host bits"),
    ("client -> entity:planet:443 deny", "entity"),
    ("client -> Demo_App:80 allow", "target"),
]


@pytest.mark.parametrize(("line", "says"), BAD)
def test_a_bad_line_is_refused_saying_what_is_wrong(line: str, says: str) -> None:
    problem = expectation_problem(line)
    assert problem is not None
    assert says in problem


def test_a_flow_declared_both_allowed_and_denied_is_a_contradiction() -> None:
    lines = ["client -> demo:8080 allow", "client -> demo:8080 deny", "client -> demo:9090 deny"]
    assert contradictions(parse_expectation(line) for line in lines) == ["client -> demo:8080/TCP"]


def test_the_target_is_what_reachability_json_writes() -> None:
    assert Target("fqdn", "github.com").as_json() == {"fqdn": "github.com"}
    expectation = Expectation("client", Target("entity", "world"), 443, "TCP", False)
    assert expectation.render() == "client -> entity:world:443 deny"
    assert expectation.verdict == "denied"
