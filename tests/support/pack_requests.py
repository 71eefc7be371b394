"""Analyzer requests built by hand, as the engine sends them, for probing the policy pack with exact properties."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from aks_cilium.testing.wire import UNKNOWN_VALUE
from offline.analyzer import PACK_DIR, Diagnostic, PolicyPackProcess

# What the engine sends for a value that is unknown during preview (pulumi_policy/proxy.py, UNKNOWN_STRING_VALUE).
UNKNOWN = UNKNOWN_VALUE


@dataclass(frozen=True)
class Res:
    type: str
    name: str
    props: Mapping[str, Any]
    protect: bool = False
    dependencies: Sequence[str] = ()
    provider: Res | None = None
    urn: str = field(default="")

    def __post_init__(self) -> None:
        if not self.urn:
            object.__setattr__(self, "urn", f"urn:pulumi:prod::aks-cilium::{self.type}::{self.name}")


def struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    json_format.ParseDict(value, message)
    return message


def _provider(res: Res) -> analyzer_pb2.AnalyzerProviderResource | None:
    if res.provider is None:
        return None
    p = res.provider
    return analyzer_pb2.AnalyzerProviderResource(type=p.type, properties=struct(p.props), urn=p.urn, name=p.name)


def analyze(pack: PolicyPackProcess, res: Res) -> list[Diagnostic]:
    return pack.send_analyze(
        analyzer_pb2.AnalyzeRequest(
            type=res.type, properties=struct(res.props), urn=res.urn, name=res.name,
            options=analyzer_pb2.AnalyzerResourceOptions(protect=res.protect), provider=_provider(res),
        )
    )  # fmt: skip


def analyze_stack(pack: PolicyPackProcess, resources: Sequence[Res]) -> list[Diagnostic]:
    return pack.send_analyze_stack(
        analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(
                    type=r.type, properties=struct(r.props), urn=r.urn, name=r.name, dependencies=list(r.dependencies),
                    options=analyzer_pb2.AnalyzerResourceOptions(protect=r.protect), provider=_provider(r),
                )
                for r in resources
            ]
        )
    )  # fmt: skip


def of_policy(diagnostics: list[Diagnostic], policy: str) -> list[Diagnostic]:
    return [d for d in diagnostics if d.policy == policy]


def prod_pack() -> Iterator[PolicyPackProcess]:
    """The pack as the engine starts it, configured with prod's policy config."""
    with PolicyPackProcess() as process:
        process.configure(PACK_DIR / "config" / "prod.json")
        yield process


prod_pack_fixture = pytest.fixture(scope="module", name="pack")(prod_pack)
