"""Which credential `kubelogin get-token` builds from its arguments and environment, following kubelogin's own code.

Azure/kubelogin, read at main: `pkg/internal/token/options.go` (`AddFlags`: the flags; `UpdateFromEnv`: the variables
that override them), `pkg/internal/env/variables.go` (their names), `pkg/internal/token/provider.go`
(`NewAzIdentityCredential`: the credential per login mode), `workloadidentitycredential.go` and
`githubactionscredential.go` (what each refuses). Only the modes this project uses are followed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

# options.go `AddFlags`: --login/-l, --client-id, --tenant-id/-t, --federated-token-file, --server-id.
_FLAGS = {"--login": "login", "-l": "login", "--client-id": "client_id", "--tenant-id": "tenant_id", "-t": "tenant_id"}
_FLAGS |= {"--federated-token-file": "token_file", "--server-id": "server_id"}


@dataclass(frozen=True)
class Credential:
    name: str
    """The credential's `Name()`: GithubActionsCredential, WorkloadIdentityCredential, AzureCLICredential, ..."""
    client_id: str
    tenant_id: str
    error: str = ""
    """What its constructor returns instead of a credential, e.g. "client ID cannot be empty"."""


def _flags(args: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {"login": "devicecode"}  # NewOptions: LoginMethod DeviceCodeLogin
    for flag, value in pairwise(args):
        if flag in _FLAGS:
            values[_FLAGS[flag]] = value
    return values


def credential(args: Sequence[str], environ: Mapping[str, str]) -> Credential:
    """`kubelogin <args>` with `environ`: the credential provider.go would build."""
    assert args[0] == "get-token", args
    options = _flags(args[1:])
    # UpdateFromEnv, without --use-azurerm-env-vars: AAD_SERVICE_PRINCIPAL_CLIENT_ID, then AZURE_CLIENT_ID override the
    # client; AZURE_TENANT_ID the tenant; AAD_LOGIN_METHOD the login; in workloadidentity mode AZURE_CLIENT_ID once more
    # and AZURE_FEDERATED_TOKEN_FILE.
    for variable in ("AAD_SERVICE_PRINCIPAL_CLIENT_ID", "AZURE_CLIENT_ID"):
        if variable in environ:
            options["client_id"] = environ[variable]
    if "AZURE_TENANT_ID" in environ:
        options["tenant_id"] = environ["AZURE_TENANT_ID"]
    if "AAD_LOGIN_METHOD" in environ:
        options["login"] = environ["AAD_LOGIN_METHOD"]
    if options["login"] == "workloadidentity":
        if "AZURE_CLIENT_ID" in environ:
            options["client_id"] = environ["AZURE_CLIENT_ID"]
        if "AZURE_FEDERATED_TOKEN_FILE" in environ:
            options["token_file"] = environ["AZURE_FEDERATED_TOKEN_FILE"]
    client, tenant = options.get("client_id", ""), options.get("tenant_id", "")
    if options["login"] == "azurecli":
        return Credential("AzureCLICredential", client, tenant)
    if options["login"] != "workloadidentity":
        raise NotImplementedError(f"login mode {options['login']} is not followed here")
    # provider.go: both GitHub variables set -> newGithubActionsCredential, else newWorkloadIdentityCredential.
    github = bool(environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")) and bool(environ.get("ACTIONS_ID_TOKEN_REQUEST_URL"))
    name = "GithubActionsCredential" if github else "WorkloadIdentityCredential"
    if not client:
        return Credential(name, client, tenant, "client ID cannot be empty")
    if not tenant:
        return Credential(name, client, tenant, "tenant ID cannot be empty")
    if not github and not options.get("token_file"):
        return Credential(name, client, tenant, "federated token file cannot be empty")
    return Credential(name, client, tenant)
