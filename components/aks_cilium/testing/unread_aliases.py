"""Alias URNs the SDK computes and nothing reads, left uncomputed during a mock run.

`pulumi.Resource.__init__` (pulumi==3.272.0, pulumi/pulumi `sdk/python/lib/pulumi/resource.py`) turns every alias in
a resource's options into a URN Output at once (`collapse_alias_to_urn`) and keeps them as `_aliases`. Their only
reader is `pulumi.runtime.resource.all_aliases`, which `prepare_aliases` calls only when the monitor lacks
RESOURCE_MONITOR_FEATURE_ALIAS_SPECS: with it (the mock monitor's `GetDeploymentInfo` lists it), the request carries
each alias as a spec built from the option itself, and the engine derives the children's aliases (pulumi/pulumi#11064,
"Delegate alias computation to the engine", and #11983). The eager URNs stayed for older engines.

pulumi-azure-native gives every resource one alias per API version it has existed in (a ManagedCluster 113), so those
unread URNs, a handful of Outputs and tasks each, were half of a dev run's CPU and two thirds of prod's. The request
the monitor records is the same either way (tests/package/test_unread_aliases.py compares whole runs).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pulumi
import pulumi.resource as sdk_resource
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.settings import monitor_supports_feature


class _Unread:
    """What stands in `Resource._aliases` for a URN nobody reads."""

    def __repr__(self) -> str:
        return "<alias URN not computed: the monitor takes alias specs>"


UNREAD = _Unread()


def _cannot_fail(alias: Any) -> bool:
    """An alias of a type token alone, as azure-native's and this library's are: the SDK's worker raises only for a
    missing name or type, and a name left out is the resource's own, so computing this URN could not fail the run."""
    return (
        isinstance(alias, pulumi.Alias)
        and isinstance(alias.type_, str)
        and all(field is ... for field in (alias.name, alias.parent, alias.stack, alias.project))
    )


@contextmanager
def alias_urns_left_uncomputed() -> Iterator[None]:
    """For the duration of a run: type-only aliases get no eager URN while the monitor takes alias specs."""
    sdk_collapse = sdk_resource.collapse_alias_to_urn

    def collapse(alias: Any, name: str, type_: str, parent: pulumi.Resource | None) -> Any:
        if _cannot_fail(alias) and monitor_supports_feature(resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS):
            return UNREAD
        return sdk_collapse(alias, name, type_, parent)

    sdk_resource.collapse_alias_to_urn = collapse  # type: ignore[assignment]
    try:
        yield
    finally:
        sdk_resource.collapse_alias_to_urn = sdk_collapse  # type: ignore[assignment]
