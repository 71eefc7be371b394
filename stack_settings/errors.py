"""Configuration errors that name the key, the problem and a valid example."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

PROJECT = "aks-cilium"


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with one config key."""

    key: str
    problem: str
    example: str

    def render(self) -> str:
        return f"{PROJECT}:{self.key}: {self.problem}. Fix: pulumi config set {PROJECT}:{self.key} {self.example}"


class ConfigError(pulumi.RunError):
    """Invalid stack configuration; raised before any resource is registered.

    A `pulumi.RunError`, so the Pulumi CLI prints the message without a traceback.
    """

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p.render()}" for p in self.problems)
        super().__init__(f"invalid stack configuration ({len(self.problems)} problem(s)):\n{lines}")

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(p.key for p in self.problems)
