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
# A pinned minor must keep community support this long after the plan's date, so that a stack planned today can still
# be created, and its owners get two months to move to the next minor before AKS stops creating clusters on it.
MIN_REMAINING_DAYS = 60
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


def is_minor_only(version: str) -> bool:
    match = _VERSION.fullmatch(version)
    return bool(match) and match.group(2) is None  # type: ignore[union-attr]


def support_problem(version: str, on: date, support_plan: str = OFFICIAL_PLAN) -> str | None:
    """Why AKS would refuse to create (or soon stop supporting) `version` on `on`, or None when it is fine."""
    minor = minor_of(version)
    if minor is None:
        return "is not a Kubernetes version (1.<minor> or 1.<minor>.<patch>)"
    row = BY_MINOR.get(minor)
    if row is None:
        return f"is not in the version policy's table (known minors: {', '.join(BY_MINOR)}; {SOURCE})"
    if row.aks_ga > on:
        return f"is not generally available on AKS before {row.aks_ga.isoformat()}"
    lts = support_plan == LTS_PLAN
    end = row.lts_end if lts else row.community_end
    kind = "long-term support" if lts else "AKS community support"
    if end < on:
        return f"left {kind} on {end.isoformat()}; AKS no longer creates clusters on it"
    remaining = (end - on).days
    if remaining < MIN_REMAINING_DAYS:
        return f"leaves {kind} on {end.isoformat()}, {remaining} days after {on.isoformat()} (less than {MIN_REMAINING_DAYS})"
    return None


def support_plan_problem(support_plan: str, sku_tier: str) -> str | None:
    """LTS needs the Premium tier (long-term-support.md: "Enabling LTS requires moving your cluster to the Premium tier")."""
    if support_plan not in SUPPORT_PLANS:
        return f"is not one of {', '.join(SUPPORT_PLANS)}"
    if support_plan == LTS_PLAN and sku_tier != "Premium":
        return f"AKSLongTermSupport needs skuTier Premium, not {sku_tier}"
    return None
