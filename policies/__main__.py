"""The aks-cilium policy pack: `pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json`."""

import gc

from pulumi_policy import EnforcementLevel, PolicyPack
from rules.catalog import POLICIES

# A stack analysis builds a large tree of short-lived, acyclic objects (the stack's properties, once per stack policy);
# with the default thresholds the collector rescans it so often that the time grows faster than the stack does.
gc.set_threshold(50_000, 20, 100)

PolicyPack(name="aks-cilium", policies=POLICIES, enforcement_level=EnforcementLevel.MANDATORY)
