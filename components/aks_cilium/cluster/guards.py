"""What guards a production cluster outside Pulumi's own state: a delete lock, and Defender's subscription plan.

`protect` only stops Pulumi (../shared/design/UPSTREAM.md, Pulumi engine "Protect"); a deletion from the portal or `az`
goes through. A CanNotDelete management lock is Azure's own guard: authorized users can still read and modify the
resource, not delete it (the `level` of Microsoft.Authorization/locks, API 2020-05-01, as pulumi-azure-native's
ManagementLockByScope documents it). Creating or removing a lock needs Microsoft.Authorization/locks/* (Owner or User
Access Administrator).

Defender for Containers reports only where its plan (`Microsoft.Security/pricings`, name `Containers`) is on for the
subscription. The plan is subscription-wide, shared by every stack there, so the component does not own it: with
`defender` on it reads the plan and refuses to go on while it is not Standard, naming the command that turns it on.
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization, security

LOCK_NAME = "aks-cilium-do-not-delete"
LOCK_NOTES = "Set by aks-cilium (deleteLock). Remove it on purpose before deleting the cluster: docs/deploying.md."
DEFENDER_PLAN = "Containers"


class DefenderPlanError(pulumi.RunError):
    """Defender for Containers is on for the cluster, but its subscription plan is not."""


def delete_lock(name: str, cluster_id: pulumi.Input[str], opts: pulumi.ResourceOptions) -> authorization.ManagementLockByScope:
    """A CanNotDelete lock at the cluster's scope; it also covers the cluster's child resources, its agent pools."""
    return authorization.ManagementLockByScope(
        name, scope=cluster_id, lock_name=LOCK_NAME, level="CanNotDelete", notes=LOCK_NOTES, opts=opts
    )


def defender_plan_check(subscription_id: pulumi.Input[str], parent: pulumi.Resource) -> pulumi.Output[str]:
    """The plan's tier, once it is Standard; otherwise the run fails with what to do (in preview too: invokes run there)."""
    pricing = security.get_pricing_output(
        pricing_name=DEFENDER_PLAN,
        scope_id=pulumi.Output.concat("subscriptions/", subscription_id),
        opts=pulumi.InvokeOutputOptions(parent=parent),
    )

    def standard(tier: str) -> str:
        if tier.lower() != "standard":
            raise DefenderPlanError(
                f"defender is on, but the subscription's Defender for Containers plan is {tier}: turn it on first with "
                "`az security pricing create -n Containers --tier standard` (docs/deploying.md, Prerequisites), or set defender false"
            )
        return tier

    return pricing.pricing_tier.apply(standard)
