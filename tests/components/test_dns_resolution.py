"""Every managed namespace's DNS, replayed through a model of glibc and musl behind Cilium's DNS proxy.

Sources: tests/dns_resolution_model.py (musl lookup_name.c, glibc res_query.c, Cilium matchpattern.go, the AKS pod
search list); Microsoft's ACNS FQDN page (MicrosoftDocs/azure-aks-docs
articles/aks/container-network-security-fqdn-filtering-concepts.md): no bare `*` on ACNS, and the musl workaround
that lists every search-domain expansion of an allowed name.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aks_cilium.network_policy.builders import DNS_LABEL, DNS_THROUGH_KUBE_DNS, ModeCapabilities
from aks_cilium.testing import ProgramRun
from tests.support.dns_model import VNET_SUFFIXES, Libc, authoritative, pod_search_list, resolve, through_proxy
from tests.support.policies import dns_rule_of, fqdn_policy, fqdn_selectors_of
from tests.support.stacks import RunStack
from tests.support.tokens import CNP, NAMESPACE

LIBCS: tuple[Libc, ...] = ("glibc", "musl")
SERVICES = {"demo-app": "demo", "kubernetes": "default", "payments-api": "payments"}
VARIANTS: list[tuple[str, dict[str, str]]] = [
    ("dev", {}),
    ("prod", {}),
    (
        "prod",
        {
            "namespaces": json.dumps(
                {
                    "payments": {"egress": [{"fqdn": "api.stripe.com", "ports": [443]}, {"fqdn": "*.files.example.net", "ports": [443]}]},
                    "frontend": {"egress": [{"fqdn": "login.microsoftonline.com", "ports": [443]}]},
                }
            ),
            "expectations": "[]",  # the stack's name the namespaces this map drops
        },
    ),
    (
        "dev",
        {
            "namespaces": json.dumps(
                {
                    "client": {"egress": [{"fqdn": "*.pages.example.org", "ports": [443]}]},
                    "demo": {"egress": [{"fqdn": "api.example.com", "ports": [443]}]},
                }
            ),
            "expectations": "[]",  # the stack's name the namespaces this map drops
        },
    ),
]


def _dns_rules(run: ProgramRun, namespace: str) -> list[Mapping[str, str]] | None:
    """The namespace's L7 DNS rules, or None when its lookups go to kube-dns without the proxy."""
    labels = next(r.inputs["metadata"]["labels"] for r in run.of_type(NAMESPACE) if r.inputs["metadata"]["name"] == namespace)
    if labels[DNS_LABEL] == DNS_THROUGH_KUBE_DNS:
        return None
    rules = next(dns_rule_of(r.inputs["spec"]) for r in run.of_type(CNP) if r.inputs["metadata"].get("namespace") == namespace)
    assert rules is not None, namespace
    return rules


def _allowed_examples(run: ProgramRun, namespace: str) -> list[str]:
    """A concrete name for each allowed name or pattern of the namespace."""
    names: list[str] = []
    for policy in run.of_type(CNP):
        if policy.inputs["metadata"].get("namespace") == namespace:
            for selector in fqdn_selectors_of(policy.inputs["spec"]):
                names.append(selector.get("matchName") or selector["matchPattern"].replace("*", "pages"))
    return names


def _service_forms(namespace: str) -> list[str]:
    forms = []
    for service, home in SERVICES.items():
        fqdn = f"{service}.{home}.svc.cluster.local"
        forms += [f"{service}.{home}", f"{service}.{home}.svc", fqdn, f"{fqdn}."]
        if home == namespace:
            forms.append(service)
    return forms


@pytest.mark.parametrize(("stack", "overrides"), VARIANTS)
def test_every_lookup_that_resolves_without_the_proxy_resolves_with_it(run_stack: RunStack, stack: str, overrides: dict[str, str]) -> None:
    run = run_stack(stack, **overrides)
    namespaces = [r.inputs["metadata"]["name"] for r in run.of_type(NAMESPACE) if DNS_LABEL in r.inputs["metadata"].get("labels", {})]
    assert namespaces
    for namespace in namespaces:
        rules = _dns_rules(run, namespace)
        external = _allowed_examples(run, namespace)
        existing = [f"{s}.{ns}.svc.cluster.local" for s, ns in SERVICES.items()] + external
        server = authoritative(existing)
        for libc, suffix in itertools.product(LIBCS, VNET_SUFFIXES):
            search = pod_search_list(namespace, suffix)
            for name in _service_forms(namespace) + external + [f"{n}." for n in external]:
                without, _ = resolve(name, search, libc, server)
                with_proxy, sent = resolve(name, search, libc, through_proxy(rules, server))
                assert without, (namespace, libc, name)
                assert with_proxy, (stack, namespace, libc, name, sent)


def test_both_modes_refuse_a_name_not_allowed_at_dns(run_stack: RunStack) -> None:
    """A name no rule admits is refused by the proxy in both modes: a bare `*` (byocni had it) would forward any name
    to Azure DNS and on to the internet, a channel out of a namespace whose egress is closed (issue #21, Also)."""
    server = authoritative(["exfil.example.org", "api.stripe.com.exfil.example.org"])
    for stack, namespace in (("prod", "payments"), ("dev", "client")):
        rules = _dns_rules(run_stack(stack), namespace)
        assert rules is not None
        assert {"matchPattern": "*"} not in rules
        for libc, name in itertools.product(LIBCS, ("exfil.example.org", "api.stripe.com.exfil.example.org", "google.com.a.b.c.d.e")):
            assert not resolve(name, pod_search_list(namespace), libc, through_proxy(rules, server))[0], (stack, name)


def test_vnet_suffix_expansions_are_anchored_to_azures_suffix() -> None:
    """The expansions after an allowed name end in Azure's own suffix (internal.cloudapp.net) or the custom-DNS
    placeholder, never in free labels: `api.stripe.com.*.*.*.*.*` let five labels of anything go upstream."""
    spec = fqdn_policy(ModeCapabilities(byocni=False, acns_security=True), "payments", ("api.stripe.com",)).render()
    patterns = [rule.get("matchPattern") or rule["matchName"] for rule in dns_rule_of(spec) or []]
    for pattern in patterns:
        fixed = pattern.rsplit("*", 1)[-1]
        assert fixed.endswith(("cluster.local", ".internal.cloudapp.net", ".reddog.microsoft.com")) or "*" not in pattern, pattern
        assert not pattern.endswith(".*"), pattern


def test_the_model_fails_the_old_acns_rule() -> None:
    """The rule prod had (`*.*.svc.cluster.local` plus the names) breaks musl for every external name and every
    client for `svc.namespace` short names: the model must see it, or it proves nothing."""
    old: list[Any] = [{"matchPattern": "*.*.svc.cluster.local"}, {"matchName": "api.stripe.com"}]
    server = authoritative(["api.stripe.com", "payments-api.payments.svc.cluster.local"])
    search = pod_search_list("frontend")
    assert not resolve("api.stripe.com", search, "musl", through_proxy(old, server))[0]
    assert resolve("api.stripe.com", search, "glibc", through_proxy(old, server))[0]
    for libc in LIBCS:
        assert not resolve("payments-api.payments", search, libc, through_proxy(old, server))[0]


def test_namespaces_without_fqdns_skip_the_proxy(run_stack: RunStack) -> None:
    """No L7 rule where no toFQDNs rule needs one: lookups then survive agent restarts and keep bandwidth
    enforcement (UPSTREAM.md, Cilium 1.20 "L7 DNS proxy")."""
    run = run_stack("prod")
    assert _dns_rules(run, "frontend") is None
    assert _dns_rules(run, "payments") is not None
    frontend = [policy for policy in run.of_type(CNP) if policy.inputs["metadata"].get("namespace") == "frontend"]
    assert frontend
    for policy in frontend:
        for rule in policy.inputs["spec"].get("egress", []):
            assert all("rules" not in port for port in rule.get("toPorts", []))


_LABEL = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.lists(_LABEL, min_size=1, max_size=3), st.sampled_from(["com", "io", "net"])), min_size=1, max_size=3),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True),
    st.sampled_from(LIBCS),
    st.sampled_from(VNET_SUFFIXES),
)
def test_acns_patterns_resolve_any_allowed_name_from_any_namespace(
    labels: list[tuple[list[str], str]], namespace: str, libc: Libc, suffix: str
) -> None:
    """The same replay, for names and namespaces drawn at random, straight from the builder ACNS mode uses, behind
    Azure DNS's VNet suffix and behind custom DNS servers' placeholder suffix."""
    names = tuple(dict.fromkeys(".".join([*parts, top]) for parts, top in labels))
    spec = fqdn_policy(ModeCapabilities(byocni=False, acns_security=True), namespace, names).render()
    rules = dns_rule_of(spec) or []
    server = authoritative(names)
    for name in names:
        assert resolve(name, pod_search_list(namespace, suffix), libc, through_proxy(rules, server))[0], name
