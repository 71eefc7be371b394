"""The metric names a PromQL expression reads, for checks against the upstream metric references.

Follows the Prometheus querying docs (prometheus/prometheus docs/querying/basics.md, operators.md): string literals,
label matchers in braces, range selectors in brackets and the label lists of `by`, `without`, `on`, `ignoring`,
`group_left` and `group_right` hold no metric names; an identifier followed by `(` is a function or aggregation; what
remains, other than keywords and numbers, is a metric name.
"""

from __future__ import annotations

import re

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_LABEL_LIST = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
KEYWORDS = frozenset(
    {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"}
)


def metric_names(expression: str) -> set[str]:
    text = _STRING.sub('""', expression)
    text = _MATCHERS.sub("", text)
    text = _RANGE.sub("", text)
    text = _LABEL_LIST.sub("", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        following = text[match.end() :].lstrip()
        if following.startswith("(") or match.group().lower() in KEYWORDS:
            continue
        names.add(match.group())
    return names
