"""Stack runs for tests: a stack's real config with keys overridden, run through the mock engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aks_cilium.testing import ProgramRun
from offline.stack_config import StackConfig
from tests.support.tokens import RELEASE

RunStack = Callable[..., ProgramRun]


def with_overrides(config: StackConfig, overrides: Mapping[str, str], secrets: tuple[str, ...] = ()) -> StackConfig:
    """`config` with keys (without prefix) replaced; `secrets` marks keys as set with --secret."""
    values = {**config.values, **{f"{config.project}:{key}": value for key, value in overrides.items()}}
    secret_keys = (*config.secret_keys, *(f"{config.project}:{key}" for key in secrets))
    return StackConfig(config.project, config.stack, values, secret_keys)


# prod runs Azure's Cilium; with these overrides its pools and names install the Helm release instead, so the chart
# is also proven at prod's pool sizes.
PROD_AS_BYOCNI = {"networkMode": "byocni", "advancedNetworkingObservability": "false", "advancedNetworkingSecurity": "false"}


def release_values(run_stack: RunStack, stack: str = "dev", **overrides: str) -> dict[str, Any]:
    values: dict[str, Any] = run_stack(stack, **overrides).one(RELEASE).inputs["values"]
    return values
