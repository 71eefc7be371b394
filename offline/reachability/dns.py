"""DNS names and patterns as Cilium's DNS proxy and toFQDNs match them.

cilium/cilium pkg/fqdn/matchpattern/matchpattern.go: names are compared lower case as FQDNs; in a pattern `*` stands
for any run of DNS characters within one label, a bare `*` matches every name; `**.` as a prefix matches one or more
labels (UPSTREAM.md, "DNS patterns"). A `matchName` matches that name only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MATCH_ALL = "*"
MULTI_LABEL = "**."
_LABEL_CHARS = "[-a-zA-Z0-9_]"


def canonical(name: str) -> str:
    return name.strip().lower().removesuffix(".")


@dataclass(frozen=True)
class DnsMatcher:
    text: str
    """As written: the matchName or matchPattern."""
    pattern: bool
    regex: re.Pattern[str] | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", _compile(canonical(self.text)) if self.pattern else None)

    @property
    def matches_everything(self) -> bool:
        return self.pattern and canonical(self.text) == MATCH_ALL

    def matches(self, name: str) -> bool:
        name = canonical(name)
        return self.regex.fullmatch(name) is not None if self.regex is not None else canonical(self.text) == name

    def sample(self) -> str | None:
        """A name this matcher admits, to probe it with: the name itself, or the pattern with each wildcard filled."""
        if not self.pattern:
            return canonical(self.text)
        if self.matches_everything:
            return None
        return canonical(self.text).replace(MULTI_LABEL, "sample.").replace("*", "sample")


def _compile(pattern: str) -> re.Pattern[str]:
    if pattern == MATCH_ALL:
        return re.compile(r".+")
    prefix = ""
    if pattern.startswith(MULTI_LABEL):
        prefix, pattern = rf"(?:{_LABEL_CHARS}+\.)+", pattern[len(MULTI_LABEL) :]
    body = "".join(f"{_LABEL_CHARS}*" if char == "*" else re.escape(char) for char in pattern)
    return re.compile(prefix + body)


def matcher(raw: object) -> DnsMatcher | None:
    """A toFQDNs or DNS rule item (`matchName` or `matchPattern`) as a matcher; None when it has neither."""
    if not isinstance(raw, dict):
        return None
    if raw.get("matchName"):
        return DnsMatcher(str(raw["matchName"]), pattern=False)
    if raw.get("matchPattern"):
        return DnsMatcher(str(raw["matchPattern"]), pattern=True)
    return None
