"""The rules NetworkPolicySet's args must meet, checked before any resource exists, whoever the caller is.

`namespace_entry_problems` is the one place the per-namespace rules live: the component runs it on its args, and the
stack layer runs it on the config object of each namespace, so that a refusal names the config key.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from aks_cilium.cluster.rules import BYOCNI, NETWORK_MODES, choice_problem
from aks_cilium.core.validation import ArgsCheck
from aks_cilium.network_policy.builders import IMDS, OUTSIDE_ENTITIES, WIRESERVER, fqdn_problem
from aks_cilium.network_policy.model import PROTOCOLS, PolicyModelError, check_namespace
from aks_cilium.network_policy.names import fqdn_selector_problem
from aks_cilium.network_policy.reserved import PROBE_NAMESPACE, reserved_problem

PLAIN_BOOLS = ("acns_security", "native_default_deny", "protect")
PORT_PROTOCOLS = ("TCP", "UDP", "SCTP", "ANY")
assert set(PORT_PROTOCOLS) <= set(PROTOCOLS)
INGRESS_PEERS = ("namespace", "outside")
EGRESS_PEERS = ("namespace", "api_server", "cidr", "fqdn")

# Traffic through Cilium's own Ingress or Gateway API arrives as the `ingress` entity, but no Cilium this product runs
# has them, for a reason of each network mode:
# - byocni: Cilium 1.20 needs its BPF NodePort for them (Documentation/network/servicemesh/ingress.rst,
#   "Prerequisites"), and its chart turns that on only with kubeProxyReplacement: `nodePort.enabled` is gone from the
#   1.20 chart's values.schema.json and cilium-configmap.yaml renders no enable-node-port. The Cilium component refuses
#   kubeProxyReplacement on AKS (kube-proxy stays: turning it off is a preview API, MicrosoftDocs/azure-aks-docs
#   articles/aks/configure-kube-proxy.md).
# - azure-cilium: AKS manages that Cilium's configuration and supports changing only its identity label exclusions
#   (MicrosoftDocs/azure-aks-docs articles/aks/azure-cni-powered-by-cilium.md, "Can I customize Cilium
#   configuration?"); its table of supported Cilium features lists neither Ingress nor Gateway API.
CILIUM_INGRESS = "ciliumIngress"
_CILIUM_INGRESS_WHY = {
    True: "Cilium's Ingress and Gateway API need kubeProxyReplacement in Cilium 1.20, which this product does not turn "
    "on for AKS (kube-proxy stays)",
    False: "AKS manages the Cilium of Azure CNI powered by Cilium and offers neither its Ingress controller nor its "
    "Gateway API (only its label exclusions may be configured)",
}
_CILIUM_INGRESS_INSTEAD = (
    "so no traffic would arrive as Cilium's ingress entity. Instead use `outside: loadBalancer` (a LoadBalancer "
    "Service with externalTrafficPolicy Local: Cilium's world entity) or `namespace: <the ingress controller's "
    "namespace>` listed in externalNamespaces (app-routing-system for AKS's application routing add-on)"
)


def cilium_ingress_refused(byocni: bool) -> str:
    """Why `outside: ciliumIngress` is refused in this network mode, and what to write instead."""
    return f"ciliumIngress is refused: {_CILIUM_INGRESS_WHY[byocni]}, {_CILIUM_INGRESS_INSTEAD}"


Problem = tuple[str, str]
"""(path relative to the namespace entry, what is wrong)."""


@dataclass(frozen=True)
class PeerContext:
    """What a namespace entry is judged against: the rest of the set and what the cluster's Cilium can do."""

    managed: frozenset[str]
    external: frozenset[str]
    byocni: bool
    l7: bool
    cluster_cidrs: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()


def namespace_problem(name: object) -> str | None:
    """What keeps `name` from naming a namespace, or None."""
    if not isinstance(name, str):
        return f"must be a namespace name, not {type(name).__name__}"
    try:
        check_namespace(name)
    except PolicyModelError:
        return "is not a Kubernetes namespace name (DNS-1123 label, at most 63 characters)"
    return None


def external_namespace_problem(name: object) -> str | None:
    """What keeps `name` from being a namespace the set reaches but does not manage, or None."""
    if name == PROBE_NAMESPACE:
        # Its policy admits only the check's probes; a tenant flow to or from it would be a hole the check cannot see.
        return "is the connectivity check's own namespace, which no tenant may reach or be reached from"
    return namespace_problem(name)


def managed_namespace_problem(name: object) -> str | None:
    """What keeps `name` from being a namespace the set creates and puts under default deny, or None."""
    return namespace_problem(name) or reserved_problem(str(name))


def _plain_bool(check: ArgsCheck, path: str, value: object) -> None:
    if isinstance(value, pulumi.Output):
        check.fail(path, "must be a plain bool, not an Output: it decides which resources exist")
    elif not isinstance(value, bool):
        check.fail(path, f"must be a bool, not {type(value).__name__}")


def port_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{value!r} is not a port number"
    return None if 1 <= value <= 65535 else f"{value} is outside 1-65535"


def _ports(path: str, ports: object, required: bool = False) -> Iterator[Problem]:
    if not isinstance(ports, list):
        yield path, "must be a list of ports"
        return
    if not ports:
        # An empty list would render no toPorts, which Cilium reads as every port: the opposite of what it says.
        yield path, "must name at least one port" + ("" if required else " (leave ports out to allow every port)")
        return
    for index, entry in enumerate(ports):
        if not isinstance(entry, Mapping) or "port" not in entry:
            yield f"{path}[{index}]", "must be a mapping with a port (and optionally a protocol)"
            continue
        problem = port_problem(entry["port"])
        if problem:
            yield f"{path}[{index}].port", problem
        protocol = entry.get("protocol", "TCP")
        if protocol not in PORT_PROTOCOLS:
            yield f"{path}[{index}].protocol", f"{protocol!r} is not one of {', '.join(PORT_PROTOCOLS)}"


def _peer_namespace(path: str, name: object, context: PeerContext, direction: str) -> Iterator[Problem]:
    problem = namespace_problem(name)
    if problem:
        yield path, problem
    elif direction == "egress" and name in context.managed:
        yield path, f"{name!r} is managed by the set: declare the flow on {name}'s ingress, which opens this side's egress too"
    elif name not in context.managed and name not in context.external:
        yield path, f"{name!r} is neither managed by the set nor listed as external (a typo, or add it to the external namespaces)"


def _one_peer(allow: Mapping[str, Any], peers: tuple[str, ...]) -> str | None:
    given = [peer for peer in peers if peer in allow]
    return given[0] if len(given) == 1 else None


def _ingress(path: str, allow: Mapping[str, Any], context: PeerContext, namespace: str) -> Iterator[Problem]:
    peer = _one_peer(allow, INGRESS_PEERS)
    if peer is None:
        yield path, f"must name exactly one of {', '.join(INGRESS_PEERS)}"
        return
    if peer == "namespace":
        yield from _peer_namespace(f"{path}.namespace", allow["namespace"], context, "ingress")
    else:
        how = allow["outside"]
        if how == CILIUM_INGRESS:
            yield f"{path}.outside", cilium_ingress_refused(context.byocni)
        elif how not in OUTSIDE_ENTITIES:
            yield f"{path}.outside", f"{how!r} is not one of {', '.join(OUTSIDE_ENTITIES)}"
        if "ports" not in allow:
            yield f"{path}.ports", "is required for traffic from outside the cluster: name the ports it may reach"
    if "ports" in allow:
        yield from _ports(f"{path}.ports", allow["ports"], required=peer == "outside")


# The Azure endpoints a namespace reaches only by opting in (docs/network-policy.md, "metadata endpoints").
_METADATA_ADDRESSES = (("IMDS", ipaddress.IPv4Network(IMDS)), ("WireServer", ipaddress.IPv4Network(WIRESERVER)))


def _metadata_problems(path: str, outer: ipaddress.IPv4Network | ipaddress.IPv6Network, excepts: object) -> Iterator[Problem]:
    """A CIDR allowance that reaches IMDS or WireServer and does not carve them out: the opt-in is the one way there
    (only their HTTP ports, and in byocni the namespace label that lifts the cluster-wide deny, which an allow cannot
    override; in azure-cilium the allowance would open them on every port)."""
    if not isinstance(outer, ipaddress.IPv4Network):
        return
    carved = []
    for text in excepts if isinstance(excepts, list) else []:
        try:
            carved.append(ipaddress.ip_network(text, strict=True))
        except (TypeError, ValueError):
            continue  # its own problem is reported with the except list
    reached = [
        f"{label} {address.network_address}"
        for label, address in _METADATA_ADDRESSES
        if address.subnet_of(outer) and not any(isinstance(c, ipaddress.IPv4Network) and address.subnet_of(c) for c in carved)
    ]
    if reached:
        yield (
            f"{path}.cidr",
            f"{outer} contains {' and '.join(reached)}: reach {'them' if len(reached) > 1 else 'it'} with "
            "`metadata_endpoints: true` instead (its ports only), or carve it out with `except_cidrs`",
        )


def _cidr(path: str, allow: Mapping[str, Any], context: PeerContext) -> Iterator[Problem]:
    try:
        outer = ipaddress.ip_network(allow["cidr"], strict=True)
    except (TypeError, ValueError):
        yield f"{path}.cidr", f"{allow['cidr']!r} is not a CIDR with its host bits zero"
        return
    yield from _metadata_problems(path, outer, allow.get("except_cidrs", []))
    for cluster in context.cluster_cidrs:
        if outer.version == cluster.version and outer.overlaps(cluster):  # type: ignore[arg-type]
            yield f"{path}.cidr", f"{outer} overlaps the cluster's pod or service CIDR {cluster}: reach pods and Services by namespace"
    for index, inner_text in enumerate(allow.get("except_cidrs", [])):
        try:
            inner = ipaddress.ip_network(inner_text, strict=True)
        except (TypeError, ValueError):
            yield f"{path}.except_cidrs[{index}]", f"{inner_text!r} is not a CIDR with its host bits zero"
            continue
        if inner.version != outer.version or not inner.subnet_of(outer):  # type: ignore[arg-type]
            yield f"{path}.except_cidrs[{index}]", f"{inner} is not inside {outer}"


def _egress(path: str, allow: Mapping[str, Any], context: PeerContext, namespace: str) -> Iterator[Problem]:
    peer = _one_peer(allow, EGRESS_PEERS)
    if peer is None:
        yield path, f"must name exactly one of {', '.join(EGRESS_PEERS)}"
        return
    if "except_cidrs" in allow and peer != "cidr":
        yield f"{path}.except_cidrs", "belongs to a cidr allowance"
    if peer == "namespace":
        yield from _peer_namespace(f"{path}.namespace", allow["namespace"], context, "egress")
    elif peer == "api_server":
        if allow["api_server"] is not True:
            yield f"{path}.api_server", "must be true (leave the allowance out to deny the API server)"
    elif peer == "cidr":
        yield from _cidr(path, allow, context)
    else:
        fqdn = allow["fqdn"]
        if not context.l7:
            yield f"{path}.fqdn", "FQDN rules need Cilium's DNS proxy: network_mode byocni, or acns_security with azure-cilium"
        problem = fqdn_selector_problem(fqdn) or fqdn_problem(fqdn, namespace, context.byocni)
        if problem:
            yield f"{path}.fqdn", f"{str(fqdn)[:60]!r} {problem}"
    if "ports" in allow:
        yield from _ports(f"{path}.ports", allow["ports"])


def namespace_entry_problems(entry: Mapping[str, Any], context: PeerContext) -> Iterator[Problem]:
    """Every problem of one namespace entry (NamespacePolicyArgs), with paths relative to the entry."""
    problem = managed_namespace_problem(entry.get("name"))
    if problem:
        yield "name", problem
    for key, judge in (("ingress", _ingress), ("egress", _egress)):
        rules = entry.get(key, [])
        if not isinstance(rules, list):
            yield key, "must be a list"
            continue
        for index, allow in enumerate(rules):
            if not isinstance(allow, Mapping):
                yield f"{key}[{index}]", "must be a mapping"
            else:
                yield from judge(f"{key}[{index}]", allow, context, str(entry.get("name")))
    webhook_ports = entry.get("webhook_ports", [])
    # Not a list: the args' type check has reported it.
    for index, port in enumerate(webhook_ports if isinstance(webhook_ports, list) else []):
        port_text = port_problem(port)
        if port_text:
            yield f"webhook_ports[{index}]", port_text
    for key in ("intra_namespace", "metadata_endpoints"):
        if key in entry and not isinstance(entry[key], bool):
            yield key, f"must be a plain bool, not {type(entry[key]).__name__}"


def check_policy_set_args(name: str, args: Mapping[str, Any], args_type: type) -> None:
    """Raise one ComponentArgsError listing every problem of NetworkPolicySet's args (`args_type` its TypedDict)."""
    check = ArgsCheck("NetworkPolicySet", name, args, args_type)
    if check.incomplete:
        check.done()

    def readable(key: str) -> bool:
        """Left out, or given plain and of its declared type: a wrongly typed arg has its own problem already."""
        return key not in args or check.known(key)

    mode = args["network_mode"]
    if readable("network_mode") and (problem := choice_problem(mode, NETWORK_MODES)):
        check.fail("network_mode", problem)
    for key in PLAIN_BOOLS:
        if key in args:
            _plain_bool(check, key, args[key])
    namespaces = args["namespaces"]
    if not isinstance(namespaces, list):
        check.fail("namespaces", "must be a list of NamespacePolicyArgs")
        check.done()
    external = args.get("external_namespaces", []) if readable("external_namespaces") else []
    for index, external_name in enumerate(external):
        problem = external_namespace_problem(external_name)
        if problem:
            check.fail(f"external_namespaces[{index}]", problem)
    cluster_cidrs = []
    for index, cidr in enumerate(args.get("cluster_cidrs", []) if readable("cluster_cidrs") else []):
        try:
            cluster_cidrs.append(ipaddress.ip_network(cidr, strict=True))
        except (TypeError, ValueError):
            check.fail(f"cluster_cidrs[{index}]", f"{cidr!r} is not a CIDR with its host bits zero")
    entries = [entry for entry in namespaces if isinstance(entry, Mapping) and "name" in entry]
    managed = frozenset(str(entry["name"]) for entry in entries)
    for index, external_name in enumerate(external):
        if external_name in managed:
            check.fail(f"external_namespaces[{index}]", f"{external_name!r} is managed by the set, so it is not external")
    context = PeerContext(
        managed=managed,
        external=frozenset(str(n) for n in external),
        byocni=mode == BYOCNI,
        l7=mode == BYOCNI or args.get("acns_security") is True,
        cluster_cidrs=tuple(cluster_cidrs),
    )
    # Each entry is judged in the whole context: with a part of it unreadable, the entries wait for its fix.
    judged = all(readable(key) for key in ("network_mode", "acns_security", "external_namespaces", "cluster_cidrs"))
    # A value the type check refused (an Output where a plain value decides resources) has its problem already.
    refused = {problem["property_path"] for problem in check.problems}
    for index, entry in enumerate(namespaces):
        if not isinstance(entry, Mapping) or "name" not in entry:
            check.fail(f"namespaces[{index}]", "must be a mapping with at least a name")
            continue
        for path, problem in namespace_entry_problems(entry, context) if judged else []:
            if f"namespaces[{index}].{path}" not in refused:
                check.fail(f"namespaces[{index}].{path}", problem)
    # A name that is no string has its own problem; only strings can be listed twice.
    counts = Counter(entry["name"] for entry in namespaces if isinstance(entry, Mapping) and isinstance(entry.get("name"), str))
    for duplicate in sorted(str(n) for n, count in counts.items() if count > 1):
        check.fail("namespaces", f"{duplicate!r} is listed more than once")
    check.done()
