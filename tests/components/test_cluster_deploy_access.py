"""AksCluster's deploy access and guards, built directly: pinned deployers, the deploy login's IDs, the delete lock,
Defender's subscription plan and the version tags."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from aks_cilium.cluster.args import DeployerArgs
from aks_cilium.cluster.component import AksCluster
from aks_cilium.cluster.guards import DefenderPlanError
from aks_cilium.cluster.versions import NEXT_MINOR_TAG, SUPPORT_ENDS_TAG
from aks_cilium.testing import AzureMocks, ProgramRun, run_callable
from aks_cilium.testing.azure import CLIENT_CONFIG
from tests.support.component_args import cluster_args
from tests.support.refusals import refusal
from tests.support.tokens import MANAGED_CLUSTER, ROLE_ASSIGNMENT

CI_PRINCIPAL = "9d3c2b1a-0f4e-4d5c-8b7a-6e5f4d3c2b1a"
CI_CLIENT = "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"
CI_TENANT = "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"
LOCK = "azure-native:authorization:ManagementLockByScope"


def build(mocks: AzureMocks | None = None, **overrides: Any) -> ProgramRun:
    def program() -> None:
        cluster = AksCluster("aks", cluster_args(**overrides))
        pulumi.export("deployKubeconfig", cluster.deploy_kubeconfig)
        pulumi.export("deployers", cluster.deployer_principals)

    return run_callable(program, mocks=mocks)


def pinned(object_id: Any = CI_PRINCIPAL) -> list[DeployerArgs]:
    return [DeployerArgs(object_id=object_id, principal_type="ServicePrincipal")]


@pytest.mark.parametrize("wrap", [lambda v: v, pulumi.Output.from_input])
def test_configured_deployers_get_cluster_admin_whoever_is_signed_in(wrap: Any) -> None:
    """The assignment follows the configured principal, not azure-native's client config (issue #23: a laptop run must
    not replace CI's assignment). Two signed-in principals give the same registrations."""
    someone_else = {**CLIENT_CONFIG, "objectId": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "clientId": "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"}
    runs = [
        build(
            mocks,
            deployers=pinned(wrap(CI_PRINCIPAL)),
            deploy_client_id=CI_CLIENT,
            deploy_tenant_id=CI_TENANT,
            deploy_login_mode="workloadidentity",
        )
        for mocks in (AzureMocks(), AzureMocks(client_config=someone_else))
    ]
    for run in runs:
        deployer = run.one(ROLE_ASSIGNMENT, "aks-deployer-cluster-admin")
        assert deployer.inputs["principalId"] == CI_PRINCIPAL
        assert deployer.inputs["principalType"] == "ServicePrincipal"
        assert run.outputs["deployers"] == [f"ServicePrincipal:{CI_PRINCIPAL}"]
    first, second = ({r.urn: r.inputs for r in run.registrations} for run in runs)
    assert first == second
    assert runs[0].outputs == runs[1].outputs


def test_without_deployers_the_signed_in_principal_gets_cluster_admin() -> None:
    run = build()
    assert run.one(ROLE_ASSIGNMENT, "aks-deployer-cluster-admin").inputs["principalId"] == CLIENT_CONFIG["objectId"]
    assert run.outputs["deployers"] == [f"User:{CLIENT_CONFIG['objectId']}"]


def test_a_second_deployer_gets_its_own_assignment() -> None:
    deployers = [*pinned(), DeployerArgs(object_id="3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", principal_type="User")]
    run = build(deployers=deployers)
    assert run.one(ROLE_ASSIGNMENT, "aks-deployer-1-cluster-admin").inputs["principalType"] == "User"


def test_a_deployer_of_an_unknown_type_is_refused() -> None:
    assert "deployers" in str(
        refusal(lambda: AksCluster("aks", cluster_args(deployers=[DeployerArgs(object_id=CI_PRINCIPAL, principal_type="Group")])))
    )


def test_the_deploy_kubeconfig_names_the_configured_client_and_tenant() -> None:
    """kubelogin's GitHub Actions and workload identity credentials refuse an empty client or tenant ID (Azure/kubelogin
    pkg/internal/token/githubactionscredential.go, workloadidentitycredential.go): both go in as flags."""
    run = build(deploy_login_mode="workloadidentity", deploy_client_id=pulumi.Output.from_input(CI_CLIENT), deploy_tenant_id=CI_TENANT)
    deploy = run.outputs["deployKubeconfig"]
    assert f"- --client-id\n      - {CI_CLIENT}\n      - --tenant-id\n      - {CI_TENANT}" in deploy
    assert CLIENT_CONFIG["clientId"] not in deploy


def test_the_delete_lock_sits_on_the_cluster_and_is_protected_with_it() -> None:
    """CanNotDelete: users can read and modify, not delete (level of Microsoft.Authorization/locks 2020-05-01, as
    pulumi-azure-native's ManagementLockByScope documents it)."""
    run = build(delete_lock=True, protect=True)
    lock = run.one(LOCK)
    assert lock.inputs["level"] == "CanNotDelete"
    assert lock.inputs["scope"].endswith("/providers/Microsoft.ContainerService/managedClusters/aks-t")
    assert lock.protect
    assert build().of_type(LOCK) == []


def test_defender_refuses_to_go_on_while_the_subscriptions_plan_is_off() -> None:
    """Defender for Containers reports only where the subscription's `Containers` plan is Standard (the pricing tiers of
    Microsoft.Security/pricings, API 2024-01-01, as pulumi-azure-native's getPricing documents them)."""
    with pytest.raises(DefenderPlanError, match="az security pricing create -n Containers --tier standard"):
        build(AzureMocks(defender_tier="Free"), container_insights=True, defender=True)
    build(AzureMocks(defender_tier="Standard"), container_insights=True, defender=True)


def test_the_cluster_carries_its_minors_end_of_support() -> None:
    """The version policy's dates as tags, from the table (versions.py), for readers without it: the pack's advisory."""
    tags = build(kubernetes_version="1.36").one(MANAGED_CLUSTER).inputs["tags"]
    assert tags == {SUPPORT_ENDS_TAG: "2027-06-30", NEXT_MINOR_TAG: "1.37"}
    lts = build(kubernetes_version="1.36", sku_tier="Premium", support_plan="AKSLongTermSupport").one(MANAGED_CLUSTER).inputs["tags"]
    assert lts[SUPPORT_ENDS_TAG] == "2028-06-30"


@pytest.mark.parametrize("channel", ["stable", "rapid", "node-image"])
def test_lts_goes_with_the_patch_channel_only(channel: str) -> None:
    """stable and rapid move the cluster to newer minors (auto-upgrade-cluster.md); LTS supports the last two patches of
    its minor only, with the patch channel recommended (long-term-support.md)."""
    lts = {"sku_tier": "Premium", "support_plan": "AKSLongTermSupport", "upgrade_channel": channel, "node_os_upgrade_channel": "NodeImage"}
    assert "support_plan" in str(refusal(lambda: AksCluster("aks", cluster_args(**lts))))
