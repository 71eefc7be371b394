"""One plan's reachability: the policies read, the mode, every covered flow and each expectation's verdict."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aks_cilium.network_policy.expectations import Expectation
from aks_cilium.testing import Registration

from .coverage import Coverage, Flow
from .engine import Engine, Verdict
from .mode import Mode, mode_of
from .policies import Policy, read_policies

MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
RELEASE = "kubernetes:helm.sh/v3:Release"


@dataclass(frozen=True)
class ExpectationResult:
    expectation: Expectation
    verdict: Verdict

    @property
    def holds(self) -> bool:
        return self.verdict.allowed == self.expectation.allowed

    def render(self) -> str:
        mark = "ok  " if self.holds else "FAIL"
        return f"{mark} {self.expectation.render()}: {self.verdict.word} ({'; '.join(self.verdict.reasons)})"


@dataclass
class Analysis:
    policies: list[Policy]
    mode: Mode
    coverage: Coverage
    engine: Engine
    expectations: list[ExpectationResult]
    flows: list[Flow] = field(default_factory=list)

    @property
    def contradicted(self) -> list[ExpectationResult]:
        return [r for r in self.expectations if not r.holds]

    @property
    def notes(self) -> list[str]:
        """Constructs the analyser reads but does not evaluate, per rule."""
        return sorted({f"{rule.ref}: {note}" for p in self.policies for rule in p.rules for note in rule.notes})

    def judge(self, source: str, kind: str, value: str, port: int, protocol: str) -> Verdict:
        return self.engine.flow(self.coverage.peer("namespace", source), self.coverage.peer(kind, value), port, protocol)


def _namespaces(manifests: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    found = {}
    for manifest in manifests:
        if manifest.get("kind") == "Namespace" and manifest.get("apiVersion") == "v1":
            metadata = manifest.get("metadata") or {}
            found[str(metadata.get("name"))] = {str(k): str(v) for k, v in (metadata.get("labels") or {}).items()}
    return found


def analyse_manifests(
    manifests: Sequence[Mapping[str, Any]],
    expectations: Iterable[Expectation] = (),
    mode: Mode | None = None,
    materialise: bool = True,
) -> Analysis:
    """The analysis of Kubernetes manifests as a plan writes them; `materialise` False leaves `flows` to the caller."""
    policies = read_policies(manifests)
    expectations = tuple(expectations)
    coverage = Coverage(_namespaces(manifests), policies, expectations)
    engine = Engine(policies, mode or Mode())
    results = [
        ExpectationResult(
            e, engine.flow(coverage.peer("namespace", e.source), coverage.peer(e.target.kind, e.target.value), e.port, e.protocol)
        )
        for e in expectations
    ]
    analysis = Analysis(policies, engine.mode, coverage, engine, results)
    if materialise:
        analysis.flows = list(coverage.flows(engine))
    return analysis


def analyse_resources(
    resources: Iterable[tuple[str, Mapping[str, Any]]], expectations: Iterable[Expectation] = (), materialise: bool = True
) -> Analysis:
    """The analysis of (type, inputs) pairs, as registered or as resources.json has them, in the mode they give."""
    resources = list(resources)
    manifests = [inputs for kind, inputs in resources if kind.startswith("kubernetes:") and "apiVersion" in inputs]
    cluster = next((inputs for kind, inputs in resources if kind == MANAGED_CLUSTER), None)
    release = next((inputs for kind, inputs in resources if kind == RELEASE), None)
    values = release.get("values") if release else None
    mode = mode_of(cluster, values if isinstance(values, dict) else None)
    return analyse_manifests(manifests, expectations, mode, materialise)


def analyse(registrations: Sequence[Registration], expectations: Iterable[Expectation] = ()) -> Analysis:
    """The analysis of a plan's registrations, in the mode its cluster and Cilium release give."""
    return analyse_resources(((r.type, r.inputs) for r in registrations), expectations)
