"""The connectivity check's probes, derived from the stack's declared flows and its expectations (one list, two proofs).

What can be probed live from a pod in the source namespace: exact FQDNs on their ports, the API server, addresses
(CIDR allowances of one host, expectations naming an address), and Services the stack knows (the demo's). Flows into a
namespace are probed only where a listener is known; traffic from outside the cluster, from external namespaces and
UDP are not probed (docs/network-policy.md, "Connectivity check").
"""

from __future__ import annotations

import ipaddress

import pulumi

from aks_cilium.network_policy.component import NamespacePolicyArgs, PortArgs
from aks_cilium.network_policy.expectations import Expectation
from aks_cilium.workloads.connectivity import ConnectivityCheckArgs, ConnectivityProbe, ProbeSourceArgs
from aks_cilium.workloads.demo import APP_PORT, SERVICE_NAME
from stack_settings.model import DEMO_NAMESPACES, Settings

API_SERVER_URL = "https://kubernetes.default.svc"
# A name every namespace without FQDN egress resolves (kube-dns, no proxy) and none may reach.
DENIED_EXAMPLE = "github.com"


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


def _declared(entry: NamespacePolicyArgs, ingress_from: dict[str, list[tuple[str, str]]]) -> list[ConnectivityProbe]:
    """Allowed probes for what the namespace declares, plus a denied sample that resolves and must then time out."""
    namespace = entry["name"]
    probes: list[ConnectivityProbe] = []
    names: list[tuple[str, list[int]]] = []
    for allow in entry.get("egress", []):
        if "fqdn" in allow and "*" not in allow["fqdn"]:
            ports = _tcp_ports(allow.get("ports", []), 443)
            names.append((allow["fqdn"], ports))
            probes += [
                ConnectivityProbe(name=f"{namespace} -> {allow['fqdn']}:{p}", url=_url(allow["fqdn"], p), allowed=True) for p in ports
            ]
        elif allow.get("api_server"):
            probes += [
                ConnectivityProbe(name=f"{namespace} -> kube-apiserver:{p}", url=f"{API_SERVER_URL}:{p}", allowed=True)
                for p in _tcp_ports(allow.get("ports", []), 443)
            ]
        elif "cidr" in allow and ipaddress.ip_network(allow["cidr"]).num_addresses == 1:
            host = str(ipaddress.ip_network(allow["cidr"]).network_address)
            probes += [
                ConnectivityProbe(name=f"{namespace} -> {host}:{p}", url=_url(host, p), allowed=True)
                for p in _tcp_ports(allow.get("ports", []), 443)
            ]
    for url, label in ingress_from.get(namespace, []):
        probes.append(ConnectivityProbe(name=label, url=url, allowed=True))
    # A denied sample the namespace resolves: a declared name on a port it does not allow (its DNS goes through the
    # proxy, which refuses other names), or a name it may not reach (its DNS goes straight to kube-dns).
    closed = next(((name, port) for name, ports in names for port in (80, 443) if port not in ports), None)
    if closed:
        probes.append(
            ConnectivityProbe(name=f"{namespace} -> {closed[0]}:{closed[1]} (port not allowed)", url=_url(*closed), allowed=False)
        )
    elif not names:
        probes.append(
            ConnectivityProbe(name=f"{namespace} -> {DENIED_EXAMPLE}:443 (not allowed)", url=_url(DENIED_EXAMPLE, 443), allowed=False)
        )
    return probes


def _expected(expectation: Expectation) -> ConnectivityProbe | None:
    """The probe of one expectation, or None when it cannot be probed from a pod with curl."""
    if expectation.protocol == "UDP":
        return None
    target = expectation.target
    if target.kind == "fqdn":
        host = target.value
    elif target.kind == "cidr" and ipaddress.ip_network(target.value).num_addresses == 1:
        host = str(ipaddress.ip_network(target.value).network_address)
    elif target.kind == "entity" and target.value == "kube-apiserver":
        return ConnectivityProbe(name=expectation.render(), url=f"{API_SERVER_URL}:{expectation.port}", allowed=expectation.allowed)
    else:
        return None
    return ConnectivityProbe(name=expectation.render(), url=_url(host, expectation.port), allowed=expectation.allowed)


def connectivity_args(settings: Settings, policy_fingerprint: pulumi.Input[str]) -> ConnectivityCheckArgs | None:
    """Per managed namespace, a Job probing its declared flows, a denied sample and the expectations that start there;
    and, where a listener is known, the same target from the probe namespace, denied by the target's ingress."""
    tenants = {entry["name"]: entry for entry in settings.policies.tenants}
    listeners = _listeners(settings)
    ingress_from: dict[str, list[tuple[str, str]]] = {}
    """Source namespace -> (URL, probe name) of the listeners it may reach."""
    reached: set[str] = set()
    for target, (url, port) in listeners.items():
        entry = tenants.get(target, NamespacePolicyArgs(name=target))
        if entry.get("intra_namespace", True):
            ingress_from.setdefault(target, []).append((url, f"{target} -> {target} (within the namespace)"))
        for allow in entry.get("ingress", []):
            sender = allow.get("namespace", "")
            if sender in tenants and sender != target and port in _tcp_ports(allow.get("ports", []), port):
                ingress_from.setdefault(sender, []).append((url, f"{sender} -> {target}:{port}"))
                reached.add(url)
    by_source: dict[str, list[ConnectivityProbe]] = {name: _declared(entry, ingress_from) for name, entry in tenants.items()}
    for expectation in settings.policies.expectations:
        probe = _expected(expectation)
        origin = tenants.get(expectation.source)
        if probe is None or origin is None or any(p["url"] == probe["url"] for p in by_source[expectation.source]):
            continue
        declared = {allow["fqdn"] for allow in origin.get("egress", []) if "fqdn" in allow}
        if expectation.target.kind == "fqdn" and declared and expectation.target.value not in declared:
            # The namespace's DNS proxy refuses the name, so the probe could not tell a drop from a failed lookup; the
            # offline plan proves it instead.
            continue
        by_source[expectation.source].append(probe)
    sources = [ProbeSourceArgs(namespace=name, probes=probes) for name, probes in by_source.items() if probes]
    if not sources:
        return None
    args = ConnectivityCheckArgs(sources=sources, policy_fingerprint=policy_fingerprint)
    # The outsider probes only what another source reaches, the positive control that tells a drop from a dead target.
    outsider = [(t, url) for t, (url, _) in listeners.items() if url in reached]
    if outsider:
        args["outsider_probes"] = [
            ConnectivityProbe(name=f"probe namespace -> {t} (not allowed)", url=url, allowed=False) for t, url in outsider
        ]
        args["outsider_egress_to"] = [t for t, _ in outsider]
    return args
