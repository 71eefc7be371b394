"""A model of how pods resolve names through Cilium's DNS proxy: glibc's and musl's search, Cilium's patterns.

Sources:
- musl `src/network/lookup_name.c` (`name_from_dns_search`, `name_from_dns`): with fewer dots than ndots, each search
  domain and then the name as given; with ndots dots or more (or a trailing dot) the name alone. Only NXDOMAIN (rcode
  3) moves on to the next candidate; any other failure (SERVFAIL, REFUSED, an empty answer) ends the lookup.
- glibc `resolv/res_query.c` (`__res_context_search`): with ndots dots or more the name as given first, then the
  search domains; otherwise the search domains, then the name. NXDOMAIN, an empty answer and SERVFAIL move on to
  the next search domain; any other answer (REFUSED) stops the search, and the name as given is still tried if it
  was not yet ("stop searching up, but try the input name below in case it's fully-qualified").
- Cilium `pkg/fqdn/matchpattern/matchpattern.go`: `*` matches any run of `[-a-zA-Z0-9_]` within one label, a `**.`
  prefix one or more whole labels, the bare `*` every name; matching ignores case and a trailing dot.
- The pod search list on AKS: `<ns>.svc.cluster.local svc.cluster.local cluster.local <VNet suffix>`, ndots:5
  (../shared/design/UPSTREAM.md, Cilium 1.20 "DNS patterns"). The VNet suffix is `<id>.<x>.internal.cloudapp.net`
  with Azure-provided DNS and the placeholder `reddog.microsoft.com` with custom DNS servers (Microsoft's "Name
  resolution for resources in Azure virtual networks", Microsoft/azure-docs.pl-pl
  articles/virtual-network/virtual-networks-name-resolution-for-vms-and-role-instances.md).
- The proxy answers REFUSED to a query no rule admits: Cilium 1.20's chart sets `tofqdns-dns-reject-response-code`
  from `dnsProxy.dnsRejectResponseCode`, default `refused` (../shared/cilium/1.20.0/values.yaml). ACNS's security
  agent is assumed to refuse the same way; Microsoft documents the musl failure, not the response code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Literal

Rcode = Literal["answer", "nxdomain", "nodata", "servfail", "refused"]
Libc = Literal["glibc", "musl"]
NDOTS = 5
VNET_SUFFIX = "abcdefghijklmn.ax.internal.cloudapp.net"
CUSTOM_DNS_SUFFIX = "reddog.microsoft.com"
VNET_SUFFIXES = (VNET_SUFFIX, CUSTOM_DNS_SUFFIX)
_DNS_CHAR = "[-a-z0-9_]"


def pod_search_list(namespace: str, vnet_suffix: str = VNET_SUFFIX) -> tuple[str, ...]:
    return (f"{namespace}.svc.cluster.local", "svc.cluster.local", "cluster.local", vnet_suffix)


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    pattern = pattern.lower().rstrip(".")
    if pattern == "*":
        return re.compile(rf"({_DNS_CHAR}+\.)*{_DNS_CHAR}+")
    prefix = ""
    if pattern.startswith("**."):
        prefix, pattern = rf"({_DNS_CHAR}+\.)+", pattern[3:]
    return re.compile(prefix + "".join(f"{_DNS_CHAR}*" if c == "*" else re.escape(c) for c in pattern))


def admits(rules: Iterable[Mapping[str, str]], query: str) -> bool:
    """Whether any DNS rule (matchName or matchPattern) admits the query name."""
    name = query.lower().rstrip(".")
    for rule in rules:
        if "matchName" in rule and rule["matchName"].lower().rstrip(".") == name:
            return True
        if "matchPattern" in rule and _pattern_regex(rule["matchPattern"]).fullmatch(name):
            return True
    return False


def resolve(name: str, search: tuple[str, ...], libc: Libc, server: Callable[[str], Rcode]) -> tuple[bool, list[str]]:
    """(resolved, the queries sent) for one lookup."""
    sent: list[str] = []

    def ask(query: str) -> Rcode:
        sent.append(query)
        return server(query)

    if name.endswith("."):
        return ask(name.rstrip(".")) == "answer", sent
    dots = name.count(".")
    if libc == "musl":
        queries = [name] if dots >= NDOTS else [*(f"{name}.{domain}" for domain in search), name]
        for query in queries:
            rcode = ask(query)
            if rcode != "nxdomain":
                return rcode == "answer", sent
        return False, sent
    if dots >= NDOTS and ask(name) == "answer":
        return True, sent
    for domain in search:
        rcode = ask(f"{name}.{domain}")
        if rcode == "answer":
            return True, sent
        if rcode not in ("nxdomain", "nodata", "servfail"):
            break
    if dots < NDOTS:
        return ask(name) == "answer", sent
    return False, sent


def authoritative(existing: Iterable[str]) -> Callable[[str], Rcode]:
    """kube-dns and the internet as one server: the listed names answer, every other name is NXDOMAIN."""
    names = {name.lower().rstrip(".") for name in existing}
    return lambda query: "answer" if query.lower().rstrip(".") in names else "nxdomain"


def through_proxy(rules: list[Mapping[str, str]] | None, server: Callable[[str], Rcode]) -> Callable[[str], Rcode]:
    """The DNS proxy in front of `server`: None means no L7 rule (no proxy), else REFUSED for what no rule admits."""
    if rules is None:
        return server
    return lambda query: server(query) if admits(rules, query) else "refused"
