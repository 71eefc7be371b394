"""What enforces the policies: Cilium installed by this program, or Azure's managed Cilium with or without ACNS.

The mode is read from the plan itself (the ManagedCluster's network profile and the Cilium release's values), so the
analyser judges the cluster the plan would build, not a setting it is told.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mode:
    managed: bool = False
    """Azure CNI powered by Cilium: Azure runs Cilium (networkDataplane cilium)."""
    acns_security: bool = False
    """ACNS security is on: FQDN filtering through the ACNS Security Agent."""
    acns_l7: bool = False
    """advancedNetworkPolicies L7: HTTP rules as well as FQDN."""
    policy_enforcement: str = "default"
    """The agent's policyEnforcementMode: default, always or never (Documentation/security/policy/intro.rst)."""
    non_default_deny: bool = True
    """enable-non-default-deny-policies: when off, enableDefaultDeny is ignored and every policy denies by default."""

    @property
    def name(self) -> str:
        if not self.managed:
            return "byocni"
        return f"azure-cilium (ACNS security {'L7' if self.acns_l7 else 'FQDN'})" if self.acns_security else "azure-cilium"

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "policyEnforcementMode": self.policy_enforcement,
            "enableNonDefaultDenyPolicies": self.non_default_deny,
        }


def mode_of(cluster_inputs: Mapping[str, Any] | None, cilium_values: Mapping[str, Any] | None) -> Mode:
    """The mode of the plan's ManagedCluster inputs and Cilium Helm values (either may be absent in a library plan)."""
    profile = (cluster_inputs or {}).get("networkProfile") or {}
    managed = profile.get("networkDataplane") == "cilium" and profile.get("networkPlugin") != "none"
    security = ((profile.get("advancedNetworking") or {}).get("security")) or {}
    acns = managed and bool(security.get("enabled"))
    values = cilium_values or {}
    return Mode(
        managed=managed,
        acns_security=acns,
        acns_l7=acns and security.get("advancedNetworkPolicies") == "L7",
        policy_enforcement=str(values.get("policyEnforcementMode", "default")),
        non_default_deny=bool(values.get("enableNonDefaultDenyPolicies", True)),
    )
