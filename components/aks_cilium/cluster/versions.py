"""Which Kubernetes minors AKS lets you create a cluster on, and until when: the version policy's table and its rule.

The table is AKS's release calendar as published; update it when Microsoft publishes a new minor (docs/upgrades.md,
Version policy), then run `make docs`. Dates given as a month mean the last day of that month, as the calendar's own
note says.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

SOURCE = (
    "MicrosoftDocs/azure-aks-docs articles/aks/supported-kubernetes-versions.md "
    "(AKS Kubernetes release calendar and LTS versions, commit fb060ab of 2026-08-21)"
)
READ_ON = date(2026, 11, 26)
# From this many days before a minor's end of support the plan warns (it never refuses a supported minor: a freeze
# would block the hotfixes that an upgrade in progress may need). Two months leave time to move one minor up.
WARNING_DAYS = 60
LTS_PLAN = "AKSLongTermSupport"
OFFICIAL_PLAN = "KubernetesOfficial"
SUPPORT_PLANS = (OFFICIAL_PLAN, LTS_PLAN)
# Default of the kubernetesVersion key: GA since June 2026, community support until the end of June 2027.
DEFAULT_MINOR = "1.36"

# The one Kubernetes-version pattern: 1.<minor> or 1.<minor>.<patch>, ASCII digits only (Python's `\d` would take any
# Unicode digit). The stack config and the policy pack use this pattern too.
KUBERNETES_VERSION_PATTERN = r"1\.([0-9]{1,2})(\.[0-9]{1,3})?"
_VERSION = re.compile(KUBERNETES_VERSION_PATTERN)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class MinorSupport:
    """One row of AKS's calendar: a Kubernetes minor, when it went GA on AKS and when its support ends."""

    minor: str
    aks_ga: date
    community_end: date
    """End of life in community support; after it AKS no longer creates clusters on it (platform support only)."""
    lts_end: date
    """End of long-term support, with the Premium tier and supportPlan AKSLongTermSupport."""


CALENDAR: tuple[MinorSupport, ...] = (
    MinorSupport("1.31", _month_end(2024, 11), date(2025, 11, 1), _month_end(2026, 11)),
    MinorSupport("1.32", _month_end(2025, 4), _month_end(2026, 3), _month_end(2027, 3)),
    MinorSupport("1.33", _month_end(2025, 6), _month_end(2026, 7), _month_end(2027, 7)),
    MinorSupport("1.34", _month_end(2025, 11), _month_end(2026, 11), _month_end(2027, 11)),
    MinorSupport("1.35", _month_end(2026, 3), _month_end(2027, 3), _month_end(2028, 3)),
    MinorSupport("1.36", _month_end(2026, 6), _month_end(2027, 6), _month_end(2028, 6)),
    MinorSupport("1.37", _month_end(2026, 10), _month_end(2027, 10), _month_end(2028, 10)),
)
BY_MINOR = {row.minor: row for row in CALENDAR}


def minor_of(version: str) -> str | None:
    """`1.36` or `1.36.2` -> `1.36`; None for anything else."""
    match = _VERSION.fullmatch(version)
    return f"1.{match.group(1)}" if match else None


def minor_number(version: str) -> int | None:
    """`1.36` or `1.36.2` -> 36; None for anything else."""
    match = _VERSION.match(version)
    return int(match.group(1)) if match else None


def is_minor_only(version: str) -> bool:
    match = _VERSION.fullmatch(version)
    return bool(match) and match.group(2) is None  # type: ignore[union-attr]


def _support_end(row: MinorSupport, support_plan: str) -> tuple[date, str]:
    if support_plan == LTS_PLAN:
        return row.lts_end, "long-term support"
    return row.community_end, "AKS community support"


def next_supported_minor(minor: str, on: date, support_plan: str = OFFICIAL_PLAN) -> str | None:
    """The lowest minor above `minor` that is GA on `on` and still supported: the one an upgrade goes to (AKS upgrades
    one minor at a time outside LTS, supported-kubernetes-versions.md)."""
    current = minor_number(minor) or 0
    later = [row for row in CALENDAR if (minor_number(row.minor) or 0) > current]
    return next((row.minor for row in later if row.aks_ga <= on and _support_end(row, support_plan)[0] >= on), None)


def newest_supported_minor(on: date, support_plan: str = OFFICIAL_PLAN) -> str | None:
    supported = [row.minor for row in CALENDAR if row.aks_ga <= on and _support_end(row, support_plan)[0] >= on]
    return supported[-1] if supported else None


def _move_to(minor: str, on: date, support_plan: str) -> str:
    target = next_supported_minor(minor, on, support_plan)
    return f"move to {target}" if target else "no newer minor is GA on AKS yet"


def support_problem(version: str, on: date, support_plan: str = OFFICIAL_PLAN) -> str | None:
    """Why AKS would refuse to create `version` on `on` (not GA yet, or out of support), or None when it is supported."""
    minor = minor_of(version)
    if minor is None:
        return "is not a Kubernetes version (1.<minor> or 1.<minor>.<patch>)"
    row = BY_MINOR.get(minor)
    if row is None:
        return f"is not in the version policy's table (known minors: {', '.join(BY_MINOR)}; {SOURCE})"
    if row.aks_ga > on:
        newest = newest_supported_minor(on, support_plan)
        return f"is not generally available on AKS before {row.aks_ga.isoformat()}" + (
            f"; the newest GA minor is {newest}" if newest else ""
        )
    end, kind = _support_end(row, support_plan)
    if end < on:
        return f"left {kind} on {end.isoformat()}; AKS no longer creates clusters on it: {_move_to(minor, on, support_plan)}"
    return None


def support_warning(version: str, on: date, support_plan: str = OFFICIAL_PLAN) -> str | None:
    """A supported minor whose support ends within WARNING_DAYS of `on`, with the minor to move to; else None."""
    row = BY_MINOR.get(minor_of(version) or "")
    if row is None or support_problem(version, on, support_plan):
        return None
    end, kind = _support_end(row, support_plan)
    remaining = (end - on).days
    if remaining >= WARNING_DAYS:
        return None
    minor = row.minor
    return f"{minor} leaves {kind} on {end.isoformat()}, {remaining} days after {on.isoformat()}: {_move_to(minor, on, support_plan)}"


def support_plan_problem(support_plan: str, sku_tier: str) -> str | None:
    """LTS needs the Premium tier (long-term-support.md: "Enabling LTS requires moving your cluster to the Premium tier")."""
    if support_plan not in SUPPORT_PLANS:
        return f"is not one of {', '.join(SUPPORT_PLANS)}"
    if support_plan == LTS_PLAN and sku_tier != "Premium":
        return f"AKSLongTermSupport needs skuTier Premium, not {sku_tier}"
    return None


def lts_channel_problem(support_plan: str, upgrade_channel: str) -> str | None:
    """LTS keeps one minor for two years; only the patch channel keeps it there. stable and rapid move the cluster to
    newer minors by themselves (auto-upgrade-cluster.md), and node-image leaves the patches behind that LTS supports
    only the last two of (long-term-support.md, "LTS Patch process", whose examples all use --auto-upgrade-channel patch)."""
    if support_plan == LTS_PLAN and upgrade_channel != "patch":
        return f"AKSLongTermSupport needs upgradeChannel patch, not {upgrade_channel} (which leaves the LTS minor or its patches)"
    return None


# Azure tags on the managed cluster that carry the version policy's dates, so that whoever reads the cluster (the
# policy pack's advisory kubernetes-support-ending, Azure Policy, an inventory) sees when its minor leaves support
# without a copy of the table.
SUPPORT_ENDS_TAG = "aks-cilium-support-ends"
NEXT_MINOR_TAG = "aks-cilium-next-minor"


def support_tags(version: str, support_plan: str = OFFICIAL_PLAN) -> dict[str, str]:
    """The end of support of `version`'s minor and the minor after it in the table; empty for a minor not in it."""
    row = BY_MINOR.get(minor_of(version) or "")
    if row is None:
        return {}
    tags = {SUPPORT_ENDS_TAG: _support_end(row, support_plan)[0].isoformat()}
    later = [other.minor for other in CALENDAR if (minor_number(other.minor) or 0) > (minor_number(row.minor) or 0)]
    if later:
        tags[NEXT_MINOR_TAG] = later[0]
    return tags
