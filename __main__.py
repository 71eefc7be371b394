"""aks-cilium: AKS with Cilium networking, Hubble and CiliumNetworkPolicies, one stack per environment."""

import gc
from typing import Any

import pulumi

from aks_cilium.cluster.component import AksCluster
from aks_cilium.network.component import Network
from aks_cilium.network_policy.component import NetworkPolicySet
from aks_cilium.workloads.connectivity import ConnectivityCheck
from aks_cilium.workloads.demo import DemoApp, DemoAppArgs
from program.check_fingerprint import check_fingerprint
from program.component_args import cilium_args, cluster_args, network_args, policy_set_args
from program.component_checks import component_problems
from program.observability import compose_observability
from program.outputs import hubble_commands
from program.probes import connectivity_args
from stack_settings.model import DEMO_NAMESPACES
from stack_settings.runtime_source import settings_from_pulumi

# Every registration leaves short-lived objects behind; at the default thresholds the collector rescans them so often
# that a stack with 1,000 namespaces evaluates a quarter slower (README, Benchmarks). Cyclic garbage is still collected.
gc.set_threshold(100_000, 50, 100)

settings = settings_from_pulumi(component_problems)

# A Cluster Mesh member reads its peer's outputs first: the node subnet's NSG admits the peer's VNet (docs/cluster-mesh.md).
mesh_peer = None
if settings.mesh:
    from program.mesh import MeshPeer

    mesh_peer = MeshPeer(settings, settings.mesh)

network = Network("network", network_args(settings, mesh_peer.node_security_rules() if mesh_peer else None))
cluster = AksCluster("aks", cluster_args(settings, network.resource_group_name, network.node_subnet_id))
k8s_providers: list[pulumi.ProviderResource] = [cluster.kubernetes_provider]
# Every Kubernetes resource waits until the deployer's AKS RBAC role works (README, Deploy access).
k8s_access = cluster.kubernetes_access

# Policies need Cilium's CRDs, created by cilium-operator: wait for the release, or the cluster where Azure runs Cilium.
cilium_ready: pulumi.Resource = cluster
cilium_values: pulumi.Output[dict[str, Any]] | None = None
if settings.byocni:
    # Imported here: the Helm SDK module it loads costs cold start on every stack where Azure runs Cilium.
    from aks_cilium.cilium.component import Cilium

    cluster_mesh = None
    if mesh_peer is not None:
        from program.mesh_stack import join_mesh

        cluster_mesh = join_mesh(settings, mesh_peer, network)
    cilium = Cilium(
        "cilium",
        cilium_args(settings, cluster_mesh),
        pulumi.ResourceOptions(providers=k8s_providers, depends_on=[k8s_access]),
    )
    cilium_ready = cilium.release
    cilium_values = cilium.values
    pulumi.export("ciliumVersion", cilium.version)
else:
    pulumi.export("ciliumVersion", "managed by Azure (Azure CNI powered by Cilium)")

policies = NetworkPolicySet(
    "policies", policy_set_args(settings), pulumi.ResourceOptions(providers=k8s_providers, depends_on=[cilium_ready, k8s_access])
)
pulumi.export("networkPolicies", policies.policy_names)
# Namespaces the policies name but this stack does not create: whoever creates one gets what it is allowed.
pulumi.export("externalNamespaces", policies.external_namespaces)
if settings.policies.identities:
    from aks_cilium.identity.component import TeamIdentity
    from program.component_args import team_identity_args

    # Each ServiceAccount waits for its namespace (a child of the set) and the deployer's access, like every object.
    on_namespaces = pulumi.ResourceOptions(providers=k8s_providers, depends_on=[policies, k8s_access])
    teams = {
        team.namespace: TeamIdentity(
            f"identity-{team.namespace}", team_identity_args(settings, team, cluster.oidc_issuer_url), on_namespaces
        )
        for team in settings.policies.identities
    }
    pulumi.export("teamIdentityClientIds", {namespace: identity.client_id for namespace, identity in teams.items()})
compose_observability(settings, cluster, cilium_ready, k8s_providers, k8s_access)

check_waits_for: list[pulumi.Resource] = [policies, cilium_ready, k8s_access]
if settings.policies.demo:
    app_namespace, client_namespace = DEMO_NAMESPACES
    demo = DemoApp(
        "demo",
        DemoAppArgs(app_namespace=app_namespace, client_namespace=client_namespace),
        pulumi.ResourceOptions(providers=k8s_providers, depends_on=[policies, k8s_access]),
    )
    pulumi.export("demoServiceUrl", demo.service_url)
    check_waits_for.append(demo)

# The policies' own digest joins what else decides the verdicts (Cilium's release, or Azure's): a change of either runs
# the probes again.
check_args = (
    connectivity_args(settings, pulumi.Output.concat(policies.policy_fingerprint, check_fingerprint(settings, cilium_values)))
    if settings.policies.connectivity_check
    else None
)
if check_args is not None:
    check = ConnectivityCheck("connectivity", check_args, pulumi.ResourceOptions(providers=k8s_providers, depends_on=check_waits_for))
    pulumi.export("connectivityCheckJobs", check.job_names)

if mesh_peer is not None:
    from program.mesh_stack import mesh_example

    mesh_example(settings, mesh_peer, pulumi.ResourceOptions(providers=k8s_providers, depends_on=[policies, cilium_ready, k8s_access]))

pulumi.export("resourceGroupName", network.resource_group_name)
pulumi.export("clusterName", cluster.cluster_name)
pulumi.export("networkMode", settings.cluster.network_mode)
pulumi.export("oidcIssuerUrl", cluster.oidc_issuer_url)
pulumi.export("kubeconfig", cluster.kubeconfig)
# Who holds cluster admin for pulumi up: deployerPrincipals, or in dev the signed-in principal (docs/deploying.md).
pulumi.export("deployers", cluster.deployer_principals)
pulumi.export("hubble", hubble_commands(settings))
