"""Managed namespaces under a Cilium baseline, applied after Cilium's CRDs exist.

The shared part of the baseline is a handful of CiliumClusterwideNetworkPolicies that select the managed namespaces
by label; each namespace carries only the CiliumNetworkPolicies that make it different.
"""

from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from aks_cilium.cluster.rules import BYOCNI
from aks_cilium.core.digest import json_digest
from aks_cilium.core.options import extended, kubernetes_child_options
from aks_cilium.core.tokens import component_type, with_legacy_type
from aks_cilium.network_policy.args import check_policy_set_args
from aks_cilium.network_policy.baseline import (
    EgressAllow,
    IngressAllow,
    NamespaceBaseline,
    clusterwide_policies,
    namespace_labels,
    namespace_policies,
    with_derived_egress,
)
from aks_cilium.network_policy.builders import ModeCapabilities
from aks_cilium.network_policy.model import PolicySpec, Port

MANAGED_BY = {"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "aks-cilium"}


class PortArgs(TypedDict):
    port: int
    """Port number, 1-65535: the port the pods listen on (Cilium applies L4 policy after service port mapping)."""
    protocol: NotRequired[str]
    """TCP (default), UDP, SCTP or ANY."""


class IngressAllowArgs(TypedDict):
    """One way in: exactly one of `namespace` or `outside`."""

    namespace: NotRequired[str]
    """Pods of this namespace: one of the set's namespaces, or one listed in `external_namespaces`."""
    outside: NotRequired[str]
    """Traffic from outside the cluster, by how it arrives: loadBalancer (a LoadBalancer Service with
    externalTrafficPolicy Local, which keeps the client address: Cilium's world entity). ciliumIngress is refused:
    Cilium's Ingress needs kubeProxyReplacement, which AKS's kube-proxy rules out; name an ingress controller's
    namespace instead. Needs `ports`."""
    ports: NotRequired[list[PortArgs]]
    """Ports it may reach; every port when absent."""


class EgressAllowArgs(TypedDict):
    """One way out: exactly one of `namespace`, `api_server`, `cidr` or `fqdn`."""

    namespace: NotRequired[str]
    """Pods of a namespace in `external_namespaces` (flows to the set's own namespaces are declared on the receiver's
    ingress, and the sender's egress follows)."""
    api_server: NotRequired[bool]
    """The Kubernetes API server (Cilium's kube-apiserver entity), for operators and controllers."""
    cidr: NotRequired[str]
    """An address range outside the cluster, such as a database in a peered VNet; never the pod or service CIDR."""
    except_cidrs: NotRequired[list[str]]
    """Ranges inside `cidr` that stay denied."""
    fqdn: NotRequired[str]
    """A DNS name, or a pattern with `*` within one registrable domain (never the bare `*`)."""
    ports: NotRequired[list[PortArgs]]
    """Ports it may reach; every port when absent."""


class NamespacePolicyArgs(TypedDict):
    name: str
    """Namespace to create and put under default deny (never a Kubernetes, Cilium or AKS add-on namespace)."""
    intra_namespace: NotRequired[bool]
    """Pods of the namespace reach each other (default true); false isolates them from each other too."""
    ingress: NotRequired[list[IngressAllowArgs]]
    """Ways into the namespace."""
    egress: NotRequired[list[EgressAllowArgs]]
    """Ways out of the namespace, besides DNS and the ingress of other namespaces of the set that admit it."""
    webhook_ports: NotRequired[list[int]]
    """Ports of admission webhooks served here, as the webhook pods listen on them (the Service's targetPort, since Cilium
    applies L4 policy after service port mapping): the API server's calls (through konnectivity-agent) are let in on them."""
    metadata_endpoints: NotRequired[bool]
    """Reach IMDS and WireServer, which the cluster-wide block denies to every other workload."""


class NetworkPolicySetArgs(TypedDict):
    namespaces: list[NamespacePolicyArgs]
    """The managed namespaces and what each may do."""
    network_mode: str
    """byocni or azure-cilium: decides which L7 and FQDN features exist."""
    acns_security: NotRequired[bool]
    """ACNS security is on (azure-cilium): FQDN and L7 rules available. A plain bool, not an Input: it decides which
    policies exist, which a program must know before any resource is known."""
    external_namespaces: NotRequired[list[str]]
    """Namespaces the set does not create that its namespaces may name as peers (an ingress controller's, monitoring):
    whoever can create a namespace of that name gets what it is allowed, so each must be listed on purpose."""
    cluster_cidrs: NotRequired[list[str]]
    """The cluster's pod and service CIDRs: a cidr allowance inside them is refused (pods and Services are reached by
    namespace, and Cilium gives in-cluster addresses identities that CIDR rules do not match)."""
    native_default_deny: NotRequired[bool]
    """Also create a Kubernetes NetworkPolicy default deny per namespace."""
    protect: NotRequired[bool]
    """Protect the namespaces and their policies: dropping a namespace from the args then fails the update instead of
    deleting it with its workloads (plain bool, like Pulumi's own `protect`)."""
    kubeconfig: NotRequired[pulumi.Input[str]]
    """Kubeconfig of the cluster: the component then builds its own Kubernetes provider (for languages that cannot pass one)."""
    cluster_identifier: NotRequired[pulumi.Input[str]]
    """A stable identity of the cluster, such as its resource ID: the own provider is replaced only when it changes."""


def _ports(entries: list[PortArgs]) -> tuple[Port, ...]:
    return tuple(Port(entry["port"], entry.get("protocol", "TCP")) for entry in entries)


def namespace_baseline(entry: NamespacePolicyArgs) -> NamespaceBaseline:
    """The checked args of one namespace as the plain data the builders take."""
    ingress = tuple(
        IngressAllow(namespace=allow.get("namespace"), outside=allow.get("outside"), ports=_ports(allow.get("ports", [])))
        for allow in entry.get("ingress", [])
    )
    egress = tuple(
        EgressAllow(
            namespace=allow.get("namespace"),
            api_server=allow.get("api_server", False),
            cidr=allow.get("cidr"),
            except_cidrs=tuple(allow.get("except_cidrs", [])),
            fqdn=allow.get("fqdn"),
            ports=_ports(allow.get("ports", [])),
        )
        for allow in entry.get("egress", [])
    )
    return NamespaceBaseline(
        entry["name"],
        intra_namespace=entry.get("intra_namespace", True),
        ingress=ingress,
        egress=egress,
        webhook_ports=tuple(entry.get("webhook_ports", [])),
        metadata_endpoints=entry.get("metadata_endpoints", False),
    )


class NetworkPolicySet(pulumi.ComponentResource):
    """Namespaces with a Cilium baseline: default deny both ways, DNS, traffic within each namespace, and what each
    declares: peers in and out, the world on chosen ports, the API server, CIDRs, FQDNs, webhooks, metadata endpoints.

    Pass the Kubernetes provider through `providers` (or the kubeconfig as `kubeconfig`), and the Cilium component (or
    the cluster) through `depends_on`.
    """

    policy_names: pulumi.Output[list[str]]
    """namespace/name of every CiliumNetworkPolicy created, and the name of every cluster-wide one."""
    namespace_names: pulumi.Output[list[str]]
    """The namespaces created."""
    external_namespaces: pulumi.Output[list[str]]
    """The namespaces named as peers that the set does not create: whoever creates one of them gets what it allows."""
    policy_fingerprint: pulumi.Output[str]
    """SHA-256 of every policy spec and namespace label: feed it to a check that must rerun when the policies change."""

    def __init__(self, name: str, args: NetworkPolicySetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("NetworkPolicySet"), name, None, with_legacy_type(opts, "policies", "NetworkPolicySet"))
        check_policy_set_args(name, args, NetworkPolicySetArgs)
        capabilities = ModeCapabilities(byocni=args["network_mode"] == BYOCNI, acns_security=args.get("acns_security", False))
        # Policies wait for what the set waits for: Cilium's CRDs, which cilium-operator creates.
        child = kubernetes_child_options(self, name, opts, args.get("kubeconfig"), args.get("cluster_identifier"))
        if args.get("protect", False):
            # Only when asked: protect=False set here would stop the children inheriting the component's own protect.
            child = extended(child, protect=True)
        rendered: dict[str, Any] = {}
        policy_names: list[str] = []
        for policy, spec in clusterwide_policies(capabilities).items():
            self._policy(f"{name}-{policy}", "CiliumClusterwideNetworkPolicy", policy, None, spec, rendered, child)
            policy_names.append(policy)
        namespace_names: list[str] = []
        namespace_urns: list[pulumi.Output[str]] = []
        for baseline in with_derived_egress(namespace_baseline(entry) for entry in args["namespaces"]):
            labels = namespace_labels(baseline)
            rendered[f"namespace/{baseline.namespace}"] = labels
            namespace = k8s.core.v1.Namespace(
                f"{name}-{baseline.namespace}",
                metadata={"name": baseline.namespace, "labels": {**MANAGED_BY, **labels}},
                opts=child,
            )
            namespace_names.append(baseline.namespace)
            namespace_urns.append(namespace.urn)
            # The namespace name is known: a plain string plus depends_on costs far less than an Output per object.
            in_namespace = extended(child, depends_on=[namespace])
            for policy, spec in namespace_policies(baseline, capabilities).items():
                self._policy(
                    f"{name}-{baseline.namespace}-{policy}", "CiliumNetworkPolicy", policy, baseline.namespace, spec, rendered, in_namespace
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
        self.external_namespaces = pulumi.Output.from_input(sorted(args.get("external_namespaces", [])))
        # A digest of every rendered policy spec and namespace label set: it changes exactly when the policies do.
        self.policy_fingerprint = pulumi.Output.from_input(json_digest(rendered))
        self.register_outputs(
            {
                "policy_names": self.policy_names,
                "namespace_names": self.namespace_names,
                "external_namespaces": self.external_namespaces,
                "policy_fingerprint": self.policy_fingerprint,
            }
        )

    def _policy(
        self,
        resource_name: str,
        kind: str,
        policy: str,
        namespace: str | None,
        spec: PolicySpec,
        rendered: dict[str, Any],
        opts: pulumi.ResourceOptions,
    ) -> None:
        body = spec.render()
        rendered[f"{kind}/{namespace or ''}/{policy}"] = body
        metadata: dict[str, Any] = {"name": policy, "labels": {**MANAGED_BY, "aks-cilium/intent": policy}}
        if namespace is not None:
            metadata["namespace"] = namespace
        k8s.apiextensions.CustomResource(resource_name, api_version="cilium.io/v2", kind=kind, metadata=metadata, spec=body, opts=opts)
