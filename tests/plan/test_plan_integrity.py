"""Plan integrity: `--out` never deletes what the plan did not write, and no failed, interrupted or incomplete run
leaves a plan that looks complete."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import offline.plan
from aks_cilium.testing import Registration
from offline.artifacts import ArtifactError, CiliumArtifacts
from offline.plan import EXIT_INCOMPLETE, main, manifest_path
from offline.plan_files import GENERATOR, PlanDirError, PlanLock, StagedPlan, claim, inputs_digest, written_by_plan
from offline.stack_config import PROJECT_DIR, shipped_examples
from tests.support.no_artifacts import unreachable
from tests.support.stacks import stack_config, with_overrides


def previous_plan(out: Path) -> Path:
    """A directory as an earlier plan left it."""
    out.mkdir(parents=True)
    (out / "plan.json").write_text(json.dumps({"generator": GENERATOR, "status": "clean"}))
    (out / "resources.json").write_text("[]\n")
    return out


def test_out_refuses_a_non_empty_directory_the_plan_did_not_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    assert main(["--stack", "dev", "--out", str(foreign)]) == 2
    assert "is not empty and holds no plan.json written by the offline plan" in capsys.readouterr().err
    assert (foreign / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in foreign.iterdir()) == ["keep.txt"]


def test_a_plan_json_of_someone_else_is_no_marker(tmp_path: Path) -> None:
    foreign = tmp_path / "other"
    foreign.mkdir()
    (foreign / "plan.json").write_text(json.dumps({"generator": "terraform"}))
    assert not written_by_plan(foreign)
    with pytest.raises(PlanDirError):
        claim(foreign)
    assert (foreign / "plan.json").exists()


def test_out_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(PlanDirError, match="is not a directory"):
        claim(target)
    assert target.read_text() == "x"


def test_a_failed_run_leaves_the_previous_plan_intact(tmp_path: Path) -> None:
    out = previous_plan(tmp_path / "plan")
    before = {p.name: p.read_text() for p in out.iterdir()}
    assert main(["--stack", "dev", "--out", str(out), "--fail-on", "aks-cluster"]) == 1
    assert {p.name: p.read_text() for p in out.iterdir()} == before


def test_invalid_configuration_leaves_the_previous_plan_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = previous_plan(tmp_path / "plan")
    before = {p.name: p.read_text() for p in out.iterdir()}
    monkeypatch.setattr(
        "offline.plan.load_stack_config", lambda stack, **_: with_overrides(stack_config(stack), {"podCidr": "10.0.0.0/16"})
    )
    assert main(["--stack", "dev", "--out", str(out)]) == 2
    assert {p.name: p.read_text() for p in out.iterdir()} == before


def test_an_interrupted_run_leaves_neither_plan_nor_partial_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_steps: None
) -> None:
    out = previous_plan(tmp_path / "plan")

    def interrupted(self: offline.plan.Plan, staged: StagedPlan) -> None:
        staged.json("resources.json", [])
        raise KeyboardInterrupt

    monkeypatch.setattr(offline.plan.Plan, "write", interrupted)
    before = {p.name: p.read_text() for p in out.iterdir()}
    with pytest.raises(KeyboardInterrupt):
        main(["--stack", "dev", "--out", str(out)])
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]
    assert {p.name: p.read_text() for p in out.iterdir()} == before


def test_leftovers_of_a_killed_run_are_cleared(tmp_path: Path) -> None:
    leftover = tmp_path / ".plan.partial-abc"
    leftover.mkdir()
    (leftover / "resources.json").write_text("[]")
    with PlanLock(tmp_path / "plan"):
        assert not leftover.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_staged_plan_appears_only_on_commit(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    with StagedPlan(out) as staged:
        staged.json("a.json", {"b": 1, "a": 2})
        assert not out.exists()
        staged.commit({"status": "clean"})
    assert json.loads((out / "plan.json").read_text())["files"] == {"a.json": staged.files["a.json"]}
    assert (out / "a.json").read_text() == '{\n  "a": 2,\n  "b": 1\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]


def test_the_inputs_digest_changes_with_any_input(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text("config: {}\n")
    first = inputs_digest({"Pulumi.dev.yaml": stack_file}, {"failOn": ""})
    assert inputs_digest({"Pulumi.dev.yaml": stack_file}, {"failOn": ""}) == first
    assert inputs_digest({"Pulumi.dev.yaml": stack_file}, {"failOn": "aks-cluster"})["digest"] != first["digest"]
    stack_file.write_text("config: {a: b}\n")
    assert inputs_digest({"Pulumi.dev.yaml": stack_file}, {"failOn": ""})["digest"] != first["digest"]


def test_without_the_chart_the_plan_is_marked_incomplete_and_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], shared_steps: None
) -> None:
    monkeypatch.setattr("offline.plan.cilium_artifacts", unreachable(tmp_path))
    out = tmp_path / "plan"
    assert main(["--stack", "dev", "--out", str(out)]) == EXIT_INCOMPLETE
    err = capsys.readouterr().err
    assert "the plan is INCOMPLETE" in err
    assert "cannot get Cilium 1.20.2's chart and CRDs" in err
    record = json.loads((out / "plan.json").read_text())
    assert (record["status"], record["complete"], record["exitCode"]) == ("incomplete", False, 3)
    assert "cannot get Cilium" in record["summary"]["incomplete"]
    assert not (out / "helm" / "cilium.rendered.yaml").exists()


def test_prod_needs_no_chart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_steps: None) -> None:
    """azure-cilium mode: Azure runs Cilium, the program installs no chart, so nothing is missing."""
    monkeypatch.setattr("offline.plan.cilium_artifacts", unreachable(tmp_path))
    out = tmp_path / "plan"
    assert main(["--stack", "prod", "--examples", str(shipped_examples("prod")), "--out", str(out)]) in (0, 1)
    assert json.loads((out / "plan.json").read_text())["complete"] is True


def test_a_tampered_chart_makes_the_plan_incomplete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_steps: None) -> None:
    def refused(version: str) -> CiliumArtifacts:
        raise ArtifactError(f"Cilium {version} artifacts in $CILIUM_ARTIFACTS_DIR /x are not the pinned ones, refused")

    monkeypatch.setattr("offline.plan.cilium_artifacts", refused)
    out = tmp_path / "plan"
    assert main(["--stack", "dev", "--out", str(out)]) == EXIT_INCOMPLETE
    assert json.loads((out / "plan.json").read_text())["status"] == "incomplete"


def test_make_plan_on_a_clone_without_artifacts_says_it_cannot_get_the_chart(tmp_path: Path) -> None:
    """End to end, as `make plan` runs it: a separate process whose resolver finds nothing and cannot download."""
    script = (
        "import sys, offline.plan as plan\n"
        "from pathlib import Path\n"
        "from tests.support.no_artifacts import unreachable\n"
        f"plan.cilium_artifacts = unreachable(Path({str(tmp_path)!r}))\n"
        f"sys.exit(plan.main(['--stack', 'dev', '--out', {str(tmp_path / 'plan')!r}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == EXIT_INCOMPLETE, done.stderr
    assert "cannot get Cilium 1.20.2's chart and CRDs" in done.stderr
    assert "status: incomplete" in done.stdout
    assert "Traceback" not in done.stderr


def test_a_directory_taken_during_the_run_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_steps: None) -> None:
    out = tmp_path / "plan"
    original = offline.plan.Plan.write

    def someone_else_writes(self: offline.plan.Plan, staged: StagedPlan) -> None:
        out.mkdir()
        (out / "theirs.txt").write_text("theirs")
        original(self, staged)

    monkeypatch.setattr(offline.plan.Plan, "write", someone_else_writes)
    assert main(["--stack", "dev", "--out", str(out)]) == 2
    assert [p.name for p in out.iterdir()] == ["theirs.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]  # the staged plan is gone too


def test_two_objects_with_one_name_get_two_manifest_files() -> None:
    def registration(kind: str) -> Registration:
        inputs = {"apiVersion": "v1", "kind": kind, "metadata": {"name": "demo"}}
        return Registration(
            urn=f"urn:{kind}", type=f"kubernetes:core/v1:{kind}", name="demo", custom=True, parent="", dependencies=(),
            provider="", protect=False, ignore_changes=(), aliases=(), inputs=inputs, wire_inputs=inputs,
        )  # fmt: skip

    taken = {manifest_path(registration("Namespace"), {}): "hash"}
    assert list(taken) == ["manifests/demo.yaml"]
    assert manifest_path(registration("Service"), taken) == "manifests/demo.service.yaml"
