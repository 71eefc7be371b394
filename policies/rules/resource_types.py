"""The type tokens of the resources the pack judges, as the engine names them in analyzer requests."""

from __future__ import annotations

CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
RELEASE = "kubernetes:helm.sh/v3:Release"
CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy"
CCNP = "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy"
POLICY_KINDS = (CNP, CCNP)
NAMESPACE = "kubernetes:core/v1:Namespace"
