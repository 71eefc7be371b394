"""The mock engine: runs the real __main__.py under Pulumi's mocks and records every registration.

Shared by the unit tests and the offline plan, so both see the same program.
"""

from __future__ import annotations

import asyncio
import gc
import runpy
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import wait_for_rpcs
from pulumi.runtime.sync_await import _sync_await

from .azure_mocks import AzureMocks
from .stack_config import PROJECT_DIR, StackConfig

SECRET = "[secret]"
UNKNOWN = "[unknown]"
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def redact(value: Any) -> Any:
    """Wire-format property values to plain JSON, secrets replaced by a marker."""
    if isinstance(value, dict):
        sig = value.get(_SIG_KEY)
        if sig == _SECRET_SIG:
            return SECRET
        if sig == _RESOURCE_SIG:
            return value.get("urn", "")
        return {key: redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    if value == _UNKNOWN_VALUE:
        return UNKNOWN
    return value


@dataclass(frozen=True)
class Registration:
    """One RegisterResource request, with everything the engine would see."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    dependencies: tuple[str, ...]
    provider: str
    protect: bool
    ignore_changes: tuple[str, ...]
    inputs: dict[str, Any] = field(hash=False)
    """Inputs as sent, secrets shown as "[secret]"."""
    wire_inputs: dict[str, Any] = field(hash=False, repr=False)
    """Inputs in the engine's wire format (secrets still wrapped), for the analyzer."""

    def as_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "dependencies": list(self.dependencies),
            "provider": self.provider,
            "protect": self.protect,
            "ignoreChanges": list(self.ignore_changes),
            "inputs": self.inputs,
        }


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that keeps the whole request: parent, dependencies and options included."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            wire = json_format.MessageToDict(request.object)
            self.registrations.append(
                Registration(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    custom=request.custom,
                    parent=request.parent,
                    dependencies=tuple(request.dependencies),
                    provider=request.provider,
                    protect=bool(request.protect),
                    ignore_changes=tuple(request.ignoreChanges),
                    inputs=redact(wire),
                    wire_inputs=wire,
                )
            )
        return response


@dataclass
class ProgramRun:
    """What one run of the program registered and exported."""

    stack: str
    registrations: list[Registration]
    outputs: dict[str, Any]
    secret_outputs: frozenset[str]
    mocks: AzureMocks
    gc_thresholds: tuple[int, int, int]
    """The collector's thresholds as the program left them."""

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> Registration:
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {type_} {name or ''}, found {len(found)}")
        return found[0]

    def by_urn(self) -> dict[str, Registration]:
        return {r.urn: r for r in self.registrations}


def _drop_pending_outputs() -> None:
    """After a failed run, end its outstanding output tasks, or the next run in this process would await them."""
    with pulumi_settings.SETTINGS.lock:
        pending = list(pulumi_settings.SETTINGS.outputs)
        pulumi_settings.SETTINGS.outputs.clear()
    for task in pending:
        task.cancel()
    if pending:
        _sync_await(asyncio.gather(*pending, return_exceptions=True))


def run_program(
    config: StackConfig,
    mocks: AzureMocks | None = None,
    program: Path = PROJECT_DIR / "__main__.py",
) -> ProgramRun:
    """Run `program` for one stack under mocks with preview=False, so every apply runs.

    Raises whatever the program raises (ConfigError before any registration, resource failures after).
    """
    if str(program.parent) not in sys.path:
        sys.path.insert(0, str(program.parent))
    return run_callable(lambda: runpy.run_path(str(program), run_name="__main__"), config, mocks)


def run_callable(body: Callable[[], object], config: StackConfig, mocks: AzureMocks | None = None) -> ProgramRun:
    """Run `body` as a Pulumi program of `config`'s stack under fresh mocks and wait for every RPC."""
    mocks = mocks or AzureMocks()
    monitor = RecordingMonitor(mocks)
    pulumi_settings.reset_options(project=config.project, stack=config.stack, preview=False)
    pulumi.runtime.set_mocks(mocks, project=config.project, stack=config.stack, preview=False, monitor=monitor)
    set_all_config(dict(config.values), list(config.secret_keys))
    # The program tunes the garbage collector for the process the language host gives it; here it shares ours, so
    # its settings last only as long as its run.
    host_thresholds = gc.get_threshold()
    try:
        body()
        _sync_await(wait_for_rpcs())
    except BaseException:
        _drop_pending_outputs()
        raise
    finally:
        program_thresholds = gc.get_threshold()
        gc.set_threshold(*host_thresholds)
    root = pulumi_settings.get_root_resource()
    outputs: dict[str, Any] = {}
    secrets: set[str] = set()
    for key, value in getattr(root, "outputs", {}).items():
        output = pulumi.Output.from_input(value)
        outputs[key] = _sync_await(output.future())
        if _sync_await(output.is_secret()):
            secrets.add(key)
    return ProgramRun(config.stack, list(monitor.registrations), outputs, frozenset(secrets), mocks, program_thresholds)
