"""The version policy's advisory: a cluster whose Kubernetes minor leaves AKS support soon, with the minor to move to.

The library writes the end of support and the next minor as Azure tags on the managed cluster (aks_cilium/cluster/
versions.py `support_tags`), so the pack needs no copy of AKS's release calendar: it compares the tag's date with the
day it judges on. That day is today (UTC), or the day the plan's AKS_CILIUM_PLAN_DATE names, so a reviewer sees what a
later preview would say; the engine starts the pack with the CLI's environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from .library_facts import NEXT_MINOR_TAG, PLAN_DATE_VARIABLE, SUPPORT_ENDS_TAG, SUPPORT_WARNING_DAYS
from .values import MalformedError, dig


def judged_on(environ: Mapping[str, str] = os.environ) -> date | str:
    """The day the advisory judges against, or why the variable cannot say it."""
    text = environ.get(PLAN_DATE_VARIABLE, "").strip()
    if not text:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return f"cannot verify: {PLAN_DATE_VARIABLE}={text!r} is not an ISO date like 2027-01-15"


def kubernetes_support_ending(props: Mapping[str, Any], on: date | str) -> list[str]:
    """From 60 days before the cluster's Kubernetes minor leaves AKS support (its `aks-cilium-support-ends` tag), an
    advisory naming the next minor (`aks-cilium-next-minor`): plan the upgrade before AKS stops creating clusters on it."""
    tags = dig(props, "tags")
    if tags is None:
        return []
    if not isinstance(tags, Mapping):
        raise MalformedError("tags", "an object", tags)
    ends_text = tags.get(SUPPORT_ENDS_TAG)
    if ends_text is None:
        return []  # a minor the library's calendar does not hold, or a cluster the library did not build
    if isinstance(on, str):
        return [on]
    try:
        ends = date.fromisoformat(ends_text) if isinstance(ends_text, str) else None
    except ValueError:
        ends = None
    if ends is None:
        raise MalformedError(f"tags.{SUPPORT_ENDS_TAG}", "an ISO date like 2027-06-30", ends_text)
    remaining = (ends - on).days
    if remaining >= SUPPORT_WARNING_DAYS:
        return []
    version = dig(props, "kubernetesVersion")
    minor = f"Kubernetes {version}" if isinstance(version, str) else "the cluster's Kubernetes minor"
    next_minor = tags.get(NEXT_MINOR_TAG)
    move = f"set kubernetesVersion to {next_minor}" if isinstance(next_minor, str) else "no later minor is known; see docs/upgrades.md"
    if remaining < 0:
        return [f"{minor} left AKS support on {ends.isoformat()} ({on.isoformat()}): {move} (docs/upgrades.md)"]
    return [f"{minor} leaves AKS support on {ends.isoformat()}, {remaining} days after {on.isoformat()}: {move} (docs/upgrades.md)"]
