"""The aks-cilium policy pack: `pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json`."""

from pulumi_policy import EnforcementLevel, PolicyPack
from rules.catalog import POLICIES

PolicyPack(name="aks-cilium", policies=POLICIES, enforcement_level=EnforcementLevel.MANDATORY)
