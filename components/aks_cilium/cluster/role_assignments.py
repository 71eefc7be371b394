"""Azure role assignments the cluster needs: built-in role IDs and one way to assign them."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

# Built-in role definition IDs, the same in every subscription.
# Grants every Kubernetes data action at its scope; Owner and Contributor grant none (quick-automatic-custom-network.md).
AKS_RBAC_CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"
# What a cluster identity needs on a subnet it is given (use-byo-cni.md, configure-kubenet.md).
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"


def role_definition_id(subscription_id: pulumi.Input[str], role: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.concat("/subscriptions/", subscription_id, "/providers/Microsoft.Authorization/roleDefinitions/", role)


def assign_role(
    name: str,
    *,
    scope: pulumi.Input[str],
    role: pulumi.Input[str],
    subscription_id: pulumi.Input[str],
    principal_id: pulumi.Input[str],
    principal_type: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> authorization.RoleAssignment:
    """`principal_type` always given: the SDK would send User for a service principal too."""
    return authorization.RoleAssignment(
        name,
        scope=scope,
        role_definition_id=role_definition_id(subscription_id, role),
        principal_id=principal_id,
        principal_type=principal_type,
        opts=opts,
    )
