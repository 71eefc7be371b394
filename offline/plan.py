"""The offline plan: the real program for one stack under the mock engine, written out for reviewers.

Exit codes:
  0  complete, and no mandatory policy is violated
  1  a mandatory policy is violated, or a resource failed (as `pulumi up` would stop there)
  2  invalid input, nothing written: a stack file or config value, a missing policy config, `--out`, `--fail-on`
  3  incomplete: Cilium's chart and CRDs could not be had or verified, so the chart was not rendered
     (the plan is written with `"status": "incomplete"` in plan.json)
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from aks_cilium.testing import SECRET, AzureMocks, ProgramRun, Registration
from policies.config_check import PolicyConfigError, load_policy_config
from stack_settings import ConfigError

from .analyzer import PACK_DIR, Diagnostic, PolicyPackConfigError, PolicyPackProcess
from .artifacts import SUMS_DIR, ArtifactError, cilium_artifacts
from .chart import chart_defaults, render_chart, unknown_value_paths
from .engine import run_program
from .plan_files import PlanDirError, StagedPlan, claim, inputs_digest, written_by_plan
from .redaction import Redactor
from .stack_config import PROJECT_DIR, StackConfig, StackConfigError, load_stack_config

RELEASE = "kubernetes:helm.sh/v3:Release"
EXIT_CLEAN, EXIT_FAILED, EXIT_INVALID, EXIT_INCOMPLETE = 0, 1, 2, 3
# A resource failure is reported in one short block: the provider's message, not the SDK's stack of tracebacks.
_MAX_FAILURE_LINES = 6


class PlanInputError(Exception):
    """An input the plan needs is missing or wrong in a way the user can fix (exit 2)."""


def _progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def _manifest(registration: Registration) -> dict[str, Any] | None:
    inputs = registration.inputs
    if not registration.type.startswith("kubernetes:") or "apiVersion" not in inputs:
        return None
    return inputs


def manifest_path(registration: Registration, taken: Mapping[str, str]) -> str:
    """`manifests/<name>.yaml`, or with the kind added when another object of the same Pulumi name came first."""
    path = f"manifests/{registration.name}.yaml"
    return path if path not in taken else f"manifests/{registration.name}.{registration.inputs['kind'].lower()}.yaml"


def ordered(run: ProgramRun) -> list[Registration]:
    """Registrations sorted by URN.

    The SDK registers resources from asyncio tasks, so their order changes with scheduling between runs. A URN is
    unique in a stack and made only of the stack, project, parent types, type and name, so sorting by it is stable.
    """
    return sorted(run.registrations, key=lambda r: r.urn)


def _program_sources() -> list[Path]:
    roots = [PROJECT_DIR / name for name in ("program", "stack_settings", "components/aks_cilium", "policies")]
    sources = [PROJECT_DIR / "__main__.py", PROJECT_DIR / "requirements.txt", PROJECT_DIR / "policies" / "requirements.txt"]
    for root in roots:
        sources.extend(p for p in root.rglob("*.py") if "venv" not in p.relative_to(PROJECT_DIR).parts)
    return sources


class Plan:
    """One run's results, turned into files and a summary."""

    def __init__(
        self, config: StackConfig, run: ProgramRun, diagnostics: list[Diagnostic], fail_on: list[str], examples: Path | None = None
    ) -> None:
        self.config = config
        self.examples = examples
        self.run = run
        self.registrations = ordered(run)
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.level, d.policy, d.urn, d.message))
        self.fail_on = fail_on
        self.chart_notes: list[str] = []
        self.incomplete = ""
        self.chart_version = ""

    def write(self, staged: StagedPlan) -> None:
        # Dependencies are a set to the engine; the SDK sends them in the order its tasks finished.
        staged.json("resources.json", [{**r.as_json(), "dependencies": sorted(r.dependencies)} for r in self.registrations])
        for registration in self.registrations:
            manifest = _manifest(registration)
            if manifest is not None:
                staged.yaml(manifest_path(registration, staged.files), manifest)
        staged.json("policy-report.json", [d.as_json() for d in self.diagnostics])
        releases = [r for r in self.registrations if r.type == RELEASE]
        if releases:
            self._write_chart(staged, releases[0])

    def _write_chart(self, staged: StagedPlan, release: Registration) -> None:
        values = release.inputs["values"]
        if values == SECRET:
            self.chart_notes.append("values are secret (ciliumExtraValues set with --secret): neither written nor rendered")
            return
        staged.yaml("helm/cilium.values.yaml", values)
        self.chart_version = str(release.inputs["version"])
        try:
            artifacts = cilium_artifacts(self.chart_version)
        except ArtifactError as error:
            self.incomplete = str(error)
            self.chart_notes.append(f"NOT RENDERED, the plan is incomplete: {error}")
            return
        rendered = render_chart(values, self.chart_version)
        staged.yaml_all("helm/cilium.rendered.yaml", rendered)
        self.chart_notes.append(f"chart cilium {self.chart_version} rendered: {len(rendered)} objects (verified, from {artifacts.origin})")
        self.chart_notes.extend(
            f"UNKNOWN chart value (ignored by the chart): {p}" for p in unknown_value_paths(values, chart_defaults(self.chart_version))
        )

    @property
    def exit_code(self) -> int:
        if self.incomplete:
            return EXIT_INCOMPLETE
        return EXIT_FAILED if any(d.level == "mandatory" for d in self.diagnostics) else EXIT_CLEAN

    @property
    def status(self) -> str:
        return {EXIT_CLEAN: "clean", EXIT_FAILED: "policy-violations", EXIT_INCOMPLETE: "incomplete"}[self.exit_code]

    def record(self, policy_file: Path) -> dict[str, Any]:
        paths = [PROJECT_DIR / "Pulumi.yaml", PROJECT_DIR / f"Pulumi.{self.config.stack}.yaml", *_program_sources()]
        if self.chart_version and (SUMS_DIR / f"{self.chart_version}.sha256").is_file():
            paths.append(SUMS_DIR / f"{self.chart_version}.sha256")
        inputs = {str(path.relative_to(PROJECT_DIR)): path for path in paths}
        inputs[f"policies/config/{self.config.stack}.json"] = policy_file
        if self.examples is not None:
            inputs[f"examples:{self.examples}"] = self.examples
        # Secret values are not hashed (a digest of a short secret can be guessed); only which keys are secret.
        extra = {"failOn": ",".join(sorted(self.fail_on)), "secretKeys": ",".join(self.config.secret_keys)}
        by_level = Counter(d.level for d in self.diagnostics)
        return {
            "status": self.status,
            "complete": not self.incomplete,
            "exitCode": self.exit_code,
            "stack": self.config.stack,
            "project": self.config.project,
            # Keys that hold example values: this plan is not what a deployment of the stack file would do.
            "exampleValues": list(self.config.example_keys),
            "inputs": inputs_digest(inputs, extra),
            "summary": {
                "resources": len(self.registrations),
                "resourcesByType": dict(sorted(Counter(r.type for r in self.registrations).items())),
                "policies": {"mandatory": by_level["mandatory"], "advisory": by_level["advisory"]},
                "chart": self.chart_notes,
                **({"incomplete": self.incomplete} if self.incomplete else {}),
            },
        }

    def tree(self) -> Iterator[str]:
        """The resource tree, children sorted by URN under their parent."""
        children: dict[str, list[Registration]] = {}
        known = {r.urn for r in self.registrations}
        for registration in self.registrations:
            children.setdefault(registration.parent if registration.parent in known else "", []).append(registration)

        def walk(parent: str, depth: int) -> Iterator[str]:
            for registration in children.get(parent, []):
                detail = _key_settings(registration)
                yield f"{'  ' * (depth + 1)}+ {registration.type} {registration.name}{'  ' + detail if detail else ''}"
                yield from walk(registration.urn, depth + 1)

        return walk("", 0)

    def summary(self, out: Path) -> str:
        lines = [f"Plan of stack {self.config.stack}: {len(self.registrations)} resources"]
        if self.config.example_keys:
            lines.append(
                f"EXAMPLE VALUES (offline plan only, refused by pulumi up) for {', '.join(self.config.example_keys)} from {self.examples}"
            )
        deployers = self.run.outputs.get("deployers")
        if isinstance(deployers, list):
            pinned = self.config.values.get(f"{self.config.project}:deployerPrincipals", "[]") not in ("", "[]")
            source = "deployerPrincipals" if pinned else "the signed-in principal (getClientConfig); set deployerPrincipals to pin it"
            lines.append(f"Cluster admin for pulumi up: {', '.join(map(str, deployers))} ({source})")
        lines += [*self.tree()]
        if self.run.warnings:
            lines += ["", "Warnings:", *(f"  warning: {warning}" for warning in self.run.warnings)]
        lines += ["", "Policies:"]
        for level in ("mandatory", "advisory"):
            found = [d for d in self.diagnostics if d.level == level]
            lines.append(f"  {level}: {len(found)}")
            lines.extend(f"    [{d.policy}] {d.message.splitlines()[-1]}" for d in found)
        lines.extend(f"Chart: {note}" for note in self.chart_notes)
        lines.append(f"\nWritten to {out} (status: {self.status})")
        return "\n".join(lines)


def _key_settings(registration: Registration) -> str:
    inputs = registration.inputs
    if registration.type.endswith("ManagedCluster"):
        profile = inputs.get("networkProfile", {})
        parts = [
            f"{k}={profile[k]}"
            for k in ("networkPlugin", "networkPluginMode", "networkDataplane", "networkPolicy", "podCidr")
            if k in profile
        ]
        return " ".join(parts) + (" protect" if registration.protect else "")
    if registration.type == RELEASE:
        return f"chart={inputs.get('chart')} version={inputs.get('version')}"
    if registration.type.endswith("CiliumNetworkPolicy"):
        return f"{inputs['metadata']['namespace']}: {inputs['spec'].get('description', '')}"
    return ""


def _unknown_fail_on(run: ProgramRun, fail_on: list[str]) -> None:
    names = sorted({r.name for r in run.registrations})
    unknown = sorted(set(fail_on) - set(names))
    if unknown:
        raise PlanInputError(
            f"--fail-on {', '.join(unknown)}: no resource of stack {run.stack} has that name; the names are:\n"
            + "\n".join(f"  {name}" for name in names)
        )


def _where_set(config: StackConfig, keys: frozenset[str]) -> str:
    """Where the stack file sets each key a config error names (a key left to Pulumi.yaml's default has no line)."""
    names = (f"{config.project}:{key}" for key in sorted(keys))
    return "".join(f"\n  ({name} is set at {config.locations[name]})" for name in names if name in config.locations)


def _failure_block(error: BaseException) -> str:
    """A resource failure in a few lines: what failed and why, without the SDK's tracebacks."""
    lines = [line for line in str(error).splitlines() if line.strip()] or [type(error).__name__]
    kept = lines[:_MAX_FAILURE_LINES]
    if len(lines) > len(kept):
        kept.append(f"... ({len(lines) - len(kept)} more lines)")
    return "error: the deployment would stop here: " + "\n  ".join(kept)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", default="dev")
    parser.add_argument(
        "--out", type=Path, default=None,
        help="plan directory (default build/plan/<stack>); must be new, empty, or a previous plan's",
    )  # fmt: skip
    parser.add_argument(
        "--examples", type=Path, default=None, metavar="FILE",
        help="example values (shaped like a stack file) for keys the stack file leaves unset; the plan is marked so",
    )  # fmt: skip
    parser.add_argument(
        "--fail-on", action="append", default=[], metavar="RESOURCE",
        help="make the mock engine fail creating this resource (by Pulumi name), to see how a failed deploy reads",
    )  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out: Path = args.out or PROJECT_DIR / "build" / "plan" / args.stack
    redact: Callable[[str], str] = Redactor(())

    def error(message: str) -> None:
        print(redact(message), file=sys.stderr)

    try:
        # The default directory is the harness's own (build/ is ours); a directory given with --out must be proven so.
        if args.out:
            claim(out)
        else:
            _claim_default(out)
        config = load_stack_config(args.stack, examples=args.examples)
        redact = Redactor(config.values[key] for key in config.secret_keys if key in config.values)
        policy_file = PACK_DIR / "config" / f"{args.stack}.json"
        load_policy_config(policy_file, args.stack)  # a missing or weakening policy config is an input error
        _progress(f"running __main__.py for stack {args.stack} under the mock engine")
        run = run_program(config, AzureMocks(fail_on=frozenset(args.fail_on)))
        _unknown_fail_on(run, args.fail_on)
    except ConfigError as problem:
        error(f"error: {problem}{_where_set(config, problem.keys)}")
        return EXIT_INVALID
    except (StackConfigError, PolicyConfigError, PlanDirError, PlanInputError) as problem:
        error(f"error: {problem}")
        return EXIT_INVALID
    except Exception as failure:
        # The failed registration leaves futures whose exception nobody awaits; asyncio would log each of them,
        # with its traceback, when they are collected. They all repeat the failure reported here.
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        error(_failure_block(failure))
        return EXIT_FAILED
    _progress(f"{len(run.registrations)} resources registered; running the policy pack over the analyzer protocol")
    with PolicyPackProcess() as pack:
        try:
            pack.configure(policy_file)
        except PolicyPackConfigError as problem:  # properties the pack's own config schemas refuse, as the CLI does
            error(f"error: {problem}")
            return EXIT_INVALID
        diagnostics = pack.analyze_all(run.registrations)
    _progress("writing the plan")
    plan = Plan(config, run, diagnostics, args.fail_on, args.examples)
    try:
        with StagedPlan(out, scrub=redact) as staged:
            plan.write(staged)
            staged.commit(plan.record(policy_file))
    except PlanDirError as problem:  # something else took --out while the program ran
        error(f"error: {problem}")
        return EXIT_INVALID
    print(redact(plan.summary(out)))
    if plan.incomplete:
        error(f"error: the plan is INCOMPLETE (exit {EXIT_INCOMPLETE}): Cilium's chart was not rendered.\n{plan.incomplete}")
    return plan.exit_code


def _claim_default(out: Path) -> None:
    if out.is_dir() and not written_by_plan(out):
        shutil.rmtree(out)  # build/ is ours: a plan from before plan.json existed
    claim(out)


if __name__ == "__main__":
    sys.exit(main())
