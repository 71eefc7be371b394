"""The verdict on one flow, following Cilium's policy semantics; every rule cites where Cilium defines it.

For each direction the subject endpoint's selecting policies decide (both ends must allow a pod-to-pod flow:
Documentation/security/policy/language.rst, "policy must be configured on both sides"):
1. A deny rule that matches wins over every allow (Documentation/security/policy/deny.rst).
2. Otherwise the allow rules are a union: any one that matches allows (intro.rst, "Rule Basics").
3. Otherwise the endpoint is denied when default deny is on in that direction: a selecting policy has rules there and
   does not set `enableDefaultDeny` false for it (CRD `enableDefaultDeny`; pkg/policy/api/rule_validation.go
   `Sanitize`; intro.rst "Endpoint default policy"); with none, traffic is allowed.
Peers: endpoint selectors over identity labels (selectors.py), entities as in pkg/policy/api/entity.go, CIDR rules
never for pods (language.rst, "IP/CIDR based"), ports and ranges with protocol ANY matching every protocol
(language.rst, "Layer 4 Examples"). `toFQDNs` allows a name only when the same endpoint's DNS lookups to the cluster
resolver pass an L7 DNS rule matching that name (language.rst, "DNS based"). In Azure's managed Cilium, FQDN and L7
rules are blocked without ACNS security, HTTP-like L7 rules need its L7 level, and the bare `*` DNS pattern is not
supported (MicrosoftDocs/azure-aks-docs container-network-security-fqdn-filtering-concepts.md, "Limitations").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .mode import Mode
from .peers import CLUSTER_NAME, KUBE_DNS_LABELS, KUBE_SYSTEM, Peer, pod_peer
from .policies import CCNP, CidrBlock, Direction, Policy, PortRule, Rule
from .selectors import CLUSTER_KEY, K8S

DNS_PORT = 53
# A flow on protocol ANY is allowed only when each of these is: what a DNS client needs, and what rules name.
ANY_PROTOCOLS = ("TCP", "UDP")
# pkg/policy/api/entity.go `InitEntities`: the reserved identities the `cluster` entity adds to the local pods.
_CLUSTER_RESERVED = ("host", "remote-node", "init", "ingress", "health", "unmanaged", "kube-apiserver")
_HTTP_LIKE = frozenset({"http", "kafka", "l7proto"})


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reasons: tuple[str, ...]

    @property
    def word(self) -> str:
        return "allowed" if self.allowed else "denied"


def _entity_matches(entity: str, peer: Peer) -> bool:
    identity = peer.identity
    if entity == "all":
        return True
    if entity == "none":
        return False
    if entity in ("world", "world-ipv4", "world-ipv6"):
        return identity.has_reserved("world") or identity.has_reserved(entity)
    if entity in ("cluster", "cluster-mesh"):
        in_cluster = identity.get(K8S, CLUSTER_KEY) == CLUSTER_NAME
        return in_cluster or any(identity.has_reserved(name) for name in _CLUSTER_RESERVED)
    return identity.has_reserved(entity)


def _cidr_matches(block: CidrBlock, peer: Peer, deny: bool) -> bool:
    """An allow must cover every address the peer stands for; a deny matches when it touches any of them."""
    network = peer.network
    if network is None:  # addresses unknown offline: only a rule for every address is sure to cover them
        return block.network.prefixlen == 0 and not block.excepts
    if network.version != block.network.version:
        return False
    if deny:
        return network.overlaps(block.network) and not any(network.subnet_of(e) for e in block.excepts)  # type: ignore[arg-type]
    return network.subnet_of(block.network) and not any(network.overlaps(e) for e in block.excepts)  # type: ignore[arg-type]


def _l3_matches(rule: Rule, peer: Peer) -> bool:
    if rule.any_peer:
        return True
    if any(selector.matches(peer.identity) for selector in rule.endpoints):
        return True
    if any(_entity_matches(entity, peer) for entity in rule.entities):
        return True
    if not peer.pod and any(_cidr_matches(block, peer, rule.deny) for block in rule.cidrs):
        return True
    return bool(peer.fqdn) and any(m.matches(peer.fqdn) for m in rule.fqdns)


def _port_rules(rule: Rule, port: int, protocol: str) -> tuple[PortRule, ...] | None:
    """The port rules of `rule` that cover the port; None when the rule does not; () when it has no port rules."""
    if not rule.ports:
        return ()
    covering = tuple(p for p in rule.ports if p.covers(port, protocol))
    return covering or None


class Engine:
    """Verdicts over one set of policies in one mode; per-endpoint selection is computed once."""

    def __init__(self, policies: Iterable[Policy], mode: Mode) -> None:
        self.policies = tuple(policies)
        self.mode = mode
        self.dns_server = pod_peer(KUBE_SYSTEM, {}, KUBE_DNS_LABELS)
        self._selected: dict[tuple[str, str], tuple[Policy, ...]] = {}
        self._dns: dict[tuple[tuple[str, str], str], tuple[str, ...] | None] = {}
        self._default_deny: dict[tuple[tuple[str, str], str], tuple[str, ...]] = {}
        self._by_direction: dict[tuple[tuple[str, str], str], tuple[tuple[Policy, Rule], ...]] = {}

    def selecting(self, peer: Peer) -> tuple[Policy, ...]:
        if not peer.pod:
            return ()
        found = self._selected.get(peer.target)
        if found is None:
            found = tuple(p for p in self.policies if p.subject.matches(peer.identity))
            self._selected[peer.target] = found
        return found

    def _blocked(self, policy: Policy, rule: Rule, port_rules: tuple[PortRule, ...], peer: Peer) -> str:
        """Why the managed dataplane would not honour this allow, or "" (fqdn-filtering-concepts.md, Limitations)."""
        if not self.mode.managed:
            return ""
        kinds = {p.l7 for p in port_rules if p.l7}
        uses_fqdn = bool(peer.fqdn) and any(m.matches(peer.fqdn) for m in rule.fqdns)
        if (uses_fqdn or kinds) and not self.mode.acns_security:
            return "FQDN and L7 rules are blocked without ACNS security"
        if kinds & _HTTP_LIKE and not self.mode.acns_l7:
            return "L7 rules other than DNS need ACNS advancedNetworkPolicies L7"
        if kinds & _HTTP_LIKE and policy.kind == CCNP:
            return "ACNS refuses L7 rules in clusterwide policies"
        return ""

    def dns_admits(self, subject: Peer, name: str) -> tuple[str, ...] | None:
        """The DNS rules that let `subject` look `name` up through the cluster resolver, or None."""
        key = (subject.target, name)
        if key in self._dns:
            return self._dns[key]
        found: list[str] = []
        for policy in self.selecting(subject):
            for rule in policy.rules:
                if rule.direction != "egress" or rule.deny or not _l3_matches(rule, self.dns_server):
                    continue
                for port_rule in rule.ports:
                    if port_rule.l7 != "dns" or not port_rule.covers(DNS_PORT, "UDP"):
                        continue
                    if self._blocked(policy, rule, (port_rule,), self.dns_server):
                        continue
                    usable = [m for m in port_rule.dns if not (self.mode.managed and m.matches_everything)]
                    matched = [m.text for m in usable if m.matches(name)]
                    if matched:
                        found.append(f"{rule.ref} (DNS {matched[0]})")
        result = None
        if found and self.flow(subject, self.dns_server, DNS_PORT, "UDP").allowed:
            result = tuple(found)
        self._dns[key] = result
        return result

    def side(self, subject: Peer, direction: Direction, peer: Peer, port: int, protocol: str) -> Verdict:
        """What the subject's own policies say about traffic with `peer` in `direction`."""
        if self.mode.policy_enforcement == "never":
            return Verdict(True, ("policyEnforcementMode never",))
        policies = self.selecting(subject)
        denies: list[str] = []
        allows: list[str] = []
        for policy, rule in self._rules(subject, direction, policies):
            if _l3_matches(rule, peer):
                port_rules = _port_rules(rule, port, protocol)
                if port_rules is None:
                    continue
                if rule.deny:
                    denies.append(rule.ref)
                    continue
                reason = self._allow_reason(policy, rule, port_rules, subject, peer)
                if reason:
                    allows.append(reason)
        if denies:
            return Verdict(False, tuple(denies))
        if allows:
            return Verdict(True, tuple(allows))
        enforcing = self._enforcing(subject, direction, policies)
        if enforcing or self.mode.policy_enforcement == "always":
            return Verdict(False, enforcing or ("policyEnforcementMode always",))
        return Verdict(True, (f"no policy puts {subject.target[1]} in default deny for {direction}",))

    def _rules(self, subject: Peer, direction: Direction, policies: tuple[Policy, ...]) -> tuple[tuple[Policy, Rule], ...]:
        key = (subject.target, direction)
        found = self._by_direction.get(key)
        if found is None:
            found = tuple((p, r) for p in policies for r in p.rules if r.direction == direction)
            self._by_direction[key] = found
        return found

    def _enforcing(self, subject: Peer, direction: Direction, policies: tuple[Policy, ...]) -> tuple[str, ...]:
        """The selecting policies that put `subject` in default deny for `direction`, as reasons (computed once)."""
        key = (subject.target, direction)
        found = self._default_deny.get(key)
        if found is None:
            # With enable-non-default-deny-policies off, Sanitize sets enableDefaultDeny true on every rule.
            found = tuple(
                f"{p.label} (default deny {direction})"
                for p in policies
                if p.default_deny[direction] or (not self.mode.non_default_deny and _has_rules(p, direction))
            )
            self._default_deny[key] = found
        return found

    def _allow_reason(self, policy: Policy, rule: Rule, port_rules: tuple[PortRule, ...], subject: Peer, peer: Peer) -> str:
        if self._blocked(policy, rule, port_rules, peer):
            return ""
        if peer.fqdn and rule.fqdns and any(m.matches(peer.fqdn) for m in rule.fqdns):
            dns = self.dns_admits(subject, peer.fqdn)
            if dns is None:
                return ""  # the proxy never learns the name's addresses, so the rule allows nothing
            return f"{rule.ref} (after {', '.join(dns)})"
        kinds = sorted({p.l7 for p in port_rules if p.l7})
        return f"{rule.ref} (L7 {', '.join(kinds)})" if kinds else rule.ref

    def flow(self, source: Peer, target: Peer, port: int, protocol: str) -> Verdict:
        """Source's egress, and target's ingress where the target is a pod; ANY needs every protocol allowed."""
        if protocol == "ANY":
            verdicts = [self.flow(source, target, port, p) for p in ANY_PROTOCOLS]
            denied = [v for v in verdicts if not v.allowed]
            chosen = denied or verdicts
            return Verdict(not denied, tuple(dict.fromkeys(r for v in chosen for r in v.reasons)))
        egress = self.side(source, "egress", target, port, protocol)
        ingress = self.side(target, "ingress", source, port, protocol) if target.pod else Verdict(True, ())
        if egress.allowed and ingress.allowed:
            return Verdict(True, egress.reasons + ingress.reasons)
        return Verdict(False, (egress.reasons if not egress.allowed else ()) + (ingress.reasons if not ingress.allowed else ()))


def _has_rules(policy: Policy, direction: Direction) -> bool:
    return any(rule.direction == direction for rule in policy.rules)
