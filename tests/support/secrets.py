"""Arbitrary secret text and how to find any rendering of it in printed text: shared by the secret tests."""

from __future__ import annotations

import json

import yaml
from hypothesis import strategies as st

from stack_settings.redaction import MARK, MIN_LENGTH

# Arbitrary text, with the characters that escape differently in each rendering weighted in.
secret_text = st.text(
    alphabet=st.characters(codec="utf-8") | st.sampled_from(["\t", "\n", "\r", "\\", "'", '"', "\u200b", "\u2028", "<", "&", "\x00"]),
    min_size=MIN_LENGTH,
    max_size=24,
).filter(lambda s: len(s.strip()) >= MIN_LENGTH)


def renderings(secret: str) -> set[str]:
    """The ways a program may print a value, computed here independently of the redaction's own list."""
    forms = set()
    for base in (secret, secret.strip()):
        forms |= {base, repr(base), ascii(base), json.dumps(base), json.dumps(base, ensure_ascii=False), repr(repr(base))}
        forms |= {yaml.safe_dump(base, default_style='"', width=10**9, allow_unicode=True).strip()}
        forms |= {base.encode("unicode_escape").decode()}
    return {form for form in forms if len(form.strip()) >= MIN_LENGTH}


def leaked(secret: str, text: str) -> list[str]:
    """Renderings of the secret (quotes dropped) found in what is left of `text` between the redaction marks."""
    cores = {form.strip("'\"") for form in renderings(secret)} - {""}
    return sorted(core for core in cores if len(core.strip()) >= MIN_LENGTH for fragment in text.split(MARK) if core in fragment)
