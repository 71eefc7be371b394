"""Reading resource properties totally: a missing key is absent, a value of the wrong type is `MalformedError`, never a crash.

The engine's values arrive wrapped in read-only proxies (`Mapping` and `Sequence`, not dict and list), and reading an
unknown value raises the SDK's `UnknownValueError`, which must reach the SDK so that a preview reports it as advisory.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any


class MalformedError(Exception):
    """A property the rule needs has a type the rule cannot judge; the rule reports "cannot verify" instead."""

    def __init__(self, path: str, expected: str, value: Any) -> None:
        self.path = path
        super().__init__(f"cannot verify: {path} is {_kind(value)}, expected {expected}; fix the resource's properties")


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, Sequence):
        return "a list"
    return "null" if value is None else type(value).__name__


def is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _joined(where: str, path: Sequence[str]) -> str:
    return ".".join([where, *path] if where else path) or "the properties"


def dig(props: Any, *path: str, where: str = "") -> Any:
    """The value at `path`, or None when a key is missing; an object on the way that is not an object is MalformedError.

    `where` is the path of `props` itself within the resource, for the message.
    """
    node = props
    walked: list[str] = []
    for key in path:
        if node is None:
            return None
        if not isinstance(node, Mapping):
            raise MalformedError(_joined(where, walked), "an object", node)
        walked.append(key)
        node = node.get(key)
    return node


def mapping_at(props: Any, *path: str, where: str = "") -> Mapping[str, Any]:
    """The object at `path`; empty when absent."""
    value = dig(props, *path, where=where)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedError(_joined(where, path), "an object", value)
    return value


def list_at(props: Any, *path: str, where: str = "") -> Sequence[Any]:
    """The list at `path`; empty when absent."""
    value = dig(props, *path, where=where)
    if value is None:
        return []
    if not is_list(value):
        raise MalformedError(_joined(where, path), "a list", value)
    return value


def mappings_in(items: Sequence[Any], path: str) -> list[Mapping[str, Any]]:
    """Every item of a list of objects; an item that is not an object is MalformedError."""
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise MalformedError(f"{path}[{index}]", "an object", item)
    return list(items)


def str_at(props: Any, *path: str, where: str = "") -> str | None:
    """The string at `path`, or None when absent."""
    value = dig(props, *path, where=where)
    if value is None or isinstance(value, str):
        return value
    raise MalformedError(_joined(where, path), "a string", value)


def as_network(text: Any) -> ipaddress.IPv4Network | None:
    if not isinstance(text, str):
        return None
    try:
        return ipaddress.IPv4Network(text, strict=True)
    except ValueError:
        return None
