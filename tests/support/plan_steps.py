"""A plan's costly steps shared among tests: the program run, the policy pack's verdicts, Cilium's rendered chart.

A whole offline plan costs about a CPU-second: the program under the mock engine, the policy pack in its own process,
Cilium's chart rendered, the files written. Many plan tests are about what happens around those steps (the `--out`
folder, a fault while writing, an exit code) and would compute the same program run, verdicts and rendering again.
`share` serves each of the three from a per-process cache keyed by its exact inputs; on a miss it runs the real step
and remembers the answer, so what a test sees is what the real step answers for those inputs. Tests about the steps
themselves (byte-identical replans, the program's own runtime) do not use it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import offline.plan
from aks_cilium.testing import AzureMocks, ProgramRun, Registration
from offline.analyzer import PACK_DIR, Diagnostic, PolicyPackProcess, analyze_request, analyze_stack_request
from offline.chart import render_chart
from offline.engine import run_program
from offline.stack_config import StackConfig

_RUNS: dict[str, ProgramRun] = {}
_RENDERED: dict[str, list[dict[str, Any]]] = {}
_CONFIGURED: set[tuple[str, ...]] = set()
_VERDICTS: dict[tuple[str, ...], list[Diagnostic]] = {}


def _digest(*parts: str | bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part if isinstance(part, bytes) else part.encode())
        hasher.update(b"\0")
    return hasher.hexdigest()


def _environment() -> str:
    """What the program may read besides its config (the plan date, example keys); pytest's own name is not that."""
    return json.dumps(sorted(item for item in os.environ.items() if item[0] != "PYTEST_CURRENT_TEST"))


def shared_run(config: StackConfig, mocks: AzureMocks | None = None) -> ProgramRun:
    """`offline.engine.run_program`, once per config, environment and mock world; a run with an injected failure, or
    one the program refuses, is run for real every time (exceptions are not remembered)."""
    if mocks is None or mocks.fail_on:
        return run_program(config, mocks)
    # What `offline.engine.plan_mocks` sets: the recorded peer outputs and the mock Azure's identity.
    world = (mocks.location, mocks.stack_outputs, sorted(mocks.secret_outputs or ()), mocks.client_config, mocks.defender_tier)
    key = _digest(repr(config), _environment(), repr(world))
    if key not in _RUNS:
        _RUNS[key] = run_program(config, mocks)
    return copy.deepcopy(_RUNS[key])


def shared_render(values: Mapping[str, Any], version: str) -> list[dict[str, Any]]:
    """`offline.chart.render_chart`, once per values and chart version."""
    key = _digest(json.dumps(values, sort_keys=True, default=repr), version)
    if key not in _RENDERED:
        _RENDERED[key] = render_chart(values, version)
    return copy.deepcopy(_RENDERED[key])


class SharedVerdicts:
    """Stands in for `offline.analyzer.PolicyPackProcess` as the plan uses it (configure, then analyze_all).

    The key is what the real pack would receive: its folder, the stack config in `PULUMI_CONFIG`, the policy config
    file's bytes, and every Analyze and AnalyzeStack request as serialised for the wire. The real process starts only
    for inputs not judged yet in this process, so a config the pack refuses still fails in `configure`."""

    def __init__(self, pack_dir: Path = PACK_DIR, stack_config: Mapping[str, str] | None = None) -> None:
        self._pack_dir = pack_dir
        self._stack_config = stack_config
        self._key: tuple[str, ...] = (str(pack_dir), json.dumps(dict(stack_config or {}), sort_keys=True))
        self._config_file: Path | None = None
        self._real: PolicyPackProcess | None = None

    def __enter__(self) -> SharedVerdicts:
        return self

    def __exit__(self, *_: object) -> None:
        if self._real is not None:
            self._real.close()

    def _process(self) -> PolicyPackProcess:
        if self._real is None:
            assert self._config_file is not None, "configure comes first, as in the plan"
            self._real = PolicyPackProcess(self._pack_dir, self._stack_config)
            self._real.configure(self._config_file)
        return self._real

    def configure(self, config_file: Path) -> None:
        self._config_file = config_file
        self._key = (*self._key[:2], _digest(config_file.read_bytes()))
        if self._key not in _CONFIGURED:
            self._process()
            _CONFIGURED.add(self._key)

    def analyze_all(self, registrations: list[Registration]) -> list[Diagnostic]:
        by_urn = {r.urn: r for r in registrations}
        wire = [analyze_request(r, by_urn).SerializeToString(deterministic=True) for r in registrations]
        wire.append(analyze_stack_request(registrations).SerializeToString(deterministic=True))
        key = (*self._key, _digest(*wire))
        if key not in _VERDICTS:
            _VERDICTS[key] = self._process().analyze_all(registrations)
        return list(_VERDICTS[key])


def share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline.plan, "run_program", shared_run)
    monkeypatch.setattr(offline.plan, "render_chart", shared_render)
    monkeypatch.setattr(offline.plan, "PolicyPackProcess", SharedVerdicts)
