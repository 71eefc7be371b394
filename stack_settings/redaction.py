"""The one redaction of secret config values, for every message and file that can carry one.

The Pulumi CLI masks only a secret's exact plaintext in what a program prints, so every other rendering of it must be
replaced before it is printed: stripped of the whitespace it carried, lower- or upper-cased by a normalising check,
quoted by `repr()` or `ascii()` (`'a\\nb'`), escaped by JSON (with or without `\\uXXXX`, with Go's `\\u003c` for `<`,
`>`, `&`), by YAML's double-quoted style, by Python's `unicode_escape`, and any of those quoted once more. A JSON list
or object is redacted as a whole and in each of its strings and numbers. Forms are replaced longest first,
case-insensitively, so that no form survives as part of another's replacement.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import yaml

MARK = "[secret]"
# Shorter fragments would blank out ordinary words (a secret "a" in every message); a value this short is refused as
# a secret by the stack settings (stack_settings/load.py) rather than half hidden.
MIN_LENGTH = 3
_GO_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"))


def _pieces(value: str) -> set[str]:
    """The value and, for a JSON list or object, each string and number in it. Keys are not redacted: they are the
    paths of Cilium's values that an error must name to be fixed (`ciliumExtraValues`), never the secret part."""
    pieces = {value}
    try:
        parsed = json.loads(value)
    except ValueError:
        return pieces
    stack = [parsed]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, str | int | float) and not isinstance(item, bool):
            pieces.add(str(item))
    return pieces


def _escaped(text: str) -> set[str]:
    """The renderings of one string, quoted and inside their quotes (a quoted form may itself be quoted again)."""
    as_json = json.dumps(text)[1:-1]
    as_go = as_json
    for char, escape in _GO_ESCAPES:
        as_go = as_go.replace(char, escape)
    as_yaml = yaml.safe_dump(text, default_style='"', width=float("inf"), allow_unicode=True).strip()
    return {
        text,
        repr(text),
        json.dumps(text),
        repr(text)[1:-1],
        ascii(text)[1:-1],
        as_json,
        json.dumps(text, ensure_ascii=False)[1:-1],
        as_go,
        as_yaml.removeprefix('"').removesuffix("...").strip().removesuffix('"'),
        text.encode("unicode_escape").decode("ascii"),
    }


def spellings(value: str) -> set[str]:
    """Every form of `value` that a message may carry."""
    forms: set[str] = set()
    for piece in _pieces(value):
        for base in {piece, piece.strip()}:
            for cased in {base, base.lower(), base.upper()}:
                once = _escaped(cased)
                forms |= once
                forms |= {twice for form in once for twice in _escaped(form)}
    return {form for form in forms if len(form.strip()) >= MIN_LENGTH}


class Redactor:
    """Replaces every spelling of the given secrets, case-insensitively."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms = sorted({form for secret in secrets for form in spellings(secret)}, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(form) for form in forms), re.IGNORECASE) if forms else None

    def __call__(self, text: str) -> str:
        return self._pattern.sub(MARK, text) if self._pattern else text
