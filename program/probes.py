"""The connectivity check's probes, derived from the stack's declared flows and its expectations (one list, two proofs).

What can be probed live from a pod in the source namespace: exact FQDNs on their ports, the API server, addresses
(CIDR allowances of one host, expectations naming an address), and the check's own listener in every managed namespace
(its declared TCP ingress ports), which proves traffic within the namespace (or its absence), from managed namespaces,
and the target's ingress against the probe namespace. Traffic from outside the cluster, from external namespaces and
UDP are not probed (docs/network-policy.md, "Connectivity check"). Each probe records the kinds of flow it proves
(FLOW_KINDS), so that a stack's coverage can be read off its probe list.
"""

from __future__ import annotations

import ipaddress

import pulumi

from aks_cilium.network_policy.builders import IMDS, WIRESERVER
from aks_cilium.network_policy.component import NamespacePolicyArgs, PortArgs
from aks_cilium.network_policy.expectations import Expectation
from aks_cilium.workloads.connectivity import (
    MAX_LISTENER_PORTS,
    ConnectivityCheckArgs,
    ConnectivityProbe,
    ProbeListenerArgs,
    ProbeSourceArgs,
    listener_url,
)
from aks_cilium.workloads.demo import APP_PORT
from stack_settings.model import Settings

API_SERVER_URL = "https://kubernetes.default.svc"
# A name every namespace without FQDN egress resolves (kube-dns, no proxy) and none may reach.
DENIED_EXAMPLE = "github.com"

# The kinds of flow the per-namespace model declares, in the order docs/network-policy.md lists them.
WITHIN = "within the namespace"
WITHIN_OFF = "within the namespace turned off"
FROM_MANAGED = "from a managed namespace"
FROM_EXTERNAL = "from an external namespace"
FROM_OUTSIDE = "from outside the cluster"
WEBHOOK = "webhook"
TO_MANAGED = "to a managed namespace"
TO_EXTERNAL = "to an external namespace"
TO_API_SERVER = "to the API server"
TO_CIDR = "to a CIDR"
TO_FQDN = "to an FQDN on its ports"
TO_METADATA = "to IMDS by opt-in"
DENIED = "a denied sample"
# The kinds no probe can prove from a pod the check creates, and why; the offline plan proves them instead.
UNPROBED_KINDS = {
    FROM_EXTERNAL: "the check runs pods only in namespaces the stack manages; an external one is its owner's, and may not exist",
    FROM_OUTSIDE: "the client must be outside the cluster, behind a LoadBalancer Service the workload creates",
    WEBHOOK: "the caller is the API server through konnectivity-agent pods in kube-system, which no Job can send as",
    TO_EXTERNAL: "nothing the stack knows listens in a namespace it does not create",
}
FLOW_KINDS = (WITHIN, WITHIN_OFF, FROM_MANAGED, FROM_EXTERNAL, FROM_OUTSIDE, WEBHOOK, TO_MANAGED, TO_EXTERNAL,
              TO_API_SERVER, TO_CIDR, TO_FQDN, TO_METADATA, DENIED)  # fmt: skip
_METADATA_ADDRESSES = frozenset(ipaddress.ip_network(a) for a in (IMDS, WIRESERVER))

Kinded = tuple[tuple[str, ...], ConnectivityProbe]
"""A probe and the kinds of flow it proves."""


def _url(host: str, port: int) -> str:
    scheme = "https" if port == 443 else "http"
    return f"{scheme}://{host}" if port in (80, 443) else f"{scheme}://{host}:{port}"


def _tcp_ports(ports: list[PortArgs], default: int) -> list[int]:
    """The ports to probe: the TCP (or ANY) ones declared, or `default` when every port is allowed."""
    if not ports:
        return [default]
    return [p["port"] for p in ports if p.get("protocol", "TCP") in ("TCP", "ANY")]


def _listeners(settings: Settings) -> dict[str, tuple[int, ...]]:
    """Managed namespace -> the ports of the check's listener there: the TCP ports its ingress declares and the ports
    expectations from managed namespaces name, or APP_PORT when none is (within the namespace, every port is open)."""
    tenants = {entry["name"] for entry in settings.policies.tenants}
    named: dict[str, list[int]] = {}
    for expectation in settings.policies.expectations:
        target = expectation.target
        if target.kind == "namespace" and expectation.source in tenants and expectation.protocol == "TCP":
            named.setdefault(target.value, []).append(expectation.port)
    listeners: dict[str, tuple[int, ...]] = {}
    for entry in settings.policies.tenants:
        declared = [port for allow in entry.get("ingress", []) for port in _tcp_ports(allow.get("ports", []), APP_PORT)]
        ports = [*declared, *named.get(entry["name"], [])] or [APP_PORT]
        listeners[entry["name"]] = tuple(dict.fromkeys(ports))[:MAX_LISTENER_PORTS]
    return listeners


def _declared(entry: NamespacePolicyArgs) -> list[Kinded]:
    """Allowed probes for the egress the namespace declares, plus a denied sample that resolves and must then time out."""
    namespace = entry["name"]
    probes: list[Kinded] = []
    names: list[tuple[str, list[int]]] = []
    for allow in entry.get("egress", []):
        if "fqdn" in allow and "*" not in allow["fqdn"]:
            ports = _tcp_ports(allow.get("ports", []), 443)
            names.append((allow["fqdn"], ports))
            probes += [
                ((TO_FQDN,), ConnectivityProbe(name=f"{namespace} -> {allow['fqdn']}:{p}", url=_url(allow["fqdn"], p), allowed=True))
                for p in ports
            ]
        elif allow.get("api_server"):
            probes += [
                ((TO_API_SERVER,), ConnectivityProbe(name=f"{namespace} -> kube-apiserver:{p}", url=f"{API_SERVER_URL}:{p}", allowed=True))
                for p in _tcp_ports(allow.get("ports", []), 443)
            ]
        elif "cidr" in allow and ipaddress.ip_network(allow["cidr"]).num_addresses == 1:
            host = str(ipaddress.ip_network(allow["cidr"]).network_address)
            probes += [
                ((TO_CIDR,), ConnectivityProbe(name=f"{namespace} -> {host}:{p}", url=_url(host, p), allowed=True))
                for p in _tcp_ports(allow.get("ports", []), 443)
            ]
    if entry.get("metadata_endpoints"):
        # IMDS answers any HTTP request (a 400 without its Metadata header is still an answer): the connection is the proof.
        imds = str(ipaddress.ip_network(IMDS).network_address)
        probes.append(
            ((TO_METADATA,), ConnectivityProbe(name=f"{namespace} -> {imds}:80 (metadata endpoints)", url=_url(imds, 80), allowed=True))
        )
    # A denied sample the namespace resolves: a declared name on a port it does not allow (its DNS goes through the
    # proxy, which refuses other names), or a name it may not reach (its DNS goes straight to kube-dns).
    closed = next(((name, port) for name, ports in names for port in (80, 443) if port not in ports), None)
    if closed:
        probes.append(
            (
                (DENIED,),
                ConnectivityProbe(name=f"{namespace} -> {closed[0]}:{closed[1]} (port not allowed)", url=_url(*closed), allowed=False),
            )
        )
    elif not names:
        probes.append(
            (
                (DENIED,),
                ConnectivityProbe(name=f"{namespace} -> {DENIED_EXAMPLE}:443 (not allowed)", url=_url(DENIED_EXAMPLE, 443), allowed=False),
            )
        )
    return probes


def _expected(expectation: Expectation, listeners: dict[str, tuple[int, ...]]) -> Kinded | None:
    """The probe of one expectation, or None when it cannot be probed from a pod with curl."""
    if expectation.protocol == "UDP":
        return None
    target = expectation.target
    if target.kind == "namespace":
        if expectation.port not in listeners.get(target.value, ()):
            return None
        kinds = (FROM_MANAGED, TO_MANAGED) if expectation.allowed else (DENIED,)
        url = listener_url(target.value, expectation.port)
        return kinds, ConnectivityProbe(name=expectation.render(), url=url, allowed=expectation.allowed)
    if target.kind == "fqdn":
        host, kind = target.value, TO_FQDN
    elif target.kind == "cidr" and ipaddress.ip_network(target.value).num_addresses == 1:
        host = str(ipaddress.ip_network(target.value).network_address)
        kind = TO_METADATA if ipaddress.ip_network(target.value) in _METADATA_ADDRESSES else TO_CIDR
    elif target.kind == "entity" and target.value == "kube-apiserver":
        host, kind = "", TO_API_SERVER
    else:
        return None
    url = f"{API_SERVER_URL}:{expectation.port}" if kind == TO_API_SERVER else _url(host, expectation.port)
    return (kind if expectation.allowed else DENIED,), ConnectivityProbe(name=expectation.render(), url=url, allowed=expectation.allowed)


Outsider = list[tuple[str, int]]
"""(target, port) of each listener the probe namespace must not reach."""


def _ingress_probes(
    tenants: dict[str, NamespacePolicyArgs], listeners: dict[str, tuple[int, ...]]
) -> tuple[dict[str, list[Kinded]], Outsider]:
    """Source namespace -> its probes of the listeners; and the listeners the outsider must not reach, one per target,
    each with an allowed probe of the same URL from a managed namespace (its positive control)."""
    by_source: dict[str, list[Kinded]] = {}
    outsider: Outsider = []
    for target, ports in listeners.items():
        entry = tenants[target]
        own = listener_url(target, ports[0])
        if entry.get("intra_namespace", True):
            by_source.setdefault(target, []).append(
                ((WITHIN,), ConnectivityProbe(name=f"{target} -> {target}:{ports[0]} (within the namespace)", url=own, allowed=True))
            )
            outsider.append((target, ports[0]))
        else:
            # Its positive control is the listener's readiness, which the Job waits for.
            by_source.setdefault(target, []).append(
                (
                    (WITHIN_OFF, DENIED),
                    ConnectivityProbe(name=f"{target} -> {target}:{ports[0]} (within the namespace turned off)", url=own, allowed=False),
                )
            )
        for allow in entry.get("ingress", []):
            sender = allow.get("namespace", "")
            if sender not in tenants or sender == target:
                continue
            for port in _tcp_ports(allow.get("ports", []), ports[0]):
                # One connection proves the receiver's ingress and the sender's egress that follows from it.
                url = listener_url(target, port)
                by_source.setdefault(sender, []).append(
                    ((FROM_MANAGED, TO_MANAGED), ConnectivityProbe(name=f"{sender} -> {target}:{port}", url=url, allowed=True))
                )
                if not any(t == target for t, _ in outsider):
                    outsider.append((target, port))
    return by_source, outsider


def _probes(settings: Settings) -> tuple[dict[str, list[Kinded]], Outsider]:
    """Source namespace -> its probes with their kinds; and the listeners the outsider must not reach."""
    tenants = {entry["name"]: entry for entry in settings.policies.tenants}
    listeners = _listeners(settings)
    into, outsider = _ingress_probes(tenants, listeners)
    by_source = {name: _declared(entry) for name, entry in tenants.items()}
    for name, probes in into.items():
        by_source[name] += probes
    for expectation in settings.policies.expectations:
        kinded = _expected(expectation, listeners)
        origin = tenants.get(expectation.source)
        if kinded is None or origin is None or any(p["url"] == kinded[1]["url"] for _, p in by_source[expectation.source]):
            continue
        declared = {allow["fqdn"] for allow in origin.get("egress", []) if "fqdn" in allow}
        if expectation.target.kind == "fqdn" and declared and expectation.target.value not in declared:
            # The namespace's DNS proxy refuses the name, so the probe could not tell a drop from a failed lookup; the
            # offline plan proves it instead.
            continue
        by_source[expectation.source].append(kinded)
    return by_source, outsider


def probe_kinds(settings: Settings) -> dict[str, list[str]]:
    """Kind of flow -> the names of the probes in the stack's check that prove it live (kinds without a probe absent)."""
    by_source, outsider = _probes(settings)
    found: dict[str, list[str]] = {}
    for probes in by_source.values():
        for kinds, probe in probes:
            for kind in kinds:
                found.setdefault(kind, []).append(probe["name"])
    for target, port in outsider:
        found.setdefault(DENIED, []).append(_outsider_probe(target, port)["name"])
    return found


def _outsider_probe(target: str, port: int) -> ConnectivityProbe:
    return ConnectivityProbe(name=f"probe namespace -> {target}:{port} (not allowed)", url=listener_url(target, port), allowed=False)


def connectivity_args(settings: Settings, policy_fingerprint: pulumi.Input[str]) -> ConnectivityCheckArgs | None:
    """Per managed namespace, a listener on its declared ingress ports and a Job probing its declared flows, a denied
    sample and the expectations that start there; and from the probe namespace one listener per target that another
    probe reaches, denied by the target's ingress."""
    by_source, outsider = _probes(settings)
    sources = [ProbeSourceArgs(namespace=name, probes=[p for _, p in probes]) for name, probes in by_source.items() if probes]
    if not sources:
        return None
    listeners = [ProbeListenerArgs(namespace=name, ports=list(ports)) for name, ports in _listeners(settings).items()]
    args = ConnectivityCheckArgs(sources=sources, listeners=listeners, policy_fingerprint=policy_fingerprint)
    if outsider:
        args["outsider_probes"] = [_outsider_probe(t, port) for t, port in outsider]
        args["outsider_egress_to"] = [t for t, _ in outsider]
        args["protect_outsider_namespace"] = settings.policies.protect_namespaces
    return args
