"""DNS names and patterns for toFQDNs and DNS rules: the one set of rules, checked in linear time.

Cilium's CRD describes matchName as `^([-a-zA-Z0-9_]+[.]?)+$` and matchPattern likewise with `*`. Python's
backtracking engine takes exponential time on that nested repetition (28 characters took 12.7 s), and other
languages reach this check with arbitrary strings. The same language is checked here without nesting: the allowed
characters, no leading dot and no empty label.
"""

from __future__ import annotations

import re
from functools import cache

from publicsuffixlist import PublicSuffixList

MAX_LENGTH = 255
_NAME_CHARS = re.compile(r"[-a-zA-Z0-9_.]+")
_PATTERN_CHARS = re.compile(r"[-a-zA-Z0-9_.*]+")
# The stricter shape we accept from people: lower-case labels of at most 63, a top-level domain of letters.
_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_PATTERN_LABEL = re.compile(r"[a-z0-9*]([-a-z0-9*]{0,61}[a-z0-9*])?")
_TOP_LEVEL = re.compile(r"[a-z]{2,63}")
MULTI_LABEL_PREFIX = "**."


def crd_problem(value: str, pattern: bool) -> str | None:
    """What Cilium's CRD would refuse in a matchName (pattern False) or matchPattern, or None."""
    if len(value) > MAX_LENGTH:
        return f"is longer than {MAX_LENGTH} characters"
    chars = _PATTERN_CHARS if pattern else _NAME_CHARS
    if not chars.fullmatch(value) or value.startswith(".") or ".." in value:
        return "is not a DNS pattern" if pattern else "is not a DNS name"
    return None


def fqdn_selector_problem(value: object) -> str | None:
    """What is wrong with a name or pattern a person allows egress to, or None.

    Exact names (matchName) or patterns with `*` within a label (matchPattern); `**.` as a prefix matches several
    labels. The bare `*` would allow every name and is refused.
    """
    if not isinstance(value, str):
        return f"must be a string, not {type(value).__name__}"
    if value in ("*", "**", "**."):
        return "allows every name; list the names or use a pattern like *.example.com"
    wildcard = "*" in value
    problem = crd_problem(value, wildcard)
    if problem:
        return problem
    body = value.removesuffix(".").removeprefix(MULTI_LABEL_PREFIX)
    labels = body.split(".")
    label_shape = _PATTERN_LABEL if wildcard else _LABEL
    if len(labels) < 2 or not all(label_shape.fullmatch(label) for label in labels[:-1]) or not _TOP_LEVEL.fullmatch(labels[-1]):
        return "is not a DNS name pattern like *.example.com" if wildcard else "is not a DNS name like api.example.com"
    return broader_than_one_domain(body) if wildcard else None


@cache
def _public_suffixes() -> PublicSuffixList:
    # The list the package ships (ICANN and private sections), read once; never fetched at run time.
    return PublicSuffixList()


def broader_than_one_domain(pattern: str) -> str | None:
    """Why a wildcard pattern spans more than one registrable domain, or None.

    The labels after the last wildcard are fixed; unless they hold a whole registrable domain (one label below a
    public suffix of the Public Suffix List, private section included), the pattern admits names that different
    owners register: `*.com`, `*.*.co.uk`, `*.blob.core.windows.net`, `example.*`.
    """
    labels = pattern.split(".")
    wild = max((index for index, label in enumerate(labels) if "*" in label), default=-1)
    fixed = ".".join(labels[wild + 1 :])
    if fixed and _public_suffixes().privatesuffix(fixed) is not None:
        return None
    shown = f"its fixed part {fixed!r} is a public suffix" if fixed else "it has no fixed part"
    return f"matches names of more than one registrable domain ({shown}); anchor it below a domain you trust, like *.example.com"


def with_suffix_problem(value: str, suffix: str) -> str | None:
    """What Cilium's CRD would refuse once a search domain `suffix` is appended to `value` (Azure's managed Cilium
    needs explicit patterns for each expansion the resolver tries), or None. A trailing dot (a name written fully
    qualified) is dropped first, as the builders drop it."""
    longest = len(value.removesuffix(".")) + 1 + len(suffix)
    if longest <= MAX_LENGTH:
        return None
    return (
        f"is too long for Azure's managed Cilium: with the search domain {suffix} that its DNS patterns add, it would be "
        f"{longest} characters, over Cilium's {MAX_LENGTH}; use at most {MAX_LENGTH - len(suffix) - 1} characters"
    )
