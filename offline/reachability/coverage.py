"""Which flows the report covers, and the analysis over them.

Every namespace the plan creates (and one it does not: `default`, which every cluster has) against every such
namespace, kube-dns, the API server, each name the policies allow (a pattern by a sample name), the metadata
endpoints, one public address and whatever the declared expectations name; on every single port the policies
mention, plus 443 and the expectations' ports.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from aks_cilium.network_policy.builders import IMDS, WIRESERVER
from aks_cilium.network_policy.expectations import Expectation

from .engine import Engine, Verdict
from .peers import KUBE_DNS_LABELS, KUBE_SYSTEM, Peer, cidr_peer, entity_peer, fqdn_peer, pod_peer
from .policies import Policy

UNMANAGED_CANDIDATES = ("default", "unmanaged")
PUBLIC_ADDRESS = "1.1.1.1/32"
"""A public address no policy is expected to name (Cloudflare's resolver): what the internet at large gets."""
ALWAYS_PORTS = ((443, "TCP"),)


@dataclass(frozen=True)
class Flow:
    source: Peer
    target: Peer
    port: int
    protocol: str
    verdict: Verdict

    @property
    def key(self) -> tuple[str, str, str, int, str]:
        return (self.source.target[1], *self.target.target, self.port, self.protocol)

    def as_json(self) -> dict[str, object]:
        return {
            "from": {"namespace": self.source.target[1]},
            "to": self.target.as_json(),
            "port": self.port,
            "protocol": self.protocol,
            "verdict": self.verdict.word,
            "reason": list(self.verdict.reasons),
        }


def mentioned_ports(policies: Iterable[Policy]) -> set[tuple[int, str]]:
    """Single numeric ports the rules name, with their protocol (ranges and named ports are not probed)."""
    ports: set[tuple[int, str]] = set()
    for policy in policies:
        for rule in policy.rules:
            for port_rule in rule.ports:
                ports.update((p.first, p.protocol) for p in port_rule.ports if not p.name and p.first and p.first == p.last)
    return ports


def mentioned_names(policies: Iterable[Policy]) -> set[str]:
    return {sample for p in policies for r in p.rules for m in r.fqdns if (sample := m.sample()) is not None}


class Coverage:
    """The peers and ports of one plan's report."""

    def __init__(self, namespaces: Mapping[str, Mapping[str, str]], policies: list[Policy], expectations: Iterable[Expectation]) -> None:
        expectations = tuple(expectations)
        self.managed = dict(sorted(namespaces.items()))
        self.unmanaged = next(name for name in UNMANAGED_CANDIDATES if name not in self.managed)
        self.pods: dict[str, Peer] = {name: pod_peer(name, labels) for name, labels in self.managed.items()}
        self.pods[self.unmanaged] = pod_peer(self.unmanaged, {})
        self.pods[KUBE_SYSTEM] = pod_peer(KUBE_SYSTEM, {}, KUBE_DNS_LABELS)
        for expectation in expectations:  # a namespace only an expectation names is one the plan does not create
            for name in (expectation.source, expectation.target.value if expectation.target.kind == "namespace" else ""):
                if name and name not in self.pods:
                    self.pods[name] = pod_peer(name, {})
        names = mentioned_names(policies) | {e.target.value for e in expectations if e.target.kind == "fqdn"}
        cidrs = {IMDS, WIRESERVER, PUBLIC_ADDRESS} | {e.target.value for e in expectations if e.target.kind == "cidr"}
        entities = {"kube-apiserver"} | {e.target.value for e in expectations if e.target.kind == "entity"}
        self.external: list[Peer] = [
            *(entity_peer(e) for e in sorted(entities)),
            *(fqdn_peer(n) for n in sorted(names)),
            *(cidr_peer(c) for c in sorted(cidrs)),
        ]
        ports = mentioned_ports(policies) | set(ALWAYS_PORTS) | {(e.port, e.protocol) for e in expectations}
        self.ports = sorted(ports)
        self.sources = [self.pods[name] for name in sorted(self.pods) if name != KUBE_SYSTEM]

    @property
    def targets(self) -> list[Peer]:
        return [*(self.pods[name] for name in sorted(self.pods)), *self.external]

    def peer(self, kind: str, value: str) -> Peer:
        if kind == "namespace":
            return self.pods.get(value) or pod_peer(value, {})
        return {"fqdn": fqdn_peer, "cidr": cidr_peer, "entity": entity_peer}[kind](value)

    def flows(self, engine: Engine) -> Iterator[Flow]:
        """Every covered flow, judged.

        Judging a flow allocates a few short-lived objects, and each full collection walks every object alive (the
        program's registrations too), so at the collector's default thresholds time grew faster than the flows
        (benchmarks/reachability.py: 100 -> 300 namespaces, 78 -> 87 µs a flow). What exists before is frozen out of
        the collector for the loop (Python docs, `gc.freeze`); it is still freed by reference counting.
        """
        targets = self.targets
        gc.freeze()
        try:
            for source in self.sources:
                for target in targets:
                    for port, protocol in self.ports:
                        yield Flow(source, target, port, protocol, engine.flow(source, target, port, protocol))
        finally:
            gc.unfreeze()
