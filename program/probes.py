"""The connectivity check's probes, derived from the stack's declared flows and its expectations (one list, two proofs).

What can be probed live from a pod in the source namespace: exact FQDNs on their ports, the API server, addresses
(CIDR allowances of one host, expectations naming an address), and Services the stack knows (the demo's). Flows into a
namespace are probed only where a listener is known; traffic from outside the cluster, from external namespaces and
UDP are not probed (docs/network-policy.md, "Connectivity check"). Each probe records the kinds of flow it proves
(FLOW_KINDS), so that a stack's coverage can be read off its probe list.
"""

from __future__ import annotations

import ipaddress

import pulumi

from aks_cilium.network_policy.builders import IMDS, WIRESERVER
from aks_cilium.network_policy.component import NamespacePolicyArgs, PortArgs
from aks_cilium.network_policy.expectations import Expectation
from aks_cilium.workloads.connectivity import ConnectivityCheckArgs, ConnectivityProbe, ProbeSourceArgs
from aks_cilium.workloads.demo import APP_PORT, SERVICE_NAME
from stack_settings.model import DEMO_NAMESPACES, Settings

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
    WITHIN_OFF: "the denied probe needs a pod listening in that namespace, and the check knows no listener but the demo app",
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


def _listeners(settings: Settings) -> dict[str, tuple[str, int]]:
    """Namespace -> (URL, pod port) of a Service the stack runs there: the demo app."""
    if not settings.policies.demo:
        return {}
    app_namespace, _ = DEMO_NAMESPACES
    return {app_namespace: (f"http://{SERVICE_NAME}.{app_namespace}.svc.cluster.local", APP_PORT)}


def _declared(entry: NamespacePolicyArgs, ingress_from: dict[str, list[tuple[str, str, tuple[str, ...]]]]) -> list[Kinded]:
    """Allowed probes for what the namespace declares, plus a denied sample that resolves and must then time out."""
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
    for url, label, kinds in ingress_from.get(namespace, []):
        probes.append((kinds, ConnectivityProbe(name=label, url=url, allowed=True)))
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


def _expected(expectation: Expectation) -> Kinded | None:
    """The probe of one expectation, or None when it cannot be probed from a pod with curl."""
    if expectation.protocol == "UDP":
        return None
    target = expectation.target
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


def _probes(settings: Settings) -> tuple[dict[str, list[Kinded]], list[tuple[str, str]]]:
    """Source namespace -> its probes with their kinds; and (target, URL) of each listener the outsider must not reach."""
    tenants = {entry["name"]: entry for entry in settings.policies.tenants}
    listeners = _listeners(settings)
    ingress_from: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    """Source namespace -> (URL, probe name, kinds) of the listeners it may reach."""
    reached: set[str] = set()
    for target, (url, port) in listeners.items():
        entry = tenants.get(target, NamespacePolicyArgs(name=target))
        if entry.get("intra_namespace", True):
            ingress_from.setdefault(target, []).append((url, f"{target} -> {target} (within the namespace)", (WITHIN,)))
        for allow in entry.get("ingress", []):
            sender = allow.get("namespace", "")
            if sender in tenants and sender != target and port in _tcp_ports(allow.get("ports", []), port):
                # One connection proves the receiver's ingress and the sender's egress that follows from it.
                ingress_from.setdefault(sender, []).append((url, f"{sender} -> {target}:{port}", (FROM_MANAGED, TO_MANAGED)))
                reached.add(url)
    by_source = {name: _declared(entry, ingress_from) for name, entry in tenants.items()}
    for expectation in settings.policies.expectations:
        kinded = _expected(expectation)
        origin = tenants.get(expectation.source)
        if kinded is None or origin is None or any(p["url"] == kinded[1]["url"] for _, p in by_source[expectation.source]):
            continue
        declared = {allow["fqdn"] for allow in origin.get("egress", []) if "fqdn" in allow}
        if expectation.target.kind == "fqdn" and declared and expectation.target.value not in declared:
            # The namespace's DNS proxy refuses the name, so the probe could not tell a drop from a failed lookup; the
            # offline plan proves it instead.
            continue
        by_source[expectation.source].append(kinded)
    # The outsider probes only what another source reaches, the positive control that tells a drop from a dead target.
    return by_source, [(t, url) for t, (url, _) in listeners.items() if url in reached]


def probe_kinds(settings: Settings) -> dict[str, list[str]]:
    """Kind of flow -> the names of the probes in the stack's check that prove it live (kinds without a probe absent)."""
    by_source, outsider = _probes(settings)
    found: dict[str, list[str]] = {}
    for probes in by_source.values():
        for kinds, probe in probes:
            for kind in kinds:
                found.setdefault(kind, []).append(probe["name"])
    for target, url in outsider:
        found.setdefault(DENIED, []).append(_outsider_probe(target, url)["name"])
    return found


def _outsider_probe(target: str, url: str) -> ConnectivityProbe:
    return ConnectivityProbe(name=f"probe namespace -> {target} (not allowed)", url=url, allowed=False)


def connectivity_args(settings: Settings, policy_fingerprint: pulumi.Input[str]) -> ConnectivityCheckArgs | None:
    """Per managed namespace, a Job probing its declared flows, a denied sample and the expectations that start there;
    and, where a listener is known, the same target from the probe namespace, denied by the target's ingress."""
    by_source, outsider = _probes(settings)
    sources = [ProbeSourceArgs(namespace=name, probes=[p for _, p in probes]) for name, probes in by_source.items() if probes]
    if not sources:
        return None
    args = ConnectivityCheckArgs(sources=sources, policy_fingerprint=policy_fingerprint)
    if outsider:
        args["outsider_probes"] = [_outsider_probe(t, url) for t, url in outsider]
        args["outsider_egress_to"] = [t for t, _ in outsider]
    return args
