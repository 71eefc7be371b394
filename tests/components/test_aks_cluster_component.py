"""AksCluster and Network built directly, as a team's program would, with plain and Output-valued inputs."""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pytest

from aks_cilium.cluster.component import AksCluster, NodePoolArgs
from aks_cilium.cluster.role_assignments import AKS_RBAC_CLUSTER_ADMIN, NETWORK_CONTRIBUTOR
from aks_cilium.network.component import Network, NetworkArgs
from aks_cilium.testing import SECRET, ProgramRun, run_callable
from aks_cilium.testing.azure import CLIENT_CONFIG
from tests.support.component_args import SUBNET_ID, cluster_args
from tests.support.refusals import refusal
from tests.support.tokens import IDENTITY, LOCAL_COMMAND, ROLE_ASSIGNMENT
from tests.support.tokens import MANAGED_CLUSTER as CLUSTER

GROUP_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-t"
GROUP = "3f2b8c1d-6e4a-4b7c-9d0e-1a2b3c4d5e6f"


def build(**overrides: Any) -> tuple[ProgramRun, dict[str, Any]]:
    exported: dict[str, Any] = {}

    def program() -> None:
        cluster = AksCluster("aks", cluster_args(**overrides))
        exported["fqdn"] = cluster.api_server_fqdn
        pulumi.export("fqdn", cluster.api_server_fqdn)
        pulumi.export("kubeconfig", cluster.kubeconfig)
        pulumi.export("deployKubeconfig", cluster.deploy_kubeconfig)

    run = run_callable(program)
    return run, run.outputs


def test_private_cluster_as_output_yields_the_private_fqdn() -> None:
    """issue #15: an Input given as an Output must behave like the plain value."""
    _, outputs = build(private_cluster=pulumi.Output.from_input(True))
    assert ".privatelink." in outputs["fqdn"]
    _, outputs = build(private_cluster=pulumi.Output.from_input(False))
    assert ".hcp." in outputs["fqdn"]


@pytest.mark.parametrize("wrap", [lambda v: v, pulumi.Output.from_input])
def test_acns_flags_as_outputs(wrap: Any) -> None:
    """ACNS security given as an Output: on sends FQDN policies, off omits the whole advancedNetworking block
    (Microsoft's Azure CNI powered by Cilium samples send none without ACNS)."""
    run, _ = build(advanced_networking_security=wrap(True), advanced_networking_observability=wrap(False))
    acns = run.one(CLUSTER).inputs["networkProfile"]["advancedNetworking"]
    assert acns == {"enabled": True, "observability": {"enabled": False}, "security": {"enabled": True, "advancedNetworkPolicies": "FQDN"}}
    run, _ = build(advanced_networking_security=wrap(False), advanced_networking_observability=wrap(False))
    assert "advancedNetworking" not in run.one(CLUSTER).inputs["networkProfile"]


def test_secret_acns_flag_keeps_the_profile_secret() -> None:
    run, _ = build(advanced_networking_security=pulumi.Output.secret(True))
    assert run.one(CLUSTER).inputs["networkProfile"] == SECRET


def test_version_tier_and_channels_as_outputs() -> None:
    run, _ = build(
        kubernetes_version=pulumi.Output.from_input("1.36"),
        sku_tier=pulumi.Output.from_input("Premium"),
        node_os_upgrade_channel=pulumi.Output.from_input("SecurityPatch"),
        encryption_at_host=pulumi.Output.from_input(False),
    )
    inputs = run.one(CLUSTER).inputs
    assert inputs["kubernetesVersion"] == "1.36"
    assert inputs["sku"] == {"name": "Base", "tier": "Premium"}
    assert inputs["autoUpgradeProfile"]["nodeOSUpgradeChannel"] == "SecurityPatch"
    assert inputs["agentPoolProfiles"][0]["enableEncryptionAtHost"] is False


def test_identity_holds_network_contributor_on_the_subnet_before_the_cluster() -> None:
    """A subnet you bring needs the cluster identity to be Network Contributor on it, best a user-assigned identity that
    holds the role before the cluster exists (MicrosoftDocs/azure-aks-docs use-byo-cni.md, configure-kubenet.md)."""
    run, _ = build()
    identity = run.one(IDENTITY)
    role = run.one(ROLE_ASSIGNMENT, "aks-subnet-network-contributor")
    assert role.inputs["scope"] == SUBNET_ID
    assert role.inputs["roleDefinitionId"].endswith(f"/roleDefinitions/{NETWORK_CONTRIBUTOR}")
    assert role.inputs["principalType"] == "ServicePrincipal"
    assert identity.urn in role.dependencies
    cluster = run.one(CLUSTER)
    assert role.urn in cluster.dependencies
    assert cluster.inputs["identity"]["type"] == "UserAssigned"
    (identity_id,) = cluster.inputs["identity"]["userAssignedIdentities"]
    assert identity_id.endswith("/Microsoft.ManagedIdentity/userAssignedIdentities/id-aks-t")


def test_deployer_and_admin_groups_get_aks_rbac_cluster_admin_at_cluster_scope() -> None:
    """With Azure RBAC and local accounts off, nobody reaches the Kubernetes API until "Azure Kubernetes Service RBAC
    Cluster Admin" is assigned at the cluster (MicrosoftDocs/azure-aks-docs automatic/quick-automatic-custom-network.md,
    tutorial-kubernetes-deploy-cluster.md); the deployer is the principal of azure-native's client config."""
    run, _ = build(admin_group_object_ids=[GROUP, pulumi.Output.secret(GROUP.replace("3f", "4a"))])
    cluster = run.one(CLUSTER)
    cluster_id = (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-t/providers/Microsoft.ContainerService/managedClusters/aks-t"
    )
    deployer = run.one(ROLE_ASSIGNMENT, "aks-deployer-cluster-admin")
    assert deployer.inputs["principalId"] == CLIENT_CONFIG["objectId"]
    assert deployer.inputs["principalType"] == "User"
    groups = [run.one(ROLE_ASSIGNMENT, f"aks-admin-group-{i}-cluster-admin") for i in (0, 1)]
    assert groups[0].inputs["principalId"] == GROUP
    assert groups[1].inputs["principalId"] == SECRET
    for grant in [deployer, *groups]:
        assert grant.inputs["scope"] == cluster_id
        assert grant.inputs["roleDefinitionId"] == (
            f"/subscriptions/{CLIENT_CONFIG['subscriptionId']}/providers/Microsoft.Authorization/roleDefinitions/{AKS_RBAC_CLUSTER_ADMIN}"
        )
        assert cluster.urn in grant.dependencies
    assert groups[0].inputs["principalType"] == "Group"
    assert cluster.inputs["aadProfile"]["adminGroupObjectIDs"] == SECRET
    gate = run.one(LOCAL_COMMAND, "aks-kubernetes-access")
    assert {g.urn for g in [deployer, *groups]} <= set(gate.dependencies)
    # A changed assignment replaces the wait, so it waits again (pulumi-command: `triggers` replace on change).
    assert len(gate.inputs["triggers"]) == 3
    assert gate.inputs["environment"]["AKS_CILIUM_KUBECONFIG"] == SECRET
    provider = run.one("pulumi:providers:kubernetes")
    assert gate.urn in provider.dependencies


def test_provider_uses_the_deploy_login_and_the_cluster_id_as_identifier() -> None:
    """Pulumi's provider logs in where pulumi up runs; `cluster_identifier` keeps kubeconfig changes from replacing it
    (pulumi/pulumi-kubernetes issues #4019 and #1148). `pulumi/pulumi-kubernetes` `provider/pkg/provider/provider.go`
    `DiffConfig` (read at v4.32.0): an identifier that is set and unchanged clears every replacement, in a deferred
    step that also covers the early return for a kubeconfig unknown at preview; a changed identifier replaces; adding
    one does not. So the identifier must be what names the cluster and nothing else: the cluster's ARM ID, known
    whenever the cluster already exists, and unchanged by a CA rotation or a new login."""
    run, outputs = build(kubelogin_mode="workloadidentity", deploy_login_mode="spn")
    # ARM refuses a principalType that does not match the principal ("UnmatchedPrincipalType", quoted in
    # Azure/modern-web-app-pattern-dotnet pull request #129); the SDK would default to User.
    assert run.one(ROLE_ASSIGNMENT, "aks-deployer-cluster-admin").inputs["principalType"] == "ServicePrincipal"
    provider = run.one("pulumi:providers:kubernetes")
    assert provider.inputs["clusterIdentifier"] == (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-t/providers/Microsoft.ContainerService/managedClusters/aks-t"
    )
    assert provider.inputs["kubeconfig"] == SECRET
    assert "--login\n      - workloadidentity" in outputs["kubeconfig"]
    deploy = outputs["deployKubeconfig"]
    assert "--login\n      - spn" in deploy
    assert CLIENT_CONFIG["clientId"] in deploy
    assert CLIENT_CONFIG["tenantId"] in deploy
    assert {"kubeconfig", "deployKubeconfig"} <= run.secret_outputs


@pytest.mark.parametrize(
    ("channel", "ignored_cluster", "ignored_pool"),
    [
        ("patch", ("agentPoolProfiles[*].count",), ("count",)),
        (
            "stable",
            ("agentPoolProfiles[*].count", "kubernetesVersion", "agentPoolProfiles[*].orchestratorVersion"),
            ("count", "orchestratorVersion"),
        ),
        (
            "rapid",
            ("agentPoolProfiles[*].count", "kubernetesVersion", "agentPoolProfiles[*].orchestratorVersion"),
            ("count", "orchestratorVersion"),
        ),
        ("node-image", ("agentPoolProfiles[*].count",), ("count",)),
    ],
)
def test_minor_moving_channels_never_resend_the_version(
    channel: str, ignored_cluster: tuple[str, ...], ignored_pool: tuple[str, ...]
) -> None:
    """stable and rapid move the cluster to newer minors; resending the older version is a downgrade AKS refuses with
    operationNotAllowed. patch keeps the minor; node-image (legacy) upgrades node images only, so the version stays the
    program's to send and to bump (MicrosoftDocs/azure-aks-docs auto-upgrade-cluster.md, channel table)."""
    run, _ = build(upgrade_channel=channel)
    assert run.one(CLUSTER).ignore_changes == ignored_cluster
    assert run.one("azure-native:containerservice:AgentPool").ignore_changes == ignored_pool


def test_container_insights_gets_its_data_collection_rule_and_association() -> None:
    """useAADAuth Container Insights ingests through a DCR (kind Linux, extension ContainerInsights, destination the
    workspace) associated with the cluster, as microsoft/Docker-Provider
    scripts/onboarding/aks/onboarding-msi-terraform/main.tf creates them; Defender keeps the same workspace."""
    run, _ = build(container_insights=True, defender=True)
    workspace = run.one("azure-native:operationalinsights:Workspace")
    workspace_id = f"{GROUP_ID}/providers/Microsoft.OperationalInsights/workspaces/{workspace.inputs['workspaceName']}"
    rule = run.one("azure-native:monitor:DataCollectionRule")
    assert rule.inputs["kind"] == "Linux"
    (extension,) = rule.inputs["dataSources"]["extensions"]
    assert extension["extensionName"] == "ContainerInsights"
    assert extension["name"] == "ContainerInsightsExtension"
    assert "Microsoft-ContainerLogV2" in extension["streams"]
    (destination,) = rule.inputs["destinations"]["logAnalytics"]
    assert destination["workspaceResourceId"] == workspace_id
    assert rule.inputs["dataFlows"] == [{"streams": extension["streams"], "destinations": [destination["name"]]}]
    association = run.one("azure-native:monitor:DataCollectionRuleAssociation")
    assert association.inputs["associationName"] == "ContainerInsightsExtension"
    assert association.inputs["resourceUri"].endswith("/managedClusters/aks-t")
    assert association.inputs["dataCollectionRuleId"].endswith(f"/dataCollectionRules/{rule.inputs['dataCollectionRuleName']}")
    cluster = run.one(CLUSTER).inputs
    assert cluster["addonProfiles"]["omsagent"]["config"] == {"logAnalyticsWorkspaceResourceID": workspace_id, "useAADAuth": "true"}
    assert cluster["securityProfile"]["defender"]["logAnalyticsWorkspaceResourceId"] == workspace_id


def test_data_collection_rule_name_is_cut_to_64_characters_as_microsofts_template_does() -> None:
    """microsoft/Docker-Provider scripts/onboarding/aks/onboarding-using-msi-auth/existingClusterOnboarding.json names the
    rule MSCI-<workspace region>-<cluster> and keeps its first 64 characters when longer; an AKS name may have 63."""
    long_name = "aks-" + "x" * 50
    run, _ = build(container_insights=True, cluster_name=long_name, location="australiasoutheast")
    name = run.one("azure-native:monitor:DataCollectionRule").inputs["dataCollectionRuleName"]
    assert name == f"MSCI-australiasoutheast-{long_name}"[:64]
    assert len(name) == 64
    run, _ = build(container_insights=True)
    assert run.one("azure-native:monitor:DataCollectionRule").inputs["dataCollectionRuleName"] == "MSCI-westeurope-aks-t"


def test_maintenance_windows_for_both_schedules() -> None:
    """aksManagedAutoUpgradeSchedule and aksManagedNodeOSUpgradeSchedule, weekly, 4 hours or more
    (MicrosoftDocs/azure-aks-docs planned-maintenance.md)."""
    window = {"day_of_week": "Sunday", "start_time": "01:00", "duration_hours": 6}
    run, _ = build(auto_upgrade_window=window, node_os_upgrade_window={**window, "day_of_week": "Wednesday", "duration_hours": 4})
    configs = {r.inputs["configName"]: r.inputs for r in run.of_type("azure-native:containerservice:MaintenanceConfiguration")}
    assert set(configs) == {"aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"}
    assert configs["aksManagedAutoUpgradeSchedule"]["maintenanceWindow"] == {
        "schedule": {"weekly": {"dayOfWeek": "Sunday", "intervalWeeks": 1}},
        "startTime": "01:00",
        "durationHours": 6,
        "utcOffset": "+00:00",
    }
    assert configs["aksManagedNodeOSUpgradeSchedule"]["resourceName"] == "aks-t"


def test_protect_covers_the_user_pool() -> None:
    """Deleting the user pool deletes its workloads (issue #17): it is protected with the cluster."""
    run, _ = build(protect=True)
    assert run.one(CLUSTER).protect is True
    assert run.one("azure-native:containerservice:AgentPool").protect is True


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"upgrade_channel": "node-image", "node_os_upgrade_channel": "SecurityPatch"}, "node_os_upgrade_channel"),
        ({"kubernetes_version": "1.36.2"}, "kubernetes_version"),
        ({"support_plan": "AKSLongTermSupport"}, "support_plan"),
        ({"defender": True}, "defender"),
        ({"network_mode": "kubenet"}, "network_mode"),
        ({"upgrade_channel": "none"}, "upgrade_channel"),
        ({"deploy_login_mode": "devicecode"}, "deploy_login_mode"),
        ({"os_disk_size_gb": 200}, "os_disk_size_gb"),
        ({"outbound_type": "managedNATGateway"}, "outbound_type"),
        ({"container_network_logs": True, "container_insights": True}, "container_network_logs"),
        ({"container_network_logs": True, "advanced_networking_observability": True}, "container_network_logs"),
        ({"auto_upgrade_window": {"day_of_week": "Sunday", "start_time": "01:00", "duration_hours": 2}}, "auto_upgrade_window"),
    ],
)
def test_refused_combinations_are_clean_errors(overrides: dict[str, Any], path: str) -> None:
    """Sources: node-image needs NodeImage (auto-upgrade-node-os-image.md); LTS needs Premium (long-term-support.md);
    ephemeral OS disk within the temp disk (concepts-storage.md); windows of 4+ hours (planned-maintenance.md); no managed
    NAT gateway with a subnet you bring (nat-gateway.md: "Managed NAT gateway isn't compatible with custom virtual
    networks")."""
    error = refusal(lambda: AksCluster("aks", cluster_args(**overrides)))
    assert {p["property_path"] for p in error.errors or []} == {path}


def test_missing_argument_is_a_component_error_not_a_key_error() -> None:
    args = cluster_args()
    del args["node_subnet_id"]  # type: ignore[misc]
    assert "node_subnet_id: is required" in str(refusal(lambda: AksCluster("aks", args)))


def test_component_depends_on_reaches_every_child() -> None:
    def program() -> None:
        marker = Network(
            "marker",
            NetworkArgs(
                location="westeurope", resource_group_name="rg-m", vnet_name="v", vnet_cidr="10.1.0.0/16", node_subnet_cidr="10.1.0.0/24"
            ),
        )
        AksCluster("aks", cluster_args(), pulumi.ResourceOptions(depends_on=[marker]))

    run = run_callable(program)
    children = [r for r in run.registrations if r.parent == run.one("aks-cilium:index:AksCluster").urn]
    assert len(children) == 7
    for child in children:
        # The SDK turns a dependency on a component into one on each of its children.
        assert marker_children(run, "marker") <= set(child.dependencies), child.name


def marker_children(run: ProgramRun, marker: str) -> set[str]:
    parent = run.one("aks-cilium:index:Network", marker).urn
    found = {r.urn for r in run.registrations if r.parent == parent}
    assert found
    return found


def network_args(**overrides: Any) -> NetworkArgs:
    args: dict[str, Any] = {
        "location": "westeurope",
        "resource_group_name": "rg-n",
        "vnet_name": "vnet-n",
        "vnet_cidr": "10.224.0.0/12",
        "node_subnet_cidr": "10.224.0.0/16",
    }
    args.update(overrides)
    return args  # type: ignore[return-value]


def test_network_with_outputs_and_depends_on() -> None:
    def program() -> None:
        marker = Network("marker", network_args(resource_group_name="rg-m"))
        Network(
            "net",
            network_args(vnet_cidr=pulumi.Output.from_input("10.224.0.0/12"), pod_subnet_cidr=pulumi.Output.from_input("10.225.0.0/16")),
            pulumi.ResourceOptions(depends_on=[marker]),
        )

    run = run_callable(program)
    net = run.one("aks-cilium:index:Network", "net")
    children = [r for r in run.registrations if r.parent == net.urn]
    assert {c.name for c in children} == {"net-rg", "net-vnet", "net-nodes", "net-pods"}
    for child in children:
        assert marker_children(run, "marker") <= set(child.dependencies), child.name
    assert run.one("azure-native:network:VirtualNetwork", "net-vnet").inputs["addressSpace"] == {"addressPrefixes": ["10.224.0.0/12"]}
    assert run.one("azure-native:network:Subnet", "net-pods").inputs["addressPrefix"] == "10.225.0.0/16"


@pytest.mark.parametrize(
    ("overrides", "path"),
    [({"node_subnet_cidr": "10.0.0.0/16"}, "node_subnet_cidr"), ({"vnet_cidr": "10.224.0.1/12"}, "vnet_cidr")],
)
def test_network_refuses_bad_plain_cidrs(overrides: dict[str, Any], path: str) -> None:
    error = refusal(lambda: Network("net", network_args(**overrides)))
    assert {p["property_path"] for p in error.errors or []} == {path}


SECURITY_RULE = {"name": "mesh", "access": "Allow", "direction": "Inbound", "protocol": "Tcp", "priority": 100}


@pytest.mark.parametrize("wrap", [lambda value: value, pulumi.Output.from_input], ids=["plain", "output"])
def test_network_names_a_security_rule_without_the_keywords_the_sdk_requires(wrap: Any) -> None:
    """pulumi_azure_native.network.SecurityRuleArgs: access, direction and protocol have no default (its signature);
    a rule without them, or with a keyword the SDK does not know, is refused by name instead of a raw TypeError."""
    rules = [{"name": wrap("x")}, {**SECURITY_RULE, "acess": wrap("Allow")}]
    error = refusal(lambda: Network("net", network_args(node_security_rules=rules)))
    assert [(p["property_path"], p["reason"]) for p in error.errors or []] == [
        ("node_security_rules[0]", "misses access, direction, protocol, which SecurityRuleArgs requires"),
        ("node_security_rules[1].acess", "is not a SecurityRuleArgs keyword (did you mean access?)"),
    ]


def test_network_takes_a_security_rule_with_output_fields() -> None:
    rules = [{key: pulumi.Output.from_input(value) for key, value in SECURITY_RULE.items()}]
    run = run_callable(lambda: Network("net", network_args(node_security_rules=rules)))
    nsg = run.one("azure-native:network:NetworkSecurityGroup", "net-nodes-nsg")
    assert [rule["access"] for rule in nsg.inputs["securityRules"]] == ["Allow"]


def test_network_missing_argument_is_a_component_error() -> None:
    args = network_args()
    del args["vnet_cidr"]  # type: ignore[misc]
    assert "vnet_cidr: is required" in str(refusal(lambda: Network("net", args)))


PLAIN_ARGS = {
    "network_mode",
    "upgrade_channel",
    "kubelogin_mode",
    "deploy_login_mode",
    "deployer_principal_type",
    "support_plan",
    "container_insights",
    "defender",
    "kubelogin_client_id",
    "kubelogin_tenant_id",
    "auto_upgrade_window",
    "node_os_upgrade_window",
    "protect",
    "admin_group_object_ids",
}


def as_outputs(args: dict[str, Any], plain: set[str]) -> dict[str, Any]:
    """Every Input-typed argument (nested pool fields and list items included) wrapped in an Output."""
    wrapped: dict[str, Any] = {}
    for key, value in args.items():
        if key in plain:
            wrapped[key] = [pulumi.Output.from_input(v) for v in value] if key == "admin_group_object_ids" else value
        elif isinstance(value, dict):
            wrapped[key] = {k: pulumi.Output.from_input(v) for k, v in value.items()}
        else:
            wrapped[key] = pulumi.Output.from_input(value)
    return wrapped


def test_every_input_given_as_an_output_registers_the_same_resources() -> None:
    """issue #15: other languages send Outputs for any Input; the result must equal the plain run's."""
    extra: dict[str, Any] = {
        "availability_zones": ["1", "2"],
        "admin_group_object_ids": [GROUP],
        "authorized_ip_ranges": ["0.0.0.0/32"],
        "private_cluster": False,
        "advanced_networking_observability": True,
        "advanced_networking_security": True,
        "advanced_network_policies": "L7",
        "container_insights": True,
        "key_vault_secrets_provider": False,
    }
    plain_run, plain_outputs = build(**extra)
    output_run, output_outputs = build(**as_outputs({**cluster_args(), **extra}, PLAIN_ARGS))

    def inputs(run: ProgramRun) -> dict[str, dict[str, Any]]:
        # By name: Outputs resolve in another order, so registrations arrive in another order.
        return {r.name: r.inputs for r in run.registrations if r.type.startswith("azure-native:")}

    assert inputs(output_run) == inputs(plain_run)
    assert output_outputs == plain_outputs


def test_every_network_input_given_as_an_output_registers_the_same_resources() -> None:
    args = network_args(pod_subnet_cidr="10.225.0.0/16")
    plain = run_callable(lambda: Network("net", args))
    wrapped = run_callable(lambda: Network("net", as_outputs(dict(args), set())))  # type: ignore[arg-type]
    assert {r.name: r.inputs for r in wrapped.registrations} == {r.name: r.inputs for r in plain.registrations}


def test_every_pool_carries_the_control_planes_minor() -> None:
    """A system pool sent without orchestratorVersion does not reliably follow a minor upgrade (Azure/terraform-azurerm-aks
    issue #301, Azure/AKS issue #3087; ../shared/design/UPSTREAM.md, "Pool versions"). In the managed cluster's request
    every pool's version is given or none, and if given equal to the control plane's (AKS error
    NotAllAgentPoolOrchestratorVersionSpecifiedAndUnchanged, MicrosoftDocs/azure-aks-docs auto-upgrade-cluster.md): the
    request holds the system pool alone, with the control plane's minor. The user pool is its own AgentPool resource
    and carries the same minor, never above the control plane's (AgentPool.orchestratorVersion, REST spec 2025-09-01)."""
    run, _ = build(kubernetes_version="1.37")
    (system,) = run.one(CLUSTER).inputs["agentPoolProfiles"]
    assert system["orchestratorVersion"] == "1.37"
    user_pool = run.one("azure-native:containerservice:AgentPool")
    assert user_pool.inputs["orchestratorVersion"] == "1.37"
    assert run.one(CLUSTER).urn in user_pool.dependencies


@pytest.mark.parametrize("wrap", [lambda v: v, pulumi.Output.from_input])
def test_the_user_pool_may_lag_while_it_catches_up(wrap: Any) -> None:
    """Within two minors, never ahead (AgentPool.orchestratorVersion in the 2025-09-01 REST spec: "The node pool minor
    version must be within two minor versions of the control plane version. The node pool version cannot be greater
    than the control plane version")."""
    pool = NodePoolArgs(vm_size="Standard_D4ds_v5", min_count=2, max_count=3, kubernetes_version=wrap("1.35"))
    run, _ = build(kubernetes_version="1.37", user_pool=pool)
    assert run.one("azure-native:containerservice:AgentPool").inputs["orchestratorVersion"] == "1.35"
    assert run.one(CLUSTER).inputs["agentPoolProfiles"][0]["orchestratorVersion"] == "1.37"


@pytest.mark.parametrize(
    ("pool_version", "message"),
    [("1.34", "lags the control plane's 1.37 by 3 minors; AKS allows 2"), ("1.38", "newer than the control plane's 1.37")],
)
def test_a_user_pool_too_far_behind_or_ahead_is_refused(pool_version: str, message: str) -> None:
    pool = NodePoolArgs(vm_size="Standard_D4ds_v5", min_count=2, max_count=3, kubernetes_version=pool_version)
    assert re.search(message, str(refusal(lambda: AksCluster("aks", cluster_args(kubernetes_version="1.37", user_pool=pool)))))


def test_the_system_pool_has_no_version_of_its_own() -> None:
    pool = NodePoolArgs(vm_size="Standard_D4ds_v5", min_count=2, max_count=3, kubernetes_version="1.36")
    assert "system_pool" in str(refusal(lambda: AksCluster("aks", cluster_args(system_pool=pool))))


def test_managed_prometheus_turns_on_the_metrics_profile() -> None:
    """ManagedClusterAzureMonitorProfileMetrics (2025-09-01 managedClusters.json): `enabled`, and kube-state-metrics'
    label and annotation allowlists, empty as Microsoft's template leaves them (Azure/prometheus-collector
    AddonArmTemplate/FullAzureMonitorMetricsProfile.json, metricLabelsAllowlist and metricAnnotationsAllowList)."""
    run, _ = build(managed_prometheus=True)
    assert run.one(CLUSTER).inputs["azureMonitorProfile"] == {
        "metrics": {"enabled": True, "kubeStateMetrics": {"metricLabelsAllowlist": "", "metricAnnotationsAllowList": ""}}
    }
    run, _ = build()
    assert "azureMonitorProfile" not in run.one(CLUSTER).inputs


def test_container_network_logs_flag_the_add_on_and_run_the_rule_at_high_scale() -> None:
    """The add-on ships ACNS's flow logs with `enableContainerNetworkLogs` (how-to-configure-container-network-logs.md);
    the rule then takes Microsoft-ContainerNetworkLogs and, in high log scale mode, ContainerLogV2 through its
    HighScale stream and an ingestion endpoint (microsoft/Docker-Provider scripts/onboarding/aks/onboarding-msi-
    terraform/main.tf: enable_high_log_scale_mode, ingestion_dce_name)."""
    run, _ = build(
        container_network_logs=True,
        container_insights=True,
        advanced_networking_observability=True,
    )
    config = run.one(CLUSTER).inputs["addonProfiles"]["omsagent"]["config"]
    assert config["enableContainerNetworkLogs"] == "True"
    rule = run.one("azure-native:monitor:DataCollectionRule")
    streams = rule.inputs["dataSources"]["extensions"][0]["streams"]
    assert streams == rule.inputs["dataFlows"][0]["streams"]
    assert "Microsoft-ContainerNetworkLogs" in streams
    assert "Microsoft-ContainerLogV2-HighScale" in streams
    endpoint = run.one("azure-native:monitor:DataCollectionEndpoint")
    assert endpoint.inputs["dataCollectionEndpointName"] == "MSCI-ingest-westeurope-aks-t"
    assert rule.inputs["dataCollectionEndpointId"].endswith("/dataCollectionEndpoints/MSCI-ingest-westeurope-aks-t")
