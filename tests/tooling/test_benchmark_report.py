"""The benchmark's verdicts follow from the numbers it measured (synthetic numbers here; nothing is timed)."""

from __future__ import annotations

from typing import Any

from benchmarks.imports import ColdStart
from benchmarks.run import report


def size(namespaces: int, program: float, floor: float, analyze: float, stack: float, tenth: float = 0.1) -> dict[str, Any]:
    """One size's numbers; its tenth of the tenants takes `tenth` of the full stack's analysis times."""
    resources = 6 * namespaces
    return {
        "namespaces": namespaces,
        "registrations": resources + 11,
        "per_tenant": 6.0,
        "program_seconds": program,
        "floor_seconds": floor,
        "analyzed_resources": resources,
        "analyze_seconds": analyze,
        "analyze_stack_seconds": stack,
        "tenth_resources": resources // 10,
        "tenth_analyze_seconds": analyze * tenth,
        "tenth_analyze_stack_seconds": stack * tenth,
        "program_peak_mib": 100.0,
        "pack_peak_mib": 50.0,
    }


COLD = [ColdStart("dev", pulumi=0.2, providers=1.0, program=1.1, own_modules=24, other_modules=900)]


def verdicts(lines: list[str]) -> dict[str, str]:
    return {line.split(":")[0]: line.rsplit(", ", 1)[-1] for line in lines if line.startswith("target")}


def test_linear_growth_and_program_near_the_floor_are_met() -> None:
    lines = report([size(100, 1.5, 1.0, 1.0, 0.1), size(1000, 12.0, 10.0, 10.0, 1.0)], COLD)
    found = verdicts(lines)
    assert found["target program <= 1.3x floor at 1000 namespaces"] == "met"
    assert found["target analysis grows no worse than linearly (within 1.1x of the resources' growth)"] == "met"
    assert found["target cold start <= 1.5x import pulumi (dev)"] == "NOT met"
    assert "| 1000 | 6011 | 12.00 | 10.00 | 1.20 |" in "\n".join(lines)


def test_superlinear_stack_rules_and_a_slow_program_are_not_met() -> None:
    found = verdicts(report([size(100, 1.5, 1.0, 1.0, 0.1), size(1000, 14.0, 10.0, 10.0, 1.5, tenth=1 / 15)], COLD))
    assert found["target program <= 1.3x floor at 1000 namespaces"] == "NOT met"
    assert found["target analysis grows no worse than linearly (within 1.1x of the resources' growth)"] == "NOT met"


def test_a_smoke_run_does_not_judge_the_sizes_it_did_not_run() -> None:
    lines = report([size(10, 0.6, 0.15, 0.1, 0.01)], COLD)
    assert "target program <= 1.3x floor at 1000 namespaces: not judged, that size was not run" in lines
    assert not any(line.startswith("target analysis") for line in lines)


def test_a_size_the_pack_cannot_start_with_still_reports_and_judges_the_program() -> None:
    """Over MAX_ARG_STRLEN the engine cannot start the pack (offline/analyzer.py `config_environment`): the program's
    columns and its target stay, the pack's are n/a with the reason, and analysis growth is not judged."""
    program_only = {k: v for k, v in size(1000, 12.0, 10.0, 10.0, 1.0).items() if "analy" not in k and k != "pack_peak_mib"}
    lines = report([size(100, 1.5, 1.0, 1.0, 0.1), {**program_only, "unplannable": "169,024 bytes as PULUMI_CONFIG"}], COLD)
    assert "| 1000 | 6011 | 12.00 | 10.00 | 1.20 | n/a | n/a | n/a | n/a | 100 / n/a | 6.0 |" in lines
    assert "1000 namespaces: the pack was not run, 169,024 bytes as PULUMI_CONFIG" in lines
    assert verdicts(lines)["target program <= 1.3x floor at 1000 namespaces"] == "met"
    assert not any(line.startswith(("target analysis", "growth")) for line in lines)
