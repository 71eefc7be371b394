"""Whether a DNS wildcard pattern spans more than one registrable domain, judged with the Public Suffix List.

A registrable domain is one label below a public suffix: `stripe.com` below `com`, `example.co.uk` below `co.uk`,
`someone.github.io` below `github.io` (the list's private section: names there are registered by different owners too).
The labels after a pattern's last wildcard are fixed; unless they hold a whole registrable domain, the pattern admits
names of more than one owner: `*.co.uk`, `**.github.io`, `*.com`, `example.*`. The list is the one the
`publicsuffixlist` package ships (policies/requirements.txt, the program's pin), read once and never fetched at run
time. The library asks the same question of the patterns people configure (`aks_cilium/network_policy/names.py`,
`broader_than_one_domain`); the pack cannot import it, and tests/policies/test_library_facts.py holds the two to the
same answers.
"""

from __future__ import annotations

from functools import cache

from publicsuffixlist import PublicSuffixList

WILDCARD = "*"


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()


def _fixed_part(pattern: str) -> str:
    """The labels after the pattern's last wildcard, lower-cased, without a trailing dot ("" when none are fixed)."""
    labels = pattern.strip().lower().removesuffix(".").split(".")
    wild = max((index for index, label in enumerate(labels) if WILDCARD in label), default=-1)
    return ".".join(labels[wild + 1 :])


def broader_than_one_domain(pattern: str) -> str | None:
    """Why a wildcard pattern matches names under more than one registrable domain, or None when it stays within one
    (a pattern without a wildcard is one name)."""
    if WILDCARD not in pattern:
        return None
    fixed = _fixed_part(pattern)
    if not fixed or "" in fixed.split("."):
        return "it fixes no whole label after its last wildcard"
    if _suffixes().privatesuffix(fixed) is None:
        return f"its fixed part {fixed!r} is a public suffix, not one owner's domain"
    return None
