"""Every managed namespace's DNS, replayed through a model of glibc and musl behind Cilium's DNS proxy.

Sources: tests/dns_resolution_model.py (musl lookup_name.c, glibc res_query.c, Cilium matchpattern.go, the AKS pod
search list); Microsoft's ACNS FQDN page (MicrosoftDocs/azure-aks-docs
articles/aks/container-network-security-fqdn-filtering-concepts.md): no bare `*` on ACNS, and the musl workaround
that lists every search-domain expansion of an allowed name.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aks_cilium.network_policy.builders import DNS_LABEL, DNS_THROUGH_KUBE_DNS, ModeCapabilities, allow_fqdns
from aks_cilium.testing import ProgramRun
from tests.support.dns_model import VNET_SUFFIXES, Libc, authoritative, pod_search_list, resolve, through_proxy
from tests.support.stacks import RunStack
from tests.support.tokens import CNP, NAMESPACE

LIBCS: tuple[Libc, ...] = ("glibc", "musl")
SERVICES = {"demo-app": "demo", "kubernetes": "default", "payments-api": "payments"}
VARIANTS: list[tuple[str, dict[str, str]]] = [
    ("dev", {}),
    ("prod", {}),
    ("prod", {"fqdnAllowlist": '["payments:api.stripe.com", "payments:*.blob.core.windows.net", "frontend:login.microsoftonline.com"]'}),
    ("dev", {"fqdnAllowlist": '["client:*.github.io", "demo:api.example.com"]'}),
]


def _dns_rules(run: ProgramRun, namespace: str) -> list[Mapping[str, str]] | None:
    """The namespace's L7 DNS rules, or None when its lookups go to kube-dns without the proxy."""
    labels = next(r.inputs["metadata"]["labels"] for r in run.of_type(NAMESPACE) if r.inputs["metadata"]["name"] == namespace)
    if labels[DNS_LABEL] == DNS_THROUGH_KUBE_DNS:
        return None
    policy = next(
        r for r in run.of_type(CNP) if r.inputs["metadata"].get("namespace") == namespace and r.inputs["metadata"]["name"] == "allow-fqdns"
    )
    rules: list[Mapping[str, str]] = policy.inputs["spec"]["egress"][0]["toPorts"][0]["rules"]["dns"]
    return rules


def _allowed_examples(run: ProgramRun, namespace: str) -> list[str]:
    """A concrete name for each allowed name or pattern of the namespace."""
    names: list[str] = []
    for policy in run.of_type(CNP):
        if policy.inputs["metadata"].get("namespace") == namespace and policy.inputs["metadata"]["name"] == "allow-fqdns":
            for selector in policy.inputs["spec"]["egress"][1]["toFQDNs"]:
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


def test_acns_refuses_a_name_not_allowed_and_byocni_leaves_it_to_tofqdns(run_stack: RunStack) -> None:
    """ACNS has no bare `*`, so the explicit patterns refuse other names; byocni's `*` resolves them and the
    toFQDNs rule then drops the connection (Cilium language.rst, DNS-based policies)."""
    server = authoritative(["exfil.example.org"])
    prod_rules = _dns_rules(run_stack("prod"), "payments")
    dev_rules = _dns_rules(run_stack("dev"), "client")
    for libc in LIBCS:
        assert not resolve("exfil.example.org", pod_search_list("payments"), libc, through_proxy(prod_rules, server))[0]
        assert resolve("exfil.example.org", pod_search_list("client"), libc, through_proxy(dev_rules, server))[0]
    assert dev_rules == [{"matchPattern": "*"}]
    assert prod_rules is not None
    assert {"matchPattern": "*"} not in prod_rules


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
    spec = allow_fqdns(ModeCapabilities(byocni=False, acns_security=True), namespace, names).render()
    rules = spec["egress"][0]["toPorts"][0]["rules"]["dns"]
    server = authoritative(names)
    for name in names:
        assert resolve(name, pod_search_list(namespace, suffix), libc, through_proxy(rules, server))[0], name
