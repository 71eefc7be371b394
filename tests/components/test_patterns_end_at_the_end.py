"""Name and format rules refuse a value with a trailing newline.

Python's `$` also matches just before a final newline (docs.python.org, `re` "Regular Expression Syntax": `$`
"matches ... just before the newline at the end of the string"), so `^[a-z0-9]+$` accepts "demo\\n", which Kubernetes,
Azure and Cilium would refuse (Kubernetes' DNS-1123 label check uses Go's regexp, where `$` without the `m` flag
matches only at the end of text: golang/go src/regexp/syntax/doc.go). The rules anchor with `\\Z`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from aks_cilium.cilium.rules import cluster_name_problem
from aks_cilium.cluster.maintenance import parse_window
from aks_cilium.cluster.rules import dns_prefix_problem, guid_problem, region_problem, vm_size_problem
from aks_cilium.network_policy.args import namespace_problem

RULES: list[tuple[str, Callable[[str], object], str]] = [
    ("namespace", namespace_problem, "payments"),
    ("cilium cluster name", cluster_name_problem, "aks-dev"),
    ("dns prefix", dns_prefix_problem, "aks-dev"),
    ("guid", guid_problem, "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"),
    ("region", region_problem, "westeurope"),
    ("vm size", vm_size_problem, "Standard_D4ds_v5"),
]


@pytest.mark.parametrize(("rule", "problem", "good"), RULES, ids=[r[0] for r in RULES])
def test_a_trailing_newline_is_refused(rule: str, problem: Callable[[str], object], good: str) -> None:
    assert problem(good) is None
    assert problem(good + "\n") is not None


def test_a_maintenance_window_with_a_trailing_newline_inside_is_not_parsed_as_valid() -> None:
    assert parse_window("Sunday 01:00 6h") is not None
    assert parse_window("Sunday 01:00\n 6h") is None
