"""The retired access wait's provider, kept so that stacks created with 0.2 can update and delete its resource.

Up to 0.2 the wait was a dynamic resource (`pulumi-python:dynamic/aks_cilium:KubernetesAccessGate`). Its state holds
the provider pickled by reference to this module and class (dill's by-reference form: module and qualified name), and
the engine's dynamic provider unpickles it for every diff, update, read and delete of that resource (pulumi/pulumi
sdk/python/lib/pulumi/dynamic/__main__.py, `get_provider`). The first `pulumi up` with this version creates the new
wait (a pulumi-command resource, aks_cilium/cluster/access_wait.py) and deletes the old resource through this class, in
the program's Python as before. Nothing registers the old resource any more, so none of these methods waits.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import DiffResult, ResourceProvider, UpdateResult


class _GateProvider(ResourceProvider):
    """Deletes and refreshes the old wait's resource; an update keeps what the state says."""

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=olds.get("assignments") != news.get("assignments"))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs={"assignments": news.get("assignments")})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """The old wait created nothing outside Pulumi's state: there is nothing to remove."""


__all__ = ["_GateProvider"]
