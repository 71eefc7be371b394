"""Rules for the Cilium Helm release: any kubernetes:helm.sh/v3:Release whose chart is Cilium, whatever way it is named."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .values import MalformedError, dig, is_list, mapping_at, str_at

Props = Mapping[str, Any]
# ASCII digits only: `\d` would also accept other scripts' digits, which Helm's semver parser refuses.
_EXACT = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+", re.ASCII)
_ARCHIVE = re.compile(r"(?:-v?[0-9][^/]*)?\.(?:tgz|tar\.gz)$", re.IGNORECASE)
# Keys that change what Cilium enforces or runs when they appear anywhere in the values (agent, operator, relay...).
_ANYWHERE = {
    "image": "an image override runs another build than the chart's digest-pinned images",
    "extraConfig": "extraConfig writes straight into cilium-config and can change routing, IPAM or enforcement",
    "extraArgs": "extraArgs pass flags that override the chart's own settings",
}
_NATIVE_ROUTING = ("autoDirectNodeRoutes", "ipv4NativeRoutingCIDR", "ipv6NativeRoutingCIDR")
# The IPAM values the program sets (byocni_values checks the mode); anything else under ipam changes pod addressing.
_OWNED_IPAM_OPERATOR = ("clusterPoolIPv4PodCIDRList", "clusterPoolIPv4MaskSize")


def chart_name(chart: str) -> str:
    """The chart's own name in any form Helm takes: `cilium`, `cilium/cilium`, a repository URL, an OCI reference, a .tgz."""
    name = chart.strip().rstrip("/").rsplit("/", 1)[-1]
    name = _ARCHIVE.sub("", name)
    return name.split(":", 1)[0].split("@", 1)[0].lower()


def is_cilium_release(props: Props) -> bool:
    chart = str_at(props, "chart")
    return chart is not None and chart_name(chart) == "cilium"


def version_pinned(props: Props) -> list[str]:
    """An exact chart version: a range, no version, or non-ASCII digits upgrade Cilium behind your back or fail."""
    version = str_at(props, "version")
    if version is None or not _EXACT.fullmatch(version):
        return [f"chart version {version!r} is not exact; pin x.y.z in ASCII digits"]
    return []


def hubble_relay_on(props: Props) -> list[str]:
    """Hubble and its relay are on, so flows can be observed cluster-wide."""
    values = mapping_at(props, "values")
    if dig(values, "hubble", "enabled") is False or dig(values, "hubble", "relay", "enabled") is not True:
        return ["Hubble or Hubble relay is off; set hubble.enabled and hubble.relay.enabled true"]
    return []


def byocni_values(props: Props) -> list[str]:
    """The values AKS bring-your-own-CNI needs: aksbyocni on, tunnel routing, cluster-pool IPAM."""
    values = mapping_at(props, "values")
    problems = []
    if dig(values, "aksbyocni", "enabled") is not True:
        problems.append("aksbyocni.enabled is not true")
    if dig(values, "routingMode") != "tunnel":
        problems.append("routingMode is not tunnel (the chart requires it with aksbyocni)")
    if dig(values, "ipam", "mode") not in (None, "cluster-pool"):
        problems.append("ipam.mode is not cluster-pool")
    return [f"{p}; fix the Cilium values" for p in problems]


def hubble_tls_not_helm(props: Props) -> list[str]:
    """`helm` certificate generation changes on every render: perpetual diffs and restarts."""
    if str_at(mapping_at(props, "values"), "hubble", "tls", "auto", "method") in (None, "helm"):
        return ["hubble.tls.auto.method is helm (the chart default); set it to cronJob"]
    return []


def hubble_tls_on(props: Props) -> list[str]:
    """Hubble's API carries every flow's metadata on the host network: its mutual TLS stays on."""
    enabled = dig(props, "values", "hubble", "tls", "enabled")
    if enabled is None or enabled is True:
        return []
    if enabled is False:
        return ["hubble.tls.enabled is false; remove it (the chart's default is true)"]
    raise MalformedError("values.hubble.tls.enabled", "a boolean", enabled)


def policy_enforced(props: Props) -> list[str]:
    """Cilium enforces network policy: `policyEnforcementMode: never` turns every CiliumNetworkPolicy off."""
    mode = str_at(mapping_at(props, "values"), "policyEnforcementMode")
    if mode in (None, "default", "always"):
        return []
    return [f"policyEnforcementMode is {mode!r}; remove it or use default or always"]


def _walk(node: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """Every (path, key, value) in a values tree, through objects and lists."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            child = f"{path}.{key}" if path else str(key)
            yield child, str(key), value
            yield from _walk(value, child)
    elif is_list(node):
        for index, item in enumerate(node):
            yield from _walk(item, f"{path}[{index}]")


def _empty(value: Any) -> bool:
    return value is None or ((isinstance(value, Mapping) or is_list(value) or isinstance(value, str)) and len(value) == 0)


def values_safe(props: Props) -> list[str]:
    """No values that quietly change routing, IPAM, encryption or the images, or pass raw config and flags to Cilium."""
    values = mapping_at(props, "values")
    problems = [
        f"values set {path}: {_ANYWHERE[key]}; remove it"
        for path, key, value in _walk(values, "")
        if key in _ANYWHERE and not _empty(value)
    ]
    problems += [
        f"values set {key}, a native-routing setting; BYOCNI uses tunnel routing, remove it" for key in _NATIVE_ROUTING if key in values
    ]
    tunnel = dig(values, "tunnelProtocol")
    if tunnel not in (None, "vxlan", "geneve"):
        problems.append(f"tunnelProtocol is {tunnel!r}; use vxlan or geneve")
    ipam = mapping_at(values, "ipam", where="values")
    owned = "IPAM is the program's (cluster-pool from the pod CIDR), remove it"
    problems += [f"values set ipam.{key}; {owned}" for key in ipam if key not in ("mode", "operator")]
    problems += [
        f"values set ipam.operator.{key}; {owned}"
        for key in mapping_at(ipam, "operator", where="values.ipam")
        if key not in _OWNED_IPAM_OPERATOR
    ]
    encryption = mapping_at(values, "encryption", where="values")
    problems += [
        f"values set encryption.{key}; only WireGuard on or off (with its strict ingress mode) is supported, remove it"
        for key in encryption
        if key not in ("enabled", "type", "strictMode")
    ]
    # WireGuard's strict mode drops unencrypted pod-to-pod ingress (values.yaml, encryption.strictMode.ingress): it can
    # only narrow what passes. Its egress half takes a CIDR that decides what must be encrypted, so it stays refused.
    strict = mapping_at(values, "encryption", "strictMode", where="values")
    problems += [
        f"values set encryption.strictMode.{key}; only strictMode.ingress.enabled is supported, remove it"
        for key in strict
        if key != "ingress"
    ]
    problems += [
        f"values set encryption.strictMode.ingress.{key}; only enabled is supported, remove it"
        for key in mapping_at(strict, "ingress", where="values.encryption.strictMode")
        if key != "enabled"
    ]
    if encryption.get("type") not in (None, "wireguard"):
        problems.append(f"encryption.type is {encryption.get('type')!r}; use wireguard")
    return problems
