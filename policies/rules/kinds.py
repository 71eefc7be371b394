"""One normalisation before the rules: every type token the engine may send for a kind the pack judges -> that kind.

The engine sends the token the program registered, and the SDKs register one kind of object under several:
- azure-native registers `azure-native:containerservice:ManagedCluster`, and every API version's module
  `azure-native:containerservice/v20250901:ManagedCluster` (or `.../v20250902preview:...`) is the same Azure resource
  (pulumi-azure-native `sdk/python/pulumi_azure_native/containerservice/managed_cluster.py`, its aliases; agent_pool.py
  likewise).
- pulumi-kubernetes registers `kubernetes:<apiVersion>:<Kind>` for typed resources and for `CustomResource` alike
  (`pulumi_kubernetes/apiextensions/CustomResource.py`: `f"kubernetes:{api_version}:{kind}"`), and every kind's
  server-side patch as `<Kind>Patch` (`core/v1/NamespacePatch.py`, `apiextensions/CustomResourcePatch.py`).
- Helm: `kubernetes:helm.sh/v3:Release` (one resource with the chart and values), `kubernetes:helm.sh/v4:Chart` (a
  component with the same inputs, `helm/v4/Chart.py`), and `kubernetes:helm.sh/v3:Chart` (aliased from `v2`,
  `helm/v3/helm.py`), a component registered with no properties at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CLUSTER = "cluster"
AGENT_POOL = "agent-pool"
HELM_RELEASE = "helm-release"
"""A Helm release whose chart, version and values the pack can read: a v3 Release or a v4 Chart."""
HELM_OPAQUE = "helm-opaque"
"""A Helm chart component that sends the pack no chart, version or values: the v3 (and v2) Chart."""
CNP = "cilium-network-policy"
CCNP = "cilium-clusterwide-network-policy"
NAMESPACE = "namespace"
CONFIG_MAP = "config-map"
NETWORK_POLICY = "network-policy"
CILIUM_POLICY_KINDS = (CNP, CCNP)

_AZURE = re.compile(r"azure-native:containerservice(?:/v[0-9]{8}(?:preview)?)?:(ManagedCluster|AgentPool)")
_AZURE_KINDS = {"ManagedCluster": CLUSTER, "AgentPool": AGENT_POOL}
_KUBERNETES = re.compile(r"kubernetes:(?P<group>[^:]+):(?P<kind>[A-Za-z0-9]+?)(?P<form>Patch|List)?")
# Kubernetes kinds by (API group, kind); the version does not change what the object is.
_KUBERNETES_KINDS = {
    ("cilium.io", "CiliumNetworkPolicy"): CNP,
    ("cilium.io", "CiliumClusterwideNetworkPolicy"): CCNP,
    ("core", "Namespace"): NAMESPACE,
    ("core", "ConfigMap"): CONFIG_MAP,
    ("networking.k8s.io", "NetworkPolicy"): NETWORK_POLICY,
}
_HELM = {
    "kubernetes:helm.sh/v3:Release": HELM_RELEASE,
    "kubernetes:helm.sh/v4:Chart": HELM_RELEASE,
    "kubernetes:helm.sh/v3:Chart": HELM_OPAQUE,
    "kubernetes:helm.sh/v2:Chart": HELM_OPAQUE,
}
HELM_CHART_COMPONENTS = ("kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart", "kubernetes:helm.sh/v2:Chart")


@dataclass(frozen=True)
class Kind:
    name: str
    form: str = ""
    """"" for the object itself; "Patch" for a server-side patch of it, which changes an object the stack does not
    show whole; "List" for a list resource, whose items are objects of the kind the rules do not see one by one."""

    @property
    def readable(self) -> bool:
        """Whether the rules can judge the resource's properties as the object they describe."""
        return self.form == "" and self.name != HELM_OPAQUE


def kind_of(type_token: str) -> Kind | None:
    """The judged kind a type token stands for, or None for a kind the pack does not judge."""
    if type_token in _HELM:
        return Kind(_HELM[type_token])
    azure = _AZURE.fullmatch(type_token)
    if azure:
        return Kind(_AZURE_KINDS[azure[1]])
    kubernetes = _KUBERNETES.fullmatch(type_token)
    if kubernetes is None:
        return None
    group = kubernetes["group"].rsplit("/", 1)[0] if "/" in kubernetes["group"] else kubernetes["group"]
    name = _KUBERNETES_KINDS.get((group, kubernetes["kind"]))
    return Kind(name, kubernetes["form"] or "") if name else None


def is_kind(type_token: str, *names: str, patches: bool = False) -> bool:
    """Whether the token is one of `names` as an object (or, when asked, as a patch of one)."""
    kind = kind_of(type_token)
    return kind is not None and kind.name in names and (kind.form == "" or (patches and kind.form == "Patch"))


def is_helm_chart_child(urn: str) -> bool:
    """Whether a URN is of a resource a Helm chart component rendered (its type chain names the chart)."""
    return any(f"{chart}$" in urn for chart in HELM_CHART_COMPONENTS)
