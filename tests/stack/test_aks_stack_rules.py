"""The stacks' Azure side: version policy, refused combinations (exit 2 naming the key, nothing written), placeholders."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from aks_cilium.cluster.versions import CALENDAR, DEFAULT_MINOR, READ_ON, support_problem, support_warning
from aks_cilium.testing import ProgramRun
from offline.plan import main as plan_main
from offline.stack_config import load_stack_config
from stack_settings import ConfigError
from stack_settings.load import load_settings, project_config
from stack_settings.runtime_source import PLAN_DATE_VARIABLE
from tests.support.program_settings import program_config_error, program_settings
from tests.support.stacks import RunStack, example_keys, stack_config, with_overrides

NIL = "00000000-0000-0000-0000-000000000000"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def settings_problems(stack: str, overrides: dict[str, str], plan_date: date = READ_ON) -> frozenset[str]:
    config = with_overrides(stack_config(stack), overrides)
    try:
        load_settings(project_config(config.values), stack, plan_date=plan_date, example_keys=example_keys(config))
    except ConfigError as error:
        return error.keys
    return frozenset()


def test_version_policy_refuses_only_minors_out_of_support_or_not_yet_ga() -> None:
    """AKS release calendar (MicrosoftDocs/azure-aks-docs articles/aks/supported-kubernetes-versions.md): 1.33 ended
    2026-07, 1.34 ends 2026-11, 1.35 2027-03, 1.36 2027-06; a month means its last day; clusters cannot be created in
    platform support. A minor that is still supported is never refused, however close its end (no deploy freeze);
    the refusal names the minor to move to, one up (AKS upgrades one minor at a time)."""
    assert "left AKS community support on 2026-07-31" in (support_problem("1.33", READ_ON) or "")
    assert "move to 1.34" in (support_problem("1.33", READ_ON) or "")
    assert support_problem("1.34", READ_ON) is None  # 4 days left: a warning, not a refusal
    assert support_problem("1.35", date(2027, 3, 31)) is None
    assert "move to 1.36" in (support_problem("1.35", date(2027, 4, 1)) or "")
    assert support_problem("1.36", READ_ON) is None
    assert "not generally available" in (support_problem("1.37", date(2026, 9, 1)) or "")
    assert "the newest GA minor is 1.36" in (support_problem("1.37", date(2026, 9, 1)) or "")
    assert "not in the version policy's table" in (support_problem("1.40", READ_ON) or "")


def test_a_minor_close_to_its_end_is_a_warning_naming_the_next_one() -> None:
    assert support_warning("1.35", date(2027, 1, 30)) is None  # 60 days before 2027-03-31
    assert support_warning("1.35", date(2027, 1, 31)) == (
        "1.35 leaves AKS community support on 2027-03-31, 59 days after 2027-01-31: move to 1.36"
    )
    assert "move to 1.35" in (support_warning("1.34", READ_ON) or "")
    assert support_warning("1.33", READ_ON) is None  # refused instead


def test_lts_extends_the_window_and_needs_premium() -> None:
    """LTS: one more year, Premium tier and supportPlan AKSLongTermSupport (long-term-support.md)."""
    assert support_problem("1.33", READ_ON, "AKSLongTermSupport") is None
    lts = {"kubernetesVersion": "1.33", "kubernetesSupportPlan": "AKSLongTermSupport"}
    assert settings_problems("prod", {**lts, "skuTier": "Premium"}) == set()
    assert settings_problems("prod", lts) == {"kubernetesSupportPlan"}


def test_default_minor_is_ga_and_far_from_its_end() -> None:
    assert support_problem(DEFAULT_MINOR, READ_ON) is None
    newest = max(CALENDAR, key=lambda row: row.aks_ga)
    assert next(row for row in CALENDAR if row.minor == DEFAULT_MINOR).aks_ga <= newest.aks_ga <= READ_ON


def test_thirty_days_before_the_end_the_plan_warns_and_after_it_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue #23 "Done when": 30 days before 1.36 leaves community support (2027-06-30) the plan exits 0 with a warning
    naming 1.37; the day after the end it exits 2 naming kubernetesVersion. Shown with prod's whole plan; dev, on the
    same minor, gets the same warning and refusal from the program's config check (next test)."""
    assert stack_config("prod").values["aks-cilium:kubernetesVersion"] == DEFAULT_MINOR == "1.36"
    monkeypatch.setattr("offline.plan.load_stack_config", lambda name, **_: stack_config(name))
    monkeypatch.setenv(PLAN_DATE_VARIABLE, "2027-05-31")
    assert plan_main(["--stack", "prod", "--out", str(tmp_path / "before")]) == 0
    out = capsys.readouterr().out
    assert "warning: aks-cilium:kubernetesVersion: 1.36 leaves AKS community support on 2027-06-30, 30 days after" in out
    assert "move to 1.37" in out
    monkeypatch.setenv(PLAN_DATE_VARIABLE, "2027-07-01")
    assert plan_main(["--stack", "prod", "--out", str(tmp_path / "after")]) == 2
    err = capsys.readouterr().err
    assert "aks-cilium:kubernetesVersion: '1.36' left AKS community support on 2027-06-30" in err
    assert "pulumi config set aks-cilium:kubernetesVersion 1.37" in err


def test_dev_gets_the_same_warning_and_refusal_from_its_config_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan prints the warnings the settings carry and exits 2 with the ConfigError (previous test); dev's
    settings carry the same ones."""
    assert stack_config("dev").values["aks-cilium:kubernetesVersion"] == DEFAULT_MINOR
    monkeypatch.setenv(PLAN_DATE_VARIABLE, "2027-05-31")
    (warning,) = program_settings(stack_config("dev")).warnings
    assert warning.startswith("aks-cilium:kubernetesVersion: 1.36 leaves AKS community support on 2027-06-30, 30 days after")
    assert "move to 1.37" in warning
    monkeypatch.setenv(PLAN_DATE_VARIABLE, "2027-07-01")
    error = str(program_config_error(stack_config("dev")))
    assert "aks-cilium:kubernetesVersion: '1.36' left AKS community support on 2027-06-30" in error
    assert "pulumi config set aks-cilium:kubernetesVersion 1.37" in error


REFUSED = [
    # patch keeps the minor and moves the patch: a pinned patch would be resent as a downgrade (auto-upgrade-cluster.md)
    ("dev", {"kubernetesVersion": "1.36.2"}, "kubernetesVersion"),
    ("dev", {"kubernetesVersion": "1.33"}, "kubernetesVersion"),
    # LTS keeps its minor with the patch channel only (long-term-support.md; auto-upgrade-cluster.md, stable and rapid)
    ("dev", {"kubernetesSupportPlan": "AKSLongTermSupport", "skuTier": "Premium", "upgradeChannel": "stable"}, "upgradeChannel"),
    # node-image forces NodeImage (auto-upgrade-node-os-image.md)
    ("dev", {"upgradeChannel": "node-image", "nodeOsUpgradeChannel": "SecurityPatch"}, "nodeOsUpgradeChannel"),
    # outbound types that need a NAT gateway or route table the program does not create (UPSTREAM.md, AKS limits)
    ("dev", {"outboundType": "userAssignedNATGateway"}, "outboundType"),
    ("dev", {"outboundType": "userDefinedRouting"}, "outboundType"),
    # the program always brings its VNet, and a managed NAT gateway is AKS-managed VNets' only (nat-gateway.md)
    ("prod", {"outboundType": "managedNATGateway"}, "outboundType"),
    # the service CIDR must be smaller than /12 (concepts-network-azure-cni-overlay.md)
    ("dev", {"serviceCidr": "10.0.0.0/12", "dnsServiceIp": "10.0.0.10"}, "serviceCidr"),
    # an ephemeral OS disk must fit the temp disk: 75 GiB on D2ds_v5, 150 GiB on D4ds_v5 (UPSTREAM.md, concepts-storage.md)
    ("dev", {"osDiskSizeGb": "128"}, "osDiskSizeGb"),
    ("prod", {"osDiskSizeGb": "160"}, "osDiskSizeGb"),
    # kube-proxy keeps running on BYOCNI; turning it off is a preview API (configure-kube-proxy.md)
    ("dev", {"kubeProxyReplacement": "true"}, "kubeProxyReplacement"),
    # LTS needs Premium (long-term-support.md)
    ("dev", {"kubernetesSupportPlan": "AKSLongTermSupport"}, "kubernetesSupportPlan"),
    # maintenance windows last 4 to 24 hours (planned-maintenance.md)
    ("prod", {"autoUpgradeWindow": "Sunday 01:00 2h"}, "autoUpgradeWindow"),
    ("prod", {"nodeOsUpgradeWindow": "Caturday 01:00 4h"}, "nodeOsUpgradeWindow"),
    # no placeholders outside dev: RFC 5737 documentation ranges and the nil GUID
    ("prod", {"apiServerAuthorizedIpRanges": '["203.0.113.0/24"]'}, "apiServerAuthorizedIpRanges"),
    ("prod", {"apiServerAuthorizedIpRanges": '["198.51.100.128/25"]'}, "apiServerAuthorizedIpRanges"),
    ("prod", {"adminGroupObjectIds": f'["{NIL}"]'}, "adminGroupObjectIds"),
    ("prod", {"kubeloginMode": "spn", "kubeloginClientId": NIL, "kubeloginTenantId": TENANT}, "kubeloginClientId"),
    # whoever runs pulumi up signs in as a user or a service principal, never as a group
    ("dev", {"deployerPrincipalType": "Group"}, "deployerPrincipalType"),
]  # fmt: skip


@pytest.mark.parametrize(("stack", "overrides", "key"), REFUSED)
def test_refused_combination_stops_the_program_naming_the_key(
    stack: str, overrides: dict[str, str], key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each combination Azure refuses, with its source beside it in REFUSED (MicrosoftDocs/azure-aks-docs:
    auto-upgrade-cluster.md, auto-upgrade-node-os-image.md, concepts-network-azure-cni-overlay.md, concepts-storage.md,
    configure-kube-proxy.md, long-term-support.md, nat-gateway.md, planned-maintenance.md; ../shared/design/UPSTREAM.md,
    AKS limits), and the program's own placeholder rule: the program's config check names the key and nothing else.
    That `make plan` then exits 2 and writes no plan is one path for every such error (next test)."""
    monkeypatch.setenv(PLAN_DATE_VARIABLE, READ_ON.isoformat())
    error = program_config_error(with_overrides(stack_config(stack), overrides))
    assert re.search(rf"aks-cilium:{key}(\[\d+\])?: ", str(error)), "the key, and the item's index for a list"
    assert settings_problems(stack, overrides) == {key}


# One refusal per stack through the plan CLI, the second an item of a list.
THROUGH_THE_PLAN = [
    ("dev", {"outboundType": "userAssignedNATGateway"}, "outboundType"),
    ("prod", {"apiServerAuthorizedIpRanges": '["203.0.113.0/24"]'}, "apiServerAuthorizedIpRanges"),
]


@pytest.mark.parametrize(("stack", "overrides", "key"), THROUGH_THE_PLAN, ids=["dev", "prod"])
def test_refused_combination_exits_2_naming_the_key_and_writes_nothing(
    stack: str, overrides: dict[str, str], key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(PLAN_DATE_VARIABLE, READ_ON.isoformat())
    config = with_overrides(stack_config(stack), overrides)
    monkeypatch.setattr("offline.plan.load_stack_config", lambda name, **_: config)
    out = tmp_path / "plan"
    assert plan_main(["--stack", stack, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert re.search(rf"aks-cilium:{key}(\[\d+\])?: ", err), "the key, and the item's index for a list"
    assert "Traceback" not in err
    assert not out.exists()


def test_placeholders_are_fine_in_dev() -> None:
    """Dev may keep placeholders. 203.0.113.0/24 is TEST-NET-3, a block reserved for documentation by IETF RFC 5737 (read
    as quoted in rust-lang/rust library/core/src/net/ip_addr.rs, `Ipv4Addr::is_documentation`, not in the RFC itself);
    taking the all-zero UUID as a placeholder is this product's convention."""
    placeholders = {"apiServerAuthorizedIpRanges": '["203.0.113.0/24"]', "adminGroupObjectIds": f'["{NIL}"]'}
    assert settings_problems("dev", placeholders) == set()


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_both_plans_hold_what_azure_needs(run_stack: RunStack, stack: str) -> None:
    """Issue #13 "Done when": a creatable version, the AKS RBAC assignment with every Kubernetes resource behind it, the
    identity and its subnet role before the cluster, Container Insights' DCR where on, maintenance windows in prod."""
    run: ProgramRun = run_stack(stack)
    cluster = run.one("azure-native:containerservice:ManagedCluster")
    assert support_problem(cluster.inputs["kubernetesVersion"], READ_ON) is None
    subnet_role = run.one("azure-native:authorization:RoleAssignment", "aks-subnet-network-contributor")
    assert subnet_role.urn in cluster.dependencies
    assert run.one("azure-native:authorization:RoleAssignment", "aks-deployer-cluster-admin")
    gate = run.one("command:local:Command", "aks-kubernetes-access")
    kubernetes = [r for r in run.registrations if r.type.startswith("kubernetes:")]
    assert kubernetes
    for registration in kubernetes:
        assert gate.urn in registration.dependencies, registration.name
    insights = cluster.inputs["addonProfiles"].get("omsagent", {}).get("enabled", False)
    assert bool(run.of_type("azure-native:monitor:DataCollectionRule")) is insights
    assert bool(run.of_type("azure-native:monitor:DataCollectionRuleAssociation")) is insights
    windows = {r.inputs["configName"] for r in run.of_type("azure-native:containerservice:MaintenanceConfiguration")}
    assert windows == (set() if stack == "dev" else {"aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"})


def test_dev_system_pool_meets_the_documented_minimum(run_stack: RunStack) -> None:
    """System pools need at least 2 nodes and 4 vCPUs (MicrosoftDocs/azure-aks-docs use-system-pools.md)."""
    (system,) = run_stack("dev").one("azure-native:containerservice:ManagedCluster").inputs["agentPoolProfiles"]
    assert system["minCount"] >= 2
    assert system["vmSize"] == "Standard_D4ds_v5"  # 4 vCPUs


def test_prod_deploys_with_workloadidentity_and_the_configured_ids(run_stack: RunStack) -> None:
    """Issue #23 "Done when": in CI the deploy kubeconfig logs in with `--login workloadidentity` and the client and
    tenant ID as flags, which kubelogin's GitHub Actions credential requires (Azure/kubelogin
    pkg/internal/token/githubactionscredential.go; `--login` is the long form of `-l`, docs/book/src/cli/get-token.md);
    `clusterIdentifier` keeps the provider from being replaced when the kubeconfig changes (UPSTREAM.md)."""
    run = run_stack("prod")
    assert "--login\n      - workloadidentity" in run.outputs["kubeconfig"]
    examples = stack_config("prod").values
    client, tenant = examples["aks-cilium:deployClientId"], examples["aks-cilium:deployTenantId"]
    access = run.one("command:local:Command", "aks-kubernetes-access")
    assert access.inputs["environment"]["AKS_CILIUM_KUBECONFIG"] == "[secret]"
    provider = run.one("pulumi:providers:kubernetes")
    assert provider.inputs["clusterIdentifier"].endswith("/managedClusters/aks-cilium-prod")
    settings = load_settings(project_config(examples), "prod", plan_date=READ_ON, example_keys=example_keys(stack_config("prod")))
    assert (settings.cluster.deploy_login_mode, settings.cluster.deploy_client_id, settings.cluster.deploy_tenant_id) == (
        "workloadidentity",
        client,
        tenant,
    )


def test_prod_assigns_cluster_admin_to_the_configured_deployer_whoever_runs(run_stack: RunStack) -> None:
    """Issue #23 "Done when": two different signed-in principals produce the same plan. The deployer comes from
    deployerPrincipals, never from azure-native's client config (getClientConfig)."""
    from aks_cilium.testing import AzureMocks
    from aks_cilium.testing.azure import CLIENT_CONFIG
    from offline.engine import run_program

    config = stack_config("prod")
    laptop = {**CLIENT_CONFIG, "objectId": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "clientId": "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"}
    ci, person = run_stack("prod"), run_program(config, AzureMocks(client_config=laptop))

    def cluster_subtree(run: ProgramRun) -> list[tuple[str, object]]:
        # The cluster and everything under it; Grafana's own role for the deployer (observability) is not the cluster's.
        return [(r.urn, r.inputs) for r in sorted(run.registrations, key=lambda r: r.urn) if "AksCluster" in r.urn]

    assert cluster_subtree(ci) == cluster_subtree(person)
    assert ci.outputs["deployers"] == person.outputs["deployers"]
    deployer = ci.one("azure-native:authorization:RoleAssignment", "aks-deployer-cluster-admin")
    principal_type, object_id = config.values["aks-cilium:deployerPrincipals"].strip('[]"').split(":")
    assert (deployer.inputs["principalType"], deployer.inputs["principalId"]) == (principal_type, object_id)
    assert ci.outputs["deployers"] == [f"{principal_type}:{object_id}"]


def test_dev_assigns_the_signed_in_principal_and_says_so(run_stack: RunStack) -> None:
    """Only a personal dev stack takes its deployer from getClientConfig; the type follows deployerPrincipalType. ARM
    refuses a role assignment whose principalType does not match the principal ("UnmatchedPrincipalType", quoted in
    Azure/modern-web-app-pattern-dotnet pull request #129), and azure-native sends User when none is given
    (pulumi_azure_native/authorization/role_assignment.py)."""
    from aks_cilium.testing.azure import CLIENT_CONFIG

    deployer = ("azure-native:authorization:RoleAssignment", "aks-deployer-cluster-admin")
    run = run_stack("dev")
    assert run.one(*deployer).inputs["principalId"] == CLIENT_CONFIG["objectId"]
    assert run.one(*deployer).inputs["principalType"] == "User"
    assert run.outputs["deployers"] == [f"User:{CLIENT_CONFIG['objectId']}"]
    assert run_stack("dev", deployerPrincipalType="ServicePrincipal").one(*deployer).inputs["principalType"] == "ServicePrincipal"


@pytest.mark.parametrize("key", ["apiServerAuthorizedIpRanges", "adminGroupObjectIds", "deployerPrincipals", "deployClientId"])
def test_prod_without_its_own_values_names_each_missing_one(key: str) -> None:
    """The shipped stack file has no placeholder that could deploy: without the examples, each required value is named."""
    config = load_stack_config("prod")
    assert not config.example_keys
    with pytest.raises(ConfigError) as caught:
        load_settings(project_config(config.values), "prod", plan_date=READ_ON)
    assert key in caught.value.keys


def test_example_values_are_refused_under_a_real_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """The offline plan's examples reach the program through AKS_CILIUM_PLAN_EXAMPLE_KEYS only under the mocks'
    monitor (`pulumi.runtime.set_mocks` installs a MockMonitor); any other monitor means a real engine."""
    from stack_settings import runtime_source

    monkeypatch.setenv(runtime_source.EXAMPLE_KEYS_VARIABLE, "adminGroupObjectIds")
    monkeypatch.setattr(runtime_source, "_under_mocks", lambda: False)
    with pytest.raises(Exception, match="example values are for the offline plan only"):
        runtime_source.example_keys_from_environment()
