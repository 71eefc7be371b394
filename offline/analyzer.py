"""Run the policy pack as the Pulumi engine does and talk to it over the pulumirpc.Analyzer protocol."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf import empty_pb2, json_format, struct_pb2
from jsonschema import Draft7Validator
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from aks_cilium.testing import Registration
from policies.config_check import load_policy_config

from .plugin_process import PluginProcess
from .stack_config import PROJECT_DIR

PACK_DIR = PROJECT_DIR / "policies"
LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "disabled": analyzer_pb2.DISABLED,
    "remediate": analyzer_pb2.REMEDIATE,
}
LEVEL_NAMES = {value: name for name, value in LEVELS.items()}
# The pack answers a large stack with more than gRPC's 4 MB default; the engine's own client allows far more, and
# pulumi-policy's server accepts up to 400 MB (its _MAX_RPC_MESSAGE_SIZE): the offline client allows the same.
MAX_MESSAGE_BYTES = 400 * 1024 * 1024
CHANNEL_OPTIONS = (("grpc.max_receive_message_length", MAX_MESSAGE_BYTES), ("grpc.max_send_message_length", MAX_MESSAGE_BYTES))


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    level: str
    message: str
    urn: str

    def as_json(self) -> dict[str, str]:
        return {"policy": self.policy, "enforcementLevel": self.level, "message": self.message, "urn": self.urn}


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    json_format.ParseDict(value, struct)
    return struct


class PolicyPackConfigError(ValueError):
    """Properties the pack's own config schemas refuse: the CLI stops before the update with the same list."""


MAX_ARG_STRLEN = 32 * 4096
"""Linux refuses to exec with any one argument or environment string longer than this, its NUL included (32 pages;
torvalds/linux include/uapi/linux/binfmts.h): execve fails with E2BIG."""


class StackConfigTooLargeError(ValueError):
    """The stack's config does not fit the one environment string the engine passes it in to a policy pack."""


def config_environment(stack_config: Mapping[str, str] | None) -> dict[str, str]:
    """`PULUMI_CONFIG` as the engine sets it for a pack (pulumi/pulumi sdk/go/common/resource/plugin/analyzer_plugin.go
    `constructEnv`: config only ever goes by this variable; pulumi-policy's `ConfigureStack` reads only the stack's
    tags), refused up front when Linux could not start the pack with it."""
    value = json.dumps(dict(stack_config or {}))
    size = len(f"PULUMI_CONFIG={value}".encode()) + 1
    if size > MAX_ARG_STRLEN:
        raise StackConfigTooLargeError(
            f"the stack's config is {size:,} bytes as PULUMI_CONFIG, over Linux's {MAX_ARG_STRLEN:,}-byte limit on one "
            "environment string (MAX_ARG_STRLEN, torvalds/linux include/uapi/linux/binfmts.h); the Pulumi engine passes "
            "a policy pack its stack's config only that way (pulumi/pulumi analyzer_plugin.go constructEnv), so "
            "pulumi preview --policy-pack could not start the pack either: split the namespaces over more stacks"
        )
    return {"PULUMI_CONFIG": value}


def policy_config(config_file: Path, policies: Sequence[Any], tier: str = "prod") -> dict[str, analyzer_pb2.PolicyConfig]:
    """A --policy-pack-config file as the CLI reconciles and sends it (`pulumi/pulumi` `pkg/resource/analyzer/config.go`).

    `ReconcilePolicyPackConfig`: every policy starts at its own level from `GetAnalyzerInfo` with the `default` of each
    property of its config schema (`createConfigWithDefaults`); `applyConfig` then sets `all`'s level (only its level)
    on every policy, and each policy's own entry sets its level and merges its properties over the defaults; the
    result is validated against each policy's config schema (`validatePolicyPackConfig`). The file itself is checked
    first (policies/config_check.py) against the stack's `tier`.
    """
    raw = load_policy_config(config_file, tier)
    given = {name: _parse_entry(entry) for name, entry in raw.items()}
    configs: dict[str, analyzer_pb2.PolicyConfig] = {}
    problems: list[str] = []
    for policy in policies:
        schema = json_format.MessageToDict(policy.configSchema) if policy.HasField("configSchema") else {}
        level = LEVEL_NAMES[policy.enforcementLevel]
        properties = {key: spec["default"] for key, spec in schema.get("properties", {}).items() if "default" in spec}
        for entry in (given.get("all"), given.get(policy.name)):
            if entry is not None:
                level = entry[0] or level
        properties.update(given.get(policy.name, ("", {}))[1])
        if schema:
            validator = Draft7Validator({"type": "object", **{k: v for k, v in schema.items() if k in ("properties", "required")}})
            problems += [f"{policy.name}: {error.message}" for error in validator.iter_errors(properties)]
        configs[policy.name] = analyzer_pb2.PolicyConfig(enforcementLevel=LEVELS[level], properties=_struct(properties))
    if problems:
        raise PolicyPackConfigError(f"policy config {config_file}: " + "; ".join(problems))
    return configs


def _parse_entry(entry: Any) -> tuple[str, dict[str, Any]]:
    """`parsePolicyPackConfig`: a level, or an object whose `enforcementLevel` is the level and the rest properties."""
    if isinstance(entry, str):
        return entry, {}
    properties = {key: value for key, value in entry.items() if key != "enforcementLevel"}
    return str(entry.get("enforcementLevel", "")), properties


class PolicyPackProcess:
    """`python -u -m pulumi.policy <engine> <pack-dir>` from the pack directory, its port read from its first line.

    As `pulumi/pulumi` `sdk/python/cmd/pulumi-language-python/main.go` `RunPlugin` starts a pack (kind analyzer): the
    engine address (`pkg/resource/plugin/analyzer_plugin.go`) then the pack's folder as arguments, the folder as working
    directory. Not modelled, because the pack reads none of it: the pack's own `venv` (this runs the dev venv, which
    installs policies/requirements.txt), `PULUMI_PROJECT`, `PULUMI_STACK` and `PULUMI_DRY_RUN`, and the engine's
    `ConfigureStack` call (stack tags). Modelled: `PULUMI_CONFIG`, the stack's config as a JSON object of full keys to
    values, secrets decrypted (`pkg/resource/plugin/analyzer_plugin.go`, `constructEnv`), from which the pack reads the
    stack's tier (policies/rules/tier.py); None passes no config, as for a pack started outside a stack.
    """

    def __init__(self, pack_dir: Path = PACK_DIR, stack_config: Mapping[str, str] | None = None) -> None:
        self.pack_dir = pack_dir
        self.tier = (stack_config or {}).get("aks-cilium:tier", "prod")
        env = config_environment(stack_config)
        self._plugin = PluginProcess(
            [sys.executable, "-u", "-m", "pulumi.policy"],
            cwd=pack_dir,
            extra_args=[str(pack_dir)],
            channel_options=CHANNEL_OPTIONS,
            env=env,
        )
        self.process = self._plugin.process
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self._plugin.channel)

    def __enter__(self) -> PolicyPackProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._plugin.close()

    def info(self) -> Any:
        return self.stub.GetAnalyzerInfo(empty_pb2.Empty())

    def configure(self, config_file: Path) -> None:
        configs = policy_config(config_file, self.info().policies, self.tier)
        self.stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=configs))

    def analyze(self, registration: Registration, providers: Mapping[str, Registration] | None = None) -> list[Diagnostic]:
        return self.send_analyze(analyze_request(registration, providers or {}))

    def analyze_stack(self, registrations: list[Registration]) -> list[Diagnostic]:
        return self.send_analyze_stack(analyze_stack_request(registrations))

    def send_analyze(self, request: analyzer_pb2.AnalyzeRequest) -> list[Diagnostic]:
        return _diagnostics(self.stub.Analyze(request), request.urn)

    def send_analyze_stack(self, request: analyzer_pb2.AnalyzeStackRequest) -> list[Diagnostic]:
        return _diagnostics(self.stub.AnalyzeStack(request), "")

    def analyze_all(self, registrations: list[Registration]) -> list[Diagnostic]:
        """What a `pulumi preview --policy-pack` reports: every registration as it registers, then the whole stack.

        `pulumi/pulumi` `pkg/resource/deploy/step_generator.go`: `generateSteps` runs `analyzeAll` for every registered
        resource, components included, and `AnalyzeResources` sends every resource of the deployment to AnalyzeStack.
        """
        by_urn = {r.urn: r for r in registrations}
        return [d for r in registrations for d in self.analyze(r, by_urn)] + self.analyze_stack(registrations)


def _provider(registration: Registration, by_urn: Mapping[str, Registration]) -> analyzer_pb2.AnalyzerProviderResource | None:
    """The resource's provider as the engine passes it: a provider reference is `<provider urn>::<id>`."""
    provider = by_urn.get(registration.provider.rsplit("::", 1)[0]) if registration.provider else None
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type, properties=_struct(provider.wire_inputs), urn=provider.urn, name=provider.name
    )


def analyze_request(registration: Registration, providers: Mapping[str, Registration] | None = None) -> analyzer_pb2.AnalyzeRequest:
    """What the engine sends for one resource as it registers."""
    return analyzer_pb2.AnalyzeRequest(
        type=registration.type, properties=_struct(registration.wire_inputs), urn=registration.urn, name=registration.name,
        options=_options(registration), provider=_provider(registration, providers or {}),
    )  # fmt: skip


def analyze_stack_request(registrations: list[Registration]) -> analyzer_pb2.AnalyzeStackRequest:
    """What the engine sends once the program has finished: every resource with its parent, dependencies and provider,
    and its outputs, not its inputs ("AnalyzeStack is called on the final outputs of each resource",
    `pkg/resource/deploy/step_generator.go` `AnalyzeResources`)."""
    by_urn = {r.urn: r for r in registrations}
    resources = [
        analyzer_pb2.AnalyzerResource(
            type=r.type,
            properties=_struct(r.wire_outputs),
            urn=r.urn,
            name=r.name,
            options=_options(r),
            provider=_provider(r, by_urn),
            parent=r.parent,
            dependencies=list(r.dependencies),
        )
        for r in registrations
    ]
    return analyzer_pb2.AnalyzeStackRequest(resources=resources)


def _options(registration: Registration) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=registration.protect, ignoreChanges=list(registration.ignore_changes), parent=registration.parent
    )


def _diagnostics(response: Any, urn: str) -> list[Diagnostic]:
    return [Diagnostic(d.policyName, _level(d.enforcementLevel), d.message, d.urn or urn) for d in response.diagnostics]


def _level(level: analyzer_pb2.EnforcementLevel.ValueType) -> str:
    """A diagnostic at `remediate` that still comes back is a violation the remediation did not fix: the engine counts
    it as mandatory (`pkg/resource/deploy/analyze_snapshot.go` `analyzeResource`, and `AnalyzeResources`)."""
    name = LEVEL_NAMES.get(level, "advisory")
    return "mandatory" if name == "remediate" else name
