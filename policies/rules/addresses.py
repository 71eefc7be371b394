"""How much of the internet a list of CIDR ranges admits, judged by the addresses it covers, not by how it is written.

`0.0.0.0/1` plus `128.0.0.0/1` is the whole IPv4 internet although neither range ends in `/0`. Ranges are merged,
the special-purpose blocks that are not on the internet (private, loopback, link-local, documentation, multicast...)
are taken out, and what is left is counted.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# IANA's special-purpose registries (RFC 6890 and its updates): blocks that are not globally routable internet space.
_NOT_INTERNET_V4 = tuple(
    ipaddress.IPv4Network(block)
    for block in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    )
)  # fmt: skip
_NOT_INTERNET_V6 = tuple(
    ipaddress.IPv6Network(block) for block in ("::/8", "fc00::/7", "fe80::/10", "ff00::/8", "2001:db8::/32", "100::/64")
)
# More internet than one organisation's largest allocation: more than a /8 of IPv4 or a /32 of IPv6 (an ISP's block).
MAX_INTERNET_V4 = 2**24
MAX_INTERNET_V6 = 2**96


@dataclass(frozen=True)
class Coverage:
    internet_v4: int
    internet_v6: int
    unparsable: tuple[str, ...]

    @property
    def is_world(self) -> bool:
        return self.internet_v4 > MAX_INTERNET_V4 or self.internet_v6 > MAX_INTERNET_V6


def parse(text: str) -> Network | None:
    """A CIDR or a bare address (a /32 or /128); host bits are tolerated as Azure and Cilium tolerate them."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _internet_addresses(networks: list[Network], not_internet: tuple[Network, ...]) -> int:
    # Merged ranges are disjoint and so are the special blocks; two CIDRs either nest or do not overlap at all,
    # so the overlap of each pair is the smaller of the two.
    merged = list(ipaddress.collapse_addresses(networks))  # type: ignore[type-var]
    total = sum(n.num_addresses for n in merged)
    overlap = sum(min(n.num_addresses, s.num_addresses) for n in merged for s in not_internet if n.overlaps(s))
    return total - overlap


def coverage(ranges: Iterable[str]) -> Coverage:
    v4: list[Network] = []
    v6: list[Network] = []
    unparsable = []
    for text in ranges:
        network = parse(text)
        if network is None:
            unparsable.append(text)
        elif network.version == 4:
            v4.append(network)
        else:
            v6.append(network)
    return Coverage(_internet_addresses(v4, _NOT_INTERNET_V4), _internet_addresses(v6, _NOT_INTERNET_V6), tuple(unparsable))
