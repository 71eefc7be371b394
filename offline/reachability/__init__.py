"""The offline reachability analyser: who can talk to whom under the policies a plan registers, with Cilium 1.20's
semantics, before anything reaches a cluster.

`analyse` reads the plan's registrations (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, NetworkPolicy,
Namespaces, the cluster's network profile and Cilium's values) and judges every covered flow; `report`, `page`,
`explain` and `diff` turn the result into the plan's files and text.
"""

from offline.reachability.analysis import Analysis, ExpectationResult, analyse, analyse_manifests

__all__ = ["Analysis", "ExpectationResult", "analyse", "analyse_manifests"]
