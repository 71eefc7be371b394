"""The aks-cilium policy pack: `pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json`."""

import gc

from pulumi_policy import EnforcementLevel, PolicyPack
from rules.catalog import POLICIES

# A stack analysis converts every resource's properties into Python objects once per stack policy: millions of
# short-lived, acyclic objects that reference counting frees. Each young-generation collection scans them in vain, and
# at the default thresholds the collector's work grows faster than the stack. Collecting every million allocations
# keeps analysis linear (see docs/benchmarks.md) while cyclic garbage is still reclaimed.
gc.set_threshold(1_000_000, 20, 100)

PolicyPack(name="aks-cilium", policies=POLICIES, enforcement_level=EnforcementLevel.MANDATORY)
