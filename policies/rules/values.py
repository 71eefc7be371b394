"""Reading nested resource properties safely (missing keys are None, never KeyError)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

AKS_RESERVED = ("169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24")


def dig(props: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(props, Mapping) or key not in props:
            return None
        props = props[key]
    return props


def as_network(text: Any) -> ipaddress.IPv4Network | None:
    try:
        return ipaddress.IPv4Network(str(text), strict=True)
    except ValueError:
        return None
