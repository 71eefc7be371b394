"""The offline plan: the real program for one stack under the mock engine, written out for reviewers.

Exit codes:
  0  complete, and no mandatory policy is violated
  1  a mandatory policy is violated, or a resource failed (as `pulumi up` would stop there)
  2  invalid input, nothing written: a stack file or config value, a missing policy config, `--out`, `--fail-on`
  3  incomplete: Cilium's chart and CRDs could not be had or verified, so the chart was not rendered
     (the plan is written with `"status": "incomplete"` in plan.json)
  4  the policies contradict a declared expectation (config key `expectations`); each one is named
     (the plan is written, with `"status": "expectations-contradicted"`)

`--explain "client -> demo:8080"` prints the verdict on one flow and the rules that decide it, and writes nothing.
`--diff OLD_PLAN_DIR` also prints and writes (diff.json, diff.md) the flows opened and closed and the resources
created, updated, replaced and deleted since that plan (docs/reachability.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from aks_cilium.core.tokens import component_type
from aks_cilium.network_policy.expectations import Expectation, ExpectationError
from aks_cilium.testing import SECRET, ProgramRun, Registration
from policies.config_check import PolicyConfigError, load_policy_config
from program.component_checks import component_problems
from stack_settings import ConfigError, ConfigProblem
from stack_settings.errors import PROJECT
from stack_settings.load import load_settings, project_config
from stack_settings.locations import ConfigLocations
from stack_settings.redaction import Redactor
from stack_settings.runtime_source import plan_date_from_environment

from .analyzer import PACK_DIR, Diagnostic, PolicyPackConfigError, PolicyPackProcess, StackConfigTooLargeError, config_environment
from .artifacts import SUMS_DIR, ArtifactError, cilium_artifacts, nearest_verified
from .chart import chart_defaults, render_chart, unknown_value_paths, values_schema
from .engine import RECORDED_OUTPUTS_DIR, plan_mocks, run_program
from .plan_files import PlanDirError, PlanLock, StagedPlan, canonical_json, claim, inputs_digest
from .reachability import Analysis, analyse
from .reachability.diff import DiffInputError, PlanDiff, diff_markdown, load_plan, plan_diff
from .reachability.explain import explain
from .reachability.page import render_page
from .reachability.report import flows_json, summary_lines
from .stack_config import PROJECT_DIR, StackConfig, StackConfigError, load_stack_config

RELEASE = "kubernetes:helm.sh/v3:Release"
EXIT_CLEAN, EXIT_FAILED, EXIT_INVALID, EXIT_INCOMPLETE, EXIT_EXPECTATIONS = 0, 1, 2, 3, 4
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
        self,
        config: StackConfig,
        run: ProgramRun,
        diagnostics: list[Diagnostic],
        fail_on: list[str],
        reachability: Analysis | None = None,
        baseline: list[dict[str, Any]] | None = None,
        examples: Path | None = None,
    ) -> None:
        self.config = config
        self.examples = examples
        """The --examples file whose values fill keys the stack file leaves to the deployer."""
        self.reachability = reachability
        self.baseline = baseline
        """The resources of the plan given to --diff."""
        self.diff: PlanDiff | None = None
        self.run = run
        self.registrations = ordered(run)
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.level, d.policy, d.urn, d.message))
        self.fail_on = fail_on
        self.chart_notes: list[str] = []
        self.incomplete = ""
        self.chart_version = ""
        self.rendered_version = ""

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
        if self.reachability is not None:
            staged.json("reachability.json", flows_json(self.reachability.flows))
            staged.text("reachability.html", render_page(self.reachability, self.config.stack))
            if self.baseline is not None:
                # Compared as written: secrets are "[secret]" on both sides, numbers as JSON has them.
                written = json.loads(canonical_json([r.as_json() for r in self.registrations]))
                self.diff = plan_diff(self.baseline, written, self.reachability)
                staged.json("diff.json", self.diff.as_json())
                staged.text("diff.md", diff_markdown(self.diff, self.config.stack))

    def _write_chart(self, staged: StagedPlan, release: Registration) -> None:
        values = release.inputs["values"]
        if values == SECRET:
            self.chart_notes.append("values are secret (ciliumExtraValues set with --secret): neither written nor rendered")
            return
        staged.yaml("helm/cilium.values.yaml", values)
        self.chart_version = str(release.inputs["version"])
        try:
            artifacts = nearest_verified(self.chart_version, cilium_artifacts)
        except ArtifactError as error:
            self.incomplete = str(error)
            self.chart_notes.append(f"NOT RENDERED, the plan is incomplete: {error}")
            return
        self.rendered_version = artifacts.version
        rendered = render_chart(values, artifacts.version)
        staged.yaml_all("helm/cilium.rendered.yaml", rendered)
        if artifacts.version == self.chart_version:
            self.chart_notes.append(
                f"chart cilium {self.chart_version} rendered: {len(rendered)} objects (verified, from {artifacts.origin})"
            )
        else:
            self.chart_notes.append(
                f"chart cilium {artifacts.version} rendered in place of {self.chart_version}, the version the stack deploys: "
                f"{len(rendered)} objects (verified, from {artifacts.origin}; the nearest verified chart of the same minor "
                f"available offline; `make artifacts` fetches {self.chart_version} where downloads are allowed)"
            )
        self.chart_notes.extend(
            f"UNKNOWN chart value (ignored by the chart): {p}" for p in unknown_value_paths(values, chart_defaults(artifacts.version))
        )

    @property
    def exit_code(self) -> int:
        if self.incomplete:
            return EXIT_INCOMPLETE
        if any(d.level == "mandatory" for d in self.diagnostics):
            return EXIT_FAILED
        return EXIT_EXPECTATIONS if self.reachability is not None and self.reachability.contradicted else EXIT_CLEAN

    @property
    def status(self) -> str:
        return {
            EXIT_CLEAN: "clean",
            EXIT_FAILED: "policy-violations",
            EXIT_INCOMPLETE: "incomplete",
            EXIT_EXPECTATIONS: "expectations-contradicted",
        }[self.exit_code]

    def record(self, policy_file: Path) -> dict[str, Any]:
        paths = [PROJECT_DIR / "Pulumi.yaml", PROJECT_DIR / f"Pulumi.{self.config.stack}.yaml", *_program_sources()]
        for version in sorted({self.chart_version, self.rendered_version} - {""}):
            if (SUMS_DIR / f"{version}.sha256").is_file():
                paths.append(SUMS_DIR / f"{version}.sha256")
        # The recorded outputs of every stack the program references (a mesh member's peer) shape the plan too.
        for stack in sorted(set(self.run.mocks.referenced_stacks)):
            recorded = RECORDED_OUTPUTS_DIR / f"{stack}.json"
            if recorded.is_file():
                paths.append(recorded)
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
                "externalNamespaces": self.external_namespaces(),
                **({"incomplete": self.incomplete} if self.incomplete else {}),
            },
        }

    def external_namespaces(self) -> list[str]:
        """The namespaces the policy sets name but this stack does not create (`externalNamespaces`), as each set
        registered them in its outputs: the program's view, the default included, not the stack file's text."""
        names: set[str] = set()
        for registration in self.registrations:
            if registration.type == component_type("NetworkPolicySet"):
                listed = registration.wire_outputs.get("external_namespaces")
                if isinstance(listed, list):
                    names.update(name for name in listed if isinstance(name, str))
        return sorted(names)

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

    def _deploy_lines(self) -> Iterator[str]:
        """Which values are examples, and who gets cluster admin for pulumi up (and why that one)."""
        if self.config.example_keys:
            keys = ", ".join(self.config.example_keys)
            yield f"EXAMPLE VALUES (offline plan only, refused by pulumi up) for {keys} from {self.examples}"
        deployers = self.run.outputs.get("deployers")
        if isinstance(deployers, list):
            pinned = self.config.values.get(f"{self.config.project}:deployerPrincipals", "[]") not in ("", "[]")
            source = "deployerPrincipals" if pinned else "the signed-in principal (getClientConfig); set deployerPrincipals to pin it"
            yield f"Cluster admin for pulumi up: {', '.join(map(str, deployers))} ({source})"

    def summary(self, out: Path) -> str:
        lines = [f"Plan of stack {self.config.stack}: {len(self.registrations)} resources", *self._deploy_lines(), *self.tree()]
        external = self.external_namespaces()
        lines.append(f"Not created by this stack (externalNamespaces): {', '.join(external) if external else 'none'}")
        if self.run.warnings:
            lines += ["", "Warnings:", *(f"  warning: {warning}" for warning in self.run.warnings)]
        lines += ["", "Policies:"]
        for level in ("mandatory", "advisory"):
            found = [d for d in self.diagnostics if d.level == level]
            lines.append(f"  {level}: {len(found)}")
            lines.extend(f"    [{d.policy}] {d.message.splitlines()[-1]}" for d in found)
        lines.extend(f"Chart: {note}" for note in self.chart_notes)
        if self.reachability is not None:
            lines += ["", *summary_lines(self.reachability)]
        if self.diff is not None:
            lines += ["", diff_markdown(self.diff, self.config.stack).rstrip()]
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


def _values_the_chart_accepts(run: ProgramRun) -> None:
    """The release's values against Cilium's `values.schema.json`, before rendering: Helm validates values against the
    chart's schema and refuses the install (helm/helm `pkg/chartutil/jsonschema.go`, ValidateAgainstSchema), so a
    value the schema refuses is an input error naming the config key, not a crash of the renderer. Helm validates the
    values coalesced with the chart's defaults (`pkg/chartutil/values.go`, ToRenderValuesWithSchemaValidation:
    CoalesceValues, then ValidateAgainstSchema); Cilium's schema requires no property, so the release's own values
    meet the same checks, except a null, which coalescing drops and this check judges as written."""
    for release in (r for r in run.registrations if r.type == RELEASE):
        values, version = release.inputs.get("values"), str(release.inputs.get("version"))
        if not isinstance(values, dict):
            continue  # secret values are neither written nor rendered
        try:
            schema = values_schema(nearest_verified(version, cilium_artifacts).version)  # the chart that is rendered
        except ArtifactError:
            continue  # the plan is incomplete without the chart anyway, and says so
        problems = [
            f"values.{'.'.join(str(p) for p in error.absolute_path) or '(top level)'}: {error.message}"
            for error in sorted(Draft7Validator(schema).iter_errors(values), key=lambda e: [str(p) for p in e.absolute_path])
        ]
        if problems:
            raise PlanInputError(
                f"{PROJECT}:ciliumExtraValues: Cilium {version}'s values.schema.json refuses the release's values, as "
                "Helm would:\n" + "\n".join(f"  - {problem}" for problem in problems)
            )


def _unknown_fail_on(run: ProgramRun, fail_on: list[str]) -> None:
    names = sorted({r.name for r in run.registrations})
    unknown = sorted(set(fail_on) - set(names))
    if unknown:
        raise PlanInputError(
            f"--fail-on {', '.join(unknown)}: no resource of stack {run.stack} has that name; the names are:\n"
            + "\n".join(f"  {name}" for name in names)
        )


def all_config_problems(config: StackConfig) -> ConfigError:
    """The CLI's type errors and the program's own problems together: the CLI would stop at the first kind, and a
    user would need a round per kind. A key with a type error is not judged again by the program."""
    try:
        others = {key: value for key, value in config.values.items() if not key.startswith(f"{config.project}:")}
        examples = frozenset(key.split(":", 1)[1] for key in config.example_keys)
        load_settings(
            project_config(config.values),
            config.stack,
            frozenset(),
            plan_date_from_environment(),
            others,
            component_problems,
            example_keys=examples,
        )
        program: tuple[ConfigProblem, ...] = ()
    except ConfigError as error:
        program = error.problems
    typed = {problem.key for problem in config.type_problems}
    return ConfigError([*config.type_problems, *(problem for problem in program if problem.key not in typed)])


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
    parser.add_argument(
        "--explain", metavar="FLOW", default=None,
        help='print the verdict on one flow, e.g. "payments -> api.stripe.com:443", and the rules that decide it; writes nothing',
    )  # fmt: skip
    parser.add_argument(
        "--diff", type=Path, default=None, metavar="OLD_PLAN_DIR",
        help="also print and write the flows opened and closed and the resources changed since that plan",
    )  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out: Path = args.out or PROJECT_DIR / "build" / "plan" / args.stack
    run = _PlanRun(args, out)
    try:
        if args.explain is not None:  # writes nothing, so neither locks nor claims --out
            return run.plan()
        with PlanLock(out):
            return run.plan()
    except PlanDirError as problem:  # not ours to write, unwritable, or another plan is writing it
        run.error(f"error: {problem}")
        return EXIT_INVALID


class _PlanRun:
    """One invocation: every message goes through the stack's redaction once the secrets are known."""

    def __init__(self, args: argparse.Namespace, out: Path) -> None:
        self.args = args
        self.out = out
        self.redact: Callable[[str], str] = Redactor(())

    def error(self, message: str) -> None:
        print(self.redact(message), file=sys.stderr)

    def plan(self) -> int:
        args, out, error = self.args, self.out, self.error
        config: StackConfig | None = None
        policy_problem: PolicyConfigError | None = None
        try:
            # Read before --out is claimed: the plan to compare with may be the one this run replaces.
            baseline = load_plan(args.diff) if args.diff else None
            if args.explain is None:
                claim(out)
            config = load_stack_config(args.stack, examples=args.examples)
            self.redact = Redactor(config.values[key] for key in config.secret_keys if key in config.values)
            policy_file = PACK_DIR / "config" / f"{args.stack}.json"
            try:
                load_policy_config(policy_file, config.tier)  # a missing or weakening policy config is an input error
            except PolicyConfigError as problem:
                policy_problem = problem  # reported with the config's own problems, after the program has checked them
            if config.type_problems:
                raise all_config_problems(config)
            _progress(f"running __main__.py for stack {args.stack} under the mock engine")
            run = run_program(config, plan_mocks(frozenset(args.fail_on)))
            _unknown_fail_on(run, args.fail_on)
            _values_the_chart_accepts(run)
            if policy_problem is not None:
                raise policy_problem
            config_environment(config.values)  # before the pack starts: Linux would refuse its environment
        except ConfigError as problem:
            assert config is not None
            # A problem found once a peer stack's outputs resolved fails inside the program's outputs; the futures it
            # leaves would each be logged again, with a traceback, when collected.
            logging.getLogger("asyncio").setLevel(logging.CRITICAL)
            also = f"\nerror: {policy_problem}" if policy_problem is not None else ""
            error(f"error: {problem.located(ConfigLocations(config.project_dir, config.stack).where)}{also}")
            return EXIT_INVALID
        except (StackConfigError, PolicyConfigError, PlanInputError, DiffInputError, StackConfigTooLargeError) as problem:
            error(f"error: {problem}")
            return EXIT_INVALID
        except PlanDirError:
            raise
        except Exception as failure:
            # The failed registration leaves futures whose exception nobody awaits; asyncio would log each of them,
            # with its traceback, when they are collected. They all repeat the failure reported here.
            logging.getLogger("asyncio").setLevel(logging.CRITICAL)
            error(_failure_block(failure))
            return EXIT_FAILED
        reachability = analyse(ordered(run), stack_expectations(config))
        if args.explain is not None:
            try:
                print(self.redact("\n".join(explain(reachability, args.explain))))
            except ExpectationError as problem:
                error(f"error: --explain {args.explain!r} {problem}")
                return EXIT_INVALID
            return EXIT_CLEAN
        _progress(f"{len(run.registrations)} resources registered; running the policy pack over the analyzer protocol")
        with PolicyPackProcess(stack_config=config.values) as pack:
            try:
                pack.configure(policy_file)
            except PolicyPackConfigError as problem:  # properties the pack's own config schemas refuse, as the CLI does
                error(f"error: {problem}")
                return EXIT_INVALID
            diagnostics = pack.analyze_all(run.registrations)
        _progress("writing the plan")
        plan = Plan(config, run, diagnostics, args.fail_on, reachability, baseline, args.examples)
        try:
            with StagedPlan(out, scrub=self.redact) as staged:
                plan.write(staged)
                staged.commit(plan.record(policy_file))
        except OSError as problem:  # the disk, not the plan: the previous plan is still in place
            raise PlanDirError(f"cannot write the plan to {out} ({problem.strerror or problem}); the previous plan is unchanged") from None
        print(self.redact(plan.summary(out)))
        if plan.incomplete:
            error(f"error: the plan is INCOMPLETE (exit {EXIT_INCOMPLETE}): Cilium's chart was not rendered.\n{plan.incomplete}")
        for result in reachability.contradicted:
            error(f"error: expectation contradicted: {result.render()}")
        return plan.exit_code


def stack_expectations(config: StackConfig) -> tuple[Expectation, ...]:
    """The stack's declared flows, parsed as the program parsed them (the run has already refused bad ones)."""
    secret = frozenset(key.split(":", 1)[1] for key in config.secret_keys if ":" in key)
    examples = frozenset(key.split(":", 1)[1] for key in config.example_keys)
    raw = project_config(config.values)
    return load_settings(raw, config.stack, secret, plan_date_from_environment(), example_keys=examples).policies.expectations


if __name__ == "__main__":
    sys.exit(main())
