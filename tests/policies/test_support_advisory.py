"""The version policy's advisory `kubernetes-support-ending`: from 60 days before the cluster's minor leaves AKS support
(its `aks-cilium-support-ends` tag), an advisory naming `aks-cilium-next-minor`; never mandatory.

The boundary is the plan's own (aks_cilium/cluster/versions.py `support_warning`, from MicrosoftDocs/azure-aks-docs
articles/aks/supported-kubernetes-versions.md); the levels follow `pulumi/pulumi` `pkg/resource/analyzer/config.go`
`ReconcilePolicyPackConfig`, where a config's `all` overrides a policy's own level.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from aks_cilium.cluster.versions import NEXT_MINOR_TAG, SUPPORT_ENDS_TAG, support_tags, support_warning
from offline.analyzer import PACK_DIR, PolicyPackProcess
from policies.config_check import CONFIG_DIR, policy_config_problems
from policies.rules.catalog import total
from policies.rules.support import judged_on, kubernetes_support_ending
from stack_settings.runtime_source import PLAN_DATE_VARIABLE
from tests.support.stacks import RunStack
from tests.support.tokens import MANAGED_CLUSTER

TAGS = support_tags("1.36")
ENDS = date.fromisoformat(TAGS[SUPPORT_ENDS_TAG])
CLUSTER: dict[str, Any] = {"kubernetesVersion": "1.36", "tags": {"environment": "prod", **TAGS}}


@pytest.mark.parametrize("days_before", [61, 60, 59, 1, 0])
def test_the_advisory_starts_where_the_plans_warning_does(days_before: int) -> None:
    on = ENDS - timedelta(days=days_before)
    findings = kubernetes_support_ending(CLUSTER, on)
    assert bool(findings) == bool(support_warning("1.36", on))
    if findings:
        assert TAGS[NEXT_MINOR_TAG] in findings[0]
        assert ENDS.isoformat() in findings[0]


def test_a_minor_past_its_end_is_reported_and_one_without_tags_is_not() -> None:
    assert "left AKS support" in kubernetes_support_ending(CLUSTER, ENDS + timedelta(days=1))[0]
    assert kubernetes_support_ending({"tags": {"environment": "prod"}}, ENDS) == []
    assert kubernetes_support_ending({}, ENDS) == []


@pytest.mark.parametrize("tags", [{SUPPORT_ENDS_TAG: "June 2027"}, {SUPPORT_ENDS_TAG: 20270630}, "not-an-object"])
def test_a_malformed_tag_is_cannot_verify_not_a_crash(tags: Any) -> None:
    findings = total(kubernetes_support_ending, {"tags": tags}, ENDS)
    assert len(findings) == 1
    assert findings[0].startswith("cannot verify")


def test_the_day_is_injectable_as_the_plans() -> None:
    assert judged_on({PLAN_DATE_VARIABLE: "2027-05-31"}) == date(2027, 5, 31)
    assert isinstance(judged_on({}), date)
    bad = judged_on({PLAN_DATE_VARIABLE: "tomorrow"})
    assert isinstance(bad, str)
    assert PLAN_DATE_VARIABLE in bad
    assert kubernetes_support_ending(CLUSTER, bad) == [bad]


@pytest.mark.parametrize(
    ("config", "refused"),
    [
        ({"all": "mandatory", "stack-tier": {"tier": "prod"}}, "advisory by design"),
        ({"all": "mandatory", "kubernetes-support-ending": "mandatory", "stack-tier": {"tier": "prod"}}, "advisory by design"),
        ({"all": "mandatory", "kubernetes-support-ending": "disabled", "stack-tier": {"tier": "prod"}}, "never off"),
    ],
)
def test_configs_keep_the_advisory_advisory(config: dict[str, Any], refused: str) -> None:
    assert any(refused in problem for problem in policy_config_problems(config, "prod"))


def test_every_shipped_config_names_it_advisory() -> None:
    import json

    for path in sorted(CONFIG_DIR.glob("*.json")):
        if path.name != "schema.json":
            assert json.loads(path.read_text()).get("kubernetes-support-ending") == "advisory", path.name


def test_the_pack_reports_it_as_advisory_on_the_prod_stack(run_stack: RunStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine starts the pack with the CLI's environment (offline/plugin_process.py models it): the plan's date
    reaches the pack. 2027-05-31 is 30 days before 1.36's end."""
    run = run_stack("prod")
    cluster = run.one(MANAGED_CLUSTER)
    assert cluster.inputs["tags"][SUPPORT_ENDS_TAG] == ENDS.isoformat()
    monkeypatch.setenv(PLAN_DATE_VARIABLE, (ENDS - timedelta(days=30)).isoformat())
    with PolicyPackProcess(stack_config={"aks-cilium:tier": "prod"}) as pack:
        pack.configure(PACK_DIR / "config" / "prod.json")
        diagnostics = pack.analyze(cluster)
    findings = [d for d in diagnostics if d.policy == "kubernetes-support-ending"]
    assert [d.level for d in findings] == ["advisory"]
    assert TAGS[NEXT_MINOR_TAG] in findings[0].message
    assert [d for d in diagnostics if d.level == "mandatory"] == []
