"""`workloadIdentity` in `aks-cilium:namespaces`: prod's example gets a TeamIdentity whose credential trusts the
cluster's OIDC issuer and whose ServiceAccount waits for its namespace; bad values are refused naming key and path.
Fields: MicrosoftDocs/azure-aks-docs articles/aks/workload-identity-deploy-cluster.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from offline.plan import main
from offline.stack_config import load_stack_config
from tests.support.program_settings import program_config_error
from tests.support.stacks import RunStack, stack_config, with_overrides

FIC = "azure-native:managedidentity:FederatedIdentityCredential"
SA = "kubernetes:core/v1:ServiceAccount"


def test_prods_example_gets_an_identity_trusting_the_clusters_issuer(run_stack: RunStack) -> None:
    run = run_stack("prod")
    cluster = run.one("azure-native:containerservice:ManagedCluster")
    credential = run.one(FIC).inputs
    assert credential["issuer"] == run.outputs["oidcIssuerUrl"]
    assert cluster.inputs["oidcIssuerProfile"] == {"enabled": True}
    assert credential["subject"] == "system:serviceaccount:payments:payments-api"
    assert credential["audiences"] == ["api://AzureADTokenExchange"]
    account = run.one(SA)
    assert (
        account.inputs["metadata"]["annotations"]["azure.workload.identity/client-id"] == run.outputs["teamIdentityClientIds"]["payments"]
    )
    # It waits for the NetworkPolicySet that creates its namespace (and for the deployer's access, like every object).
    # The SDK expands a component in depends_on into its children (pulumi sdk/python/lib/pulumi/runtime/resource.py).
    assert run.one("kubernetes:core/v1:Namespace", "policies-payments").urn in account.dependencies


REFUSALS = {
    "no service account": ({"workloadIdentity": {}}, "demo.workloadIdentity.serviceAccount: is required"),
    "a bad service account": ({"workloadIdentity": {"serviceAccount": "Bad_Name"}}, "demo.workloadIdentity.serviceAccount: 'Bad_Name'"),
    "an unknown key": ({"workloadIdentity": {"serviceAccount": "api", "role": "x"}}, "demo.workloadIdentity.role: is not a key"),
    "a role by name": (
        {"workloadIdentity": {"serviceAccount": "api", "keyVaultRole": {"roleDefinitionId": "Key Vault Secrets User", "vaultId": "x"}}},
        "demo.workloadIdentity.keyVaultRole.roleDefinitionId:",
    ),
}


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
def test_each_refusal_names_the_key_the_namespace_and_the_path(case: tuple[dict[str, object], str]) -> None:
    demo, message = case
    error = program_config_error(with_overrides(stack_config("dev"), {"namespaces": json.dumps({"demo": demo, "client": {}})}))
    assert error.keys == {"namespaces"}
    assert f"aks-cilium:namespaces.{message}" in str(error)


def test_a_refused_identity_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = with_overrides(load_stack_config("dev"), {"namespaces": json.dumps({"demo": {"workloadIdentity": {}}, "client": {}})})
    monkeypatch.setattr("offline.plan.load_stack_config", lambda stack, **_: bad)
    assert main(["--stack", "dev", "--out", str(tmp_path / "plan")]) == 2
    assert not (tmp_path / "plan").exists()
