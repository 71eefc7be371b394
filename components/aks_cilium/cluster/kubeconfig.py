"""Turn AKS user credentials into a kubeconfig that logs in with kubelogin non-interactively."""

from __future__ import annotations

import base64
from typing import Any, Literal, get_args

import yaml

# The AKS AAD server application every Entra ID cluster accepts tokens for.
AKS_AAD_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
LoginMode = Literal["azurecli", "spn", "workloadidentity", "msi"]
LOGIN_MODES: tuple[LoginMode, ...] = get_args(LoginMode)


class KubeconfigError(ValueError):
    """The credentials returned by Azure are not a kubeconfig we can convert."""


def kubelogin_args(mode: str, server_id: str, client_id: str = "", tenant_id: str = "") -> list[str]:
    """`kubelogin get-token` arguments, with client and tenant ID as flags wherever they are given.

    In workloadidentity mode kubelogin picks its GitHub Actions credential when ACTIONS_ID_TOKEN_REQUEST_TOKEN and
    ACTIONS_ID_TOKEN_REQUEST_URL are set, and asks GitHub for a fresh assertion whenever it needs a token; elsewhere it
    reads the token file AZURE_FEDERATED_TOKEN_FILE (Azure/kubelogin pkg/internal/token/provider.go,
    githubactionscredential.go). Both credentials refuse an empty client or tenant ID, which kubelogin also takes from
    AZURE_CLIENT_ID and AZURE_TENANT_ID (options.go `UpdateFromEnv`), as the workload identity webhook sets them in a pod:
    so the flags are optional for a pod's kubeconfig and required for the deployment's (checks.py).
    """
    if mode not in LOGIN_MODES:
        raise KubeconfigError(f"kubelogin mode {mode!r} is not one of {', '.join(LOGIN_MODES)}")
    args = ["get-token", "--login", mode, "--server-id", server_id]
    if mode == "spn":
        if not client_id or not tenant_id:
            raise KubeconfigError("kubelogin mode spn needs a client ID and a tenant ID")
        args += ["--client-id", client_id, "--tenant-id", tenant_id, "--environment", "AzurePublicCloud"]
    elif mode == "workloadidentity":
        args += [*(["--client-id", client_id] if client_id else []), *(["--tenant-id", tenant_id] if tenant_id else [])]
    elif mode == "msi" and client_id:
        args += ["--client-id", client_id]
    return args


def convert(encoded_kubeconfig: str, mode: str, client_id: str = "", tenant_id: str = "") -> str:
    """Rewrite every user of a base64 kubeconfig from Azure to `kubelogin get-token --login <mode>`.

    Same result as `kubelogin convert-kubeconfig -l <mode>`, without the binary at deploy time.
    """
    try:
        config: Any = yaml.safe_load(base64.b64decode(encoded_kubeconfig))
    except (ValueError, yaml.YAMLError) as error:
        raise KubeconfigError(f"AKS returned credentials that are not a base64 kubeconfig: {error}") from error
    if not isinstance(config, dict) or not config.get("users"):
        raise KubeconfigError("AKS returned a kubeconfig without users")
    for user in config["users"]:
        exec_spec = user.get("user", {}).get("exec") or {}
        args = exec_spec.get("args", [])
        server_id = args[args.index("--server-id") + 1] if "--server-id" in args else AKS_AAD_SERVER_ID
        user["user"] = {
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "command": "kubelogin",
                "args": kubelogin_args(mode, server_id, client_id, tenant_id),
                "env": None,
                "interactiveMode": "Never" if mode != "azurecli" else "IfNeeded",
                "provideClusterInfo": False,
            }
        }
    return yaml.safe_dump(config, sort_keys=False)
