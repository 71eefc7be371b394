"""Rules for the Cilium Helm release (kubernetes:helm.sh/v3:Release of chart cilium)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .values import dig

Props = Mapping[str, Any]
_EXACT = re.compile(r"^\d+\.\d+\.\d+$")


def is_cilium_release(props: Props) -> bool:
    return props.get("chart") == "cilium"


def version_pinned(props: Props) -> list[str]:
    """An exact chart version: a range or an empty version upgrades Cilium behind your back."""
    version = str(props.get("version") or "")
    return [] if _EXACT.match(version) else [f"chart version {version!r} is not exact; pin x.y.z"]


def hubble_relay_on(props: Props) -> list[str]:
    """Hubble and its relay are on, so flows can be observed cluster-wide."""
    values = props.get("values") or {}
    if dig(values, "hubble", "enabled") is False or dig(values, "hubble", "relay", "enabled") is not True:
        return ["Hubble or Hubble relay is off; set hubble.enabled and hubble.relay.enabled true"]
    return []


def byocni_values(props: Props) -> list[str]:
    """The values AKS bring-your-own-CNI needs: aksbyocni on, tunnel routing, cluster-pool IPAM."""
    values = props.get("values") or {}
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
    if dig(props.get("values") or {}, "hubble", "tls", "auto", "method") in (None, "helm"):
        return ["hubble.tls.auto.method is helm (the chart default); set it to cronJob"]
    return []
