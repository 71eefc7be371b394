"""Faults of the offline plan: each exits non-zero without a traceback, and the previous plan stays as it was.

The tests about the `--out` folder replan over a copy of the one real dev plan (tests/plan/conftest.py, `dev_plan`)
with `shared_steps`: the folder's rules act around the program, the pack and the chart, whose answers for the same
inputs are shared rather than computed again, so each test still goes through `offline.plan.main` as it was."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from offline import plan
from offline.plan_files import PLAN_FILE, PlanLock, foreign_files, owned_files, sha256_text
from offline.stack_config import PROJECT_DIR, StackConfig, StackConfigError, load_stack_config
from offline.stack_yaml import StackYaml, allowed_alias_ratio
from tests.support.artifacts import requires_artifacts
from tests.support.secrets import leaked, secret_text
from tests.support.stacks import stack_config, with_overrides

EXIT_INVALID = 2


@pytest.fixture
def previous(dev_plan: tuple[int, Path], tmp_path: Path, shared_steps: None) -> Path:
    """A copy of the real dev plan, as a previous run left it, for a replan over it."""
    assert dev_plan[0] in (0, 1, 3)  # clean, violations, or written without the chart: a plan either way
    return copy_plan(dev_plan[1], tmp_path / "plan")


def copy_plan(source: Path, target: Path) -> Path:
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)
    return target


def snapshot(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): p.read_text() for p in sorted(directory.rglob("*")) if p.is_file()}


# --- the folder ------------------------------------------------------------------------------------------------------


@requires_artifacts  # exit 0/1 needs the chart rendered; without it the replan is incomplete (exit 3)
def test_files_a_reviewer_added_survive_a_replan(previous: Path) -> None:
    out = previous
    (out / "REVIEW.md").write_text("looks fine\n")
    (out / "notes").mkdir()
    (out / "notes" / "flows.txt").write_text("checked\n")
    assert plan.main(["--stack", "dev", "--out", str(out)]) in (0, 1)
    assert (out / "REVIEW.md").read_text() == "looks fine\n"
    assert (out / "notes" / "flows.txt").read_text() == "checked\n"
    assert json.loads((out / PLAN_FILE).read_text())["stack"] == "dev"
    assert sorted(foreign_files(out)) == ["REVIEW.md", "notes/flows.txt"]


def test_a_plan_file_edited_since_is_not_overwritten(previous: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = previous
    (out / "resources.json").write_text("[] # reviewed\n")
    before = snapshot(out)
    assert plan.main(["--stack", "dev", "--out", str(out)]) == EXIT_INVALID
    assert "resources.json" in capsys.readouterr().err
    assert snapshot(out) == before


@pytest.mark.parametrize(
    "files",
    [{"keep.txt": "0" * 64}, {"../outside.txt": "0" * 64}, {"/etc/passwd": "0" * 64}, "everything"],
    ids=["wrong-digest", "traversal", "absolute", "not-a-map"],
)
def test_a_forged_marker_proves_nothing_it_does_not_hash(tmp_path: Path, files: Any, shared_steps: None) -> None:
    out = tmp_path / "plan"
    out.mkdir()
    (out / "keep.txt").write_text("mine\n")
    (out / PLAN_FILE).write_text(json.dumps({"generator": "aks-cilium offline plan", "files": files}))
    code = plan.main(["--stack", "dev", "--out", str(out)])
    assert (out / "keep.txt").read_text() == "mine\n"
    if code == EXIT_INVALID:  # a marker that cannot be ours: the folder is refused as a whole
        assert not isinstance(files, dict) or any(".." in k or k.startswith("/") for k in files)
    else:
        assert "keep.txt" not in owned_files(out)


def test_a_second_plan_into_the_same_folder_is_refused_while_the_first_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """In this process: `flock` locks belong to an open file description, so a second `open` and lock conflict here as
    in another process (flock(2)). The refusal comes before the program runs, so no SDK future is left to log a
    traceback at exit; an uncaught exception would fail this test. `python -m offline.plan` as its own process is
    tests/plan/test_plan_errors.py's and test_plan_integrity.py's."""
    out = tmp_path / "plan"
    with PlanLock(out):
        code = plan.main(["--stack", "dev", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == EXIT_INVALID
    assert "another offline plan is writing" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_an_out_under_a_file_exits_2_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """In this process, as the lock's refusal above: nothing runs before `--out` is refused."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = plan.main(["--stack", "dev", "--out", str(blocker / "plan")])
    err = capsys.readouterr().err
    assert code == EXIT_INVALID, err
    assert "choose a writable directory" in err
    assert "Traceback" not in err


def test_a_failing_disk_keeps_the_previous_plan(previous: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing fails after the program ran (a full or read-only disk): exit 2, and the previous plan is intact."""
    out = previous
    before = snapshot(out)

    def full_disk(*args: Any, **kwargs: Any) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "mkdtemp", full_disk)
    assert plan.main(["--stack", "dev", "--out", str(out)]) == EXIT_INVALID
    assert snapshot(out) == before


def test_a_swap_that_fails_puts_the_previous_plan_back(previous: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = previous
    before = snapshot(out)
    original = Path.rename

    def failing(self: Path, target: Any) -> Any:
        if self.name.startswith(".plan.partial-"):
            raise OSError(5, "Input/output error")
        return original(self, target)

    monkeypatch.setattr(Path, "rename", failing)
    assert plan.main(["--stack", "dev", "--out", str(out)]) == EXIT_INVALID
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


# --- the input ------------------------------------------------------------------------------------------------------


def bomb(levels: int) -> str:
    lines = ["config:", "  aks-cilium:location: &a0 westeurope"]
    lines += [f"  aks-cilium:x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_as_the_clis_parser_refuses_it(tmp_path: Path) -> None:
    """yaml.v3 `decode.go` (gopkg.in/yaml.v3, go-yaml/yaml branch v3): `decoder.unmarshal` counts every decoded node
    and those decoded under an alias, and refuses "document contains excessive aliasing" once more than 100 aliased
    and 1,000 nodes are decoded with an aliased share above `allowedAliasRatio`."""
    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.bomb.yaml").write_text(bomb(12))
    with pytest.raises(StackConfigError, match="excessive aliasing"):
        load_stack_config("bomb", tmp_path)


def test_an_anchor_that_contains_itself_is_refused(tmp_path: Path) -> None:
    """yaml.v3 `decoder.alias`: "anchor '%s' value contains itself"."""
    path = tmp_path / "Pulumi.t.yaml"
    path.write_text("config:\n  aks-cilium:namespaces: &n [a, *n]\n")
    document = StackYaml(path)
    with pytest.raises(Exception, match="contains an alias of itself"):
        document.decode(document.root)  # type: ignore[arg-type]


def test_modest_aliases_are_read_as_the_cli_reads_them(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.t.yaml").write_text("config:\n  aks-cilium:namespaces: &ns [a, b]\n  aks-cilium:metadataEndpointNamespaces: *ns\n")
    values = load_stack_config("t", tmp_path, environ={}).values
    assert values["aks-cilium:metadataEndpointNamespaces"] == values["aks-cilium:namespaces"] == '["a","b"]'


def test_the_alias_ratio_follows_yaml_v3() -> None:
    assert (allowed_alias_ratio(1000), allowed_alias_ratio(4_000_000)) == (0.99, 0.10)
    assert allowed_alias_ratio(2_200_000) == pytest.approx(0.99 - 0.89 * 0.5)


def test_the_alias_bomb_exits_2_through_the_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.bomb.yaml").write_text(bomb(12))
    monkeypatch.setattr("offline.plan.load_stack_config", lambda stack, **_: load_stack_config("bomb", tmp_path))
    assert plan.main(["--stack", "dev", "--out", str(tmp_path / "plan")]) == EXIT_INVALID
    assert "excessive aliasing" in capsys.readouterr().err


def with_extra(values: dict[str, Any]) -> Any:
    return lambda stack, **_: with_overrides(load_stack_config(stack), {"ciliumExtraValues": json.dumps(values)})


# Values of the wrong type at three paths of different kinds (an integer, a boolean, an object).
SCHEMA_REFUSES: dict[str, dict[str, Any]] = {
    "values.hubble.relay.replicas": {"hubble": {"relay": {"replicas": "two"}}},
    "values.debug.enabled": {"debug": {"enabled": "yes"}},
    "values.operator.resources": {"operator": {"resources": "a lot"}},
}


@requires_artifacts  # the schema is the chart's values.schema.json
def test_extra_values_the_charts_schema_refuses_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Helm validates values against the chart's values.schema.json before it renders (helm/helm
    pkg/chartutil/jsonschema.go); ../shared/cilium/1.20.0/values.schema.json types these paths. The three wrong
    values go into one plan: the check lists every value the schema refuses, so each path named in the one error
    proves that value is refused, as three plans of one value each did."""
    extra: dict[str, Any] = {}
    for value in SCHEMA_REFUSES.values():
        extra |= value
    monkeypatch.setattr("offline.plan.load_stack_config", with_extra(extra))
    assert plan.main(["--stack", "dev", "--out", str(tmp_path / "plan")]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "aks-cilium:ciliumExtraValues" in err
    assert "values.schema.json" in err
    for path in SCHEMA_REFUSES:
        assert f"  - {path}: " in err, (path, err)
    assert not (tmp_path / "plan").exists()


def with_fqdn(stack: str, *items: str) -> Any:
    def patched(name: str, **_kwargs: object) -> StackConfig:
        config = stack_config(name)
        namespaces = json.loads(config.values["aks-cilium:namespaces"])
        for item in items:
            namespace, _, fqdn = item.partition(":")
            namespaces[namespace].setdefault("egress", []).append({"fqdn": fqdn, "ports": [443]})
        return with_overrides(config, {"namespaces": json.dumps(namespaces)})

    return patched


LABEL = "a" * 62
NEAR_LIMIT = f"{LABEL}.{LABEL}.{LABEL}.{'b' * 62}.com"  # 255 characters


@pytest.mark.parametrize(
    ("stack", "items", "code"),
    [
        ("prod", ("payments:api.example.com.", "payments:*.example.com."), 0),
        ("prod", (f"payments:{NEAR_LIMIT}",), EXIT_INVALID),
        ("prod", ("payments:**.example.com",), EXIT_INVALID),
        ("prod", ("payments:*",), EXIT_INVALID),
        ("dev", (f"client:{NEAR_LIMIT}",), EXIT_INVALID),  # both modes list the search-list expansions
        ("dev", (f"client:a{NEAR_LIMIT}",), EXIT_INVALID),
    ],
    ids=["managed-trailing-dot-and-pattern-dot", "managed-near-255", "managed-multi-label", "managed-star",
         "byocni-255", "byocni-256"],
)  # fmt: skip
def test_fqdn_forms_are_decided_up_front_in_both_modes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    shared_steps: None,
    stack: str,
    items: tuple[str, ...],
    code: int,
) -> None:
    """Cilium's CRD limits names and patterns to 255 characters (../shared/cilium/1.20.0/ciliumnetworkpolicies.yaml,
    matchName/matchPattern maxLength); on Azure's managed Cilium the DNS rule also lists every search-list expansion
    of a name (aks_cilium/network_policy/builders.py), as Cilium's own does now (no bare `*`, which let any name out),
    so the name plus its longest suffix must fit in both.

    A refused form is planned alone; the forms a mode accepts share one plan, whose exit 0 means the program took
    each of them and the pack let each through (a refused one would fail the plan, naming the key)."""
    monkeypatch.setattr("offline.plan.load_stack_config", with_fqdn(stack, *items))
    assert plan.main(["--stack", stack, "--out", str(tmp_path / "plan")]) == code  # an exception would fail the test
    if code == EXIT_INVALID:
        assert "aks-cilium:namespaces" in capsys.readouterr().err


@requires_artifacts  # a byocni plan renders the chart: without it a clean plan is incomplete (exit 3), not 0
def test_fqdn_forms_byocni_accepts_trailing_dot_and_multi_label(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_steps: None
) -> None:
    """The forms bring-your-own-CNI Cilium accepts share one plan (see the test above for the rules)."""
    monkeypatch.setattr("offline.plan.load_stack_config", with_fqdn("dev", "client:api.example.com.", "client:**.example.com"))
    assert plan.main(["--stack", "dev", "--out", str(tmp_path / "plan")]) == 0


def test_the_written_marker_hashes_what_it_lists(dev_plan: tuple[int, Path]) -> None:
    _, out = dev_plan
    marker = json.loads((out / PLAN_FILE).read_text())
    assert all(sha256_text((out / name).read_text()) == digest for name, digest in marker["files"].items())
    assert owned_files(out) == {PLAN_FILE, *marker["files"]}


# --- secrets ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dev_config() -> StackConfig:
    """dev's stack config, read once: each example changes one key of it (StackConfig is frozen)."""
    return load_stack_config("dev")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(secret=secret_text)
def test_the_offline_plan_prints_no_rendering_of_an_arbitrary_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], dev_config: StackConfig, secret: str
) -> None:
    """A secret the settings refuse (kubeloginClientId must be a GUID): exit 2, and neither stdout nor stderr carries
    any rendering of it (stack_settings/redaction.py, one redaction for every message)."""
    monkeypatch.setattr(
        "offline.plan.load_stack_config",
        lambda stack, **_: with_overrides(dev_config, {"kubeloginClientId": secret}, secrets=("kubeloginClientId",)),
    )
    capsys.readouterr()
    assert plan.main(["--stack", "dev", "--out", str(tmp_path / "secret-plan")]) == EXIT_INVALID
    printed = capsys.readouterr()
    assert leaked(secret, printed.out + printed.err) == []
