"""Typed access to raw config strings, collecting every problem instead of stopping at the first.

Pulumi hands a program its config as strings (arrays as JSON); this turns them into Python values.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from aks_cilium.network.rules import address_problem, cidr_problem

from .errors import ConfigError, ConfigProblem
from .redaction import Redactor

T = TypeVar("T")


class ConfigReader:
    """Reads keys of one project namespace; `problems` accumulates what is wrong."""

    def __init__(self, raw: Mapping[str, str], secret_keys: frozenset[str] = frozenset()) -> None:
        self._raw = raw
        self._secret_keys = secret_keys
        self._redact = Redactor(raw[key] for key in sorted(secret_keys) if key in raw)
        self.problems: list[ConfigProblem] = []
        self.read_keys: set[str] = set()
        self.unreadable: set[str] = set()
        """Keys whose value could not be read: rules across keys that read them are not judged (their value is a stand-in)."""
        self.reading = True

    def fail(self, key: str, problem: str, example: str, path: str = "", involves: tuple[str, ...] = (), unit: str = "") -> None:
        """Record a problem with `key` (at `path` inside its value); `involves` names the other keys (or units) the rule
        read. While reading, `unit` is what becomes unreadable: the whole key by default, or one item of its value
        (`namespaces.client`) whose siblings still read well, so the rules over those still run.

        Messages are printed: every rendering of every secret value is redacted (stack_settings/redaction.py).
        """
        if self.reading:
            self.unreadable.add(unit or key)
        elif {key, *involves} & self.unreadable:
            return  # judged on a stand-in value: the key's own problem already says what to fix
        self.problems.append(ConfigProblem(key, self._redact(problem), self._redact(example), path))

    def raise_if_failed(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)

    def unknown_keys(self) -> list[str]:
        return sorted(set(self._raw) - self.read_keys)

    def _text(self, key: str, example: str) -> str | None:
        self.read_keys.add(key)
        if key not in self._raw:
            self.fail(key, "is not set (declare it with a default in Pulumi.yaml)", example)
            return None
        return self._raw[key]

    def undeclared(self, key: str) -> str | None:
        """The raw text of a key Pulumi.yaml cannot declare (structured config), None when the stack does not set it."""
        self.read_keys.add(key)
        return self._raw.get(key)

    def string(self, key: str, example: str, check: Callable[[str], str | None] | None = None) -> str:
        text = self._text(key, example)
        if text is None:
            return example
        value = text.strip()
        problem = check(value) if check else None
        if problem:
            self.fail(key, f"{value!r} {problem}", example)
        return value

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        def check(value: str) -> str | None:
            return None if value in choices else f"is not one of {', '.join(choices)}"

        return self.string(key, choices[0], check)

    def boolean(self, key: str) -> bool:
        text = self._text(key, "true")
        if text is None:
            return False
        lowered = text.strip().lower()
        if lowered not in ("true", "false"):
            self.fail(key, f"{text!r} is not a boolean (true or false)", "true")
            return False
        return lowered == "true"

    def integer(self, key: str, lowest: int, highest: int, example: str) -> int:
        text = self._text(key, example)
        if text is None:
            return lowest
        try:
            value = int(text.strip())
        except ValueError:
            self.fail(key, f"{text!r} is not a whole number", example)
            return lowest
        if not lowest <= value <= highest:
            self.fail(key, f"{value} is outside {lowest}..{highest}", example)
            return lowest
        return value

    def string_list(self, key: str, example: str, check: Callable[[str], str | None] | None = None) -> tuple[str, ...]:
        """A list of strings; a bad item is reported at its index, with `example` as the value that fixes it."""
        text = self._text(key, example)
        if text is None:
            return ()
        try:
            parsed: Any = json.loads(text)
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, list):
            self.fail(key, f"{text!r} is not a list", example, path="[0]")
            return ()
        for index, item in enumerate(parsed):
            if not isinstance(item, str):
                self.fail(key, f"item {item!r} is not a string", example, path=f"[{index}]")
        items = tuple(item.strip() for item in parsed if isinstance(item, str))
        for index, item in enumerate(items):
            problem = check(item) if check else None
            if problem:
                self.fail(key, f"{item!r} {problem}", example, path=f"[{index}]")
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item in seen:
                self.fail(key, f"{item!r} is listed twice", f"pulumi config rm --path '{key}[{index}]'", path=f"[{index}]")
            seen.add(item)
        return items

    def json_object(self, key: str, example: str) -> dict[str, Any]:
        text = self._text(key, example)
        if text is None:
            return {}
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as error:
            self.fail(key, f"is not valid JSON ({error.msg} at character {error.pos})", example)
            return {}
        if not isinstance(parsed, dict):
            self.fail(key, "must be a JSON object", example)
            return {}
        return parsed

    def network(self, key: str, example: str) -> ipaddress.IPv4Network:
        """A CIDR; when it is not one, the problem is recorded and `example` stands in, so other rules still run."""
        text = self.string(key, example)
        problem = cidr_problem(text)
        if problem:
            self.fail(key, problem, example)
            return ipaddress.IPv4Network(example)
        return ipaddress.IPv4Network(text)

    def optional_network(self, key: str, example: str) -> ipaddress.IPv4Network | None:
        """A CIDR, or None for an empty string."""
        text = self.string(key, example)
        problem = cidr_problem(text) if text else None
        if problem:
            self.fail(key, problem, example)
        return ipaddress.IPv4Network(text) if text and not problem else None

    def address(self, key: str, example: str) -> ipaddress.IPv4Address:
        text = self.string(key, example)
        problem = address_problem(text)
        if problem:
            self.fail(key, problem, example)
            return ipaddress.IPv4Address(example)
        return ipaddress.IPv4Address(text)
