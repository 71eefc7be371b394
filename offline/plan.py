"""The offline plan: the real program for one stack under the mock engine, written out for reviewers.

Exit codes: 0 clean, 1 a mandatory policy violated (or a resource failed), 2 invalid configuration.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

from aks_cilium.testing import SECRET, AzureMocks, ProgramRun, Registration
from policies.config_check import PolicyConfigError, load_policy_config
from stack_settings import ConfigError

from .analyzer import PACK_DIR, Diagnostic, PolicyPackProcess
from .chart import chart_archive, chart_defaults, missing_reason, render_chart, unknown_value_paths
from .engine import run_program
from .stack_config import PROJECT_DIR, StackConfigError, load_stack_config

RELEASE = "kubernetes:helm.sh/v3:Release"


def _progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def _manifest(registration: Registration) -> dict[str, Any] | None:
    inputs = registration.inputs
    if not registration.type.startswith("kubernetes:") or "apiVersion" not in inputs:
        return None
    return inputs


def write_plan(run: ProgramRun, out: Path, diagnostics: list[Diagnostic], chart_notes: list[str]) -> None:
    if out.exists():
        shutil.rmtree(out)
    (out / "manifests").mkdir(parents=True)
    (out / "resources.json").write_text(json.dumps([r.as_json() for r in run.registrations], indent=2) + "\n")
    for registration in run.registrations:
        manifest = _manifest(registration)
        if manifest is not None:
            (out / "manifests" / f"{registration.name}.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    (out / "policy-report.json").write_text(json.dumps([d.as_json() for d in diagnostics], indent=2) + "\n")
    releases = [r for r in run.registrations if r.type == RELEASE]
    if releases and releases[0].inputs["values"] == SECRET:
        chart_notes.append("values are secret (ciliumExtraValues set with --secret): neither written nor rendered")
    elif releases:
        (out / "helm").mkdir()
        values = releases[0].inputs["values"]
        (out / "helm" / "cilium.values.yaml").write_text(yaml.safe_dump(values, sort_keys=False))
        version = releases[0].inputs["version"]
        reason = missing_reason(chart_archive(version))
        if reason:
            chart_notes.append(f"chart not rendered: {reason}")
        else:
            rendered = render_chart(values, version)
            (out / "helm" / "cilium.rendered.yaml").write_text(yaml.safe_dump_all(rendered, sort_keys=False))
            chart_notes.append(f"chart cilium {version} rendered: {len(rendered)} objects")
            chart_notes.extend(
                f"UNKNOWN chart value (ignored by the chart): {p}" for p in unknown_value_paths(values, chart_defaults(version))
            )


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


def summary(run: ProgramRun, diagnostics: list[Diagnostic], chart_notes: list[str], out: Path) -> str:
    by_urn = run.by_urn()
    lines = [f"Plan of stack {run.stack}: {len(run.registrations)} resources"]

    def depth(registration: Registration) -> int:
        parent = by_urn.get(registration.parent)
        return 0 if parent is None else 1 + depth(parent)

    for registration in run.registrations:
        detail = _key_settings(registration)
        lines.append(f"{'  ' * (depth(registration) + 1)}+ {registration.type} {registration.name}{'  ' + detail if detail else ''}")
    lines.append("")
    lines.append("Policies:")
    for level in ("mandatory", "advisory"):
        found = [d for d in diagnostics if d.level == level]
        lines.append(f"  {level}: {len(found)}")
        lines.extend(f"    [{d.policy}] {d.message.splitlines()[-1]}" for d in found)
    lines.extend(f"Chart: {note}" for note in chart_notes)
    lines.append(f"\nWritten to {out}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--fail-on", action="append", default=[], metavar="RESOURCE",
        help="make the mock engine fail creating this resource (by Pulumi name), to see how a failed deploy reads",
    )  # fmt: skip
    args = parser.parse_args(argv)
    out = args.out or PROJECT_DIR / "build" / "plan" / args.stack
    try:
        config = load_stack_config(args.stack)
        load_policy_config(PACK_DIR / "config" / f"{args.stack}.json", args.stack)
        _progress(f"running __main__.py for stack {args.stack} under the mock engine")
        run = run_program(config, AzureMocks(fail_on=frozenset(args.fail_on)))
    except (ConfigError, StackConfigError, PolicyConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        print(f"error: the program failed: {error}", file=sys.stderr)
        return 1
    _progress(f"{len(run.registrations)} resources registered; running the policy pack over the analyzer protocol")
    with PolicyPackProcess() as pack:
        pack.configure(PACK_DIR / "config" / f"{args.stack}.json")
        diagnostics = pack.analyze_all(run.registrations)
    _progress("writing the plan")
    chart_notes: list[str] = []
    write_plan(run, out, diagnostics, chart_notes)
    print(summary(run, diagnostics, chart_notes, out))
    return 1 if any(d.level == "mandatory" for d in diagnostics) else 0


if __name__ == "__main__":
    sys.exit(main())
