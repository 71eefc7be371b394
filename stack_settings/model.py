"""The frozen, typed settings every part of the program reads."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from aks_cilium.cluster.kubeconfig import LoginMode as KubeloginMode
from aks_cilium.cluster.rules import NetworkMode
from aks_cilium.network_policy.component import NamespacePolicyArgs
from aks_cilium.network_policy.expectations import Expectation

# The demo scenario: an app namespace reached from a client namespace.
DEMO_NAMESPACES = ("demo", "client")


@dataclass(frozen=True)
class NetworkSettings:
    vnet_cidr: ipaddress.IPv4Network
    node_subnet_cidr: ipaddress.IPv4Network
    pod_subnet_cidr: ipaddress.IPv4Network | None
    pod_cidr: ipaddress.IPv4Network
    service_cidr: ipaddress.IPv4Network
    dns_service_ip: ipaddress.IPv4Address
    outbound_type: str


@dataclass(frozen=True)
class NodePoolSettings:
    name: str
    vm_size: str
    min_count: int
    max_count: int
    kubernetes_version: str = ""
    """The pool's own version while it catches up with the control plane; empty follows kubernetesVersion."""


@dataclass(frozen=True)
class DeployerSettings:
    """A principal that runs `pulumi up` and gets cluster admin: fixed in config, not whoever is signed in."""

    principal_type: str
    object_id: str


@dataclass(frozen=True)
class AdvancedNetworkingSettings:
    """Azure's Advanced Container Networking Services (azure-cilium mode only)."""

    observability: bool
    security: bool
    policies: str

    @property
    def enabled(self) -> bool:
        return self.observability or self.security


@dataclass(frozen=True)
class ClusterSettings:
    location: str
    resource_group_name: str
    vnet_name: str
    cluster_name: str
    network_mode: NetworkMode
    kubernetes_version: str
    sku_tier: str
    upgrade_channel: str
    node_os_upgrade_channel: str
    admin_group_object_ids: tuple[str, ...]
    authorized_ip_ranges: tuple[str, ...]
    private_cluster: bool
    kubelogin_mode: KubeloginMode
    kubelogin_client_id: str
    kubelogin_tenant_id: str
    protect: bool
    container_insights: bool
    key_vault_secrets_provider: bool
    defender: bool
    availability_zones: tuple[str, ...]
    system_pool: NodePoolSettings
    user_pool: NodePoolSettings
    max_pods_per_node: int
    os_disk_type: str
    os_disk_size_gb: int
    encryption_at_host: bool
    advanced_networking: AdvancedNetworkingSettings
    support_plan: str = "KubernetesOfficial"
    deploy_login_mode: KubeloginMode = "azurecli"
    deployer_principal_type: str = ""
    """User or ServicePrincipal; empty lets the component derive it from deploy_login_mode."""
    auto_upgrade_window: str = ""
    """Weekly window of the cluster auto-upgrade schedule, `<Day> <HH:MM> <hours>h` in UTC; empty for none."""
    node_os_upgrade_window: str = ""
    """Weekly window of the node OS upgrade schedule, same shape; empty for none."""
    deployers: tuple[DeployerSettings, ...] = ()
    """Principals given cluster admin for `pulumi up`; empty (dev only) means the signed-in principal."""
    deploy_client_id: str = ""
    """Client ID the deploy kubeconfig logs in with (workloadidentity, spn); empty takes the Azure provider's."""
    deploy_tenant_id: str = ""
    """Tenant ID of the same; empty takes the Azure provider's."""
    delete_lock: bool = False
    """A CanNotDelete management lock on the cluster."""


@dataclass(frozen=True)
class CiliumSettings:
    """Helm-installed Cilium; only used in byocni mode."""

    version: str
    previous_version: str
    """The chart version deployed now ("" before the first install); see docs/cilium.md, Cilium upgrades."""
    hubble_metrics: tuple[str, ...]
    cluster_id: int
    """0 lets the component derive the ID from the cluster name."""
    switches: dict[str, bool] = field(hash=False, compare=False)
    """On/off args of the Cilium component by arg name, one config key each (stack_settings/cilium.py, HELM_SWITCHES)."""
    extra_values: dict[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True)
class TeamIdentitySettings:
    namespace: str
    service_account: str
    key_vault_role: tuple[tuple[str, str], ...] = ()
    """(args name, value) of the Key Vault role, empty for none."""


@dataclass(frozen=True)
class PolicySettings:
    tenants: tuple[NamespacePolicyArgs, ...] = field(hash=False, compare=False)
    """The managed namespaces from `aks-cilium:namespaces`, as the library's args (stack_settings/tenants.py)."""
    demo: bool
    connectivity_check: bool
    native_default_deny: bool
    external_namespaces: tuple[str, ...] = ()
    protect_namespaces: bool = False
    expectations: tuple[Expectation, ...] = ()
    """Flows the policies must allow or deny: proven by the offline plan, probed by the connectivity check."""
    identities: tuple[TeamIdentitySettings, ...] = ()
    """Namespaces' workload identities (`workloadIdentity` in `aks-cilium:namespaces`, stack_settings/identities.py)."""

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(entry["name"] for entry in self.tenants)


@dataclass(frozen=True)
class MeshSettings:
    """This stack's side of a two-stack Cilium Cluster Mesh (byocni only)."""

    peer_stack: str
    """The peer's stack reference name, e.g. organization/aks-cilium/mesh-west."""
    ca_owner: bool
    """This stack creates the mesh CA; otherwise it reads the peer's."""
    api_server_ip: ipaddress.IPv4Address
    """Frontend IP of this cluster's clustermesh-apiserver internal load balancer, in the node subnet."""

    @property
    def peer_stack_name(self) -> str:
        """The peer's stack name alone, the last part of the reference."""
        return self.peer_stack.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ObservabilitySettings:
    """Managed Prometheus, Grafana, alerts and logs (docs/observability.md); all off unless the stack turns them on."""

    managed_prometheus: bool = False
    grafana: bool = False
    grafana_name: str = ""
    alert_action_group_ids: tuple[str, ...] = ()
    flow_logs: bool = False
    control_plane_log_categories: tuple[str, ...] = ()
    hubble_relay_namespaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    stack: str
    cluster: ClusterSettings
    network: NetworkSettings
    cilium: CiliumSettings
    policies: PolicySettings
    secret_keys: frozenset[str] = frozenset()
    observability: ObservabilitySettings = field(default_factory=ObservabilitySettings)
    """Config keys (without prefix) whose values must stay secret wherever they go."""
    tier: str = "prod"
    """How strictly the policy pack judges the stack (`tier`): dev or prod; the pack reads it from the stack's config."""
    mesh: MeshSettings | None = None
    """Set when the stack joins a Cluster Mesh (clusterMeshPeerStack)."""
    example_keys: frozenset[str] = frozenset()
    """Config keys (without prefix) that hold example values, given on purpose for an offline plan only."""
    warnings: tuple[str, ...] = ()
    """What is allowed but needs attention soon (a minor close to its end of support), each naming its key."""

    @property
    def byocni(self) -> bool:
        return self.cluster.network_mode == "byocni"
