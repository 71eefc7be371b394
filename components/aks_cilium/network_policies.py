"""A namespace baseline of CiliumNetworkPolicies, applied after Cilium's CRDs exist."""

from typing import NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from .cluster import BYOCNI
from .cnp.baseline import NamespaceBaseline, baseline_policies
from .cnp.builders import ModeCapabilities
from .options import kubernetes_child_options
from .tokens import component_type, with_legacy_type

MANAGED_BY = {"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "aks-cilium"}


class NamespacePolicyArgs(TypedDict):
    name: str
    """Namespace to create and put under default deny."""
    allow_from: NotRequired[list[str]]
    """Namespaces whose pods may reach this one."""
    allow_to: NotRequired[list[str]]
    """Namespaces this one's pods may reach."""
    fqdns: NotRequired[list[str]]
    """DNS names or patterns this namespace may reach on 80/443."""


class NetworkPolicySetArgs(TypedDict):
    namespaces: list[NamespacePolicyArgs]
    """The managed namespaces and what each may do."""
    network_mode: str
    """byocni or azure-cilium: decides which L7 and FQDN features exist."""
    acns_security: NotRequired[bool]
    """ACNS security is on (azure-cilium): FQDN and L7 rules available."""
    native_default_deny: NotRequired[bool]
    """Also create a Kubernetes NetworkPolicy default deny per namespace."""
    kubeconfig: NotRequired[pulumi.Input[str]]
    """Kubeconfig of the cluster: the component then builds its own Kubernetes provider (for languages that cannot pass one)."""
    cluster_identifier: NotRequired[pulumi.Input[str]]
    """A stable identity of the cluster, such as its resource ID: the own provider is replaced only when it changes."""


class NetworkPolicySet(pulumi.ComponentResource):
    """Namespaces with a Cilium baseline: default deny both ways, DNS, platform allowances, listed peers and FQDNs.

    Pass the Kubernetes provider through `providers` (or the kubeconfig as `kubeconfig`), and the Cilium component (or
    the cluster) through `depends_on`.
    """

    policy_names: pulumi.Output[list[str]]
    """namespace/name of every CiliumNetworkPolicy created."""
    namespace_names: pulumi.Output[list[str]]
    """The namespaces created."""

    def __init__(self, name: str, args: NetworkPolicySetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("NetworkPolicySet"), name, None, with_legacy_type(opts, "policies", "NetworkPolicySet"))
        capabilities = ModeCapabilities(byocni=args["network_mode"] == BYOCNI, acns_security=args.get("acns_security", False))
        # Policies wait for what the set waits for: Cilium's CRDs, which cilium-operator creates.
        child = kubernetes_child_options(self, name, opts, args.get("kubeconfig"), args.get("cluster_identifier"))
        policy_names: list[str] = []
        namespace_names: list[str] = []
        namespace_urns: list[pulumi.Output[str]] = []
        for entry in args["namespaces"]:
            baseline = NamespaceBaseline(
                entry["name"], tuple(entry.get("allow_from", [])), tuple(entry.get("allow_to", [])), tuple(entry.get("fqdns", []))
            )
            namespace = k8s.core.v1.Namespace(
                f"{name}-{baseline.namespace}",
                metadata={"name": baseline.namespace, "labels": MANAGED_BY},
                opts=child,
            )
            namespace_names.append(baseline.namespace)
            namespace_urns.append(namespace.urn)
            # The namespace name is known: a plain string plus depends_on costs far less than an Output per object.
            in_namespace = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[namespace]))
            for policy, spec in baseline_policies(baseline, capabilities).items():
                k8s.apiextensions.CustomResource(
                    f"{name}-{baseline.namespace}-{policy}",
                    api_version="cilium.io/v2",
                    kind="CiliumNetworkPolicy",
                    metadata={"name": policy, "namespace": baseline.namespace, "labels": {**MANAGED_BY, "aks-cilium/intent": policy}},
                    spec=spec.render(),
                    opts=in_namespace,
                )
                policy_names.append(f"{baseline.namespace}/{policy}")
            if args.get("native_default_deny", False):
                k8s.networking.v1.NetworkPolicy(
                    f"{name}-{baseline.namespace}-native-default-deny",
                    metadata=k8s.meta.v1.ObjectMetaArgs(name="default-deny", namespace=baseline.namespace, labels=MANAGED_BY),
                    spec=k8s.networking.v1.NetworkPolicySpecArgs(
                        pod_selector=k8s.meta.v1.LabelSelectorArgs(), policy_types=["Ingress", "Egress"]
                    ),
                    opts=in_namespace,
                )
        self.policy_names = pulumi.Output.from_input(policy_names)
        # The names are known; the URNs make the output wait for (and depend on) every namespace without lifting an
        # Output out of each namespace's metadata, which costs a tenth of the program's time at hundreds of namespaces.
        self.namespace_names = pulumi.Output.all(*namespace_urns).apply(lambda _: namespace_names)
        self.register_outputs({"policy_names": self.policy_names, "namespace_names": self.namespace_names})
