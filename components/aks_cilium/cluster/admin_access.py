"""Who may use an AKS cluster's Kubernetes API: "Azure Kubernetes Service RBAC Cluster Admin" at the cluster's scope.

With Entra ID, Azure RBAC and local accounts off, nobody reaches the API until a data-plane role is assigned; Owner and
Contributor carry no data actions (MicrosoftDocs/azure-aks-docs tutorial-kubernetes-deploy-cluster.md,
automatic/quick-automatic-custom-network.md).
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

from aks_cilium.cluster.role_assignments import AKS_RBAC_CLUSTER_ADMIN, assign_role


def default_deployer_type(deploy_login_mode: str) -> str:
    """Who runs pulumi up when not told: a person after az login (azurecli), a service principal in every other mode."""
    return "User" if deploy_login_mode == "azurecli" else "ServicePrincipal"


def grant_cluster_admin(
    name: str,
    *,
    cluster_id: pulumi.Input[str],
    subscription_id: pulumi.Input[str],
    deployers: list[tuple[pulumi.Input[str], str]],
    admin_groups: list[pulumi.Input[str]],
    opts: pulumi.ResourceOptions,
) -> list[authorization.RoleAssignment]:
    """Each deployer (object ID, principal type) and each admin group, in that order.

    The first deployer keeps the name the single deployer of earlier versions had, so a stack that pins the principal
    it already deployed with sees no change.
    """
    grants = [
        assign_role(
            f"{name}-deployer-cluster-admin" if index == 0 else f"{name}-deployer-{index}-cluster-admin",
            scope=cluster_id,
            role=AKS_RBAC_CLUSTER_ADMIN,
            subscription_id=subscription_id,
            principal_id=object_id,
            principal_type=principal_type,
            opts=opts,
        )
        for index, (object_id, principal_type) in enumerate(deployers)
    ]
    grants += [
        assign_role(
            f"{name}-admin-group-{index}-cluster-admin",
            scope=cluster_id,
            role=AKS_RBAC_CLUSTER_ADMIN,
            subscription_id=subscription_id,
            principal_id=group,
            principal_type="Group",
            opts=opts,
        )
        for index, group in enumerate(admin_groups)
    ]
    return grants
