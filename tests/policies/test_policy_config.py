"""Policy config files: checked against a schema that lists every policy, never weaker than mandatory in prod."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from offline import plan
from offline.stack_config import PROJECT_DIR, load_stack_config
from policies import config_check
from policies.config_check import CONFIG_DIR, PolicyConfigError, load_policy_config, policy_config_problems, policy_names
from policies.rules.catalog import POLICIES
from tests.support.stacks import RunStack

PROD: dict[str, Any] = json.loads((CONFIG_DIR / "prod.json").read_text())


def test_the_schema_lists_exactly_the_packs_policies() -> None:
    assert sorted(policy_names()) == sorted(p.name for p in POLICIES)


# Every stack in the repository (Pulumi.<stack>.yaml), so a stack added without its policy config fails here.
STACKS = sorted(path.name.split(".")[1] for path in PROJECT_DIR.glob("Pulumi.*.yaml"))


def test_every_stack_file_is_found() -> None:
    assert {"dev", "prod"} <= set(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_shipped_configs_pass_their_own_check(stack: str) -> None:
    """Each against its stack's own tier (`aks-cilium:tier`): the mesh example stacks are dev-tier stacks."""
    config_file = CONFIG_DIR / f"{stack}.json"
    assert load_policy_config(config_file, load_stack_config(stack).tier) == json.loads(config_file.read_text())


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"no-open-egres": "mandatory"}, ["unknown policy 'no-open-egres'", "no-open-egress"]),
        ({"all": "advisory"}, ["advisory in prod"]),
        ({"cilium-values-safe": "advisory"}, ["cilium-values-safe is advisory in prod"]),
        ({"stateful-resources-protected": {"enforcementLevel": "disabled"}}, ["stateful-resources-protected is disabled"]),
        ({"hubble-tls-on": "warn"}, ["hubble-tls-on"]),
        ({"stateful-resources-protected": {"resourceTypes": ["azure-native:containerservice:AgentPool"]}}, ["resourceTypes"]),
    ],
    ids=["typo", "all-advisory", "advisory", "disabled-object", "bad-level", "cluster-not-protected"],
)
def test_a_bad_prod_config_is_refused(change: dict[str, Any], words: list[str]) -> None:
    """The CLI validates only the properties of the pack's own policies and drops unknown names silently.

    Source: pulumi/pulumi pkg/resource/analyzer/config.go (validatePolicyPackConfig loops over the pack's policies).
    """
    problems = "; ".join(policy_config_problems({**PROD, **change}, "prod"))
    assert all(word in problems for word in words), problems


def test_dev_may_relax_what_prod_may_not() -> None:
    relaxed = {**PROD, "api-server-restricted": "advisory", "stack-tier": {"tier": "dev"}}
    assert policy_config_problems(relaxed, "dev") == []
    assert policy_config_problems({**relaxed, "stack-tier": {"tier": "prod"}}, "prod") != []
    assert policy_config_problems([], "dev") != []
    # Switching the whole pack off is refused everywhere: a stack that wants no policies should not pass the pack.
    assert policy_config_problems({"all": "disabled"}, "dev") != []


def test_the_offline_plan_refuses_a_bad_policy_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pack_dir = tmp_path / "policies"
    shutil.copytree(CONFIG_DIR, pack_dir / "config")
    (pack_dir / "config" / "prod.json").write_text(json.dumps({**PROD, "cilium-policy-enforced": "disabled"}))
    monkeypatch.setattr(plan, "PACK_DIR", pack_dir)
    out = tmp_path / "plan"
    assert plan.main(["--stack", "prod", "--out", str(out)]) == 2
    assert "cilium-policy-enforced is disabled in prod" in capsys.readouterr().err
    assert not out.exists()


def test_the_command_checks_named_stacks(capsys: pytest.CaptureFixture[str]) -> None:
    assert config_check.main(["dev", "prod"]) == 0
    assert config_check.main(["no-such-stack"]) == 2
    assert "no-such-stack.json: missing" in capsys.readouterr().err


def test_a_missing_config_names_the_file_to_create(tmp_path: Path) -> None:
    with pytest.raises(PolicyConfigError, match="missing; create it"):
        load_policy_config(tmp_path / "staging.json", "staging")


def test_prod_guards_every_type_the_prod_program_protects(run_stack: RunStack) -> None:
    """The engine blocks a replacement only while `protect` is true before and after the update (UPSTREAM.md, Pulumi
    engine, "Protect"), so an update that also unprotects must be caught by the pack: every type the prod program
    protects is on the list `stateful-resources-protected` checks in prod."""
    protected = {r.type for r in run_stack("prod").registrations if r.protect}
    assert {"azure-native:containerservice:ManagedCluster", "azure-native:containerservice:AgentPool"} <= protected
    listed = set(json.loads((CONFIG_DIR / "prod.json").read_text())["stateful-resources-protected"]["resourceTypes"])
    stateful = protected - {t for t in protected if t.startswith("kubernetes:cilium.io/")}
    assert stateful <= listed, sorted(stateful - listed)
