"""What besides the policies decides the connectivity check's verdicts, as one digest: the check's Job names carry it,
so a change replaces the Jobs and the probes run again (docs/workloads.md, "When the check runs again").

byocni: the chart version and the values rendered for it. Any change of either upgrades the release, whose agents then
enforce the same policies under another configuration (a datapath, an encryption, a proxy setting). azure-cilium:
Azure picks Cilium's version by the Kubernetes version, and ACNS security with its policy level decides whether FQDN
and L7 rules are enforced at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from aks_cilium.core.digest import json_digest
from stack_settings.model import Settings


def helm_fingerprint(version: str, values: Mapping[str, Any]) -> str:
    """The Cilium release as Helm gets it: chart version and rendered values."""
    return json_digest({"chart": "cilium", "version": version, "values": values})


def managed_fingerprint(settings: Settings) -> str:
    """Azure's Cilium as the stack decides it: the Kubernetes version and the ACNS security settings."""
    cluster = settings.cluster
    acns = cluster.advanced_networking
    return json_digest({"kubernetes": cluster.kubernetes_version, "acnsSecurity": acns.security, "acnsPolicies": acns.policies})


def check_fingerprint(settings: Settings, cilium_values: pulumi.Output[dict[str, Any]] | None) -> pulumi.Output[str]:
    """The digest for this stack: from the Cilium component's rendered values in byocni (an Output, secret when an extra
    value is), from the settings where Azure runs Cilium."""
    if cilium_values is None:
        return pulumi.Output.from_input(managed_fingerprint(settings))
    version = settings.cilium.version
    return cilium_values.apply(lambda values: helm_fingerprint(version, values))
