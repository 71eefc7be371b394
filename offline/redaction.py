"""Secret config values kept out of every message and file the offline plan prints or writes.

A value can reach a message in other spellings than the one set: stripped of the whitespace or newline it carried,
lower-cased by a normalising check, quoted by `repr()` (newlines as `\\n`), or escaped by JSON. Each of those forms
is replaced, longest first, so no form survives as part of another's replacement.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

MARK = "[secret]"
# Shorter fragments would blank out ordinary words (a secret "a" in every message); such a secret is weak anyway.
_MIN_LENGTH = 3


def _pieces(value: str) -> set[str]:
    """The value and, for a JSON list or object, each string or number in it."""
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


def spellings(value: str) -> set[str]:
    """Every form of `value` that a message may carry."""
    forms: set[str] = set()
    for piece in _pieces(value):
        for base in {piece, piece.strip()}:
            forms |= {base, base.lower(), base.upper(), repr(base)[1:-1], json.dumps(base)[1:-1]}
            forms |= {repr(base)[1:-1].lower(), json.dumps(base)[1:-1].lower()}
    return {form for form in forms if len(form.strip()) >= _MIN_LENGTH}


class Redactor:
    """Replaces every spelling of the given secrets, case-insensitively."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms = sorted({form for secret in secrets for form in spellings(secret)}, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(form) for form in forms), re.IGNORECASE) if forms else None

    def __call__(self, text: str) -> str:
        return self._pattern.sub(MARK, text) if self._pattern else text
