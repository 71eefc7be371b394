"""TeamIdentity, built directly: Microsoft Entra Workload ID for one namespace's ServiceAccount.

Every field from MicrosoftDocs/azure-aks-docs articles/aks/workload-identity-deploy-cluster.md ("Create the federated
identity credential": issuer, subject system:serviceaccount:<ns>:<sa>, audience api://AzureADTokenExchange; "Create a
Kubernetes service account": the azure.workload.identity/client-id annotation; "Grant permissions to access Azure Key
Vault": the role for the identity's principal as ServicePrincipal) and workload-identity-overview.md (all ServiceAccount
annotations but client-id optional; the pod label azure.workload.identity/use is the pod's, not the ServiceAccount's).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from aks_cilium.identity.component import TeamIdentity
from aks_cilium.testing import ProgramRun, run_callable
from tests.support.refusals import refusal
from tests.support.tokens import ROLE_ASSIGNMENT

ISSUER = "https://westeurope.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/"
VAULT = "/subscriptions/0f1e2d3c-4b5a-4968-8778-695a4b3c2d1e/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-payments"
SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
ARGS: Any = {
    "namespace": "payments",
    "service_account": "payments-api",
    "identity_name": "id-aks-cilium-prod-payments",
    "resource_group_name": "rg",
    "location": "westeurope",
    "oidc_issuer_url": ISSUER,
    "key_vault_role": {"role_definition_id": SECRETS_USER, "vault_id": VAULT},
}
FIC = "azure-native:managedidentity:FederatedIdentityCredential"
UAI = "azure-native:managedidentity:UserAssignedIdentity"
SA = "kubernetes:core/v1:ServiceAccount"


def build(**change: Any) -> ProgramRun:
    args: Any = {**ARGS, **change}

    def program() -> None:
        identity = TeamIdentity("team", args)
        pulumi.export("clientId", identity.client_id)

    return run_callable(program)


@pytest.mark.parametrize("wrap", [lambda v: v, pulumi.Output.from_input])
def test_identity_credential_service_account_and_key_vault_role(wrap: Any) -> None:
    run = build(
        oidc_issuer_url=wrap(ISSUER),
        namespace=wrap("payments"),
        key_vault_role={"role_definition_id": SECRETS_USER, "vault_id": wrap(VAULT)},
    )
    identity = run.one(UAI)
    credential = run.one(FIC).inputs
    assert credential["issuer"] == ISSUER
    assert credential["subject"] == "system:serviceaccount:payments:payments-api"
    assert credential["audiences"] == ["api://AzureADTokenExchange"]
    assert credential["resourceName"] == identity.inputs["resourceName"] == "id-aks-cilium-prod-payments"
    account = run.one(SA).inputs["metadata"]
    assert (account["namespace"], account["name"]) == ("payments", "payments-api")
    assert account["annotations"] == {"azure.workload.identity/client-id": run.outputs["clientId"]}
    assert "azure.workload.identity/use" not in account.get("labels", {})
    role = run.one(ROLE_ASSIGNMENT, "team-key-vault-role").inputs
    assert role["scope"] == VAULT
    assert role["roleDefinitionId"].endswith(f"/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_USER}")
    assert role["roleDefinitionId"].startswith("/subscriptions/0f1e2d3c-4b5a-4968-8778-695a4b3c2d1e/")
    assert role["principalType"] == "ServicePrincipal"


def test_without_a_key_vault_role_there_is_no_assignment() -> None:
    args: Any = {key: value for key, value in ARGS.items() if key != "key_vault_role"}
    run = run_callable(lambda: TeamIdentity("team", args))
    assert run.of_type(ROLE_ASSIGNMENT) == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"namespace": "Payments"}, "namespace"),
        ({"service_account": "Payments_API"}, "service_account"),
        ({"service_account": pulumi.Output.from_input("bad_name")}, "service_account"),
        ({"identity_name": "x"}, "identity_name"),
        ({"oidc_issuer_url": "http://issuer"}, "oidc_issuer_url"),
        ({"key_vault_role": {"role_definition_id": "Key Vault Secrets User", "vault_id": VAULT}}, "key_vault_role.role_definition_id"),
        ({"key_vault_role": {"role_definition_id": SECRETS_USER, "vault_id": "kv-payments"}}, "key_vault_role.vault_id"),
    ],
)
def test_bad_args_are_refused_by_name(change: dict[str, Any], path: str) -> None:
    args: Any = {**ARGS, **change}
    error = refusal(lambda: TeamIdentity("team", args))
    assert {problem["property_path"] for problem in error.errors or []} == {path}
