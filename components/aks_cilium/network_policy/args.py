"""The rules NetworkPolicySet's args must meet, checked before any resource exists, whoever the caller is."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import pulumi

from aks_cilium.cluster.rules import BYOCNI, NETWORK_MODES
from aks_cilium.core.validation import ArgsCheck
from aks_cilium.network_policy.builders import managed_fqdn_problem
from aks_cilium.network_policy.model import PolicyModelError, check_namespace
from aks_cilium.network_policy.names import fqdn_selector_problem

PLAIN_BOOLS = ("acns_security", "native_default_deny", "protect")


def namespace_problem(name: object) -> str | None:
    """What keeps `name` from naming a namespace, or None."""
    if not isinstance(name, str):
        return f"must be a namespace name, not {type(name).__name__}"
    try:
        check_namespace(name)
    except PolicyModelError:
        return "is not a Kubernetes namespace name (DNS-1123 label, at most 63 characters)"
    return None


def managed_namespace_problem(name: object) -> str | None:
    """What keeps `name` from being a namespace the set creates and puts under default deny, or None."""
    problem = namespace_problem(name)
    if problem is None and isinstance(name, str) and name.startswith("kube-"):
        # Default deny there would cut kube-dns, konnectivity and the rest of the control plane's agents.
        return "is a system namespace (kube-*), which must not be put under default deny"
    return problem


def _plain_bool(check: ArgsCheck, path: str, value: object) -> None:
    if isinstance(value, pulumi.Output):
        check.fail(path, "must be a plain bool, not an Output: it decides which resources exist")
    elif not isinstance(value, bool):
        check.fail(path, f"must be a bool, not {type(value).__name__}")


def _items(entry: Mapping[str, Any], key: str) -> list[Any]:
    """A list field's items; none when it is no list, which the args' type check has reported already."""
    value = entry.get(key, [])
    return list(value) if isinstance(value, list | tuple) else []


def _check_entry(check: ArgsCheck, path: str, entry: Mapping[str, Any], byocni: bool, l7: bool) -> None:
    problem = managed_namespace_problem(entry["name"])
    if problem:
        check.fail(f"{path}.name", problem)
    for key in ("allow_from", "allow_to"):
        for index, peer in enumerate(_items(entry, key)):
            peer_problem = namespace_problem(peer)
            if peer_problem is None and peer == entry["name"]:
                peer_problem = "is the namespace itself, which the baseline already allows"
            if peer_problem:
                check.fail(f"{path}.{key}[{index}]", peer_problem)
    fqdns = _items(entry, "fqdns")
    if fqdns and not l7:
        check.fail(f"{path}.fqdns", "FQDN rules need Cilium's DNS proxy: network_mode byocni, or acns_security with azure-cilium")
    for index, fqdn in enumerate(fqdns):
        fqdn_problem = fqdn_selector_problem(fqdn)
        if fqdn_problem is None and not byocni:
            fqdn_problem = managed_fqdn_problem(fqdn, str(entry["name"]))
        if fqdn_problem:
            check.fail(f"{path}.fqdns[{index}]", f"{str(fqdn)[:60]!r} {fqdn_problem}")
    for index, port in enumerate(_items(entry, "webhook_ports")):
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            check.fail(f"{path}.webhook_ports[{index}]", f"{port!r} is not a port number 1-65535")
    if "metadata_endpoints" in entry:
        _plain_bool(check, f"{path}.metadata_endpoints", entry["metadata_endpoints"])
        if entry["metadata_endpoints"] is True and not byocni:
            check.fail(f"{path}.metadata_endpoints", "only applies to byocni; Azure's managed Cilium blocks WireServer itself")


def check_policy_set_args(name: str, args: Mapping[str, Any], args_type: type) -> None:
    """Raise one ComponentArgsError listing every problem of NetworkPolicySet's args (`args_type` its TypedDict)."""
    check = ArgsCheck("NetworkPolicySet", name, args, args_type)
    if check.incomplete:
        check.done()
    mode = args["network_mode"]
    if mode not in NETWORK_MODES:
        check.fail("network_mode", f"{mode!r} is not one of {', '.join(NETWORK_MODES)}")
    for key in PLAIN_BOOLS:
        if key in args:
            _plain_bool(check, key, args[key])
    byocni = mode == BYOCNI
    l7 = byocni or args.get("acns_security") is True
    namespaces = args["namespaces"]
    if not isinstance(namespaces, list):
        check.fail("namespaces", "must be a list of NamespacePolicyArgs")
        check.done()
    for index, entry in enumerate(namespaces):
        if not isinstance(entry, Mapping) or "name" not in entry:
            check.fail(f"namespaces[{index}]", "must be a mapping with at least a name")
            continue
        _check_entry(check, f"namespaces[{index}]", entry, byocni, l7)
    # Names of the wrong type have their own problem; only strings can be listed twice.
    counts = Counter(entry["name"] for entry in namespaces if isinstance(entry, Mapping) and isinstance(entry.get("name"), str))
    for duplicate in sorted(str(n) for n, count in counts.items() if count > 1):
        check.fail("namespaces", f"{duplicate!r} is listed more than once")
    check.done()
