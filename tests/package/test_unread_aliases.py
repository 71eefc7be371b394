"""The mock engine leaves the SDK's unread alias URNs uncomputed, and the monitor sees the same requests for it.

Source: pulumi/pulumi `sdk/python/lib/pulumi/resource.py` (`Resource.__init__` fills `_aliases` through
`collapse_alias_to_urn`) and `sdk/python/lib/pulumi/runtime/resource.py` (`prepare_aliases` sends specs when the
monitor supports RESOURCE_MONITOR_FEATURE_ALIAS_SPECS, and reads `_aliases` only through `all_aliases` otherwise), as
installed at the pinned pulumi==3.272.0.
"""

from __future__ import annotations

import contextlib
import inspect
import json
from typing import Any

import pulumi
import pulumi.resource as sdk_resource
import pytest
from pulumi.runtime import resource as sdk_runtime_resource
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.settings import SETTINGS
from pulumi_azure_native import resources

from aks_cilium.testing import ProgramRun, engine, run_callable
from aks_cilium.testing.unread_aliases import UNREAD
from offline.engine import run_program
from tests.support.stacks import RunStack, stack_config


def _requests(run: ProgramRun) -> list[str]:
    """Every request as the monitor recorded it, aliases and wire values included; dependencies as a set."""
    return sorted(
        json.dumps(
            {**r.as_json(), "dependencies": sorted(r.dependencies), "aliases": r.aliases, "wire": r.wire_inputs, "out": r.wire_outputs},
            sort_keys=True,
        )
        for r in run.registrations
    )


def _group_aliases(drop_alias_specs: bool = False) -> list[Any]:
    found: list[Any] = []

    def body() -> None:
        if drop_alias_specs:
            SETTINGS.monitor_features = SETTINGS.monitor_features - {resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS}
        group = resources.ResourceGroup("rg", resource_group_name="rg")
        found.extend(group._aliases)

    run_callable(body)
    return found


def test_the_sdk_still_reads_alias_urns_only_without_alias_specs() -> None:
    """If a new SDK read `_aliases` elsewhere, leaving them uncomputed would no longer be safe."""
    assert "collapse_alias_to_urn" in inspect.getsource(sdk_resource.Resource.__init__)
    assert "parent._aliases" in inspect.getsource(sdk_runtime_resource.all_aliases)
    prepare = inspect.getsource(sdk_runtime_resource.prepare_aliases)
    assert prepare.index("if supports_alias_specs:") < prepare.index("all_aliases(")


def test_azure_natives_version_aliases_get_no_urn_under_the_mock_monitor() -> None:
    aliases = _group_aliases()
    assert len(aliases) > 10, "azure-native gives a ResourceGroup one alias per API version"
    assert all(alias is UNREAD for alias in aliases)


def test_without_alias_specs_the_sdk_computes_them_as_before() -> None:
    aliases = _group_aliases(drop_alias_specs=True)
    assert aliases
    assert all(isinstance(alias, pulumi.Output) for alias in aliases)


def test_a_whole_stack_registers_the_same_with_and_without_the_urns(run_stack: RunStack) -> None:
    """dev's every request (its aliases, the engine's input to children's aliases, included) is the same either way.

    The run with them left uncomputed is the process's shared run of dev as committed (tests/conftest.py), which is
    what every other stack test reads; only the run that computes them is made here."""
    left_uncomputed = run_stack("dev")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "alias_urns_left_uncomputed", contextlib.nullcontext)
        computed = run_program(stack_config("dev"))
    assert _requests(left_uncomputed) == _requests(computed)
