"""`workloadIdentity` of a managed namespace in `aks-cilium:namespaces`: the team's Azure identity (TeamIdentity).

    payments:
      workloadIdentity:
        serviceAccount: payments-api
        keyVaultRole: {roleDefinitionId: 4633458b-17de-408a-b874-0445c86b69e6, vaultId: /subscriptions/.../vaults/kv}

Not a policy setting, so it is read here beside the policy model (stack_settings/tenants.py reads the rest); the
component's own rules (aks_cilium/identity/component.py) are applied with each value's path.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aks_cilium.identity.component import identity_problems

from .model import TeamIdentitySettings
from .reader import ConfigReader
from .tenants import KEY, fail_at

FIELD = "workloadIdentity"
ROLE_KEYS = {"roleDefinitionId": "role_definition_id", "vaultId": "vault_id"}


def _one(reader: ConfigReader, namespace: str, raw: Any) -> TeamIdentitySettings | None:
    path = f"{namespace}.{FIELD}"
    if not isinstance(raw, Mapping):
        fail_at(reader, path, "must be a mapping such as {serviceAccount: payments-api}")
        return None
    unknown = [key for key in raw if key not in ("serviceAccount", "keyVaultRole")]
    for key in unknown:
        fail_at(reader, f"{path}.{key}", "is not a key of workloadIdentity (serviceAccount, keyVaultRole)")
    account = raw.get("serviceAccount")
    if not isinstance(account, str):
        fail_at(reader, f"{path}.serviceAccount", "is required: the name of the ServiceAccount the team's pods run as")
        return None
    role: dict[str, str] = {}
    given_role = raw.get("keyVaultRole")
    if given_role is not None:
        if (
            not isinstance(given_role, Mapping)
            or set(given_role) != set(ROLE_KEYS)
            or not all(isinstance(v, str) for v in given_role.values())
        ):
            fail_at(reader, f"{path}.keyVaultRole", "must be {roleDefinitionId: <role GUID>, vaultId: <Key Vault resource ID>}")
            return None
        role = {ROLE_KEYS[key]: value for key, value in given_role.items()}
    problems = identity_problems(namespace, account, role or None)
    names = {"service_account": "serviceAccount", "key_vault_role.role_definition_id": "keyVaultRole.roleDefinitionId"}
    names["key_vault_role.vault_id"] = "keyVaultRole.vaultId"
    for arg, problem in problems:
        fail_at(reader, f"{path}.{names.get(arg, arg)}", problem)
    if problems or unknown:
        return None
    return TeamIdentitySettings(namespace, account, tuple(sorted(role.items())))


def read_identities(reader: ConfigReader) -> tuple[TeamIdentitySettings, ...]:
    """Each managed namespace's workload identity; shape problems of the key itself are tenants.py's to report."""
    try:
        parsed: Any = json.loads(reader.undeclared(KEY) or "{}")
    except json.JSONDecodeError:
        return ()
    if not isinstance(parsed, dict):
        return ()
    found = (_one(reader, name, raw[FIELD]) for name, raw in parsed.items() if isinstance(raw, Mapping) and FIELD in raw)
    return tuple(identity for identity in found if identity is not None)
