"""The reachability benchmark's verdict: time may grow with the flows reported, not faster (no timing here)."""

from __future__ import annotations

from benchmarks.reachability import LINEAR_SLACK, report


def _size(namespaces: int, flows: int, seconds: float) -> dict[str, float]:
    return {"namespaces": namespaces, "policies": 2 * namespaces, "flows": flows, "allowed": 0, "seconds": seconds}


def test_growth_with_the_flows_is_met_and_faster_growth_is_not() -> None:
    lines, met = report([_size(100, 60_000, 3.0), _size(1000, 6_000_000, 300.0 * (1 + LINEAR_SLACK) / 2)])
    assert met
    assert "flows 100.0x" in lines[-1]
    lines, met = report([_size(100, 60_000, 3.0), _size(1000, 6_000_000, 400.0)])
    assert not met
    assert "NOT met" in lines[-1]
