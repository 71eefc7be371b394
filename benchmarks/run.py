"""Benchmark the program and the policy pack for 10, 100 and 1,000 tenant namespaces.

`make bench` runs everything; `make bench-smoke` (CI) runs the smallest size once, as a check that it works.
Each size runs in a fresh process so that peak memory is that size's own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from offline.stack_config import PROJECT_DIR

from .imports import ColdStart, measure_cold_start

TARGET_PROGRAM_RATIO = 1.3
TARGET_AT = 1000
# Timings taken in turns in one process still vary by a few percent; growth within that of the resources' is linear.
LINEAR_SLACK = 1.1
TARGET_IMPORT_RATIO = 1.5
COLD_START_STACKS = ("dev", "prod")


def _size(count: int, repeats: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.measure_size", str(count), str(repeats)],
        cwd=PROJECT_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), platform.processor())
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _verdict(value: float, target: float) -> str:
    return "met" if value <= target else "NOT met"


def report(sizes: list[dict[str, Any]], cold_starts: list[ColdStart]) -> list[str]:
    lines = [
        f"machine: {machine()}",
        "",
        "| namespaces | resources | program s | SDK floor s | ratio | analyzed | analyze s | resources/s | stack rules s "
        "| peak MiB (program / pack) | resources per tenant |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in sizes:
        if "unplannable" in s:  # the pack could not be started with this config; the program was still measured
            pack_columns = "n/a | n/a | n/a | n/a"
            peaks = f"{s['program_peak_mib']:.0f} / n/a"
        else:
            pack_columns = (
                f"{s['analyzed_resources']} | {s['analyze_seconds']:.2f} | {s['analyzed_resources'] / s['analyze_seconds']:.0f} | "
                f"{s['analyze_stack_seconds']:.2f}"
            )
            peaks = f"{s['program_peak_mib']:.0f} / {s['pack_peak_mib']:.0f}"
        lines.append(
            f"| {s['namespaces']} | {s['registrations']} | {s['program_seconds']:.2f} | {s['floor_seconds']:.2f} | "
            f"{s['program_seconds'] / s['floor_seconds']:.2f} | {pack_columns} | {peaks} | {s['per_tenant']:.1f} |"
        )
    lines += [f"{s['namespaces']} namespaces: the pack was not run, {s['unplannable']}" for s in sizes if "unplannable" in s]
    by_count = {s["namespaces"]: s for s in sizes}
    analysed = {count: s for count, s in by_count.items() if "unplannable" not in s}
    if 100 in analysed and 1000 in analysed:
        small, large = analysed[100], analysed[1000]
        scale = large["analyzed_resources"] / small["analyzed_resources"]
        lines.append("")
        growth = {key: large[key] / small[key] for key in ("analyze_seconds", "analyze_stack_seconds", "program_seconds")}
        lines.append(
            f"growth 100 -> 1,000 namespaces, separate processes ({scale:.1f}x resources): analysis {growth['analyze_seconds']:.1f}x, "
            f"stack rules {growth['analyze_stack_seconds']:.1f}x, program {growth['program_seconds']:.1f}x"
        )
    if TARGET_AT in analysed:
        large = analysed[TARGET_AT]
        scale = large["analyzed_resources"] / large["tenth_resources"]
        analysis = large["analyze_seconds"] / large["tenth_analyze_seconds"]
        stack = large["analyze_stack_seconds"] / large["tenth_analyze_stack_seconds"]
        lines.append(
            f"growth from a tenth of the tenants, same pack, taking turns ({scale:.1f}x resources): analysis {analysis:.1f}x, "
            f"stack rules {stack:.1f}x"
        )
        worst = max(analysis, stack) / scale
        lines.append(
            f"target analysis grows no worse than linearly (within {LINEAR_SLACK}x of the resources' growth): {worst:.2f}x, "
            f"{_verdict(worst, LINEAR_SLACK)}"
        )
    lines.append("")
    for cold in cold_starts:
        lines.append(
            f"cold start, {cold.stack} stack: import pulumi {cold.pulumi:.2f} s; pulumi + the {cold.other_modules} other modules "
            f"the program loads (the providers' floor) {cold.providers:.2f} s; the program ({cold.own_modules} modules of ours "
            f"on top) {cold.program:.2f} s = {cold.program / cold.pulumi:.2f}x pulumi, {cold.program / cold.providers:.2f}x the floor"
        )
    if TARGET_AT in by_count:
        ratio = by_count[TARGET_AT]["program_seconds"] / by_count[TARGET_AT]["floor_seconds"]
        verdict = f"{ratio:.2f}x, {_verdict(ratio, TARGET_PROGRAM_RATIO)}"
    else:
        verdict = "not judged, that size was not run"
    lines.append(f"target program <= {TARGET_PROGRAM_RATIO}x floor at {TARGET_AT} namespaces: {verdict}")
    for cold in cold_starts:
        import_ratio = cold.program / cold.pulumi
        lines.append(
            f"target cold start <= {TARGET_IMPORT_RATIO}x import pulumi ({cold.stack}): {import_ratio:.2f}x, "
            f"{_verdict(import_ratio, TARGET_IMPORT_RATIO)}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing; the fastest counts")
    parser.add_argument("--cold-start-repeats", type=int, default=7, help="fresh interpreters per cold-start timing")
    args = parser.parse_args(argv)
    sizes = []
    for count in args.sizes:
        print(f"... {count} namespaces", file=sys.stderr, flush=True)
        sizes.append(_size(count, args.repeats))
    cold_starts = [measure_cold_start(stack, args.cold_start_repeats) for stack in COLD_START_STACKS]
    print("\n".join(report(sizes, cold_starts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
