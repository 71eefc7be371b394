"""TeamIdentity: a user-assigned managed identity that a namespace's Kubernetes ServiceAccount signs in as.

Microsoft Entra Workload ID as AKS documents it (MicrosoftDocs/azure-aks-docs articles/aks/workload-identity-deploy-
cluster.md, workload-identity-overview.md): a user-assigned identity; a federated identity credential on it trusting the
cluster's OIDC issuer for the subject `system:serviceaccount:<namespace>:<service account>` and the audience
`api://AzureADTokenExchange`; the ServiceAccount annotated `azure.workload.identity/client-id` with the identity's
client ID; optionally a Key Vault role for the identity, assigned as a ServicePrincipal. Pods opt in with the label
`azure.workload.identity/use: "true"` in their own template (docs/team-identities.md); the component sets no pod label.
"""

import re
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s
from pulumi_azure_native import managedidentity

from aks_cilium.cluster.role_assignments import assign_role
from aks_cilium.cluster.rules import guid_problem
from aks_cilium.core.options import child_options, extended
from aks_cilium.core.tokens import component_type
from aks_cilium.core.validation import ArgsCheck, Fail
from aks_cilium.network_policy.args import namespace_problem
from aks_cilium.network_policy.component import MANAGED_BY

# workload-identity-deploy-cluster.md, "Create the federated identity credential" and "Create a Kubernetes service account".
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
# workload-identity-overview.md, "Pod labels": required on the pod template, which the team's own workload declares.
POD_LABEL = "azure.workload.identity/use"
# Microsoft.ManagedIdentity names: 3-128 letters, digits, hyphens and underscores, a letter or digit first
# (MicrosoftDocs/azure-docs articles/azure-resource-manager/management/resource-name-rules.md, Microsoft.ManagedIdentity).
_IDENTITY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,127}\Z")
# A ServiceAccount's name is a DNS-1123 subdomain (kubernetes/kubernetes pkg/apis/core/validation ValidateServiceAccountName).
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
_VAULT_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.KeyVault/vaults/[A-Za-z0-9-]{3,24}\Z", re.IGNORECASE
)


class KeyVaultRoleArgs(TypedDict):
    role_definition_id: pulumi.Input[str]
    """GUID of the role the identity gets on the vault, e.g. Key Vault Secrets User 4633458b-17de-408a-b874-0445c86b69e6."""
    vault_id: pulumi.Input[str]
    """Resource ID of the vault (with Azure RBAC authorization), the assignment's scope."""


class TeamIdentityArgs(TypedDict):
    namespace: pulumi.Input[str]
    """The namespace of the ServiceAccount; create it first and pass it (or what creates it) through depends_on."""
    service_account: pulumi.Input[str]
    """Name of the ServiceAccount the component creates there; the team's pods run as it."""
    identity_name: pulumi.Input[str]
    """Azure name of the user-assigned identity (3-128 letters, digits, hyphens, underscores)."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the identity."""
    location: pulumi.Input[str]
    """Region of the identity."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer URL (AksCluster.oidc_issuer_url): the issuer the credential trusts."""
    subscription_id: NotRequired[pulumi.Input[str]]
    """Subscription of the role definition; default the vault's own."""
    key_vault_role: NotRequired[KeyVaultRoleArgs]
    """A role for the identity on a Key Vault, as the team names it."""


def _identity_rules(values: Mapping[str, Any], fail: Fail) -> None:
    if "namespace" in values and (problem := namespace_problem(values["namespace"])):
        fail("namespace", f"{values['namespace']!r} {problem}")
    account = values.get("service_account")
    if isinstance(account, str) and not (len(account) <= 253 and _SUBDOMAIN.match(account)):
        fail("service_account", f"{account!r} is not a ServiceAccount name (DNS-1123 subdomain: lower case, digits, '-', '.')")
    name = values.get("identity_name")
    if isinstance(name, str) and not _IDENTITY_NAME.match(name):
        fail("identity_name", f"{name!r} is not a managed identity name (3-128 letters, digits, '-', '_', alphanumeric first)")
    issuer = values.get("oidc_issuer_url")
    if isinstance(issuer, str) and not issuer.startswith("https://"):
        fail("oidc_issuer_url", f"{issuer!r} is not an OIDC issuer URL (https://...)")


def _key_vault_rules(values: Mapping[str, Any], fail: Fail) -> None:
    role = values.get("key_vault_role")
    if not isinstance(role, Mapping):
        return
    definition = role.get("role_definition_id")
    if isinstance(definition, str) and (problem := guid_problem(definition)):
        fail("key_vault_role.role_definition_id", f"{problem} (the role's GUID, not its name)")
    vault = role.get("vault_id")
    if isinstance(vault, str) and not _VAULT_ID.match(vault):
        fail("key_vault_role.vault_id", f"{vault!r} is not a Key Vault resource ID (/subscriptions/.../Microsoft.KeyVault/vaults/NAME)")


def check_team_identity_args(name: str, args: Mapping[str, Any]) -> None:
    check = ArgsCheck("TeamIdentity", name, args, TeamIdentityArgs)
    if not check.incomplete:
        check.rule(("namespace", "service_account", "identity_name", "oidc_issuer_url"), _identity_rules)
        check.rule(("key_vault_role",), _key_vault_rules)
    check.done()


def _vault_subscription(vault_id: str) -> str:
    return vault_id.split("/")[2]


class TeamIdentity(pulumi.ComponentResource):
    """A namespace's workload identity: user-assigned identity, federated credential, annotated ServiceAccount, and
    optionally a Key Vault role. Pass the Kubernetes provider through `providers`, the namespace through `depends_on`."""

    client_id: pulumi.Output[str]
    """Client ID of the identity: what the ServiceAccount's annotation names and what a workload's SDK signs in as."""
    principal_id: pulumi.Output[str]
    """Object ID of the identity's service principal, for further role assignments."""
    identity_id: pulumi.Output[str]
    """Resource ID of the identity."""
    service_account: pulumi.Output[str]
    """namespace/name of the ServiceAccount."""

    def __init__(self, name: str, args: TeamIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("TeamIdentity"), name, None, opts)
        check_team_identity_args(name, args)
        child = child_options(self, opts)
        identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_group_name=args["resource_group_name"],
            resource_name_=args["identity_name"],
            location=args["location"],
            opts=child,
        )
        subject = pulumi.Output.concat("system:serviceaccount:", args["namespace"], ":", args["service_account"])
        credential = managedidentity.FederatedIdentityCredential(
            f"{name}-federated-credential",
            resource_group_name=args["resource_group_name"],
            resource_name_=identity.name,
            federated_identity_credential_resource_name=pulumi.Output.concat(args["namespace"], "-", args["service_account"]).apply(
                lambda text: text.replace(".", "-")  # credential names take letters, digits, '-' and '_'
            ),
            issuer=args["oidc_issuer_url"],
            subject=subject,
            audiences=[TOKEN_EXCHANGE_AUDIENCE],
            opts=child,
        )
        # Tokens are exchanged only once the credential exists: pods that start earlier fail their first sign-in.
        k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=args["service_account"],
                namespace=args["namespace"],
                annotations={CLIENT_ID_ANNOTATION: identity.client_id},
                labels=MANAGED_BY,
            ),
            opts=extended(child, depends_on=[credential]),
        )
        role = args.get("key_vault_role")
        if role is not None:
            subscription = args.get("subscription_id") or pulumi.Output.from_input(role["vault_id"]).apply(_vault_subscription)
            assign_role(
                f"{name}-key-vault-role",
                scope=role["vault_id"],
                role=role["role_definition_id"],
                subscription_id=subscription,
                principal_id=identity.principal_id,
                # As the CLI's --assignee-principal-type ServicePrincipal (workload-identity-deploy-cluster.md).
                principal_type="ServicePrincipal",
                opts=child,
            )
        self.client_id = identity.client_id
        self.principal_id = identity.principal_id
        self.identity_id = identity.id
        self.service_account = pulumi.Output.concat(args["namespace"], "/", args["service_account"])
        self.register_outputs(
            {
                "client_id": self.client_id,
                "principal_id": self.principal_id,
                "identity_id": self.identity_id,
                "service_account": self.service_account,
            }
        )
