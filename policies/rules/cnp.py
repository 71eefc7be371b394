"""Rules for kubernetes:cilium.io/v2:CiliumNetworkPolicy."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from .values import dig

Props = Mapping[str, Any]
OPEN_ENTITIES = ("world", "all")
NAMESPACE_LABELS = ("k8s:io.kubernetes.pod.namespace", "io.kubernetes.pod.namespace")


def _egress(props: Props) -> list[Mapping[str, Any]]:
    return list(dig(props, "spec", "egress") or [])


def _is_kube_dns_with_l7(rule: Mapping[str, Any]) -> bool:
    selects_kube_dns = any(
        any(labels.get(key) == "kube-system" for key in NAMESPACE_LABELS) and labels.get("k8s:k8s-app", labels.get("k8s-app")) == "kube-dns"
        for labels in (dig(selector, "matchLabels") or {} for selector in rule.get("toEndpoints") or [])
    )
    has_dns_rule = any(dig(port_rule, "rules", "dns") for port_rule in rule.get("toPorts") or [])
    return selects_kube_dns and has_dns_rule


def fqdn_needs_dns_rule(props: Props) -> list[str]:
    """toFQDNs learns IPs from DNS answers seen by Cilium's proxy: without the DNS rule it silently allows nothing."""
    egress = _egress(props)
    if not any(rule.get("toFQDNs") for rule in egress):
        return []
    if any(_is_kube_dns_with_l7(rule) for rule in egress):
        return []
    return [
        "toFQDNs without an egress rule to kube-dns (k8s:io.kubernetes.pod.namespace: kube-system, k8s:k8s-app: kube-dns) "
        "with an L7 DNS rule in the same policy; add it, or the allowlist allows nothing"
    ]


def no_open_egress(props: Props, exempt_namespaces: list[str]) -> list[str]:
    """Egress to the whole internet defeats default deny; use toFQDNs or specific CIDRs."""
    if dig(props, "metadata", "namespace") in exempt_namespaces:
        return []
    problems = []
    for rule in _egress(props):
        for entity in rule.get("toEntities") or []:
            if entity in OPEN_ENTITIES:
                problems.append(f"egress to entity {entity!r}; allow specific FQDNs or CIDRs, or exempt the namespace")
        for cidr in [*(rule.get("toCIDR") or []), *(c.get("cidr") for c in rule.get("toCIDRSet") or [])]:
            try:
                if ipaddress.ip_network(str(cidr), strict=False).prefixlen == 0:
                    problems.append(f"egress to {cidr}; allow specific FQDNs or CIDRs, or exempt the namespace")
            except ValueError:
                continue
    return problems


def no_empty_rule_lists(props: Props) -> list[str]:
    """`ingress: []` is accepted by Cilium and denies nothing; default deny is `[{}]`."""
    spec = dig(props, "spec") or {}
    return [
        f"{direction}: [] denies nothing; write {direction}: [{{}}] for default deny, or remove it"
        for direction in ("ingress", "egress", "ingressDeny", "egressDeny")
        # len(), not == []: the engine's values arrive wrapped in read-only proxies.
        if direction in spec and spec[direction] is not None and len(spec[direction]) == 0
    ]


def is_default_deny(props: Props, direction: str) -> bool:
    rules = dig(props, "spec", direction)
    if dig(props, "spec", "endpointSelector") != {} or rules is None or isinstance(rules, str | Mapping):
        return False
    return any(isinstance(rule, Mapping) and len(rule) == 0 for rule in rules)


def has_l7_or_fqdn(props: Props) -> bool:
    rules = [*(dig(props, "spec", "ingress") or []), *_egress(props)]
    return any(rule.get("toFQDNs") or any(port_rule.get("rules") for port_rule in rule.get("toPorts") or []) for rule in rules)
