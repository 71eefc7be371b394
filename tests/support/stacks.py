"""Stack runs for tests: a stack's real config with keys overridden, run through the mock engine."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import cache
from typing import Any

from aks_cilium.testing import ProgramRun
from offline.stack_config import StackConfig, load_stack_config, shipped_examples
from tests.support.tokens import RELEASE

RunStack = Callable[..., ProgramRun]


def stack_config(stack: str) -> StackConfig:
    """A stack's config as the CI plan reads it: its stack file, and the examples the repository ships for it (prod's).

    Read once per test process: reading Pulumi.yaml and the stack file as the CLI does costs about 0.1 CPU-s, no test
    edits the project's files, and the environment matters only for encrypted values, which no committed file holds.
    Each caller gets its own `values` map (the rest is immutable)."""
    read = _read_stack_config(stack)
    return replace(read, values=dict(read.values))


@cache
def _read_stack_config(stack: str) -> StackConfig:
    return load_stack_config(stack, examples=shipped_examples(stack))


def declared_namespaces(stack: str) -> dict[str, dict[str, Any]]:
    """The stack file's `aks-cilium:namespaces` as written (an empty namespace as {}): what tests derive plans from."""
    declared = json.loads(stack_config(stack).values["aks-cilium:namespaces"])
    return {name: entry or {} for name, entry in declared.items()}


def example_keys(config: StackConfig) -> frozenset[str]:
    """The keys (without prefix) that hold shipped examples, as `load_settings` takes them."""
    return frozenset(key.split(":", 1)[1] for key in config.example_keys)


# What a shared stack must set (stack_settings/deploy_rules.py), as real-looking values: for tests that run the dev
# config under another stack name.
SHARED_STACK_VALUES = {
    "apiServerAuthorizedIpRanges": '["40.74.28.0/24"]',
    "adminGroupObjectIds": '["6f1e2d3c-4b5a-4697-8a8b-9c0d1e2f3a4b"]',
    "deployerPrincipals": '["ServicePrincipal:7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"]',
}


def with_overrides(config: StackConfig, overrides: Mapping[str, str], secrets: tuple[str, ...] = ()) -> StackConfig:
    """`config` with keys (without prefix) replaced; `secrets` marks keys as set with --secret."""
    values = {**config.values, **{f"{config.project}:{key}": value for key, value in overrides.items()}}
    secret_keys = (*config.secret_keys, *(f"{config.project}:{key}" for key in secrets))
    # A key set here is no example any more: the program judges it as a real value.
    examples = tuple(key for key in config.example_keys if key.split(":", 1)[1] not in overrides)
    return StackConfig(config.project, config.stack, values, secret_keys, config.type_problems, config.project_dir, examples)


# prod runs Azure's Cilium; with these overrides its pools and names install the Helm release instead, so the chart
# is also proven at prod's pool sizes.
PROD_AS_BYOCNI = {"networkMode": "byocni", "advancedNetworkingObservability": "false", "advancedNetworkingSecurity": "false"}


def release_values(run_stack: RunStack, stack: str = "dev", **overrides: str) -> dict[str, Any]:
    values: dict[str, Any] = run_stack(stack, **overrides).one(RELEASE).inputs["values"]
    return values
