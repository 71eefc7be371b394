"""The Kubernetes version table: AKS's release calendar as the version policy holds it."""

from __future__ import annotations

from aks_cilium.cluster.versions import CALENDAR, DEFAULT_MINOR, READ_ON, SOURCE, WARNING_DAYS

from .markdown import HEADER, table


def render() -> str:
    rows = (
        (
            f"{row.minor} (default)" if row.minor == DEFAULT_MINOR else row.minor,
            row.aks_ga.strftime("%Y-%m"),
            row.community_end.isoformat(),
            row.lts_end.isoformat(),
        )
        for row in CALENDAR
    )
    lines = [
        HEADER.format(source="components/aks_cilium/cluster/versions.py"),
        "",
        "# Kubernetes versions",
        "",
        f"The minors `kubernetesVersion` may name, from {SOURCE}, read {READ_ON.isoformat()}. A month in the calendar",
        "means its last day. A minor is refused before its GA on AKS and after its end of support on the plan's date (the",
        f"LTS end with `kubernetesSupportPlan: AKSLongTermSupport`); from {WARNING_DAYS} days before the end the plan and the",
        "policy pack warn, naming the next minor. The policy and the upgrade flow:",
        "[Kubernetes versions and upgrades](../upgrades.md).",
        "",
        *table(("minor", "GA on AKS", "end of AKS community support", "end of LTS (Premium)"), rows),
    ]
    return "\n".join(lines) + "\n"
