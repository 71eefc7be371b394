"""Network policy as code: a typed CiliumNetworkPolicy model that refuses what Cilium would reject or ignore, the
mode-aware builders of each construct, the per-namespace baseline, and the `NetworkPolicySet` component that applies
them once Cilium's CRDs exist."""

from aks_cilium.network_policy.component import NamespacePolicyArgs, NetworkPolicySet, NetworkPolicySetArgs

__all__ = ["NamespacePolicyArgs", "NetworkPolicySet", "NetworkPolicySetArgs"]
