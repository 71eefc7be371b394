"""One size, in a fresh process: program vs SDK floor, policy analysis, peak memory. Prints one JSON line."""

from __future__ import annotations

import gc
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi_kubernetes as k8s

from aks_cilium.testing import ProgramRun, run_callable
from aks_cilium.testing.engine import Registration
from offline.analyzer import (
    PACK_DIR,
    PolicyPackProcess,
    StackConfigTooLargeError,
    analyze_request,
    analyze_stack_request,
    config_environment,
)
from offline.engine import run_program
from offline.stack_config import StackConfig

from .scenario import tenants_config


def floor_payloads(run: ProgramRun) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(metadata, spec) of every resource the program registered: the floor sends the same bytes."""
    return [(r.inputs.get("metadata", {"name": r.name}), r.inputs.get("spec", {})) for r in run.registrations]


def bare_registrations(payloads: list[tuple[dict[str, Any], dict[str, Any]]], gc_thresholds: tuple[int, int, int]) -> None:
    """The SDK floor: one CustomResource per resource of the program, same payload, no components or dependencies.

    It runs under the collector settings the program chose for itself, so that only the components are compared.
    """
    gc.set_threshold(*gc_thresholds)
    for index, (metadata, spec) in enumerate(payloads):
        k8s.apiextensions.CustomResource(
            f"bare-{index}", api_version="cilium.io/v2", kind="CiliumNetworkPolicy", metadata=metadata, spec=spec
        )


def best_of_each(repeats: int, *actions: Callable[[], object]) -> list[float]:
    """The fastest run of each action, taking turns: a slow spell of this shared machine hits all of them alike."""
    best = [float("inf")] * len(actions)
    for _ in range(repeats):
        for index, action in enumerate(actions):
            gc.collect()
            start = time.perf_counter()
            action()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def _peak_rss_mib(pid: int | None = None) -> float:
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(count: int, repeats: int) -> dict[str, Any]:
    config = tenants_config(count)
    run_program(tenants_config(1))  # warm-up: imports and first-use costs are not part of the scaling
    run = run_program(config)
    registrations = len(run.registrations)
    payloads = floor_payloads(run)
    program_seconds, floor_seconds = best_of_each(
        repeats, lambda: run_program(config), lambda: run_callable(lambda: bare_registrations(payloads, run.gc_thresholds), config)
    )
    custom = [r for r in run.registrations if r.custom]
    # A tenth of the tenants, analysed in the same pack and taking turns with the full stack: growth measured this way
    # is not at the mercy of the machine's mood between two processes.
    tenth_count = max(count // 10, 1)
    tenth_run = run_program(tenants_config(tenth_count))
    tenth = [r for r in tenth_run.registrations if r.custom]
    program = {
        "namespaces": count,
        "registrations": registrations,
        # What one more tenant namespace costs: the difference between the full stack and its tenth, per tenant.
        "per_tenant": (registrations - len(tenth_run.registrations)) / max(count - tenth_count, 1),
        "program_seconds": program_seconds,
        "floor_seconds": floor_seconds,
        "program_peak_mib": _peak_rss_mib(),
        "tenth_resources": len(tenth),
    }
    try:
        config_environment(config.values)
    except StackConfigTooLargeError as problem:
        # The engine could not start the pack with this config either: the program's cost is still measured.
        return {**program, "unplannable": str(problem)}
    return {**program, **_analysis(config, custom, tenth, repeats)}


def _analysis(config: StackConfig, custom: list[Registration], tenth: list[Registration], repeats: int) -> dict[str, Any]:
    """The pack's cost over the full stack's resources and its tenth's, taking turns in one pack process."""
    # The engine serialises the requests; building them here is the harness's cost, not the pack's.
    requests, tenth_requests = [analyze_request(r) for r in custom], [analyze_request(r) for r in tenth]
    stack_request, tenth_stack_request = analyze_stack_request(custom), analyze_stack_request(tenth)
    with PolicyPackProcess(stack_config=config.values) as pack:  # started as the engine starts it: dev's tier
        pack.configure(PACK_DIR / "config" / "dev.json")
        findings = [d for request in requests for d in pack.send_analyze(request)] + pack.send_analyze_stack(stack_request)
        resource_seconds, stack_seconds, tenth_resource_seconds, tenth_stack_seconds = best_of_each(
            repeats,
            lambda: [pack.send_analyze(request) for request in requests],
            lambda: pack.send_analyze_stack(stack_request),
            lambda: [pack.send_analyze(request) for request in tenth_requests],
            lambda: pack.send_analyze_stack(tenth_stack_request),
        )
        pack_peak = _peak_rss_mib(pack.process.pid)
    mandatory = [d for d in findings if d.level == "mandatory"]
    if mandatory:
        raise SystemExit(f"the benchmark stack violates mandatory policies: {mandatory[:3]}")
    return {
        "analyzed_resources": len(custom),
        "analyze_seconds": resource_seconds,
        "analyze_stack_seconds": stack_seconds,
        "tenth_analyze_seconds": tenth_resource_seconds,
        "tenth_analyze_stack_seconds": tenth_stack_seconds,
        "pack_peak_mib": pack_peak,
    }


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]), int(sys.argv[2]))))
