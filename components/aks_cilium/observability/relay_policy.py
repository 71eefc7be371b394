"""Who may read every flow of the cluster: a CiliumNetworkPolicy that keeps Hubble Relay to the UI and the platform.

Relay serves all of Hubble's flows on its gRPC port. Selected by an ingress rule, its pods refuse every other peer
(Cilium's default deny for endpoints a policy selects); kubelet probes from the node stay allowed (`allow-localhost`),
and `kubectl port-forward` reaches the pod over its loopback, where no policy applies, so `cilium hubble port-forward`
keeps working for people with cluster access. Labels and port are Cilium 1.20's chart's: relay pods `k8s-app:
hubble-relay` listening on `hubble.relay.listenPort` 4245, UI pods `k8s-app: hubble-ui` (values.yaml,
templates/hubble-relay/deployment.yaml, templates/hubble-ui/deployment.yaml).
"""

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from aks_cilium.core.options import kubernetes_child_options
from aks_cilium.core.tokens import component_type
from aks_cilium.core.validation import ArgsCheck
from aks_cilium.network_policy.args import namespace_problem
from aks_cilium.network_policy.model import IngressRule, PolicySpec, Port, PortRule, Selector

NAMESPACE = "kube-system"
POLICY_NAME = "hubble-relay-clients"
RELAY = Selector({"k8s:k8s-app": "hubble-relay"})
UI = Selector({"k8s:k8s-app": "hubble-ui"})
RELAY_PORT = 4245


def relay_policy(client_namespaces: tuple[str, ...]) -> PolicySpec:
    """Relay's gRPC port for the UI and for every pod of the platform's namespaces; nothing else."""
    peers = (UI, *(Selector.namespace(namespace) for namespace in client_namespaces))
    return PolicySpec(
        description="Hubble Relay serves every flow of the cluster: only the UI and the platform's namespaces reach it",
        endpoint_selector=RELAY,
        ingress=(IngressRule(from_endpoints=peers, to_ports=(PortRule((Port(RELAY_PORT, "TCP"),)),)),),
    )


class HubbleRelayPolicyArgs(TypedDict):
    client_namespaces: NotRequired[list[str]]
    """Namespaces of the platform whose pods may query Relay (besides the UI), such as a monitoring namespace."""
    kubeconfig: NotRequired[pulumi.Input[str]]
    """Kubeconfig of the cluster, for languages that cannot pass a provider."""
    cluster_identifier: NotRequired[pulumi.Input[str]]
    """A stable identity of the cluster, such as its resource ID: the own provider is replaced only when it changes."""


def check_relay_args(name: str, args: Mapping[str, Any]) -> None:
    check = ArgsCheck("HubbleRelayPolicy", name, args, HubbleRelayPolicyArgs)
    namespaces = args.get("client_namespaces", [])
    if isinstance(namespaces, list):
        for index, namespace in enumerate(namespaces):
            problem = namespace_problem(namespace)
            if problem:
                check.fail(f"client_namespaces[{index}]", problem)
        if len(set(namespaces)) != len(namespaces):
            check.fail("client_namespaces", "lists a namespace twice")
    check.done()


class HubbleRelayPolicy(pulumi.ComponentResource):
    """The CiliumNetworkPolicy in kube-system that admits only the UI and the platform's namespaces to Hubble Relay.

    Pass the Kubernetes provider through `providers` (or the kubeconfig) and the Cilium release through `depends_on`:
    the CRD exists once cilium-operator runs.
    """

    policy_name: pulumi.Output[str]
    """kube-system/<name> of the policy."""

    def __init__(self, name: str, args: HubbleRelayPolicyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("HubbleRelayPolicy"), name, None, opts)
        check_relay_args(name, args)
        spec = relay_policy(tuple(args.get("client_namespaces", [])))
        k8s.apiextensions.CustomResource(
            f"{name}-policy",
            api_version="cilium.io/v2",
            kind="CiliumNetworkPolicy",
            metadata={"name": POLICY_NAME, "namespace": NAMESPACE, "labels": {"app.kubernetes.io/managed-by": "aks-cilium"}},
            spec=spec.render(),
            opts=kubernetes_child_options(self, name, opts, args.get("kubeconfig"), args.get("cluster_identifier")),
        )
        self.policy_name = pulumi.Output.from_input(f"{NAMESPACE}/{POLICY_NAME}")
        self.register_outputs({"policy_name": self.policy_name})
