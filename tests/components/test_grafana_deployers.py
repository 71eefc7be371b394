"""ManagedGrafana's Grafana Admin for the deployers, built directly: the configured deployerPrincipals, as AksCluster's
cluster-admin assignments, so the plan does not depend on who is signed in (issue #23)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from aks_cilium.cluster.args import DeployerArgs
from aks_cilium.observability.grafana import GRAFANA_ADMIN, ManagedGrafana
from aks_cilium.testing import AzureMocks, ProgramRun, run_callable
from aks_cilium.testing.azure import CLIENT_CONFIG
from tests.support.refusals import refusal
from tests.support.tokens import ROLE_ASSIGNMENT

CI_PRINCIPAL = "9d3c2b1a-0f4e-4d5c-8b7a-6e5f4d3c2b1a"
OPERATOR = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"
SOMEONE_ELSE = {**CLIENT_CONFIG, "objectId": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"}
GRAFANA: Any = {
    "resource_group_name": "rg",
    "location": "westeurope",
    "grafana_name": "grafana-cilium-prod",
    "azure_monitor_workspace_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Monitor/accounts/amw",
}


def build(mocks: AzureMocks | None = None, **change: Any) -> ProgramRun:
    args: Any = {**GRAFANA, **change}
    return run_callable(lambda: ManagedGrafana("graf", args), mocks=mocks)


@pytest.mark.parametrize("wrap", [lambda v: v, pulumi.Output.from_input])
def test_configured_deployers_get_grafana_admin_whoever_is_signed_in(wrap: Any) -> None:
    deployers = [
        DeployerArgs(object_id=wrap(CI_PRINCIPAL), principal_type="ServicePrincipal"),
        DeployerArgs(object_id=OPERATOR, principal_type="User"),
    ]
    runs = [build(mocks, deployers=deployers) for mocks in (AzureMocks(), AzureMocks(client_config=SOMEONE_ELSE))]
    for run in runs:
        first = run.one(ROLE_ASSIGNMENT, "graf-deployer-grafana-admin").inputs
        second = run.one(ROLE_ASSIGNMENT, "graf-deployer-1-grafana-admin").inputs
        assert (first["principalId"], first["principalType"]) == (CI_PRINCIPAL, "ServicePrincipal")
        assert (second["principalId"], second["principalType"]) == (OPERATOR, "User")
        assert first["roleDefinitionId"].endswith(GRAFANA_ADMIN)
        signed_in = (CLIENT_CONFIG["objectId"], SOMEONE_ELSE["objectId"])
        assert all(r.inputs["principalId"] not in signed_in for r in run.of_type(ROLE_ASSIGNMENT))
    first, second = ({r.urn: r.inputs for r in run.registrations} for run in runs)
    assert first == second


def test_without_deployers_the_signed_in_principal_gets_grafana_admin() -> None:
    run = build(AzureMocks(client_config=SOMEONE_ELSE), deployer_principal_type="ServicePrincipal")
    admin = run.one(ROLE_ASSIGNMENT, "graf-deployer-grafana-admin").inputs
    assert (admin["principalId"], admin["principalType"]) == (SOMEONE_ELSE["objectId"], "ServicePrincipal")


@pytest.mark.parametrize(
    ("deployer", "path"),
    [
        ({"object_id": CI_PRINCIPAL, "principal_type": "Group"}, "deployers[0].principal_type"),
        ({"object_id": "not-a-guid", "principal_type": "User"}, "deployers[0].object_id"),
        ({"object_id": pulumi.Output.from_input("not-a-guid"), "principal_type": "User"}, "deployers[0].object_id"),
    ],
)
def test_bad_deployers_are_refused_by_path(deployer: Any, path: str) -> None:
    args: Any = {**GRAFANA, "deployers": [deployer]}
    error = refusal(lambda: ManagedGrafana("graf", args))
    assert {problem["property_path"] for problem in error.errors or []} == {path}
