"""Pulumi's YAML files read the way the Pulumi CLI reads them, not the way PyYAML would.

The CLI decodes `Pulumi.yaml` and `Pulumi.<stack>.yaml` with Go's `gopkg.in/yaml.v3`. What that means here:
- A duplicated mapping key is an error (yaml.v3 `decode.go`: "mapping key ... already defined at line ...").
- Plain scalars resolve as yaml.v3 `resolve.go` resolves them: only `true`/`false` (three spellings) are booleans,
  so `yes`, `on`, `y` are strings; `~`/`null`/empty are null; integers are what Go's `strconv.ParseInt(s, 0, 64)`
  accepts after removing `_` (so `0x1f`, `0o17` and, for compatibility with YAML 1.1, `017` are integers);
  floats match yaml.v3's `yamlStyleFloat`; `2024-01-01`-like plain scalars are timestamps.
- A stack's config value is decoded first as a Go string (`sdk/go/common/resource/config/value.go`
  `unmarshalValue`), and yaml.v3 decodes any scalar into a string as its text: so the program receives a top-level
  scalar exactly as written (`0300` stays "0300", `yes` stays "yes"). Lists and maps are decoded as objects (with
  the resolution above) and handed over as JSON.

This module parses with PyYAML's composer (syntax only; its YAML 1.1 tag resolution is not used) and resolves every
plain scalar itself. Anything the CLI would reject or read differently from what a reader expects is a
`StackFileError` naming the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


class StackFileError(Exception):
    """A Pulumi YAML file the CLI would not read, or would read differently; the message names file and line."""


@dataclass(frozen=True)
class Located:
    """A decoded value with the line (1-based) it starts on."""

    value: Any
    line: int
    text: str | None
    """The scalar's source text, as the CLI hands a top-level stack config value to the program; None for lists/maps."""


# yaml.v3 resolve.go: resolveMapList (booleans and nulls), yamlStyleFloat, and the timestamp formats it tries.
_BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULLS = {"", "~", "null", "Null", "NULL"}
_SPECIAL_FLOATS = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"}
_YAML_STYLE_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?$")
# Go's strconv.ParseInt with base 0: optional sign, then 0x/0o/0b prefixes or a leading 0 (octal), else decimal.
_GO_INT = re.compile(r"^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$")


class Timestamp(str):
    """A plain scalar yaml.v3 decodes as a time.Time, not a string; kept as its text to be refused where it matters."""


def _go_int(text: str) -> int | None:
    plain = text.replace("_", "")
    if not _GO_INT.match(plain):
        return None
    sign = -1 if plain.startswith("-") else 1
    digits = plain.lstrip("+-")
    if len(digits) > 1 and digits[0] == "0" and digits[1] not in "xXoObB":
        return sign * int(digits, 8)
    return sign * int(digits, 0)


def resolve_plain(text: str) -> Any:
    """One plain (unquoted) scalar as yaml.v3 resolves it."""
    if text in _NULLS:
        return None
    if text in _BOOLEANS:
        return _BOOLEANS[text]
    if text in _SPECIAL_FLOATS:
        return float(text.replace(".", "").lower())  # "+inf", "-inf", "inf", "nan"
    if text[:1] in "+-0123456789.":
        if _TIMESTAMP.match(text):
            return Timestamp(text)
        number = _go_int(text)
        if number is not None:
            return number
        if _YAML_STYLE_FLOAT.match(text.replace("_", "")):
            return float(text.replace("_", ""))
    return text


class StackYaml:
    """One YAML file, decoded as the CLI decodes it; every problem raises StackFileError with file and line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            raise StackFileError(f"{self.name}:{line}: not valid UTF-8 (byte {error.start}); save the file as UTF-8") from None
        try:
            self.root: Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            where = f"{self.name}:{mark.line + 1}" if mark else self.name
            raise StackFileError(f"{where}: not valid YAML: {error.problem or error.context}") from None
        except yaml.YAMLError as error:
            raise StackFileError(f"{self.name}: not valid YAML: {error}") from None

    def fail(self, node: Node, problem: str) -> StackFileError:
        return StackFileError(f"{self.name}:{node.start_mark.line + 1}: {problem}")

    def is_null(self, node: Node | None) -> bool:
        return node is None or (isinstance(node, ScalarNode) and not node.style and resolve_plain(node.value) is None)

    def mapping(self, node: Node | None, what: str) -> dict[str, tuple[Node, Node]]:
        """A mapping's string keys -> (key node, value node); refuses duplicates and keys that are not strings."""
        if node is None or self.is_null(node):
            return {}
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"{what} must be a map of key: value, not a {_kind(node)}")
        entries: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = self.decode(key_node)
            if not isinstance(key, str) or isinstance(key, Timestamp):
                raise self.fail(key_node, f"the key {_show(key_node)} in {what} is not a string; quote it")
            if key in entries:
                first = entries[key][0].start_mark.line + 1
                raise self.fail(key_node, f"duplicated key {key!r} in {what} (first at line {first}); keep one")
            entries[key] = (key_node, value_node)
        return entries

    def decode(self, node: Node) -> Any:
        """A value as yaml.v3 decodes it into an interface{} (the CLI's object path)."""
        if isinstance(node, ScalarNode):
            return node.value if node.style else resolve_plain(node.value)
        if isinstance(node, SequenceNode):
            return [self.decode(item) for item in node.value]
        return {key: self.decode(value) for key, (_, value) in self.mapping(node, "a map").items()}

    def config_value(self, node: Node, key: str) -> Located:
        """A stack config value: a scalar's text as written, a list or map as its decoded object."""
        line = node.start_mark.line + 1
        if isinstance(node, ScalarNode):
            value = node.value if node.style else resolve_plain(node.value)
            # yaml.v3 leaves a Go string empty when it decodes a null into it.
            return Located(value, line, "" if value is None else node.value)
        value = self.decode(node)
        for path, item in _walk(value):
            if isinstance(item, Timestamp):
                raise self.fail(
                    node,
                    f"{key}{path}: {item} is a date/time to YAML, which the CLI would pass as a timestamp; quote it",
                )
        return Located(value, line, None)


def _walk(value: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, list):
        return [pair for index, item in enumerate(value) for pair in _walk(item, f"{path}[{index}]")]
    if isinstance(value, dict):
        return [pair for key, item in value.items() for pair in _walk(item, f"{path}.{key}")]
    return [(path, value)]


def _kind(node: Node) -> str:
    return {ScalarNode: "single value", SequenceNode: "list", MappingNode: "map"}[type(node)]


def _show(node: Node) -> str:
    return repr(node.value) if isinstance(node, ScalarNode) else f"({_kind(node)})"
