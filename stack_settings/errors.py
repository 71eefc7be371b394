"""Configuration errors that name the file and line, the key, the problem and a command that fixes it."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace

import pulumi

PROJECT = "aks-cilium"
Locate = Callable[[str, str], str]
"""(full key, path inside its value) -> `Pulumi.<stack>.yaml:<line>`, or "" when no file sets it."""


def full_key(key: str) -> str:
    """`skuTier` -> `aks-cilium:skuTier`; a key of another namespace is kept as written."""
    return key if ":" in key else f"{PROJECT}:{key}"


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with one config key, or with one item inside its value."""

    key: str
    """Without the project prefix for this project's keys; with its namespace for another's."""
    problem: str
    example: str
    """A value that fixes it, as the CLI should receive it (`[]`, `1.36`, `Sunday 01:00 6h`): `fix` quotes it for the
    shell; or a whole command starting `pulumi `."""
    path: str = ""
    """Where inside a list or object value: `[2]`, `.payments.egress[0]`; empty for the whole value."""
    where: str = ""
    """`Pulumi.dev.yaml:14` where the offending value is written, `Pulumi.yaml:40` for a default; empty if unknown."""

    def fix(self) -> str:
        """A command the Pulumi CLI accepts: `pulumi config set <key> [value]`, with `--path` for an item inside a list
        or map (pulumi.com docs, `pulumi config set`: "pulumi config set --path 'names[0]' a"; a key without a
        namespace is put in the project's, `pkg/cmd/pulumi/config` `parseConfigKey`)."""
        if self.example.startswith("pulumi "):
            return self.example
        # Quoted here, once: a value with spaces or `<`/`(` would otherwise be several arguments or a redirect.
        if self.path:
            return f"pulumi config set --path {shlex.quote(self.key + self.path)} {shlex.quote(self.example)}"
        return f"pulumi config set {full_key(self.key)} {shlex.quote(self.example)}"

    def render(self) -> str:
        where = f"{self.where}: " if self.where else ""
        return f"{where}{full_key(self.key)}{self.path}: {self.problem}. Fix: {self.fix()}"


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

    def located(self, locate: Locate) -> ConfigError:
        """The same problems, each with the file and line where `locate` finds its value (else as they were)."""
        return ConfigError([replace(p, where=locate(full_key(p.key), p.path) or p.where) for p in self.problems])
