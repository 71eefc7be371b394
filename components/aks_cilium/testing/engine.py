"""A mock engine for programs that use these components: Pulumi's mocks with preview=False, every registration recorded.

`MockMonitor` alone forgets parents, dependencies and options (`MockResourceArgs` carries none of them); the
recording monitor keeps the whole RegisterResource request, so tests can assert on what the engine would see.

Private SDK names this module relies on, pinned with the SDK (pulumi==3.272.0; tests/package/test_sdk_internals.py checks
each), because the SDK offers no public way to do the same under mocks: `pulumi.runtime.sync_await._sync_await` (to
wait for outputs outside an event loop), `pulumi.runtime.stack.wait_for_rpcs` (what `pulumi.runtime.test` and the
language host run after a program: wait until every registration has reached the monitor; not in
`pulumi.runtime.__all__`), `pulumi.runtime.settings.SETTINGS` (to cancel the outputs a failed run leaves behind) and
`pulumi.runtime.mocks.MockMonitor` (not exported either, but the type `set_mocks(monitor=...)` takes; subclassed to
see whole requests, `RegisterResourceOutputs` included).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import wait_for_rpcs
from pulumi.runtime.sync_await import _sync_await

from .aliases import generate_urn
from .azure import AzureMocks
from .unread_aliases import alias_urns_left_uncomputed
from .wire import RESOURCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN_VALUE

SECRET = "[secret]"
UNKNOWN = "[unknown]"


def redact(value: Any) -> Any:
    """Wire-format property values to plain JSON, secrets replaced by a marker."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return SECRET
        if sig == RESOURCE_SIG:
            return value.get("urn", "")
        return {key: redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    if value == UNKNOWN_VALUE:
        return UNKNOWN
    return value


class StackLike(Protocol):
    """What a run needs to know of its stack: the project and stack names, full config keys, secret keys."""

    @property
    def project(self) -> str: ...
    @property
    def stack(self) -> str: ...
    @property
    def values(self) -> Mapping[str, str]: ...
    @property
    def secret_keys(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class MockStack:
    """A stack for component tests: `project` must be the name `pulumi.Config()` reads (the Pulumi.yaml name)."""

    project: str = "test"
    stack: str = "test"
    values: Mapping[str, str] = field(default_factory=dict)
    secret_keys: tuple[str, ...] = ()


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
    aliases: tuple[dict[str, Any], ...] = field(hash=False)
    """Aliases as sent (each `{"spec": {...}}` or `{"urn": ...}`); the engine derives the children's from these."""
    inputs: dict[str, Any] = field(hash=False)
    """Inputs as sent, secrets shown as "[secret]"."""
    wire_inputs: dict[str, Any] = field(hash=False, repr=False)
    """Inputs in the engine's wire format (secrets still wrapped), for the analyzer."""
    wire_outputs: dict[str, Any] = field(default_factory=dict, hash=False, repr=False)
    """Outputs in the wire format: the mocks' state for a custom resource, `register_outputs` for a component. The
    engine's AnalyzeStack reads these, not the inputs (`pkg/resource/deploy/step_generator.go` `AnalyzeResources`)."""

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
        self.component_outputs: dict[str, dict[str, Any]] = {}

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the engine gives (`Deployment.generateURN`), not MockMonitor's (the parent's last type only, the root
        stack's included): parents, dependencies and provider references then read as in a real deployment."""
        return generate_urn(name, type_, parent, pulumi.get_project(), pulumi.get_stack())

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
                    aliases=tuple(json_format.MessageToDict(alias) for alias in request.aliases),
                    inputs=redact(wire),
                    wire_inputs=wire,
                    wire_outputs=json_format.MessageToDict(response.object),
                )
            )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        self.component_outputs[request.urn] = json_format.MessageToDict(request.outputs)
        return super().RegisterResourceOutputs(request)

    def recorded(self) -> list[Registration]:
        """Every registration, a component's outputs being those it registered last."""
        return [
            replace(r, wire_outputs=self.component_outputs[r.urn]) if r.urn in self.component_outputs else r for r in self.registrations
        ]


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
    warnings: tuple[str, ...] = ()
    """What the program logged at warning level or above (`pulumi.log.warn`, `pulumi.log.error`), in order."""

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> Registration:
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {type_} {name or ''}, found {len(found)}")
        return found[0]

    def by_urn(self) -> dict[str, Registration]:
        return {r.urn: r for r in self.registrations}


# A failed run leaves futures whose exceptions refer to themselves (the SDK re-raises one exception in every output
# that waits on it), so only the cycle collector frees them, at a moment nobody chose: with the program's high
# thresholds, often during another test, whose finalizers then log the old failure. The next run collects them first.
_failed_run_garbage = False
# They become garbage only once the caller drops the exception, after the run has returned. So a failed run leaves the
# host's heap frozen (if it froze it): the next run's collection then walks the leftovers and what was made since, not
# the whole heap (a full pass over a test process's heap costs about 0.3 CPU-s, and half the runs of the component and
# stack tests follow a failed one). Whatever unfreezes the heap meanwhile only makes that collection a full one again.
_holding_freeze = False


def _drop_pending_outputs() -> None:
    """After a failed run, end its outstanding output tasks, or the next run in this process would await them."""
    with pulumi_settings.SETTINGS.lock:
        pending = list(pulumi_settings.SETTINGS.outputs)
        pulumi_settings.SETTINGS.outputs.clear()
    for task in pending:
        task.cancel()
    if pending:
        _sync_await(asyncio.gather(*pending, return_exceptions=True))


def _collect(quiet: bool) -> None:
    """Collect a run's garbage now. It holds cycles of futures and tasks whose finalizers run Python code; left for
    later, they can run inside an ast.parse, where CPython 3.11.7 turns Python code run by the collector into "AST
    constructor recursion depth mismatch" (python/cpython#106905), and pytest's assertion rewriting parses every module
    it imports. `quiet` keeps asyncio's logger still meanwhile."""
    logger = logging.getLogger("asyncio")
    was_disabled = logger.disabled
    logger.disabled = quiet or was_disabled
    try:
        gc.collect()
    finally:
        logger.disabled = was_disabled


def run_callable(body: Callable[[], object], config: StackLike = MockStack(), mocks: AzureMocks | None = None) -> ProgramRun:
    """Run `body` as a Pulumi program of `config`'s stack under fresh mocks and wait for every RPC."""
    global _failed_run_garbage, _holding_freeze
    if _failed_run_garbage:
        gc.collect()
        _failed_run_garbage = False
    mocks = mocks or AzureMocks()
    monitor = RecordingMonitor(mocks)
    # The mocks' engine hands `pulumi.log` messages to this logger (pulumi.runtime.mocks.MockEngine.Log).
    log = _RecordingLog()
    pulumi_settings.reset_options(project=config.project, stack=config.stack, preview=False)
    pulumi.runtime.set_mocks(mocks, project=config.project, stack=config.stack, preview=False, monitor=monitor, logger=log.logger)
    set_all_config(dict(config.values), list(config.secret_keys))
    # The program tunes the garbage collector for the process the language host gives it; here it shares ours, so
    # its settings last only as long as its run.
    host_thresholds = gc.get_threshold()
    # Everything that exists before the run is frozen for its duration, so the collections of its garbage walk only
    # what the run made (a full pass over the host's heap, the SDKs' modules included, cost more than many runs). A
    # host that froze objects itself keeps them frozen: then nothing is frozen or thawed here.
    thaw = _holding_freeze or gc.get_freeze_count() == 0
    _holding_freeze = False
    if thaw:
        gc.freeze()
    try:
        try:
            with alias_urns_left_uncomputed():
                body()
                _sync_await(wait_for_rpcs())
        except BaseException:
            _drop_pending_outputs()
            _failed_run_garbage = True
            _holding_freeze = thaw
            # Its futures carry the error being raised; asyncio would log each as "never retrieved" over it.
            _collect(quiet=True)
            raise
        finally:
            program_thresholds = gc.get_threshold()
            gc.set_threshold(*host_thresholds)
        _collect(quiet=False)
    finally:
        if thaw and not _holding_freeze:
            gc.unfreeze()
    root = pulumi_settings.get_root_resource()
    outputs: dict[str, Any] = {}
    secrets: set[str] = set()
    for key, value in getattr(root, "outputs", {}).items():
        output = pulumi.Output.from_input(value)
        outputs[key] = _sync_await(output.future())
        if _sync_await(output.is_secret()):
            secrets.add(key)
    return ProgramRun(config.stack, monitor.recorded(), outputs, frozenset(secrets), mocks, program_thresholds, tuple(log.warnings))


class _RecordingLog(logging.Handler):
    """A logger of its own per run (not propagating to the root), keeping warnings and errors."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.warnings: list[str] = []
        self.logger = logging.Logger("aks_cilium.testing.program", level=logging.WARNING)
        self.logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.warnings.append(record.getMessage())
