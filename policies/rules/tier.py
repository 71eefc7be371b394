"""The stack's tier, `dev` or `prod`, as the stack declares it (`aks-cilium:tier`), never from the stack's name.

The engine starts a policy pack with the stack's configuration in `PULUMI_CONFIG`, a JSON object of full keys to values
(`pulumi/pulumi` `pkg/resource/plugin/analyzer_plugin.go`, `constructEnv` and `constructConfig`), the way it passes
config to a program; pulumi-policy reads the same variable (`pulumi_policy/policy.py`, `_configure_runtime_settings`).
The engine merges `Pulumi.yaml`'s defaults into that config first (`pkg/workspace/config.go` `mergeConfig`, applied
by `pulumi preview` and `pulumi up` before `pkg/engine/update.go` decrypts it into the analyzer's options), so a stack
that sets no tier arrives with Pulumi.yaml's default, prod. A config without the key at all, or with a tier the pack
does not know, is held to prod's levels too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

DEV, PROD = "dev", "prod"
TIERS = (DEV, PROD)
TIER_KEY = "aks-cilium:tier"


def stack_tier(environ: Mapping[str, str] = os.environ) -> str:
    try:
        config = json.loads(environ.get("PULUMI_CONFIG") or "{}")
    except ValueError:
        return PROD
    tier = config.get(TIER_KEY) if isinstance(config, dict) else None
    return tier if tier in TIERS else PROD
