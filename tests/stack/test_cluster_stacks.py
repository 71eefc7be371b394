"""The real __main__.py for dev and prod under mocks: network profiles, secure defaults, options, outputs."""

from __future__ import annotations

import pytest

from aks_cilium.testing import SECRET, ProgramRun
from tests.support.stacks import RunStack
from tests.support.tokens import COMPONENT_PREFIX as OUR_COMPONENT_PREFIX
from tests.support.tokens import MANAGED_CLUSTER


def cluster_inputs(run: ProgramRun) -> dict:
    return run.one(MANAGED_CLUSTER).inputs


def test_dev_is_byocni_with_every_network_field_explicit(run_stack: RunStack) -> None:
    """Bring-your-own-CNI is network plugin `none` (MicrosoftDocs/azure-aks-docs articles/aks/use-byo-cni.md)."""
    profile = cluster_inputs(run_stack("dev"))["networkProfile"]
    assert profile == {
        "networkPlugin": "none",
        "networkPolicy": "none",
        "podCidr": "10.248.0.0/16",
        "serviceCidr": "10.0.0.0/16",
        "dnsServiceIP": "10.0.0.10",
        "outboundType": "loadBalancer",
        "loadBalancerSku": "standard",
        "ipFamilies": ["IPv4"],
    }


def test_prod_is_azure_cni_powered_by_cilium_with_acns(run_stack: RunStack) -> None:
    """Azure CNI powered by Cilium is plugin azure in overlay mode with the cilium dataplane
    (MicrosoftDocs/azure-aks-docs articles/aks/azure-cni-powered-by-cilium.md); ACNS as UPSTREAM.md, AKS "ACNS"."""
    profile = cluster_inputs(run_stack("prod"))["networkProfile"]
    assert profile == {
        "networkPlugin": "azure",
        "networkPluginMode": "overlay",
        "networkDataplane": "cilium",
        "networkPolicy": "cilium",
        "podCidr": "10.244.0.0/14",
        "serviceCidr": "10.0.0.0/16",
        "dnsServiceIP": "10.0.0.10",
        "outboundType": "loadBalancer",
        "loadBalancerSku": "standard",
        "ipFamilies": ["IPv4"],
        "advancedNetworking": {
            "enabled": True,
            "observability": {"enabled": True},
            "security": {"enabled": True, "advancedNetworkPolicies": "FQDN"},
        },
    }


def test_acns_off_is_omitted(run_stack: RunStack) -> None:
    """Microsoft's Azure CNI powered by Cilium samples send no advancedNetworking without ACNS (issue #13, item 9)."""
    profile = cluster_inputs(
        run_stack(
            "prod",
            advancedNetworkingObservability="false",
            advancedNetworkingSecurity="false",
            namespaces="{}",
            flowLogs="false",
            expectations="[]",  # prod's name the namespaces this run drops
        )
    )["networkProfile"]
    assert "advancedNetworking" not in profile
    assert profile["networkDataplane"] == "cilium"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_secure_defaults(run_stack: RunStack, stack: str) -> None:
    """Sources (MicrosoftDocs/azure-aks-docs articles/aks/): local-accounts.md (`properties.disableLocalAccounts`);
    entra-id-authorization.md (Azure RBAC for Kubernetes authorization, `--enable-azure-rbac`);
    workload-identity-deploy-cluster.md (Workload ID is enabled together with the OIDC issuer); the channels as
    UPSTREAM.md, AKS "Auto-upgrade channels" (auto-upgrade-cluster.md, auto-upgrade-node-os-image.md: `patch` keeps the
    minor); use-system-pools.md (`CriticalAddonsOnly=true:NoSchedule` keeps application pods off the system pool);
    csi-secrets-store-configuration-options.md (`enableSecretRotation: "true"`, a string in the addon config);
    azure-cni-powered-by-cilium.md, "Limitations" (Linux only); a user-assigned identity, which can hold its roles
    before the cluster exists (UPSTREAM.md, AKS "A subnet you bring"). AzureLinux and the autoscaler bounds are product
    choices."""
    inputs = cluster_inputs(run_stack(stack))
    assert inputs["disableLocalAccounts"] is True
    assert inputs["enableRBAC"] is True
    assert inputs["aadProfile"]["managed"] is True
    assert inputs["aadProfile"]["enableAzureRBAC"] is True
    assert inputs["oidcIssuerProfile"] == {"enabled": True}
    assert inputs["securityProfile"]["workloadIdentity"] == {"enabled": True}
    assert inputs["autoUpgradeProfile"] == {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"}
    assert inputs["identity"]["type"] == "UserAssigned"
    assert inputs["addonProfiles"]["azureKeyvaultSecretsProvider"]["config"]["enableSecretRotation"] == "true"
    (system,) = inputs["agentPoolProfiles"]
    assert system["mode"] == "System"
    assert system["nodeTaints"] == ["CriticalAddonsOnly=true:NoSchedule"]
    assert system["osSKU"] == "AzureLinux"
    assert system["osType"] == "Linux"
    assert system["type"] == "VirtualMachineScaleSets"
    assert system["enableAutoScaling"] is True
    assert system["minCount"] <= system["count"] <= system["maxCount"]


def test_prod_security_baseline(run_stack: RunStack) -> None:
    """Sources (MicrosoftDocs/azure-aks-docs articles/aks/): api-server-authorized-ip-ranges.md (UPSTREAM.md, AKS
    "Authorized IP ranges"); reliability-availability-zones-configure.md (`--zones 1 2 3`); concepts-storage.md,
    "Ephemeral OS disks"; enable-host-encryption.md (`--enable-encryption-at-host`); concepts-network-azure-cni-overlay.md
    (250 pods per node at most). The monitoring addon is `omsagent` with `config.logAnalyticsWorkspaceResourceID`
    (microsoft/Docker-Provider scripts/onboarding/aks/onboarding-using-msi-auth/existingClusterOnboarding.json);
    Defender is `securityProfile.defender.securityMonitoring.enabled` (Azure/PSRule.Rules.Azure
    docs/en/rules/Azure.AKS.DefenderProfile.md)."""
    run = run_stack("prod")
    inputs = cluster_inputs(run)
    # The range of the shipped examples (offline/examples/prod.yaml): the stack file leaves it to the deployer.
    assert inputs["apiServerAccessProfile"]["authorizedIPRanges"] == ["203.0.113.0/24"]
    workspace = run.one("azure-native:operationalinsights:Workspace")
    assert inputs["addonProfiles"]["omsagent"]["enabled"] is True
    assert inputs["addonProfiles"]["omsagent"]["config"]["logAnalyticsWorkspaceResourceID"].endswith(
        f"/workspaces/{workspace.inputs['workspaceName']}"
    )
    assert inputs["securityProfile"]["defender"]["securityMonitoring"] == {"enabled": True}
    user_pool = run.one("azure-native:containerservice:AgentPool").inputs
    for pool in (inputs["agentPoolProfiles"][0], user_pool):
        assert pool["availabilityZones"] == ["1", "2", "3"]
        assert pool["osDiskType"] == "Ephemeral"
        assert pool["enableEncryptionAtHost"] is True
        assert pool["maxPods"] == 250


def test_dev_relaxes_only_what_it_says(run_stack: RunStack) -> None:
    run = run_stack("dev")
    inputs = cluster_inputs(run)
    assert "availabilityZones" not in inputs["agentPoolProfiles"][0]
    # dev keeps Container Insights for its flow logs only, by explicit setting; without them it can go.
    assert run.one("azure-native:operationalinsights:Workspace").inputs["retentionInDays"] == 30
    relaxed = cluster_inputs(run_stack("dev", containerInsights="false", flowLogs="false"))
    assert "omsagent" not in relaxed["addonProfiles"]


def test_protect_and_ignore_changes(run_stack: RunStack) -> None:
    """Protect as UPSTREAM.md, Pulumi engine "Protect" (the engine refuses replace/delete while protect is true). The node
    count is the cluster autoscaler's to change: MicrosoftDocs/azure-aks-docs articles/aks/cluster-autoscaler.md ("Let the
    Kubernetes cluster autoscaler manage the required scale settings"), so the program ignores it: `ignore_changes` skips
    the listed properties for updates and replacements (pulumi/pulumi sdk/python/lib/pulumi/resource.py,
    `ResourceOptions`), and `[*]` is a wildcard index in a property path (sdk/go/common/resource/properties_path.go,
    `ParsePropertyPath`, `root.array[*].field`)."""
    prod, dev = run_stack("prod"), run_stack("dev")
    assert prod.one(MANAGED_CLUSTER).protect is True
    assert dev.one(MANAGED_CLUSTER).protect is False
    assert prod.one(MANAGED_CLUSTER).ignore_changes == ("agentPoolProfiles[*].count",)
    assert prod.one("azure-native:containerservice:AgentPool").ignore_changes == ("count",)
    assert prod.one("azure-native:containerservice:AgentPool").protect is True
    assert [r.name for r in prod.registrations if r.ignore_changes] == ["aks-cluster", "aks-user-pool"]


def test_kubeconfig_is_secret_and_uses_configured_kubelogin_mode(run_stack: RunStack) -> None:
    run = run_stack("prod")
    assert "kubeconfig" in run.secret_outputs
    assert "--login\n      - workloadidentity" in run.outputs["kubeconfig"]
    assert run.one("pulumi:providers:kubernetes").inputs["kubeconfig"] == SECRET


def test_user_credentials_asked_in_exec_format_by_cluster_name(run_stack: RunStack) -> None:
    """Entra ID clusters are reached through the kubelogin exec credential plugin: MicrosoftDocs/azure-aks-docs
    articles/aks/kubelogin-authentication.md (clusters from Kubernetes 1.24 use the kubelogin/exec format). `format`
    "Only apply to AAD clusters ... format 'exec' will return exec format kubeconfig, which requires kubelogin"
    (pulumi_azure_native/containerservice/list_managed_cluster_user_credentials.py, the installed SDK's text of the AKS
    REST API)."""
    run = run_stack("dev")
    (call,) = [c for c in run.mocks.calls if c.token.endswith("listManagedClusterUserCredentials")]
    assert call.args == {"resourceGroupName": "rg-cilium-dev", "resourceName": "aks-cilium-dev", "format": "exec"}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_children_are_parented_to_our_components_and_named_after_them(run_stack: RunStack, stack: str) -> None:
    run = run_stack(stack)
    by_urn = run.by_urn()
    for registration in run.registrations:
        if registration.type.startswith(OUR_COMPONENT_PREFIX):
            continue
        parent = by_urn.get(registration.parent)
        assert parent is not None, f"{registration.name} has no component parent"
        assert parent.type.startswith(OUR_COMPONENT_PREFIX)
        assert registration.name.startswith(f"{parent.name}-"), registration.name


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_outputs(run_stack: RunStack, stack: str) -> None:
    run = run_stack(stack)
    assert run.outputs["clusterName"] == f"aks-cilium-{stack}"
    assert run.outputs["resourceGroupName"] == f"rg-cilium-{stack}"
    assert run.outputs["networkMode"] == ("byocni" if stack == "dev" else "azure-cilium")
    assert run.outputs["oidcIssuerUrl"].startswith("https://westeurope.oic.prod-aks.azure.com/")


def test_kubernetes_objects_use_the_cluster_provider(run_stack: RunStack) -> None:
    run = run_stack("dev")
    provider = run.one("pulumi:providers:kubernetes")
    for registration in run.registrations:
        if registration.type.startswith("kubernetes:"):
            assert registration.provider.startswith(provider.urn + "::"), registration.name
