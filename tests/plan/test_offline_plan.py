"""The offline plan: files, secrets, exit codes, and agreement with the unit tests' view."""

from __future__ import annotations

import gc
import hashlib
import json
from pathlib import Path

import pytest
import yaml

from aks_cilium.testing import AzureMocks, InjectedFailureError
from offline.engine import run_program
from offline.plan import main
from offline.plan_files import PLAN_FILE
from offline.stack_config import load_stack_config
from tests.support.artifacts import requires_artifacts
from tests.support.stacks import RunStack, stack_config


@requires_artifacts
def test_dev_plan_is_clean_and_complete(dev_plan: tuple[int, Path]) -> None:
    code, out = dev_plan
    assert code == 0
    resources = json.loads((out / "resources.json").read_text())
    assert {"urn", "type", "name", "parent", "dependencies", "provider", "protect", "ignoreChanges", "inputs"} <= set(resources[0])
    manifests = list((out / "manifests").glob("*.yaml"))
    assert len(manifests) == len([r for r in resources if r["type"].startswith("kubernetes:") and "apiVersion" in r["inputs"]])
    for path in manifests:
        manifest = yaml.safe_load(path.read_text())
        assert {"apiVersion", "kind", "metadata"} <= set(manifest), path.name
    report = json.loads((out / "policy-report.json").read_text())
    assert [d["policy"] for d in report] == ["api-server-restricted"]
    assert (out / "helm" / "cilium.values.yaml").is_file()


@requires_artifacts
def test_dev_plan_renders_the_chart(dev_plan: tuple[int, Path]) -> None:
    _, out = dev_plan
    kinds = {doc["kind"] for doc in yaml.safe_load_all((out / "helm" / "cilium.rendered.yaml").read_text())}
    assert {"DaemonSet", "Deployment", "ConfigMap"} <= kinds


def _whole_floats(value: object, path: str = "") -> list[str]:
    if isinstance(value, float) and value.is_integer():
        return [f"{path}: {value}"]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _whole_floats(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in _whole_floats(item, f"{path}[{index}]")]
    return []


def test_plan_files_write_whole_numbers_as_integers(dev_plan: tuple[int, Path], run_stack: RunStack) -> None:
    """The engine carries every number as a double; Kubernetes, Helm and Azure receive it from Go's JSON encoder,
    which writes a whole float64 without a fraction (`golang/go` `src/encoding/json/encode.go`, `floatEncoder`), and
    their schemas want integers there (replicas, ports, counts). The plan files read the same."""
    _, out = dev_plan
    files = {path: json.loads(path.read_text()) for path in out.glob("*.json")}
    files |= {path: list(yaml.safe_load_all(path.read_text())) for path in [*out.rglob("*.yaml")]}
    assert out / "resources.json" in files
    assert out / "helm" / "cilium.values.yaml" in files
    assert any(path.parent.name == "manifests" for path in files)
    assert {str(path.relative_to(out)): found for path, value in files.items() if (found := _whole_floats(value))} == {}

    run = run_stack("dev")
    recorded = run.one("kubernetes:helm.sh/v3:Release").inputs["values"]
    assert isinstance(recorded["cluster"]["id"], float)  # as the engine carries it
    (values,) = files[out / "helm" / "cilium.values.yaml"]
    assert values["cluster"]["id"] == recorded["cluster"]["id"]
    assert type(values["cluster"]["id"]) is int
    assert type(values["operator"]["replicas"]) is int
    (cluster,) = [r for r in files[out / "resources.json"] if r["type"] == "azure-native:containerservice:ManagedCluster"]
    assert all(type(pool["maxPods"]) is int for pool in cluster["inputs"]["agentPoolProfiles"])


def test_plan_matches_the_unit_tests_view(dev_plan: tuple[int, Path], run_stack: RunStack) -> None:
    _, out = dev_plan
    run = run_stack("dev")
    resources = json.loads((out / "resources.json").read_text())
    assert {r["urn"]: r["inputs"] for r in resources} == {r.urn: r.inputs for r in run.registrations}
    # Sorted by URN, whatever order the SDK's async scheduling registered them in.
    assert [r["urn"] for r in resources] == sorted(r.urn for r in run.registrations)


def test_two_plans_are_byte_identical(dev_plan: tuple[int, Path], tmp_path: Path) -> None:
    """Complete or not (without Cilium's chart the plan is written as incomplete), the same inputs give the same bytes."""
    code, first = dev_plan
    second = tmp_path / "again"
    assert main(["--stack", "dev", "--out", str(second)]) == code

    def contents(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    assert contents(first) == contents(second)


@requires_artifacts
def test_plan_json_records_status_stack_inputs_and_every_file(dev_plan: tuple[int, Path]) -> None:
    _, out = dev_plan
    record = json.loads((out / "plan.json").read_text())
    assert (record["generator"], record["status"], record["complete"], record["exitCode"]) == ("aks-cilium offline plan", "clean", True, 0)
    assert record["stack"] == "dev"
    assert record["inputs"]["digest"].startswith("sha256:")
    assert {"Pulumi.yaml", "Pulumi.dev.yaml", "policies/config/dev.json", "offline/cilium_sums/1.20.0.sha256"} <= set(
        record["inputs"]["files"]
    )
    resources = json.loads((out / "resources.json").read_text())
    assert record["summary"]["resources"] == len(resources)
    assert sum(record["summary"]["resourcesByType"].values()) == len(resources)
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} - {"plan.json"}
    assert set(record["files"]) == on_disk
    for name, digest in record["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name


def test_no_secret_reaches_any_file(dev_plan: tuple[int, Path], run_stack: RunStack) -> None:
    _, out = dev_plan
    kubeconfig = run_stack("dev").outputs["kubeconfig"]
    user_block = kubeconfig[kubeconfig.index("users:") :]
    files = [path for path in out.rglob("*") if path.is_file()]
    assert out / "resources.json" in files
    for path in files:
        text = path.read_text()
        assert user_block not in text, path
        assert "certificate-authority-data" not in text, path


def test_invalid_configuration_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--stack", "staging", "--out", str(tmp_path / "x")]) == 2
    assert "no stack file Pulumi.staging.yaml" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@requires_artifacts
def test_mandatory_violation_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_steps: None) -> None:
    """The pack judges the shared dev run under an all-mandatory policy config: a config it has not seen, so the pack
    process runs for it (tests/plan/conftest.py)."""
    monkeypatch.setattr("offline.plan.PACK_DIR", tmp_path)
    (tmp_path / "config").mkdir()
    config = {"all": "mandatory", "kubernetes-support-ending": "advisory", "stack-tier": {"tier": "dev"}}
    (tmp_path / "config" / "dev.json").write_text(json.dumps(config))
    assert main(["--stack", "dev", "--out", str(tmp_path / "out")]) == 1
    report = json.loads((tmp_path / "out" / "policy-report.json").read_text())
    assert any(d["enforcementLevel"] == "mandatory" for d in report)


def test_bad_config_value_exits_2_naming_the_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.stacks import with_overrides

    monkeypatch.setattr(
        "offline.plan.load_stack_config", lambda stack, **_: with_overrides(stack_config(stack), {"podCidr": "10.0.0.0/16"})
    )
    assert main(["--stack", "dev", "--out", str(tmp_path / "x")]) == 2
    assert "aks-cilium:podCidr" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_the_programs_collector_settings_last_only_as_long_as_its_run() -> None:
    host = gc.get_threshold()
    run = run_program(load_stack_config("dev"))
    # The program collects less often than the defaults; the harness process gets its own settings back.
    assert run.gc_thresholds[0] > host[0]
    assert gc.get_threshold() == host
    with pytest.raises(InjectedFailureError):
        run_program(load_stack_config("dev"), AzureMocks(fail_on=frozenset({"cilium-release"})))
    assert gc.get_threshold() == host


def test_the_plan_lists_the_namespaces_it_does_not_create(dev_plan: tuple[int, Path], dev_plan_summary: str) -> None:
    """#21: namespaces marked external are named by the plan, in plan.json and in the printed summary, as the
    NetworkPolicySet registered them (dev's stack file lists `monitoring`)."""
    _, out = dev_plan
    assert json.loads((out / PLAN_FILE).read_text())["summary"]["externalNamespaces"] == ["monitoring"]
    assert "Not created by this stack (externalNamespaces): monitoring\n" in dev_plan_summary
