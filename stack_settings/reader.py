"""Typed access to raw config strings, collecting every problem instead of stopping at the first.

Pulumi hands a program its config as strings (arrays as JSON); this turns them into Python values.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

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

    def fail(self, key: str, problem: str, example: str) -> None:
        """Messages are printed: every rendering of every secret value is redacted (stack_settings/redaction.py)."""
        self.problems.append(ConfigProblem(key, self._redact(problem), self._redact(example)))

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
        text = self._text(key, example)
        if text is None:
            return ()
        try:
            parsed: Any = json.loads(text)
        except json.JSONDecodeError:
            self.fail(key, f"{text!r} is not a list", f"--path '{key}[0]' {example}")
            return ()
        if not isinstance(parsed, list) or not all(isinstance(item, str) for item in parsed):
            self.fail(key, "must be a list of strings", f"--path '{key}[0]' {example}")
            return ()
        items = tuple(item.strip() for item in parsed)
        for item in items:
            problem = check(item) if check else None
            if problem:
                self.fail(key, f"item {item!r} {problem}", f"--path '{key}[0]' {example}")
        if len(set(items)) != len(items):
            self.fail(key, "has duplicate items", f"--path '{key}[0]' {example}")
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

    def network(self, key: str, example: str, optional: bool = False) -> ipaddress.IPv4Network | None:
        text = self.string(key, example)
        if optional and text == "":
            return None
        try:
            return ipaddress.IPv4Network(text, strict=True)
        except ValueError as error:
            self.fail(key, f"{text!r} is not an IPv4 CIDR with its host bits zero ({error})", example)
            return None

    def address(self, key: str, example: str) -> ipaddress.IPv4Address | None:
        text = self.string(key, example)
        try:
            return ipaddress.IPv4Address(text)
        except ValueError:
            self.fail(key, f"{text!r} is not an IPv4 address", example)
            return None
