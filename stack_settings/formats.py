"""Shape checks for single config values, each returning a problem (without the value, which the reader prepends).

The rules themselves are the library's, beside the component that needs them; `bare` adapts one whose message starts
with the value. Only the name prefix is the program's own: it shapes every Azure name of the stack.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aks_cilium.cluster.rules import guid_problem
from aks_cilium.cluster.versions import minor_of

_AZURE_NAME_PREFIX = re.compile(r"^[a-z][a-z0-9-]{0,17}[a-z0-9]\Z|^[a-z]\Z")


def bare(problem: Callable[[str], str | None]) -> Callable[[str], str | None]:
    """A library rule whose message starts with the value, for the reader, which names the value itself."""

    def check(value: str) -> str | None:
        found = problem(value)
        return found.removeprefix(f"{value!r} ") if found else None

    return check


def kubernetes_version(value: str) -> str | None:
    """The shape only (the library's one pattern); whether AKS still creates clusters on it is the version policy's."""
    return None if minor_of(value) else "is not a Kubernetes version (1.<minor> or 1.<minor>.<patch>)"


def optional_guid(value: str) -> str | None:
    return None if value == "" else bare(guid_problem)(value)


def name_prefix(value: str) -> str | None:
    if _AZURE_NAME_PREFIX.match(value):
        return None
    return "must be 1-19 lower-case letters, digits or hyphens, starting with a letter"
