"""Pulumi's YAML files read the way the Pulumi CLI reads them, not the way PyYAML would.

The CLI decodes `Pulumi.yaml` and `Pulumi.<stack>.yaml` with Go's `gopkg.in/yaml.v3` (v3.0.1, `pulumi/pulumi`
`sdk/go.mod`) into untyped values (`sdk/go/common/workspace/loaders.go` `LoadProjectStackBytes`). What that means here:
- A duplicated mapping key is an error (yaml.v3 `decode.go`, `decoder.mapping`: "mapping key ... already defined at
  line ...").
- Plain scalars resolve as yaml.v3 `resolve.go` resolves them: only `true`/`false` (three spellings) are booleans,
  so `yes`, `on`, `y` are strings; `~`/`null`/empty are null; integers are what Go's `strconv.ParseInt(s, 0, 64)`
  (then `ParseUint`) accepts after removing `_` (so `0x1f`, `0o17` and, for compatibility with YAML 1.1, `017` are
  integers); floats match yaml.v3's `yamlStyleFloat`; `2024-01-01`-like plain scalars are timestamps.
- A stack config value is that decoded value turned into the string the program receives by
  `sdk/go/common/resource/config/object.go` (`unmarshalObject`, `MarshalString`): a string as is; a boolean or
  number as Go's `encoding/json` writes it (`True` is "true", `1e3` is "1000", `0x1f` is "31"); a list or map as
  compact JSON with sorted keys; a null as "" (yaml.v3 `decoder.prepare` calls no unmarshaler for a null node).
  yaml.v3 would keep a scalar's text only when decoding into a Go string, which
  the CLI has not done since `pulumi/pulumi#13814` (2023) replaced `value.go` `unmarshalValue` with that object model.

- Aliases are bounded as yaml.v3 bounds them (`decode.go`, `decoder.unmarshal` and `decoder.alias`): every node
  decoded counts, nodes decoded through an alias count as aliased, and once more than 100 aliased and 1,000 nodes
  are decoded, an aliased share above `allowedAliasRatio` (99% up to 400,000 nodes, falling to 10% at 4,000,000) is
  "document contains excessive aliasing"; an alias inside its own anchor is "anchor ... value contains itself".

This module parses with PyYAML's composer (syntax only; its YAML 1.1 tag resolution is not used) and resolves every
plain scalar itself. Anything the CLI would reject, or would read differently from what a reader expects (a
leading-zero integer is octal, a date becomes Go's time text), is a `StackFileError` naming the file and line.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# yaml.v3 decode.go: alias_ratio_range_low, alias_ratio_range_high.
_ALIAS_RATIO_LOW, _ALIAS_RATIO_HIGH = 400_000, 4_000_000


def allowed_alias_ratio(decode_count: int) -> float:
    """yaml.v3 `allowedAliasRatio`."""
    if decode_count <= _ALIAS_RATIO_LOW:
        return 0.99
    if decode_count >= _ALIAS_RATIO_HIGH:
        return 0.10
    return 0.99 - 0.89 * ((decode_count - _ALIAS_RATIO_LOW) / (_ALIAS_RATIO_HIGH - _ALIAS_RATIO_LOW))


class StackFileError(Exception):
    """A Pulumi YAML file the CLI would not read, or would read differently; the message names file and line."""


@dataclass(frozen=True)
class Located:
    """A decoded value with the line (1-based) it starts on."""

    value: Any
    line: int
    text: str
    """The string the CLI hands the program for this value (`config/object.go` `MarshalString`)."""
    is_object: bool
    """Whether the CLI marks the value as an object (a list or map), handed over as JSON."""


# yaml.v3 resolve.go: resolveMapList (booleans and nulls), yamlStyleFloat, and the timestamp formats it tries.
_BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULLS = {"", "~", "null", "Null", "NULL"}
_SPECIAL_FLOATS = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"}
_YAML_STYLE_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?\Z")
# Go's strconv.ParseInt with base 0: optional sign, then 0x/0o/0b prefixes or a leading 0 (octal), else decimal.
_GO_INT = re.compile(r"^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)\Z")


class Timestamp(str):
    """A plain scalar yaml.v3 decodes as a time.Time, not a string; kept as its text to be refused where it matters."""


def _go_int(text: str) -> int | None:
    plain = text.replace("_", "")
    if not _GO_INT.match(plain):
        return None
    sign = -1 if plain.startswith("-") else 1
    digits = plain.lstrip("+-")
    legacy_octal = len(digits) > 1 and digits[0] == "0" and digits[1] not in "xXoObB"
    number = sign * int(digits, 8 if legacy_octal else 0)
    # ParseInt(s, 0, 64), then ParseUint(s, 0, 64); beyond both, yaml.v3 tries the float syntax.
    return number if -(2**63) <= number < 2**64 else None


def is_legacy_octal(text: str) -> bool:
    """`0300`: an integer to yaml.v3 (Go's ParseInt base 0 reads a leading 0 as octal, 192 here)."""
    digits = text.replace("_", "").lstrip("+-")
    return len(digits) > 1 and digits[0] == "0" and digits[1] not in "xXoObB" and _go_int(text) is not None


def go_json(value: Any) -> str:
    """`encoding/json.Marshal` of a decoded value, as the CLI stores an object config value: compact, map keys sorted,
    `<`, `>`, `&` escaped, and floats as Go writes them (`floatEncoder`: shortest digits, exponent form only below
    1e-6 or from 1e21, `e-07` cleaned to `e-7`). NaN and infinities are refused by Go (`UnsupportedValueError`)."""
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, list):
        return "[" + ",".join(go_json(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{go_json(key)}:{go_json(value[key])}" for key in sorted(value)) + "}"
    text = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
            text = text.replace(char, escaped)
    return text


def _go_float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"json: unsupported value: {value}")
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value)) if value or math.copysign(1, value) > 0 else "-0"
    if value != 0 and (abs(value) < 1e-6 or abs(value) >= 1e21):
        text = repr(value)  # Python's shortest digits, already in exponent form in these ranges
        return re.sub(r"e-0(\d)$", r"e-\1", text)
    return format(Decimal(repr(value)), "f")  # positional, from the same shortest digits


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


@lru_cache(maxsize=32)
def _compose(text: str) -> Node | None:
    """PyYAML's node tree of one file's text. Every stack load reads Pulumi.yaml, whose pure-Python compose is most of
    a load's cost; the tree is kept per text (the decoder only reads nodes), so an edited file is composed anew, and a
    text that fails raises every time (exceptions are not cached)."""
    return yaml.compose(text, Loader=yaml.SafeLoader)


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
        # yaml.v3's decoder state for the one document: nodes decoded, those decoded through an alias, the alias
        # depth, the nodes being decoded now (a node met again is an alias: PyYAML's composer shares the anchor's node).
        self._decoded = 0
        self._aliased = 0
        self._alias_depth = 0
        self._open: set[int] = set()
        self._seen: set[int] = set()
        try:
            self.root: Node | None = _compose(text)
        except RecursionError:
            raise StackFileError(f"{self.name}: not valid YAML: nesting too deep; flatten the value") from None
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
        """A value as yaml.v3 decodes it into an interface{} (the CLI's object path), aliases bounded as it bounds them."""
        if id(node) in self._seen:  # an alias: yaml.v3 counts the alias node, then decodes its anchor's node under it
            self._count()
            if id(node) in self._open:
                raise self.fail(node, "not valid YAML: an anchor's value contains an alias of itself; remove the alias")
            self._alias_depth += 1
            try:
                return self._decode(node)
            finally:
                self._alias_depth -= 1
        self._seen.add(id(node))
        return self._decode(node)

    def _count(self) -> None:
        self._decoded += 1
        if self._alias_depth > 0:
            self._aliased += 1
        if self._aliased > 100 and self._decoded > 1000 and self._aliased / self._decoded > allowed_alias_ratio(self._decoded):
            raise StackFileError(
                f"{self.name}: not valid YAML: document contains excessive aliasing (the Pulumi CLI's YAML parser refuses it)"
            )

    def _decode(self, node: Node) -> Any:
        self._count()
        self._open.add(id(node))
        try:
            return self._decode_node(node)
        finally:
            self._open.discard(id(node))

    def _decode_node(self, node: Node) -> Any:
        if isinstance(node, ScalarNode):
            return node.value if node.style else resolve_plain(node.value)
        if isinstance(node, SequenceNode):
            return [self.decode(item) for item in node.value]
        return {key: self.decode(value) for key, (_, value) in self.mapping(node, "a map").items()}

    def config_value(self, node: Node, key: str) -> Located:
        """A stack config value as the CLI hands it to the program (`config/object.go` `unmarshalObject` then
        `MarshalString`): a string as is, a boolean or number as JSON text, a list or map as a JSON object, a null as ""."""
        line = node.start_mark.line + 1
        value = self.decode(node)
        for path, item in _walk(value):
            if isinstance(item, Timestamp):
                raise self.fail(node, f"{key}{path}: {item} is a date/time to YAML, which the CLI would pass as Go's time text; quote it")
            if isinstance(item, float) and not math.isfinite(item):
                raise self.fail(node, f"{key}{path}: {item} cannot be written as JSON, so the CLI refuses it; quote it")
        for path, text in _plain_scalars(node):
            if is_legacy_octal(text):
                raise self.fail(
                    node,
                    f"{key}{path}: the CLI reads {text} as the octal number {_go_int(text)}; "
                    "write the number without leading zeros, or quote it",
                )
        if value is None:
            # yaml.v3 calls no unmarshaler for a null node (`decoder.prepare`), so the map keeps a zero config.Value: "".
            return Located(value, line, "", is_object=False)
        if isinstance(value, str):
            return Located(value, line, value, is_object=False)
        if isinstance(value, bool | int | float):
            return Located(value, line, go_json(value), is_object=False)
        return Located(value, line, go_json(value), is_object=True)


def _plain_scalars(node: Node, path: str = "") -> list[tuple[str, str]]:
    if isinstance(node, ScalarNode):
        return [] if node.style else [(path, node.value)]
    if isinstance(node, SequenceNode):
        return [pair for index, item in enumerate(node.value) for pair in _plain_scalars(item, f"{path}[{index}]")]
    if isinstance(node, MappingNode):
        return [pair for key, item in node.value for pair in _plain_scalars(item, f"{path}.{key.value}")]
    return []


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
