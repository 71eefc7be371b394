"""Rules for CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy: every rule in `spec` and in `specs`.

A clusterwide policy has the same rule syntax as a namespaced one, without a namespace, so each check applies to both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import addresses, domains
from .values import MalformedError, dig, list_at, mapping_at, mappings_in, str_at

Props = Mapping[str, Any]
Rule = Mapping[str, Any]
# The entities of Cilium 1.20's toEntities enum that include the internet.
OPEN_ENTITIES = ("world", "all")
NAMESPACE_LABELS = ("k8s:io.kubernetes.pod.namespace", "io.kubernetes.pod.namespace")
DIRECTIONS = ("ingress", "egress", "ingressDeny", "egressDeny")
# The fields of an egress rule that name its peers; a rule with ports and none of them reaches every destination.
EGRESS_PEERS = ("toCIDR", "toCIDRSet", "toEndpoints", "toEntities", "toFQDNs", "toGroups", "toNodes", "toServices")


def specs(props: Props) -> list[tuple[str, Rule]]:
    """The policy's rules with their paths: `spec` and every item of `specs`, each applied by Cilium on its own."""
    found: list[tuple[str, Rule]] = []
    if dig(props, "spec") is not None:
        found.append(("spec", mapping_at(props, "spec")))
    found += [(f"specs[{i}]", spec) for i, spec in enumerate(mappings_in(list_at(props, "specs"), "specs"))]
    return found


def rules_of(spec: Rule, path: str, direction: str) -> list[Rule]:
    return mappings_in(list_at(spec, direction, where=path), f"{path}.{direction}")


def _egress(props: Props) -> list[tuple[str, Rule]]:
    return [(f"{path}.egress[{i}]", rule) for path, spec in specs(props) for i, rule in enumerate(rules_of(spec, path, "egress"))]


def _labels(selector: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(selector, Mapping):
        raise MalformedError(path, "an object", selector)
    return mapping_at(selector, "matchLabels")


def _selects_kube_dns(rule: Rule, path: str) -> bool:
    return any(
        any(labels.get(key) == "kube-system" for key in NAMESPACE_LABELS) and labels.get("k8s:k8s-app", labels.get("k8s-app")) == "kube-dns"
        for labels in (_labels(s, f"{path}.toEndpoints[{i}]") for i, s in enumerate(list_at(rule, "toEndpoints", where=path)))
    )


def _is_kube_dns_with_l7(rule: Rule, path: str) -> bool:
    has_dns_rule = any(dig(port_rule, "rules", "dns") for port_rule in mappings_in(list_at(rule, "toPorts", where=path), f"{path}.toPorts"))
    return _selects_kube_dns(rule, path) and has_dns_rule


def _has_fqdns(egress: list[tuple[str, Rule]]) -> bool:
    return any(list_at(rule, "toFQDNs", where=path) for path, rule in egress)


def relies_on_kube_dns(props: Props) -> bool:
    """The policy sends its endpoints' lookups to the kube-dns pods (an egress rule to them), or learns addresses from
    the answers Cilium's DNS proxy sees there (toFQDNs)."""
    egress = _egress(props)
    return _has_fqdns(egress) or any(_selects_kube_dns(rule, path) for path, rule in egress)


def fqdn_needs_dns_rule(props: Props) -> list[str]:
    """toFQDNs learns IPs from DNS answers seen by Cilium's proxy: without the DNS rule it silently allows nothing."""
    egress = _egress(props)
    if not _has_fqdns(egress):
        return []
    if any(_is_kube_dns_with_l7(rule, path) for path, rule in egress):
        return []
    return [
        "toFQDNs without an egress rule to kube-dns (k8s:io.kubernetes.pod.namespace: kube-system, k8s:k8s-app: kube-dns) "
        "with an L7 DNS rule in the same policy; add it, or the allowlist allows nothing"
    ]


def _cidrs(rule: Rule, path: str, direction: str = "to") -> list[str]:
    """Every CIDR a rule allows (`toCIDR`/`toCIDRSet`, or `fromCIDR`/`fromCIDRSet` with direction "from"); a CIDR
    group's contents are elsewhere, so a reference cannot be judged here."""
    cidrs = []
    for index, cidr in enumerate(list_at(rule, f"{direction}CIDR", where=path)):
        if not isinstance(cidr, str):
            raise MalformedError(f"{path}.{direction}CIDR[{index}]", "a CIDR string", cidr)
        cidrs.append(cidr)
    for index, item in enumerate(mappings_in(list_at(rule, f"{direction}CIDRSet", where=path), f"{path}.{direction}CIDRSet")):
        cidr = str_at(item, "cidr", where=f"{path}.{direction}CIDRSet[{index}]")
        if cidr is None:
            raise MalformedError(
                f"{path}.{direction}CIDRSet[{index}].cidr", "a CIDR string (CIDR groups cannot be checked here)", item.get("cidr")
            )
        cidrs.append(cidr)
    return cidrs


def _open_fqdns(rule: Rule, path: str) -> list[str]:
    """toFQDNs patterns that match names under more than one registrable domain (rules/domains.py).

    In Cilium's matchPattern `*` matches within one label and a `**.` prefix several labels
    (cilium/cilium Documentation/security/policy/language.rst, DNS based; UPSTREAM.md): `*`, `**.`, `*.*`, `*.com`,
    `*.co.uk` and `**.github.io` each admit names of many owners. `*.example.com` stays within one owner's domain.
    """
    problems = []
    for index, selector in enumerate(mappings_in(list_at(rule, "toFQDNs", where=path), f"{path}.toFQDNs")):
        pattern = str_at(selector, "matchPattern", where=f"{path}.toFQDNs[{index}]")
        why = None if pattern is None else domains.broader_than_one_domain(pattern)
        if why:
            problems.append(
                f"{path}.toFQDNs[{index}] matchPattern {pattern!r} matches names of more than one registrable domain "
                f"({why}); list the domains (like *.example.com)"
            )
    return problems


def no_open_egress(props: Props, exempt_namespaces: Sequence[str], clusterwide: bool = False) -> list[str]:
    """Egress to the whole internet defeats default deny, however it is written (entities, CIDRs, wildcard FQDN
    patterns, ports without peers); use toFQDNs of named domains or specific CIDRs."""
    # A clusterwide policy has no namespace (its metadata's is ignored by the API server), so no exemption reaches it.
    if not clusterwide and dig(props, "metadata", "namespace") in exempt_namespaces:
        return []
    problems = []
    cidrs: list[str] = []
    for path, rule in _egress(props):
        for index, entity in enumerate(list_at(rule, "toEntities", where=path)):
            if not isinstance(entity, str):
                raise MalformedError(f"{path}.toEntities[{index}]", "a string", entity)
            if entity in OPEN_ENTITIES:
                problems.append(f"egress to entity {entity!r}; allow specific FQDNs or CIDRs, or exempt the namespace")
        cidrs += _cidrs(rule, path)
        problems += _open_fqdns(rule, path)
        ports_only = list_at(rule, "toPorts", where=path) or list_at(rule, "icmps", where=path)
        if ports_only and not any(list_at(rule, peer, where=path) for peer in EGRESS_PEERS):
            problems.append(f"{path} allows its ports to every destination, the internet included; name its peers (toFQDNs, toCIDR...)")
    covered = addresses.coverage(cidrs)
    if covered.is_world:
        problems.append(
            f"egress CIDRs {', '.join(cidrs)} together cover the internet (more than a /8 of public addresses); "
            "allow specific FQDNs or CIDRs, or exempt the namespace"
        )
    problems += [f"egress CIDR {text!r} is not a CIDR; fix it" for text in covered.unparsable]
    return problems


# The fromEntities of Cilium 1.20's enum that admit the internet (`world`, `all`) or every endpoint of every namespace
# (`cluster`) (../shared/cilium/1.20.0/ciliumnetworkpolicies.yaml, fromEntities).
OPEN_SOURCE_ENTITIES = ("world", "all", "cluster")
INGRESS_PEERS = ("fromCIDR", "fromCIDRSet", "fromEndpoints", "fromEntities", "fromGroups", "fromNodes", "fromRequires")


def _port_text(port: Any) -> str:
    # The engine sends every number as a float (protobuf Struct): 65535.0 is the port 65535.
    if isinstance(port, float) and port.is_integer():
        port = int(port)
    return "" if port is None else str(port).strip()


def spans_every_port(port: Any, end_port: Any) -> bool:
    """A port without a number (missing, "" or 0, which the datapath wildcards) or a range from 0 or 1 to 65535."""
    start, end = _port_text(port), _port_text(end_port)
    return (start in ("", "0") and end in ("", "0")) or (start in ("0", "1") and end == "65535")


def _every_port(rule: Rule, path: str) -> bool:
    """A rule without toPorts or icmps admits every port; so does a toPorts entry without ports, or a port that spans
    every port."""
    port_entries = mappings_in(list_at(rule, "toPorts", where=path), f"{path}.toPorts")
    if not port_entries:
        return not list_at(rule, "icmps", where=path)
    for index, entry in enumerate(port_entries):
        ports = mappings_in(list_at(entry, "ports", where=f"{path}.toPorts[{index}]"), f"{path}.toPorts[{index}].ports")
        if not ports or any(spans_every_port(port.get("port"), port.get("endPort")) for port in ports):
            return True
    return False


def _every_namespace(selector: Any, path: str, clusterwide: bool) -> bool:
    """An endpoint selector that selects the pods of every namespace. In a CiliumNetworkPolicy a selector without the
    namespace label means the policy's own namespace; a namespace requirement `Exists` lifts that. In a clusterwide
    policy the empty selector is every endpoint (cilium/cilium Documentation/security/policy/kubernetes.rst,
    Namespaces and Clusterwide Policies)."""
    labels = _labels(selector, path)
    expressions = mappings_in(list_at(selector, "matchExpressions", where=path), f"{path}.matchExpressions")
    if not labels and not expressions:
        return clusterwide
    return not labels and all(e.get("key") in NAMESPACE_LABELS and e.get("operator") == "Exists" for e in expressions)


def _ingress(props: Props) -> list[tuple[str, Rule]]:
    return [(f"{path}.ingress[{i}]", rule) for path, spec in specs(props) for i, rule in enumerate(rules_of(spec, path, "ingress"))]


def no_open_ingress(props: Props, clusterwide: bool = False) -> list[str]:
    """Ingress on every port from the internet (entities `world` or `all`, CIDRs that cover it) or from every namespace
    (entity `cluster`, a selector of every namespace, a rule without peers) defeats default deny; admit chosen peers, or
    the outside on chosen ports (a LoadBalancer's port from `world` is fine)."""
    problems = []
    cidrs: list[str] = []
    for path, rule in _ingress(props):
        if not rule or not _every_port(rule, path):
            continue
        for index, entity in enumerate(list_at(rule, "fromEntities", where=path)):
            if not isinstance(entity, str):
                raise MalformedError(f"{path}.fromEntities[{index}]", "a string", entity)
            if entity in OPEN_SOURCE_ENTITIES:
                problems.append(f"{path} admits entity {entity!r} on every port; name the ports (toPorts) or narrow the peers")
        selectors = list_at(rule, "fromEndpoints", where=path)
        if any(_every_namespace(s, f"{path}.fromEndpoints[{i}]", clusterwide) for i, s in enumerate(selectors)):
            problems.append(f"{path} admits the pods of every namespace on every port; select namespaces, or name the ports")
        if not any(list_at(rule, peer, where=path) for peer in INGRESS_PEERS):
            problems.append(f"{path} admits every source on every port; name its peers (fromEndpoints, fromCIDR...) or its ports")
        cidrs += _cidrs(rule, path, "from")
    covered = addresses.coverage(cidrs)
    if covered.is_world:
        problems.append(f"ingress CIDRs {', '.join(cidrs)} on every port together cover the internet; name the ports or narrow the CIDRs")
    problems += [f"ingress CIDR {text!r} is not a CIDR; fix it" for text in covered.unparsable]
    return problems


def egress_grants(props: Props) -> list[tuple[Mapping[str, Any], list[str]]]:
    """(endpointSelector, CIDRs) of every spec that allows egress to CIDRs, for judging coverage across policies."""
    grants = []
    for path, spec in specs(props):
        cidrs = [cidr for i, rule in enumerate(rules_of(spec, path, "egress")) for cidr in _cidrs(rule, f"{path}.egress[{i}]")]
        if cidrs:
            grants.append((mapping_at(spec, "endpointSelector", where=path), cidrs))
    return grants


def no_empty_rule_lists(props: Props) -> list[str]:
    """`ingress: []` is accepted by Cilium and denies nothing; default deny is `[{}]`."""
    return [
        f"{path}.{direction}: [] denies nothing; write {direction}: [{{}}] for default deny, or remove it"
        for path, spec in specs(props)
        for direction in DIRECTIONS
        if dig(spec, direction) is not None and len(list_at(spec, direction, where=path)) == 0
    ]


def default_deny_disabled(spec: Rule, direction: str) -> bool:
    """`enableDefaultDeny.<direction>: false` keeps the selected endpoints out of default deny whatever the rules say."""
    return dig(spec, "enableDefaultDeny", direction) is False


def has_empty_rule(spec: Rule, path: str, direction: str) -> bool:
    """An empty rule `{}` for `direction`: the spec's endpoints deny what no other rule allows, unless default deny is off."""
    return any(len(rule) == 0 for rule in rules_of(spec, path, direction))


def _rules(props: Props) -> list[tuple[str, Rule]]:
    return [
        (f"{path}.{direction}[{i}]", rule)
        for path, spec in specs(props)
        for direction in ("ingress", "egress")
        for i, rule in enumerate(rules_of(spec, path, direction))
    ]


def _port_rules(rule: Rule, path: str) -> list[Mapping[str, Any]]:
    """The L7 `rules` of each of the rule's toPorts entries that has any."""
    port_entries = mappings_in(list_at(rule, "toPorts", where=path), f"{path}.toPorts")
    return [mapping_at(entry, "rules", where=f"{path}.toPorts") for entry in port_entries if dig(entry, "rules")]


def has_l7_or_fqdn(props: Props) -> bool:
    return any(list_at(rule, "toFQDNs", where=path) or _port_rules(rule, path) for path, rule in _rules(props))


def has_l7_beyond_dns(props: Props) -> bool:
    """L7 rules other than DNS ones (HTTP, Kafka, a generic L7 protocol)."""
    return any(any(key != "dns" for key in port_rules) for path, rule in _rules(props) for port_rules in _port_rules(rule, path))
