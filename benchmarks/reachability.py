"""Time the reachability analyser at 100 and 1,000 tenant namespaces (`make bench-reachability`).

The analyser reports every namespace against every namespace, so its flows grow with the square of the namespaces;
what is checked is that its time grows no faster than the number of flows it reports. The program runs first (not
timed); the timed part reads the policies, builds the coverage and judges every flow, counting them as they stream
(a 1,000-namespace report holds millions of flows, which the plan would write but the benchmark need not keep).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from offline.engine import run_program
from offline.plan import ordered
from offline.reachability.analysis import analyse_resources

from .scenario import tenants_config

SIZES = (100, 1000)
# Per-flow cost may rise a little with the size of the caches and of the rules per endpoint; growth within this of
# the flows' is "no faster than the flows".
LINEAR_SLACK = 1.15


def measure(count: int) -> dict[str, Any]:
    registrations = ordered(run_program(tenants_config(count)))
    start = time.perf_counter()
    analysis = analyse_resources(((r.type, r.inputs) for r in registrations), materialise=False)
    flows = allowed = 0
    for flow in analysis.coverage.flows(analysis.engine):
        flows += 1
        allowed += flow.verdict.allowed
    seconds = time.perf_counter() - start
    return {"namespaces": count, "policies": len(analysis.policies), "flows": flows, "allowed": allowed, "seconds": seconds}


def report(sizes: list[dict[str, Any]]) -> tuple[list[str], bool]:
    """The table, the growth line, and whether time grew no faster than the flows."""
    lines = ["| namespaces | policies | flows | allowed | analysis s | µs per flow |", "|---:|---:|---:|---:|---:|---:|"]
    for s in sizes:
        per_flow = 1e6 * s["seconds"] / s["flows"]
        lines.append(f"| {s['namespaces']} | {s['policies']} | {s['flows']} | {s['allowed']} | {s['seconds']:.2f} | {per_flow:.1f} |")
    if len(sizes) < 2:
        return lines, True
    small, large = sizes[0], sizes[-1]
    flow_growth = large["flows"] / small["flows"]
    time_growth = large["seconds"] / small["seconds"]
    met = time_growth <= flow_growth * LINEAR_SLACK
    lines += [
        "",
        f"growth {small['namespaces']} -> {large['namespaces']} namespaces: flows {flow_growth:.1f}x, time {time_growth:.1f}x "
        f"(target: no more than {LINEAR_SLACK}x the flows' growth, {'met' if met else 'NOT met'})",
    ]
    return lines, met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args(argv)
    lines, met = report([measure(count) for count in sorted(args.sizes)])
    print("\n".join(lines))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
